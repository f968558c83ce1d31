import { Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AgentCoreRuntimeFoundation, FoundationGateway, FoundationMemory } from 'agentic-ai-framework';

/**
 * Properties of the example stack.
 */
export interface RuntimeFoundationStackProps extends StackProps {
  /**
   * The environment to provision, e.g. `dev`.
   *
   * @default 'dev'
   */
  readonly environmentName?: string;
}

/**
 * The runtime foundation of one environment, as in the "Runtime Module" Terraform example:
 * namespace `myorg/customer-support`, X-Ray on, 30 days of logs, a `Team` tag. It also wires the
 * gateway and memory that the gateway and memory modules publish in SSM.
 */
export class RuntimeFoundationStack extends Stack {
  public readonly foundation: AgentCoreRuntimeFoundation;

  constructor(scope: Construct, id: string, props: RuntimeFoundationStackProps = {}) {
    super(scope, id, props);

    this.foundation = new AgentCoreRuntimeFoundation(this, 'Runtime', {
      environment: props.environmentName ?? 'dev',
      agentNamespace: 'myorg/customer-support',
      xrayTracingEnabled: true,
      logRetention: logs.RetentionDays.ONE_MONTH,
      tags: { Team: 'platform' },
      // Gateway id from /agentcore/{env}/gateway/gateway_id, resolved at deploy time.
      // Without it: the gateways tagged Environment={env}; FoundationGateway.none() for no gateway access.
      gateway: FoundationGateway.fromSsmParameter(),
      // Managed policy ARN from /agentcore/{env}/memory/iam_policy_arn, attached to the role.
      // Remove if the environment has no memory.
      memory: FoundationMemory.fromSsmPolicyParameter(),
    });

    acknowledgeWildcards(this, this.foundation);

  }
}

/**
 * cdk-nag's AwsSolutions-IAM5 reports every wildcard in the execution role's policy, one finding
 * per resource. Each is acknowledged here with its reason: they are patterns the role needs
 * because the resources are created later, by others, under a naming contract, or actions with
 * no resource type. The role never gets "*" on an action that supports resource-level permissions.
 */
function acknowledgeWildcards(stack: Stack, foundation: AgentCoreRuntimeFoundation): void {
  // cdk-nag names findings with intrinsics flattened: <AWS::Region> unless the region is concrete.
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const arn = (service: string, resource: string, r = region, a = account): string =>
    `arn:<AWS::Partition>:${service}:${r}:${a}:${resource}`;
  const namespaceName = foundation.agentNamespace.replace(/\//g, '-');
  const ack = (resource: string, reason: string) => ({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });

  const models = ['anthropic.claude', 'amazon.titan'];
  Validations.of(foundation.executionRole).acknowledge(
    ...models.map((family) =>
      ack(
        arn('bedrock', `foundation-model/${family}-*`, '*', ''),
        `Model family ${family}: foundation models are matched by id prefix, in any Region because cross-Region ` +
          'inference profiles route a request to the model in several Regions.',
      ),
    ),
    ...models.map((family) =>
      ack(
        arn('bedrock', `inference-profile/*.${family}-*`),
        `Model family ${family}: the system-defined inference profiles of the family for any geography (us., eu., global., ...).`,
      ),
    ),
    ack(
      arn('lambda', `function:${namespaceName}-*-tool-*`),
      'Lambda tools are deployed per agent after the foundation and found by the naming contract {namespace}-*-tool-*; ' +
        'the pattern is limited to this namespace, account and Region.',
    ),
    ack(
      arn('ecr', 'repository/bedrock-agentcore-*'),
      'Agent images live in per-agent ECR repositories named bedrock-agentcore-* (the naming contract of the Terraform module), ' +
        'created after the foundation; pull actions only.',
    ),
    ack(
      '*',
      'Only actions without resource-level permissions use "*": ecr:GetAuthorizationToken and the X-Ray actions ' +
        '(PutTraceSegments, PutSpans, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) have no resource type; ' +
        'cloudwatch:PutMetricData names no metric, and is limited to the bedrock-agentcore namespace by a condition.',
    ),
    ack(
      arn('bedrock-agentcore', 'workload-identity-directory/default/workload-identity/*'),
      'AgentCore creates a workload identity per agent runtime, named after the runtime when it is deployed; token ' +
        'actions only, in the default directory of this account and Region.',
    ),
    ack(
      arn('logs', `log-group:${foundation.logGroupName}:log-stream:*`),
      'Log streams are created at run time with generated names; writing is limited to streams of the foundation\'s own log group.',
    ),
    ack(
      arn('logs', 'log-group:/aws/bedrock-agentcore/runtimes/*'),
      'AgentCore Runtime creates one log group per runtime endpoint under /aws/bedrock-agentcore/runtimes/, named after ' +
        'runtime ids that exist only after the agents are deployed.',
    ),
    ack(
      arn('logs', 'log-group:/aws/bedrock-agentcore/runtimes/*:log-stream:*'),
      'Streams of the AgentCore runtime log groups above, created at run time with generated names.',
    ),
    ack(
      arn('ssm', `parameter/agentcore/${foundation.environment}/*`),
      'Agents read their configuration from the environment\'s SSM contract /agentcore/{env}/..., which the gateway, ' +
        'memory and runtime modules populate; read-only and limited to one environment.',
    ),
  );
}
