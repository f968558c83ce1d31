import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { AgentCode, AgentCoreAgentRuntime, AgentCoreDeploymentMethod, AgentRuntimeType } from '../../src';
import { allPolicyStatements, expectValidIam } from '../helpers/iam-validity';
import { synth, TEST_ENV, testStack } from '../helpers/test-app';
import { FIXTURES, nodeAgentCode, pythonAgentCode } from './fixtures';

const RUNTIME = 'AWS::BedrockAgentCore::Runtime';

function statementsWithAction(template: ReturnType<typeof synth>, action: string) {
  return allPolicyStatements(template).filter(({ kind, statement }) => {
    const actions = ([] as unknown[]).concat(statement.Action);
    return kind === 'identity' && actions.includes(action);
  });
}

describe('AgentCoreAgentRuntime', () => {
  it('packages the code as an S3 asset for NODE_22 direct code, with a conditioned role and an endpoint', async () => {
    const stack = testStack();
    const runtime = new AgentCoreAgentRuntime(stack, 'Agent', { agentName: 'invoice-extractor', code: nodeAgentCode() });
    const template = synth(stack);

    expect(runtime.runtimeType).toBe(AgentRuntimeType.AGENTCORE);
    template.resourceCountIs(RUNTIME, 1);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.hasResourceProperties(RUNTIME, {
      AgentRuntimeName: Match.stringLikeRegexp('^TestStack_invoice_extractor_[0-9a-f]{8}$'),
      AgentRuntimeArtifact: {
        CodeConfiguration: {
          Code: { S3: { Bucket: 'cdk-hnb659fds-assets-123456789012-us-east-1', Prefix: Match.stringLikeRegexp('\\.zip$') } },
          Runtime: 'NODE_22',
          EntryPoint: ['index.js'],
        },
      },
      NetworkConfiguration: { NetworkMode: 'PUBLIC' },
      ProtocolConfiguration: 'HTTP',
    });
    template.hasResourceProperties('AWS::BedrockAgentCore::RuntimeEndpoint', { Name: 'live' });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': '123456789012' },
            ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, Match.stringLikeRegexp('^:bedrock-agentcore:us-east-1:123456789012:runtime/TestStack_invoice_extractor_[0-9a-f]{8}-\\*$')]] } },
          },
        }],
      },
    });
    // Application logs are delivered into the log group the construct owns.
    template.hasResourceProperties('AWS::Logs::DeliveryDestination', {
      DestinationResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AgentLogGroup'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Logs::DeliverySource', { LogType: 'APPLICATION_LOGS' });
    // The agent's own OpenTelemetry spans go to the X-Ray OTLP endpoint, which checks xray:PutSpans.
    const [xray] = statementsWithAction(template, 'xray:PutSpans');
    expect(xray?.statement).toMatchObject({ Sid: 'XRay', Resource: '*' });
    await expectValidIam(template);
  });

  it('reads exactly its code object, not the whole assets bucket', () => {
    const stack = testStack();
    new AgentCoreAgentRuntime(stack, 'Agent', { agentName: 'a', code: nodeAgentCode() });
    const template = synth(stack);
    const reads = statementsWithAction(template, 's3:GetObject');
    expect(reads).toHaveLength(1);
    const resources = JSON.stringify(reads[0].statement.Resource);
    expect(resources).toMatch(/assets-123456789012-us-east-1\/[0-9a-f]{64}\.zip/);
    expect(resources).not.toMatch(/us-east-1\/\*/);
  });

  it('runs Python code on PYTHON_3_13 with main.py', () => {
    const stack = testStack();
    new AgentCoreAgentRuntime(stack, 'Agent', { agentName: 'py', code: pythonAgentCode() });
    synth(stack).hasResourceProperties(RUNTIME, {
      AgentRuntimeArtifact: { CodeConfiguration: { Runtime: 'PYTHON_3_13', EntryPoint: ['main.py'] } },
    });
  });

  it('reads a prebuilt ZIP from codeBucket/codeKey with read access on that object only', async () => {
    const stack = testStack();
    new AgentCoreAgentRuntime(stack, 'Agent', {
      agentName: 'a', code: nodeAgentCode(),
      config: { codeBucket: 'my-agent-code', codeKey: 'agents/batch-v1.zip' },
    });
    const template = synth(stack);
    template.hasResourceProperties(RUNTIME, {
      AgentRuntimeArtifact: { CodeConfiguration: { Code: { S3: { Bucket: 'my-agent-code', Prefix: 'agents/batch-v1.zip' } }, Runtime: 'NODE_22' } },
    });
    const reads = statementsWithAction(template, 's3:GetObject');
    expect(reads).toHaveLength(1);
    expect(JSON.stringify(reads[0].statement.Resource)).toContain(':s3:::my-agent-code/agents/batch-v1.zip"');
    expect(JSON.stringify(template.toJSON())).not.toContain('cdk-hnb659fds-assets');
    await expectValidIam(template);
  });

  it('runs a container from imageUri with pull access on that repository only', async () => {
    const stack = testStack();
    new AgentCoreAgentRuntime(stack, 'Agent', {
      agentName: 'a', code: nodeAgentCode(),
      config: { deploymentMethod: AgentCoreDeploymentMethod.CONTAINER, imageUri: '111122223333.dkr.ecr.us-east-1.amazonaws.com/team/agent:v3' },
    });
    const template = synth(stack);
    template.hasResourceProperties(RUNTIME, {
      AgentRuntimeArtifact: { ContainerConfiguration: { ContainerUri: '111122223333.dkr.ecr.us-east-1.amazonaws.com/team/agent:v3' } },
    });
    const pulls = statementsWithAction(template, 'ecr:BatchGetImage');
    expect(pulls).toHaveLength(1);
    expect(JSON.stringify(pulls[0].statement.Resource)).toContain(':ecr:us-east-1:111122223333:repository/team/agent');
    const token = statementsWithAction(template, 'ecr:GetAuthorizationToken');
    expect(token[0].statement.Resource).toBe('*');
    await expectValidIam(template);
  });

  it('runs a container from an ECR repository given as code', () => {
    const stack = testStack();
    const repository = new ecr.Repository(stack, 'Repo');
    new AgentCoreAgentRuntime(stack, 'Agent', {
      agentName: 'a', code: AgentCode.fromEcrImage(repository, 'v1'),
      config: { deploymentMethod: AgentCoreDeploymentMethod.CONTAINER },
    });
    const template = synth(stack);
    template.hasResourceProperties(RUNTIME, { AgentRuntimeArtifact: { ContainerConfiguration: { ContainerUri: Match.anyValue() } } });
    expect(JSON.stringify(statementsWithAction(template, 'ecr:BatchGetImage')[0].statement.Resource)).toContain('Repo');
  });

  it('builds a container from a local Dockerfile directory for ARM64, pulling from the asset repository only', async () => {
    const stack = testStack();
    new AgentCoreAgentRuntime(stack, 'Agent', {
      agentName: 'a', code: AgentCode.fromDockerDirectory(path.join(FIXTURES, 'docker-agent')),
      config: { deploymentMethod: AgentCoreDeploymentMethod.CONTAINER },
    });
    const template = synth(stack);
    template.hasResourceProperties(RUNTIME, {
      AgentRuntimeArtifact: { ContainerConfiguration: { ContainerUri: { 'Fn::Sub': Match.stringLikeRegexp('/cdk-hnb659fds-container-assets-123456789012-us-east-1:[0-9a-f]{64}$') } } },
    });
    const pulls = statementsWithAction(template, 'ecr:BatchGetImage');
    expect(pulls).toHaveLength(1);
    expect(JSON.stringify(pulls[0].statement.Resource)).toContain('repository/cdk-hnb659fds-container-assets-123456789012-us-east-1');
    // The asset manifest tells `cdk deploy` how to build the image: for ARM64, AgentCore's only architecture.
    const manifestPath = path.join(App.of(stack)!.synth().directory, `${stack.artifactId}.assets.json`);
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { dockerImages: Record<string, { source: { platform?: string } }> };
    expect(Object.values(manifest.dockerImages).map((image) => image.source.platform)).toEqual(['linux/arm64']);
    await expectValidIam(template);
  });

  it('maps timeout to max lifetime and keeps the idle timeout within it', () => {
    const stack = testStack();
    new AgentCoreAgentRuntime(stack, 'Long', { agentName: 'a', code: nodeAgentCode(), config: { timeout: Duration.hours(8), idleSessionTimeout: Duration.minutes(30) } });
    new AgentCoreAgentRuntime(stack, 'Short', { agentName: 'b', code: nodeAgentCode(), config: { timeout: Duration.minutes(5) } });
    const template = synth(stack);
    template.hasResourceProperties(RUNTIME, { Description: 'Agent a', LifecycleConfiguration: { MaxLifetime: 28800, IdleRuntimeSessionTimeout: 1800 } });
    template.hasResourceProperties(RUNTIME, { Description: 'Agent b', LifecycleConfiguration: { MaxLifetime: 300, IdleRuntimeSessionTimeout: 300 } });
  });

  it('warns, without failing, that memorySize does not apply', () => {
    const stack = testStack();
    new AgentCoreAgentRuntime(stack, 'Agent', { agentName: 'a', code: nodeAgentCode(), config: { memorySize: 2048 } });
    Annotations.fromStack(stack).hasWarning('/TestStack/Agent', Match.stringLikeRegexp('memorySize \\(2048 MiB\\) is ignored on AgentCore'));
  });

  it('sets environment variables given at construction and added later', () => {
    const stack = testStack();
    const runtime = new AgentCoreAgentRuntime(stack, 'Agent', { agentName: 'a', code: nodeAgentCode(), environment: { MODEL_ID: 'm' } });
    runtime.addEnvironment('PROMPT', 'Extract the fields');
    synth(stack).hasResourceProperties(RUNTIME, { EnvironmentVariables: { MODEL_ID: 'm', PROMPT: 'Extract the fields' } });
  });

  it('uses VPC network mode with the given subnets and security groups', async () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const securityGroup = new ec2.SecurityGroup(stack, 'Sg', { vpc });
    new AgentCoreAgentRuntime(stack, 'Agent', {
      agentName: 'a', code: nodeAgentCode(),
      network: { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, securityGroups: [securityGroup] },
    });
    const template = synth(stack);
    template.hasResourceProperties(RUNTIME, {
      NetworkConfiguration: {
        NetworkMode: 'VPC',
        NetworkModeConfig: {
          Subnets: Match.arrayWith([{ Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') }]),
          SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Sg'), 'GroupId'] }],
        },
      },
    });
    await expectValidIam(template);
  });

  it('grantInvoke gives InvokeAgentRuntime on the runtime and its endpoints, nothing else', () => {
    const stack = testStack();
    const runtime = new AgentCoreAgentRuntime(stack, 'Agent', { agentName: 'a', code: nodeAgentCode() });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    runtime.grantInvoke(caller);
    const runtimeArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('AgentRuntime'), 'AgentRuntimeArn'] };
    synth(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Caller') }],
      PolicyDocument: {
        Statement: [{
          Action: 'bedrock-agentcore:InvokeAgentRuntime',
          Effect: 'Allow',
          Resource: [runtimeArn, { 'Fn::Join': ['', [runtimeArn, '/*']] }],
        }],
      },
    });
  });

  it('runs under a given role and only adds its own statements to it', () => {
    const stack = testStack();
    const shared = new iam.Role(stack, 'Shared', { assumedBy: new iam.ServicePrincipal('bedrock-agentcore.amazonaws.com') });
    const runtime = new AgentCoreAgentRuntime(stack, 'Agent', { agentName: 'a', code: nodeAgentCode(), executionRole: shared });
    const template = synth(stack);
    expect(runtime.executionRole).toBe(shared);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties(RUNTIME, { RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Shared'), 'Arn'] } });
  });

  it('shares one delivery statement per stack among its agents, so the 5,120-character resource policies do not grow per log type', () => {
    const stack = testStack();
    for (let i = 0; i < 3; i++) new AgentCoreAgentRuntime(stack, `Agent${i}`, { agentName: `a${i}`, code: nodeAgentCode(), tracingEnabled: true });
    const template = synth(stack);

    // Per agent: application logs, usage logs and traces, each a source and a delivery; one log-group destination.
    template.resourceCountIs('AWS::Logs::DeliverySource', 9);
    template.resourceCountIs('AWS::Logs::Delivery', 9);
    template.resourceCountIs('AWS::Logs::DeliveryDestination', 3 + 1);
    template.resourcePropertiesCountIs('AWS::Logs::DeliveryDestination', { DeliveryDestinationType: 'XRAY' }, 1);
    for (const logType of ['APPLICATION_LOGS', 'USAGE_LOGS', 'TRACES']) {
      template.resourcePropertiesCountIs('AWS::Logs::DeliverySource', { LogType: logType }, 3);
    }

    // One policy of each kind, each with one statement naming every agent's log group / runtime.
    const [logsPolicy, ...moreLogsPolicies] = Object.values(template.findResources('AWS::Logs::ResourcePolicy'));
    expect(moreLogsPolicies).toEqual([]);
    const logsText = JSON.stringify(logsPolicy);
    expect(logsText.match(/\\"Effect\\"/g)).toHaveLength(1);
    expect(new Set(logsText.match(/Agent\dLogGroup[0-9A-F]{8}/g))).toHaveProperty('size', 3);
    const [xrayPolicy, ...moreXrayPolicies] = Object.values(template.findResources('AWS::XRay::ResourcePolicy'));
    expect(moreXrayPolicies).toEqual([]);
    const xrayText = JSON.stringify(xrayPolicy);
    expect(xrayText.match(/\\"Effect\\"/g)).toHaveLength(1);
    expect(xrayText).toContain('xray:PutTraceSegments');
    expect(new Set(xrayText.match(/Agent\dRuntime[0-9A-F]{8}/g))).toHaveProperty('size', 3);
  });

  it('derives valid, stable, distinct runtime names from any agent name', () => {
    const stack = testStack();
    const names = ['my-agent', '9lives', 'x'.repeat(64), 'a.b c'].map((agentName, i) =>
      new AgentCoreAgentRuntime(stack, `Agent${i}`, { agentName, code: nodeAgentCode() }).runtimeName);
    for (const name of names) expect(name).toMatch(/^[a-zA-Z][a-zA-Z0-9_]{0,47}$/);
    expect(new Set(names).size).toBe(names.length);
    const again = testStack();
    expect(new AgentCoreAgentRuntime(again, 'Agent0', { agentName: 'my-agent', code: nodeAgentCode() }).runtimeName).toBe(names[0]);
  });

  it('gives the same construct path in two stacks of one account and Region two runtime names, each naming its stack', () => {
    // One app deployed twice: the same stack id (so the same construct path), two stack names.
    const runtimeName = (stackName: string) => {
      const stack = new Stack(new App(), 'Agents', { stackName, env: TEST_ENV });
      return new AgentCoreAgentRuntime(stack, 'Agent', { agentName: 'my-agent', code: nodeAgentCode() }).runtimeName;
    };
    const [dev, prod] = [runtimeName('agents-dev'), runtimeName('agents-prod')];
    expect(dev).toMatch(/^agents_dev_my_agent_[0-9a-f]{8}$/);
    expect(prod).toMatch(/^agents_prod_my_agent_[0-9a-f]{8}$/);
  });
});
