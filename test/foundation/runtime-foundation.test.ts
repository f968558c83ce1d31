import { NestedStack, PhysicalName, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AgentCoreRuntimeFoundation,
  FoundationGateway,
  FoundationMemory,
  FoundationModelFamily,
  FoundationTrustedService,
} from '../../src/foundation';
import { expectValidIam } from '../helpers/iam-validity';
import { synth, TEST_ENV, testStack } from '../helpers/test-app';
import {
  asList,
  expectValidConditionKeys,
  onlyResource,
  partitionArn,
  roleStatements,
  synthFoundation,
  trustStatements,
  type Synthesized,
} from './fixtures';

const ACCOUNT = TEST_ENV.account;
const REGION = TEST_ENV.region;
const LOG_GROUP = '/aws/vendedlogs/bedrock-agentcore/dev/myorg/customer-support';

describe('AgentCoreRuntimeFoundation with defaults', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthFoundation({ tags: { Team: 'platform', CostCenter: '42' } });
  });

  it('creates one role, one log group, four SSM parameters and nothing else', () => {
    const types = Object.values(s.template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.sort()).toEqual([
      'AWS::IAM::Role',
      'AWS::Logs::LogGroup',
      'AWS::SSM::Parameter',
      'AWS::SSM::Parameter',
      'AWS::SSM::Parameter',
      'AWS::SSM::Parameter',
    ]);
  });

  it('trusts bedrock-agentcore and bedrock with SourceAccount and SourceArn, and lambda', () => {
    expect(trustStatements(s.template)).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': partitionArn(`:bedrock-agentcore:${REGION}:${ACCOUNT}:*`) },
        },
      },
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'bedrock.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': partitionArn(`:bedrock:${REGION}:${ACCOUNT}:*`) },
        },
      },
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
  });

  it('grants exactly the default statements, in one inline policy', () => {
    const { properties } = onlyResource(s.template, 'AWS::IAM::Role');
    expect((properties.Policies as unknown[]).length).toBe(1);
    expect(properties.ManagedPolicyArns).toBeUndefined();
    expect([...roleStatements(s.template).keys()]).toEqual([
      'InvokeBedrockModels',
      'InvokeGateway',
      'InvokeLambdaTools',
      'PullAgentImages',
      'GetEcrAuthorizationToken',
      'WriteFoundationLogs',
      'DescribeFoundationLogStreams',
      'CreateRuntimeLogGroups',
      'WriteRuntimeLogs',
      'WriteXRayTraces',
      'PutAgentCoreMetrics',
      'GetWorkloadAccessTokens',
      'ReadEnvironmentParameters',
    ]);
    for (const statement of roleStatements(s.template).values()) {
      expect(statement.Effect).toBe('Allow');
    }
  });

  it('invokes Claude and Titan foundation models in any Region and their inference profiles', () => {
    expect(roleStatements(s.template).get('InvokeBedrockModels')).toEqual({
      Sid: 'InvokeBedrockModels',
      Effect: 'Allow',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      Resource: [
        partitionArn(':bedrock:*::foundation-model/anthropic.claude-*'),
        partitionArn(':bedrock:*::foundation-model/amazon.titan-*'),
        partitionArn(`:bedrock:${REGION}:${ACCOUNT}:inference-profile/*.anthropic.claude-*`),
        partitionArn(`:bedrock:${REGION}:${ACCOUNT}:inference-profile/*.amazon.titan-*`),
      ],
    });
  });

  it('invokes Lambda tools named {namespace}-*-tool-* only', () => {
    expect(roleStatements(s.template).get('InvokeLambdaTools')).toEqual({
      Sid: 'InvokeLambdaTools',
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: partitionArn(`:lambda:${REGION}:${ACCOUNT}:function:myorg-customer-support-*-tool-*`),
    });
  });

  it('pulls images from bedrock-agentcore-* repositories; only GetAuthorizationToken is on "*"', () => {
    const statements = roleStatements(s.template);
    expect(statements.get('PullAgentImages')).toEqual({
      Sid: 'PullAgentImages',
      Effect: 'Allow',
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: partitionArn(`:ecr:${REGION}:${ACCOUNT}:repository/bedrock-agentcore-*`),
    });
    expect(statements.get('GetEcrAuthorizationToken')).toEqual({
      Sid: 'GetEcrAuthorizationToken',
      Effect: 'Allow',
      Action: 'ecr:GetAuthorizationToken',
      Resource: '*',
    });
    const onStar = [...statements.values()].filter((st) => asList(st.Resource).includes('*'));
    expect(onStar.map((st) => st.Sid)).toEqual(['GetEcrAuthorizationToken', 'WriteXRayTraces', 'PutAgentCoreMetrics']);
  });

  it('writes to its own log group and to AgentCore runtime log groups, nothing else', () => {
    const statements = roleStatements(s.template);
    const logsArn = `:logs:${REGION}:${ACCOUNT}:log-group:`;
    expect(statements.get('WriteFoundationLogs')).toEqual({
      Sid: 'WriteFoundationLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: partitionArn(`${logsArn}${LOG_GROUP}:log-stream:*`),
    });
    expect(statements.get('DescribeFoundationLogStreams')).toEqual({
      Sid: 'DescribeFoundationLogStreams',
      Effect: 'Allow',
      Action: 'logs:DescribeLogStreams',
      Resource: partitionArn(`${logsArn}${LOG_GROUP}`),
    });
    expect(statements.get('CreateRuntimeLogGroups')).toEqual({
      Sid: 'CreateRuntimeLogGroups',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'],
      Resource: partitionArn(`${logsArn}/aws/bedrock-agentcore/runtimes/*`),
    });
    expect(statements.get('WriteRuntimeLogs')).toEqual({
      Sid: 'WriteRuntimeLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: partitionArn(`${logsArn}/aws/bedrock-agentcore/runtimes/*:log-stream:*`),
    });
    // No AWSLambdaBasicExecutionRole (logs on every group of the account) as in the Terraform module.
    expect(JSON.stringify(s.template.toJSON())).not.toContain('AWSLambdaBasicExecutionRole');
  });

  it('writes X-Ray traces and reads sampling rules when tracing is on (the default)', () => {
    expect(roleStatements(s.template).get('WriteXRayTraces')).toEqual({
      Sid: 'WriteXRayTraces',
      Effect: 'Allow',
      Action: ['xray:PutTraceSegments', 'xray:PutSpans', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
      Resource: '*',
    });
  });

  it('puts CloudWatch metrics in the bedrock-agentcore namespace only', () => {
    expect(roleStatements(s.template).get('PutAgentCoreMetrics')).toEqual({
      Sid: 'PutAgentCoreMetrics',
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'bedrock-agentcore' } },
    });
  });

  it('gets workload access tokens from the default workload identity directory', () => {
    expect(roleStatements(s.template).get('GetWorkloadAccessTokens')).toEqual({
      Sid: 'GetWorkloadAccessTokens',
      Effect: 'Allow',
      Action: [
        'bedrock-agentcore:GetWorkloadAccessToken',
        'bedrock-agentcore:GetWorkloadAccessTokenForJWT',
        'bedrock-agentcore:GetWorkloadAccessTokenForUserId',
      ],
      Resource: [
        partitionArn(`:bedrock-agentcore:${REGION}:${ACCOUNT}:workload-identity-directory/default`),
        partitionArn(`:bedrock-agentcore:${REGION}:${ACCOUNT}:workload-identity-directory/default/workload-identity/*`),
      ],
    });
  });

  it('uses only condition keys the IAM reference lists for the actions they guard', async () => {
    await expectValidConditionKeys([...roleStatements(s.template).values()]);
    // The check is not vacuous: a key of another service, or a resource tag on a tagless action, fails it.
    const misplaced = { Sid: 'X', Action: 'bedrock-agentcore:InvokeGateway', Condition: { StringEquals: { 'cloudwatch:namespace': 'x' } } };
    await expect(expectValidConditionKeys([misplaced])).rejects.toThrow();
    const tagOnTagless = { Sid: 'Y', Action: 'xray:PutSpans', Condition: { StringEquals: { 'aws:ResourceTag/Environment': 'dev' } } };
    await expect(expectValidConditionKeys([tagOnTagless])).rejects.toThrow();
  });

  it('reads SSM parameters under /agentcore/{env} only', () => {
    expect(roleStatements(s.template).get('ReadEnvironmentParameters')).toEqual({
      Sid: 'ReadEnvironmentParameters',
      Effect: 'Allow',
      Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
      Resource: [
        partitionArn(`:ssm:${REGION}:${ACCOUNT}:parameter/agentcore/dev`),
        partitionArn(`:ssm:${REGION}:${ACCOUNT}:parameter/agentcore/dev/*`),
      ],
    });
  });

  it('names the role after namespace, environment and stack, with a hash', () => {
    const { properties } = onlyResource(s.template, 'AWS::IAM::Role');
    expect(properties.RoleName).toMatch(/^myorg-customer-support-dev-TestStack-[0-9a-f]{8}$/);
  });

  it('creates the log group with one week of retention, retained on removal', () => {
    s.template.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: LOG_GROUP, RetentionInDays: 7 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('publishes the four SSM parameters of the contract', () => {
    const { logicalId: roleId } = onlyResource(s.template, 'AWS::IAM::Role');
    const { logicalId: logGroupId } = onlyResource(s.template, 'AWS::Logs::LogGroup');
    const expected: Array<[string, unknown]> = [
      ['/agentcore/dev/runtime/execution_role_arn', { 'Fn::GetAtt': [roleId, 'Arn'] }],
      ['/agentcore/dev/runtime/execution_role_name', { Ref: roleId }],
      ['/agentcore/dev/runtime/log_group_name', { Ref: logGroupId }],
      ['/agentcore/dev/runtime/xray_enabled', 'true'],
    ];
    for (const [name, value] of expected) {
      s.template.hasResourceProperties('AWS::SSM::Parameter', { Name: name, Type: 'String', Tier: 'Standard', Value: value });
    }
  });

  it('tags everything it creates with Environment and the given tags', () => {
    const expectedTags = [
      { Key: 'CostCenter', Value: '42' },
      { Key: 'Environment', Value: 'dev' },
      { Key: 'Team', Value: 'platform' },
    ];
    for (const type of ['AWS::IAM::Role', 'AWS::Logs::LogGroup']) {
      const resources = Object.values(s.template.findResources(type));
      for (const resource of resources) {
        expect(resource.Properties.Tags).toEqual(expectedTags);
      }
    }
    for (const resource of Object.values(s.template.findResources('AWS::SSM::Parameter'))) {
      expect(resource.Properties.Tags).toEqual({ CostCenter: '42', Environment: 'dev', Team: 'platform' });
    }
  });

  it('outputs the role ARN and name and the log group name and ARN', () => {
    const { logicalId: roleId } = onlyResource(s.template, 'AWS::IAM::Role');
    const { logicalId: logGroupId } = onlyResource(s.template, 'AWS::Logs::LogGroup');
    const outputs = Object.values(s.template.toJSON().Outputs as Record<string, { Value: unknown; Export?: unknown }>);
    expect(outputs.map((o) => o.Value)).toEqual([
      { 'Fn::GetAtt': [roleId, 'Arn'] },
      { Ref: roleId },
      { Ref: logGroupId },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:${REGION}:${ACCOUNT}:log-group:`, { Ref: logGroupId }]] },
    ]);
    expect(outputs.every((o) => o.Export === undefined)).toBe(true);
  });

  it('exposes the outputs as attributes', () => {
    const stack = Stack.of(s.foundation);
    const { logicalId: roleId } = onlyResource(s.template, 'AWS::IAM::Role');
    const { logicalId: logGroupId } = onlyResource(s.template, 'AWS::Logs::LogGroup');
    expect(stack.resolve(s.foundation.executionRoleArn)).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(stack.resolve(s.foundation.executionRoleName)).toEqual({ Ref: roleId });
    expect(stack.resolve(s.foundation.executionRole.roleArn)).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(s.foundation.logGroupName).toBe(LOG_GROUP);
    expect(stack.resolve(s.foundation.logGroup.logGroupName)).toEqual({ Ref: logGroupId });
    expect(stack.resolve(s.foundation.logGroupArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:${REGION}:${ACCOUNT}:log-group:`, { Ref: logGroupId }]],
    });
    expect(s.foundation.environment).toBe('dev');
    expect(s.foundation.agentNamespace).toBe('myorg/customer-support');
    expect(s.foundation.xrayTracingEnabled).toBe(true);
    expect(s.foundation.parameterNames).toEqual({
      executionRoleArn: '/agentcore/dev/runtime/execution_role_arn',
      executionRoleName: '/agentcore/dev/runtime/execution_role_name',
      logGroupName: '/agentcore/dev/runtime/log_group_name',
      xrayEnabled: '/agentcore/dev/runtime/xray_enabled',
    });
    expect(AgentCoreRuntimeFoundation.parameterNamesFor('prod').xrayEnabled).toBe('/agentcore/prod/runtime/xray_enabled');
  });

  it('passes the IAM validity checks', async () => {
    await expectValidIam(s.template, { region: REGION });
  });
});

describe('AgentCoreRuntimeFoundation options', () => {
  it('omits X-Ray permissions and publishes xray_enabled=false when tracing is off', () => {
    const { template, foundation } = synthFoundation({ xrayTracingEnabled: false });
    expect(roleStatements(template).has('WriteXRayTraces')).toBe(false);
    expect(JSON.stringify(template.toJSON())).not.toContain('xray:');
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/agentcore/dev/runtime/xray_enabled', Value: 'false' });
    expect(foundation.xrayTracingEnabled).toBe(false);
  });

  it('uses the given retention and removal policy; never-expire omits RetentionInDays', () => {
    const month = synthFoundation({ logRetention: logs.RetentionDays.ONE_MONTH, logGroupRemovalPolicy: RemovalPolicy.DESTROY });
    month.template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Delete' });
    const forever = synthFoundation({ logRetention: logs.RetentionDays.INFINITE });
    forever.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.absent() });
  });

  it('trusts only the services asked for, once each', () => {
    const { template } = synthFoundation({
      trustedServices: [FoundationTrustedService.BEDROCK_AGENTCORE, FoundationTrustedService.BEDROCK_AGENTCORE],
    });
    const statements = trustStatements(template);
    expect(statements.map((st) => (st.Principal as { Service: string }).Service)).toEqual(['bedrock-agentcore.amazonaws.com']);
    expect(statements[0].Condition).toBeDefined();

    const lambdaOnly = trustStatements(synthFoundation({ trustedServices: [FoundationTrustedService.LAMBDA] }).template);
    expect(lambdaOnly).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }]);
  });

  it('invokes the model families asked for', () => {
    const { template } = synthFoundation({ modelFamilies: [FoundationModelFamily.AMAZON_NOVA, FoundationModelFamily.of('meta.llama3')] });
    expect(roleStatements(template).get('InvokeBedrockModels')?.Resource).toEqual([
      partitionArn(':bedrock:*::foundation-model/amazon.nova-*'),
      partitionArn(':bedrock:*::foundation-model/meta.llama3-*'),
      partitionArn(`:bedrock:${REGION}:${ACCOUNT}:inference-profile/*.amazon.nova-*`),
      partitionArn(`:bedrock:${REGION}:${ACCOUNT}:inference-profile/*.meta.llama3-*`),
    ]);
  });

  it('takes a role name, or lets CloudFormation name the role', () => {
    synthFoundation({ roleName: 'my-agents' }).template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'my-agents' });
    synthFoundation({ roleName: PhysicalName.GENERATE_IF_NEEDED }).template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: Match.absent(),
    });
  });

  it('shortens a long default role name deterministically', () => {
    const props = { environment: 'performance-test', agentNamespace: 'a-very-long-org/with-a-long-team-name' };
    const name = (): string =>
      onlyResource(synthFoundation(props).template, 'AWS::IAM::Role').properties.RoleName as string;
    const first = name();
    expect(first.length).toBeLessThanOrEqual(64);
    expect(first).toMatch(/^a-very-long-org-with-a-long-team-name-performance-test-[0-9a-f]{8}$/);
    expect(name()).toBe(first);
  });

  /** The default role name of a foundation at `Foundation` in a stack made with `props`. */
  const defaultName = (props: { stackName?: string; region?: string } = {}): string => {
    const stack = testStack({
      stackName: props.stackName,
      env: props.region ? { ...TEST_ENV, region: props.region } : TEST_ENV,
    });
    new AgentCoreRuntimeFoundation(stack, 'Foundation', { environment: 'dev', agentNamespace: 'myorg/customer-support' });
    return onlyResource(synth(stack), 'AWS::IAM::Role').properties.RoleName as string;
  };

  it('gives stacks of one account with the same construct path different role names (IAM names are per account)', () => {
    const names = [
      defaultName({ stackName: 'AgentsBlue' }),
      defaultName({ stackName: 'AgentsGreen' }),
      defaultName({ stackName: 'AgentsBlue', region: 'eu-west-1' }),
    ];
    expect(new Set(names).size).toBe(3);
    expect(names[0]).toMatch(/^myorg-customer-support-dev-AgentsBlue-[0-9a-f]{8}$/);
    expect(names[1]).toMatch(/^myorg-customer-support-dev-AgentsGreen-[0-9a-f]{8}$/);
    expect(defaultName({ stackName: 'AgentsBlue' })).toBe(names[0]);
  });

  it('names the role in a nested stack, whose name is known only at deploy time, after its construct path', () => {
    const parent = testStack({ stackName: 'Parent' });
    const nested = new NestedStack(parent, 'Runtime');
    new AgentCoreRuntimeFoundation(nested, 'Foundation', { environment: 'dev', agentNamespace: 'myorg/customer-support' });
    const name = onlyResource(synth(nested), 'AWS::IAM::Role').properties.RoleName;
    expect(name).toMatch(/^myorg-customer-support-dev-ParentRuntime[0-9A-F]{8}-[0-9a-f]{8}$/);
  });

  it('keeps a default role name with a long stack name within 64 characters, the hash telling stacks apart', () => {
    const long = 'AgentCoreRuntimeFoundation-customer-support-production-eu';
    const a = defaultName({ stackName: `${long}-a` });
    const b = defaultName({ stackName: `${long}-b` });
    for (const name of [a, b]) {
      expect(name.length).toBe(64);
      expect(name).toMatch(/^myorg-customer-support-dev-AgentCoreRuntimeFoundation-c-[0-9a-f]{8}$/);
    }
    expect(a).not.toBe(b);
  });

  it('leaves the inline policy alone when an agent adds its own statements to the role', () => {
    const build = (): { stack: Stack; foundation: AgentCoreRuntimeFoundation } => {
      const stack = testStack();
      const foundation = new AgentCoreRuntimeFoundation(stack, 'Foundation', { environment: 'dev', agentNamespace: 'myorg/agents' });
      return { stack, foundation };
    };
    const plain = build();
    const withAgent = build();
    // What BaseAgent does with a role it is given: it adds its statements to the role.
    withAgent.foundation.executionRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::agent-inputs/*'] }),
    );
    const template = synth(withAgent.stack);
    expect(roleStatements(template)).toEqual(roleStatements(synth(plain.stack)));
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: onlyResource(template, 'AWS::IAM::Role').logicalId }],
      PolicyDocument: { Statement: [{ Action: 's3:GetObject', Effect: 'Allow', Resource: 'arn:aws:s3:::agent-inputs/*' }] },
    });
  });
});

describe('gateway', () => {
  const gatewayArn = `arn:aws:bedrock-agentcore:${REGION}:${ACCOUNT}:gateway/support-gw-a1b2c3d4e5`;
  const tagCondition = { StringEquals: { 'aws:ResourceTag/Environment': 'dev' } };

  const taggedGateways = {
    Sid: 'InvokeGateway',
    Effect: 'Allow',
    Action: ['bedrock-agentcore:InvokeGateway', 'bedrock-agentcore:GetGateway'],
    Resource: partitionArn(`:bedrock-agentcore:${REGION}:${ACCOUNT}:gateway/*`),
    Condition: tagCondition,
  };

  it('invokes by default every gateway of the account and Region tagged with the environment', async () => {
    const statements = roleStatements(synthFoundation().template);
    expect(statements.get('InvokeGateway')).toEqual(taggedGateways);
    await expectValidConditionKeys([...statements.values()]);
  });

  it('keeps the tag condition of the default even when the tag is not required of named gateways', () => {
    const { template } = synthFoundation({ requireGatewayEnvironmentTag: false });
    expect(roleStatements(template).get('InvokeGateway')).toEqual(taggedGateways);
  });

  it('has no gateway permissions with FoundationGateway.none()', () => {
    const { template } = synthFoundation({ gateway: FoundationGateway.none() });
    expect(roleStatements(template).has('InvokeGateway')).toBe(false);
    expect(JSON.stringify(template.toJSON())).not.toContain('Gateway');
  });

  it('replaces the default with the gateway given: no other gateway is allowed', () => {
    const statements = [...roleStatements(synthFoundation({ gateway: FoundationGateway.fromGatewayArn(gatewayArn) }).template).values()];
    const gatewayStatements = statements.filter((st) => JSON.stringify(st.Action).includes('Gateway'));
    expect(gatewayStatements.map((st) => st.Resource)).toEqual([gatewayArn]);
  });

  it('invokes a gateway given by ARN, if tagged with the environment', () => {
    const { template } = synthFoundation({ gateway: FoundationGateway.fromGatewayArn(gatewayArn) });
    expect(roleStatements(template).get('InvokeGateway')).toEqual({
      Sid: 'InvokeGateway',
      Effect: 'Allow',
      Action: ['bedrock-agentcore:InvokeGateway', 'bedrock-agentcore:GetGateway'],
      Resource: gatewayArn,
      Condition: tagCondition,
    });
  });

  it('drops the tag condition when asked, for a specific gateway', () => {
    const { template } = synthFoundation({
      gateway: FoundationGateway.fromGatewayArn(gatewayArn),
      requireGatewayEnvironmentTag: false,
    });
    expect(roleStatements(template).get('InvokeGateway')?.Condition).toBeUndefined();
  });

  it('takes an IGateway of aws-cdk-lib', () => {
    const stack = testStack();
    const gateway = agentcore.Gateway.fromGatewayAttributes(stack, 'Gateway', {
      gatewayArn,
      gatewayId: 'support-gw-a1b2c3d4e5',
      gatewayName: 'support-gw',
      role: iam.Role.fromRoleName(stack, 'GatewayRole', 'gateway-role'),
    });
    new AgentCoreRuntimeFoundation(stack, 'Foundation', {
      environment: 'dev',
      agentNamespace: 'myorg/agents',
      gateway: FoundationGateway.fromGateway(gateway),
    });
    expect(roleStatements(synth(stack)).get('InvokeGateway')?.Resource).toBe(gatewayArn);
  });

  it('builds the ARN of a gateway id in this account and Region', () => {
    const { template } = synthFoundation({ gateway: FoundationGateway.fromGatewayId('support-gw-a1b2c3d4e5') });
    expect(roleStatements(template).get('InvokeGateway')?.Resource).toEqual(
      partitionArn(`:bedrock-agentcore:${REGION}:${ACCOUNT}:gateway/support-gw-a1b2c3d4e5`),
    );
  });

  it('resolves the gateway module parameter /agentcore/{env}/gateway/gateway_id at deploy time', () => {
    const { template } = synthFoundation({ gateway: FoundationGateway.fromSsmParameter() });
    const parameters = Object.entries(template.toJSON().Parameters as Record<string, { Type: string; Default: string }>).filter(
      ([, p]) => p.Default === '/agentcore/dev/gateway/gateway_id',
    );
    expect(parameters).toHaveLength(1);
    const [parameterId, parameter] = parameters[0];
    expect(parameter.Type).toBe('AWS::SSM::Parameter::Value<String>');
    expect(roleStatements(template).get('InvokeGateway')).toMatchObject({
      Resource: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock-agentcore:${REGION}:${ACCOUNT}:gateway/`, { Ref: parameterId }]],
      },
      Condition: tagCondition,
    });
  });

  it('reads the gateway id from another parameter when told', () => {
    const { template } = synthFoundation({ gateway: FoundationGateway.fromSsmParameter('/shared/gateway/id') });
    template.hasParameter('*', { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/shared/gateway/id' });
  });

  it('invokes every gateway tagged with the environment, the condition kept even when not required', () => {
    const { template } = synthFoundation({ gateway: FoundationGateway.withEnvironmentTag(), requireGatewayEnvironmentTag: false });
    expect(roleStatements(template).get('InvokeGateway')).toMatchObject({
      Resource: partitionArn(`:bedrock-agentcore:${REGION}:${ACCOUNT}:gateway/*`),
      Condition: tagCondition,
    });
  });
});

describe('memory', () => {
  const memoryArn = `arn:aws:bedrock-agentcore:${REGION}:${ACCOUNT}:memory/support_memory-AbCdEf1234`;
  const memoryActions = [
    'bedrock-agentcore:CreateEvent',
    'bedrock-agentcore:GetEvent',
    'bedrock-agentcore:ListEvents',
    'bedrock-agentcore:DeleteEvent',
    'bedrock-agentcore:GetMemory',
    'bedrock-agentcore:GetMemoryRecord',
    'bedrock-agentcore:ListMemoryRecords',
    'bedrock-agentcore:RetrieveMemoryRecords',
  ];

  it('has no memory permissions unless a memory is given', () => {
    const { template } = synthFoundation();
    expect(roleStatements(template).has('UseMemory')).toBe(false);
    expect(JSON.stringify(template.toJSON())).not.toContain('Memory');
  });

  it('grants the memory data-plane actions on a memory ARN', () => {
    const { template } = synthFoundation({ memory: FoundationMemory.fromMemoryArn(memoryArn) });
    expect(roleStatements(template).get('UseMemory')).toEqual({
      Sid: 'UseMemory',
      Effect: 'Allow',
      Action: memoryActions,
      Resource: memoryArn,
    });
  });

  it('takes an IMemory of aws-cdk-lib', () => {
    const stack = testStack();
    const memory = agentcore.Memory.fromMemoryAttributes(stack, 'Memory', {
      memoryArn,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/memory-role`,
    });
    new AgentCoreRuntimeFoundation(stack, 'Foundation', {
      environment: 'dev',
      agentNamespace: 'myorg/agents',
      memory: FoundationMemory.fromMemory(memory),
    });
    expect(roleStatements(synth(stack)).get('UseMemory')?.Resource).toEqual(memoryArn);
  });

  it('attaches a memory policy given by ARN', () => {
    const policyArn = `arn:aws:iam::${ACCOUNT}:policy/agentcore-dev-memory`;
    const { template } = synthFoundation({ memory: FoundationMemory.fromPolicyArn(policyArn) });
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: [policyArn] });
    expect(roleStatements(template).has('UseMemory')).toBe(false);
  });

  it('attaches the policy from /agentcore/{env}/memory/iam_policy_arn, resolved at deploy time', async () => {
    const { template } = synthFoundation({
      memory: FoundationMemory.fromSsmPolicyParameter(),
      gateway: FoundationGateway.fromSsmParameter(),
    });
    const parameters = template.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
    const [memoryParameterId, memoryParameter] =
      Object.entries(parameters).find(([, p]) => p.Default === '/agentcore/dev/memory/iam_policy_arn') ?? [];
    expect(memoryParameter?.Type).toBe('AWS::SSM::Parameter::Value<String>');
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: [{ Ref: memoryParameterId }] });
    await expectValidIam(template, { region: REGION });
  });
});
