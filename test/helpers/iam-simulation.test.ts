/**
 * The IAM decision harness itself (cfn-resolve.ts, iam-simulation.ts): values resolved as
 * CloudFormation returns them, unknowns refused, conditions really evaluated.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { ResolvedTemplate } from './cfn-resolve';
import { IamSimulator } from './iam-simulation';
import { testStack } from './test-app';

const ENV = { account: '123456789012', region: 'us-east-1', stackName: 'TestStack' };
const resolved = (resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>) => new ResolvedTemplate({ Resources: resources }, ENV);
const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => stack.resolve((construct.node.defaultChild as CfnResource).logicalId) as string;

describe('cfn-resolve', () => {
  it('resolves a log group\'s Arn as CloudFormation returns it, ending in :*', () => {
    const t = resolved({
      Generated: { Type: 'AWS::Logs::LogGroup' },
      Named: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/lambda/my-function' } },
    });
    expect(t.resolve({ 'Fn::GetAtt': ['Named', 'Arn'] })).toBe('arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/my-function:*');
    expect(t.resolve({ Ref: 'Named' })).toBe('/aws/lambda/my-function');
    const generated = t.resolveString({ Ref: 'Generated' });
    expect(generated).toMatch(/^TestStack-Generated-[A-Z0-9]{13}$/);
    expect(t.resolve({ 'Fn::GetAtt': 'Generated.Arn' })).toBe(`arn:aws:logs:us-east-1:123456789012:log-group:${generated}:*`);
    // Deterministic: the same template resolves the same way every time.
    expect(resolved({ Generated: { Type: 'AWS::Logs::LogGroup' } }).resolve({ Ref: 'Generated' })).toBe(generated);
  });

  it('throws on an attribute, a resource type or an intrinsic it does not model, rather than guess', () => {
    const t = resolved({ Group: { Type: 'AWS::Logs::LogGroup' }, Topic: { Type: 'AWS::Foo::Bar' } });
    expect(() => t.resolve({ 'Fn::GetAtt': ['Group', 'StreamArn'] })).toThrow(/attribute StreamArn of AWS::Logs::LogGroup is not modelled/);
    expect(() => t.resolve({ Ref: 'Topic' })).toThrow(/AWS::Foo::Bar is not modelled/);
    expect(() => t.resolve({ Ref: 'Missing' })).toThrow(/no resource 'Missing'/);
    expect(() => t.resolve({ 'Fn::If': ['C', 'a', 'b'] })).toThrow(/Fn::If is not supported/);
  });

  it('resolves pseudo parameters, Fn::Join, both forms of Fn::Sub, Fn::Select, Fn::Split and AWS::NoValue', () => {
    const t = resolved({ Key: { Type: 'AWS::KMS::Key' }, Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'agent-role', Path: '/agents/' } } });
    // The asset bucket of the default synthesizer.
    expect(t.resolve({ 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' })).toBe('cdk-hnb659fds-assets-123456789012-us-east-1');
    expect(t.resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::b/', { Ref: 'AWS::URLSuffix' }]] })).toBe('arn:aws:s3:::b/amazonaws.com');
    expect(t.resolve({ 'Fn::Sub': ['${Name} uses ${Key.Arn} in ${AWS::StackName}, not ${!Literal}', { Name: { Ref: 'Role' } }] }))
      .toMatch(/^agent-role uses arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f-]{36} in TestStack, not \$\{Literal\}$/);
    expect(t.resolve({ 'Fn::GetAtt': ['Role', 'Arn'] })).toBe('arn:aws:iam::123456789012:role/agents/agent-role');
    expect(t.resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] })).toBe('b');
    expect(t.resolve({ A: 'x', B: { Ref: 'AWS::NoValue' }, C: ['y', { Ref: 'AWS::NoValue' }] })).toEqual({ A: 'x', C: ['y'] });
  });

  it('gives an AgentCore runtime the id <name>-<10 characters> and its endpoints <runtime ARN>/runtime-endpoint/<name>', () => {
    const stack = testStack();
    const runtime = new agentcore.CfnRuntime(stack, 'Runtime', {
      agentRuntimeName: 'my_agent_1a2b3c4d',
      agentRuntimeArtifact: { codeConfiguration: { code: { s3: { bucket: 'code-bucket', prefix: 'k.zip' } }, runtime: 'NODE_22', entryPoint: ['index.js'] } },
      networkConfiguration: { networkMode: 'PUBLIC' },
      roleArn: 'arn:aws:iam::123456789012:role/r',
    });
    new agentcore.CfnRuntimeEndpoint(stack, 'Endpoint', { agentRuntimeId: runtime.attrAgentRuntimeId, name: 'live' });
    const t = ResolvedTemplate.fromStack(stack);
    const id = t.resolveString({ 'Fn::GetAtt': ['Runtime', 'AgentRuntimeId'] });
    expect(id).toMatch(/^my_agent_1a2b3c4d-[A-Za-z0-9]{10}$/);
    expect(t.resolve({ Ref: 'Runtime' })).toBe(id);
    expect(t.resolve({ 'Fn::GetAtt': ['Runtime', 'AgentRuntimeArn'] })).toBe(`arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/${id}`);
    expect(t.resolve({ 'Fn::GetAtt': ['Endpoint', 'AgentRuntimeEndpointArn'] })).toBe(`arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/${id}/runtime-endpoint/live`);
  });
});

describe('iam-simulation', () => {
  it('denies writing to a stream on `${logGroupArn}:log-stream:*` and allows it on the log group ARN (the defect it was built for)', async () => {
    const stack = testStack();
    const group = new logs.LogGroup(stack, 'Group');
    const broken = new iam.Role(stack, 'Broken', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    broken.addToPolicy(new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: [`${group.logGroupArn}:log-stream:*`] }));
    const fixed = new iam.Role(stack, 'Fixed', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    fixed.addToPolicy(new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: [group.logGroupArn] }));
    const sim = IamSimulator.fromStack(stack);
    const stream = `arn:aws:logs:us-east-1:123456789012:log-group:${sim.template.resolveString({ Ref: logicalId(stack, group) })}:log-stream:2026/01/01/abc`;
    expect(await sim.decide({ principal: { role: logicalId(stack, broken) }, action: 'logs:PutLogEvents', resource: stream })).toBe('ImplicitlyDenied');
    expect(await sim.decide({ principal: { role: logicalId(stack, fixed) }, action: 'logs:PutLogEvents', resource: stream })).toBe('Allowed');
    expect(await sim.decide({ principal: { role: logicalId(stack, fixed) }, action: 'logs:PutLogEvents', resource: stream.replace(':log-group:', ':log-group:other-') })).toBe('ImplicitlyDenied');
  });

  it('evaluates trust conditions, and refuses a request that lacks a key a condition needs or carries one that does not apply', async () => {
    const stack = testStack();
    const role = new iam.Role(stack, 'Role', {
      assumedBy: new iam.ServicePrincipal('bedrock-agentcore.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': '123456789012' } } }),
    });
    const sim = IamSimulator.fromStack(stack);
    const assume = { principal: { service: 'bedrock-agentcore.amazonaws.com' }, action: 'sts:AssumeRole', resource: sim.roleArn(logicalId(stack, role)) };
    expect(await sim.decide({ ...assume, context: { 'aws:SourceAccount': '123456789012' } })).toBe('Allowed');
    expect(await sim.decide({ ...assume, context: { 'aws:SourceAccount': '999999999999' } })).toBe('ImplicitlyDenied');
    expect(await sim.decide({ ...assume, principal: { service: 'lambda.amazonaws.com' }, context: { 'aws:SourceAccount': '123456789012' } })).toBe('ImplicitlyDenied');
    await expect(sim.decide(assume)).rejects.toThrow(/conditions on aws:SourceAccount, which the request does not carry/);
    await expect(sim.decide({ ...assume, context: { 'aws:SourceAccount': '123456789012', 'cloudwatch:namespace': 'x' } })).rejects.toThrow(/cloudwatch:namespace do not apply/);
  });

  it('evaluates key policies, kms:EncryptionContext keys included, and explicit denies', async () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logs.us-east-1.amazonaws.com')],
      actions: ['kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:us-east-1:123456789012:log-group:mine*' } },
    }));
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    key.grantDecrypt(role);
    role.addToPolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['kms:Decrypt'], resources: [key.keyArn], conditions: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } }));
    const sim = IamSimulator.fromStack(stack);
    const keyArn = sim.template.resolveString({ 'Fn::GetAtt': [logicalId(stack, key), 'Arn'] });
    const logsService = { principal: { service: 'logs.us-east-1.amazonaws.com' }, action: 'kms:GenerateDataKey', resource: keyArn };
    expect(await sim.decide({ ...logsService, context: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:us-east-1:123456789012:log-group:mine' } })).toBe('Allowed');
    expect(await sim.decide({ ...logsService, context: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:us-east-1:123456789012:log-group:theirs' } })).toBe('ImplicitlyDenied');
    const decrypt = { principal: { role: logicalId(stack, role) }, action: 'kms:Decrypt', resource: keyArn };
    expect(await sim.decide({ ...decrypt, context: { 'kms:ViaService': 'lambda.us-east-1.amazonaws.com' } })).toBe('Allowed');
    expect(await sim.decide({ ...decrypt, context: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } })).toBe('ExplicitlyDenied');
    expect(await sim.decide({ ...decrypt, action: 'kms:Encrypt' })).toBe('ImplicitlyDenied');
  });

  it('evaluates a function\'s permissions as its resource policy', async () => {
    const stack = testStack();
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = 1') });
    fn.addPermission('Events', { principal: new iam.ServicePrincipal('events.amazonaws.com'), sourceArn: 'arn:aws:events:us-east-1:123456789012:rule/mine' });
    const sim = IamSimulator.fromStack(stack);
    const invoke = { principal: { service: 'events.amazonaws.com' }, action: 'lambda:InvokeFunction', resource: sim.template.resolveString({ 'Fn::GetAtt': [logicalId(stack, fn), 'Arn'] }) };
    expect(await sim.decide({ ...invoke, context: { 'aws:SourceArn': 'arn:aws:events:us-east-1:123456789012:rule/mine' } })).toBe('Allowed');
    expect(await sim.decide({ ...invoke, context: { 'aws:SourceArn': 'arn:aws:events:us-east-1:123456789012:rule/theirs' } })).toBe('ImplicitlyDenied');
  });

  it('refuses a role with an AWS managed policy, whose content it cannot see', () => {
    const stack = testStack();
    const role = new iam.Role(stack, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
    });
    const sim = IamSimulator.fromStack(stack);
    expect(() => sim.identityPolicies(logicalId(stack, role))).toThrow(/AWSLambdaBasicExecutionRole.*AWS managed policy/);
  });
});
