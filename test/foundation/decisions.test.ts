// IAM decisions of the foundation's role, not only its statements: the template resolved to the
// ARNs CloudFormation returns and every run-time call simulated with iam-simulate. What an agent
// does with the role is Allowed; its neighbours (another log group, namespace, directory, gateway,
// tag, memory or account) are Denied.
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, it } from 'vitest';
import { AgentCoreRuntimeFoundation, FoundationGateway, FoundationMemory, type AgentCoreRuntimeFoundationProps } from '../../src/foundation';
import { ResolvedTemplate, type CfnTemplate } from '../helpers/cfn-resolve';
import { expectDecisions, IamSimulator, type DecisionCase } from '../helpers/iam-simulation';
import { synth, TEST_ENV, testStack } from '../helpers/test-app';
import { BASE_PROPS, onlyResource } from './fixtures';

const { account: ACCOUNT, region: REGION } = TEST_ENV;
const OTHER_ACCOUNT = '210987654321';
const arn = (service: string, resource: string, region: string = REGION, account: string = ACCOUNT): string =>
  `arn:aws:${service}:${region}:${account}:${resource}`;
const LOG_GROUP = '/aws/vendedlogs/bedrock-agentcore/dev/myorg/customer-support';
const logStream = (group: string, stream = '2026/11/25/[runtime-logs]abc123'): string => arn('logs', `log-group:${group}:log-stream:${stream}`);
const GATEWAY = arn('bedrock-agentcore', 'gateway/support-gw-a1b2c3d4e5');
const OTHER_GATEWAY = arn('bedrock-agentcore', 'gateway/billing-gw-f6e5d4c3b2');
const MEMORY = arn('bedrock-agentcore', 'memory/support_memory-AbCdEf1234');
const MEMORY_ACTIONS = ['CreateEvent', 'GetEvent', 'ListEvents', 'DeleteEvent', 'GetMemory', 'GetMemoryRecord', 'ListMemoryRecords', 'RetrieveMemoryRecords'];
const TOKEN_ACTIONS = ['GetWorkloadAccessToken', 'GetWorkloadAccessTokenForJWT', 'GetWorkloadAccessTokenForUserId'];

interface Simulated {
  readonly simulator: IamSimulator;
  /** The role as a request principal. */
  readonly role: { readonly role: string };
}

function simulate(props: Partial<AgentCoreRuntimeFoundationProps>, patch?: (template: CfnTemplate) => CfnTemplate): Simulated {
  const stack = testStack();
  new AgentCoreRuntimeFoundation(stack, 'Foundation', { ...BASE_PROPS, ...props });
  const template: Template = synth(stack);
  const json = template.toJSON() as CfnTemplate;
  const resolved = new ResolvedTemplate(patch ? patch(json) : json, { account: ACCOUNT, region: REGION, stackName: stack.stackName });
  return { simulator: new IamSimulator(resolved), role: { role: onlyResource(template, 'AWS::IAM::Role').logicalId } };
}

/** Gateway requests, the gateway tagged `Environment={environment}`. */
function gatewayCases(role: Simulated['role'], gateway: string, environment: string, expect: DecisionCase['expect'], why: string): DecisionCase[] {
  return ['InvokeGateway', 'GetGateway'].map((action) => ({
    principal: role,
    action: `bedrock-agentcore:${action}`,
    resource: gateway,
    context: { 'aws:ResourceTag/Environment': environment },
    expect,
    why,
  }));
}

describe('decisions of the foundation role (defaults, a memory by ARN)', () => {
  let s: Simulated;
  beforeAll(() => {
    s = simulate({ memory: FoundationMemory.fromMemoryArn(MEMORY) });
  });

  it('writes to its log group and AgentCore runtime log groups, no other group', async () => {
    const runtimeGroup = '/aws/bedrock-agentcore/runtimes/support_agent-AbCdEf1234-DEFAULT';
    await expectDecisions(s.simulator, [
      { principal: s.role, action: 'logs:CreateLogStream', resource: logStream(LOG_GROUP), expect: 'Allowed' },
      { principal: s.role, action: 'logs:PutLogEvents', resource: logStream(LOG_GROUP), expect: 'Allowed' },
      { principal: s.role, action: 'logs:DescribeLogStreams', resource: arn('logs', `log-group:${LOG_GROUP}`), expect: 'Allowed' },
      { principal: s.role, action: 'logs:CreateLogGroup', resource: arn('logs', `log-group:${runtimeGroup}`), expect: 'Allowed' },
      { principal: s.role, action: 'logs:PutLogEvents', resource: logStream(runtimeGroup), expect: 'Allowed' },
      { principal: s.role, action: 'logs:PutLogEvents', resource: logStream('/aws/vendedlogs/bedrock-agentcore/prod/myorg/customer-support'), expect: 'Denied', why: 'another environment\'s group' },
      { principal: s.role, action: 'logs:PutLogEvents', resource: logStream('/aws/lambda/payments'), expect: 'Denied', why: 'a group of the account' },
      { principal: s.role, action: 'logs:PutLogEvents', resource: logStream(LOG_GROUP).replace(REGION, 'eu-west-1'), expect: 'Denied', why: 'another Region' },
      { principal: s.role, action: 'logs:DeleteLogGroup', resource: arn('logs', `log-group:${LOG_GROUP}`), expect: 'Denied', why: 'not a write of events' },
    ]);
  });

  it('sends X-Ray traces and reads sampling rules', async () => {
    await expectDecisions(
      s.simulator,
      ['PutTraceSegments', 'PutSpans', 'PutTelemetryRecords', 'GetSamplingRules', 'GetSamplingTargets'].map((action) => ({
        principal: s.role,
        action: `xray:${action}`,
        resource: '*',
        expect: 'Allowed' as const,
      })),
    );
  });

  it('puts metrics in the bedrock-agentcore namespace only', async () => {
    const put = { principal: s.role, action: 'cloudwatch:PutMetricData', resource: '*' };
    await expectDecisions(s.simulator, [
      { ...put, context: { 'cloudwatch:namespace': 'bedrock-agentcore' }, expect: 'Allowed' },
      { ...put, context: { 'cloudwatch:namespace': 'AWS/Lambda' }, expect: 'Denied', why: 'another namespace' },
      { ...put, context: { 'cloudwatch:namespace': 'Bedrock-AgentCore' }, expect: 'Denied', why: 'StringEquals is case-sensitive' },
    ]);
  });

  it('gets workload access tokens in the default directory, not in another', async () => {
    const identity = arn('bedrock-agentcore', 'workload-identity-directory/default/workload-identity/support_agent-AbCdEf1234');
    const directory = arn('bedrock-agentcore', 'workload-identity-directory/default');
    await expectDecisions(
      s.simulator,
      TOKEN_ACTIONS.flatMap((action): DecisionCase[] => [
        { principal: s.role, action: `bedrock-agentcore:${action}`, resource: identity, expect: 'Allowed' },
        { principal: s.role, action: `bedrock-agentcore:${action}`, resource: directory, expect: 'Allowed' },
        {
          principal: s.role,
          action: `bedrock-agentcore:${action}`,
          resource: arn('bedrock-agentcore', 'workload-identity-directory/other/workload-identity/support_agent-AbCdEf1234'),
          expect: 'Denied',
          why: 'another directory',
        },
        { principal: s.role, action: `bedrock-agentcore:${action}`, resource: identity.replace(REGION, 'eu-west-1'), expect: 'Denied', why: 'another Region' },
      ]),
    );
  });

  it('invokes gateways tagged with its environment, no other gateway', async () => {
    await expectDecisions(s.simulator, [
      ...gatewayCases(s.role, GATEWAY, 'dev', 'Allowed', 'tagged Environment=dev'),
      ...gatewayCases(s.role, OTHER_GATEWAY, 'dev', 'Allowed', 'any gateway tagged Environment=dev'),
      ...gatewayCases(s.role, GATEWAY, 'prod', 'Denied', 'tagged with another environment'),
      ...gatewayCases(s.role, GATEWAY.replace(ACCOUNT, OTHER_ACCOUNT), 'dev', 'Denied', 'a gateway of another account'),
      { principal: s.role, action: 'bedrock-agentcore:DeleteGateway', resource: GATEWAY, context: { 'aws:ResourceTag/Environment': 'dev' }, expect: 'Denied', why: 'control plane' },
    ]);
  });

  it('uses its memory through the data plane, no other memory', async () => {
    await expectDecisions(
      s.simulator,
      MEMORY_ACTIONS.flatMap((action): DecisionCase[] => [
        { principal: s.role, action: `bedrock-agentcore:${action}`, resource: MEMORY, expect: 'Allowed' },
        { principal: s.role, action: `bedrock-agentcore:${action}`, resource: arn('bedrock-agentcore', 'memory/other_memory-ZyXwVu9876'), expect: 'Denied', why: 'another memory' },
      ]),
    );
  });

  it('invokes its model families, tools, images and parameters, not their neighbours', async () => {
    const claude = 'arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0';
    await expectDecisions(s.simulator, [
      { principal: s.role, action: 'bedrock:InvokeModel', resource: claude, expect: 'Allowed', why: 'Claude, in any Region' },
      { principal: s.role, action: 'bedrock:InvokeModel', resource: arn('bedrock', 'inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0'), expect: 'Allowed' },
      { principal: s.role, action: 'bedrock:InvokeModel', resource: 'arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-70b-instruct-v1:0', expect: 'Denied', why: 'another family' },
      { principal: s.role, action: 'lambda:InvokeFunction', resource: arn('lambda', 'function:myorg-customer-support-search-tool-web'), expect: 'Allowed' },
      { principal: s.role, action: 'lambda:InvokeFunction', resource: arn('lambda', 'function:otherorg-team-search-tool-web'), expect: 'Denied', why: 'another namespace' },
      { principal: s.role, action: 'ecr:BatchGetImage', resource: arn('ecr', 'repository/bedrock-agentcore-support'), expect: 'Allowed' },
      { principal: s.role, action: 'ecr:BatchGetImage', resource: arn('ecr', 'repository/payments'), expect: 'Denied', why: 'another repository' },
      { principal: s.role, action: 'ssm:GetParameter', resource: arn('ssm', 'parameter/agentcore/dev/gateway/gateway_id'), expect: 'Allowed' },
      { principal: s.role, action: 'ssm:GetParametersByPath', resource: arn('ssm', 'parameter/agentcore/dev'), expect: 'Allowed' },
      { principal: s.role, action: 'ssm:GetParameter', resource: arn('ssm', 'parameter/agentcore/prod/gateway/gateway_id'), expect: 'Denied', why: 'another environment' },
    ]);
  });

  it('is assumed by AgentCore of its own account and Region only', async () => {
    const roleArn = s.simulator.roleArn(s.role.role);
    const assume = { principal: { service: 'bedrock-agentcore.amazonaws.com' }, action: 'sts:AssumeRole', resource: roleArn };
    const runtime = arn('bedrock-agentcore', 'runtime/support_agent-AbCdEf1234');
    await expectDecisions(s.simulator, [
      { ...assume, context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': runtime }, expect: 'Allowed' },
      {
        ...assume,
        context: { 'aws:SourceAccount': OTHER_ACCOUNT, 'aws:SourceArn': runtime.replace(ACCOUNT, OTHER_ACCOUNT) },
        expect: 'Denied',
        why: 'a runtime of another account (confused deputy)',
      },
      { ...assume, context: { 'aws:SourceAccount': OTHER_ACCOUNT, 'aws:SourceArn': runtime }, expect: 'Denied', why: 'another SourceAccount' },
      { ...assume, context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': runtime.replace(REGION, 'eu-west-1') }, expect: 'Denied', why: 'another Region' },
      { principal: { service: 'ecs-tasks.amazonaws.com' }, action: 'sts:AssumeRole', resource: roleArn, expect: 'Denied', why: 'an untrusted service' },
    ]);
  });
});

describe('decisions of the foundation role with a named gateway', () => {
  it('invokes the gateway given by ARN when tagged with the environment, no other gateway', async () => {
    const s = simulate({ gateway: FoundationGateway.fromGatewayArn(GATEWAY) });
    await expectDecisions(s.simulator, [
      ...gatewayCases(s.role, GATEWAY, 'dev', 'Allowed', 'the named gateway, tagged Environment=dev'),
      ...gatewayCases(s.role, GATEWAY, 'prod', 'Denied', 'the named gateway, tagged with another environment'),
      ...gatewayCases(s.role, OTHER_GATEWAY, 'dev', 'Denied', 'the named gateway replaces the tag-scoped default'),
    ]);
  });

  it('invokes the named gateway whatever its tags when the tag is not required', async () => {
    const s = simulate({ gateway: FoundationGateway.fromGatewayArn(GATEWAY), requireGatewayEnvironmentTag: false });
    await expectDecisions(s.simulator, [
      ...gatewayCases(s.role, GATEWAY, 'prod', 'Allowed', 'no tag condition'),
      ...gatewayCases(s.role, OTHER_GATEWAY, 'dev', 'Denied', 'not the named gateway'),
    ]);
  });

  it('invokes the gateway whose id the SSM parameter holds at deploy time', async () => {
    // The parameter's value as CloudFormation would read it from SSM at deploy time.
    const s = simulate({ gateway: FoundationGateway.fromSsmParameter() }, (template) => ({
      ...template,
      Parameters: Object.fromEntries(
        Object.entries(template.Parameters ?? {}).map(([id, p]) =>
          p.Default === '/agentcore/dev/gateway/gateway_id' ? [id, { Type: 'String', Default: GATEWAY.split('/')[1] }] : [id, p],
        ),
      ),
    }));
    await expectDecisions(s.simulator, [
      ...gatewayCases(s.role, GATEWAY, 'dev', 'Allowed', 'the gateway of the parameter'),
      ...gatewayCases(s.role, OTHER_GATEWAY, 'dev', 'Denied', 'another gateway'),
    ]);
  });

  it('invokes no gateway with FoundationGateway.none()', async () => {
    const s = simulate({ gateway: FoundationGateway.none() });
    await expectDecisions(s.simulator, gatewayCases(s.role, GATEWAY, 'dev', 'Denied', 'no gateway access'));
  });
});
