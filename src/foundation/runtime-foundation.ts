import { ArnFormat, CfnOutput, Names, Stack, Tags, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { FoundationGateway } from './gateway';
import { defaultRoleName, logGroupName as foundationLogGroupName, runtimeParameterName } from './names';
import {
  ENVIRONMENT_TAG_KEY,
  ecrPullStatements,
  gatewayStatement,
  lambdaToolStatement,
  logStatements,
  memoryStatement,
  metricsStatement,
  modelInvocationStatement,
  ssmReadStatement,
  trustPrincipal,
  workloadAccessTokenStatement,
  xrayStatement,
} from './policies';
import { resolveFoundationProps, validateEnvironment, type AgentCoreRuntimeFoundationProps } from './runtime-foundation-props';

/**
 * The names of the SSM parameters a runtime foundation publishes for an environment.
 */
export interface RuntimeFoundationParameterNames {
  /**
   * `/agentcore/{env}/runtime/execution_role_arn`: the execution role's ARN.
   */
  readonly executionRoleArn: string;

  /**
   * `/agentcore/{env}/runtime/execution_role_name`: the execution role's name.
   */
  readonly executionRoleName: string;

  /**
   * `/agentcore/{env}/runtime/log_group_name`: the agents' log group.
   */
  readonly logGroupName: string;

  /**
   * `/agentcore/{env}/runtime/xray_enabled`: `true` or `false`.
   */
  readonly xrayEnabled: string;
}

/**
 * What every AgentCore agent of an environment needs, provisioned once per environment: an
 * execution role with least-privilege permissions, a log group, optional X-Ray permissions, and
 * the SSM parameters `/agentcore/{env}/runtime/...` that SDK-based deployers read.
 *
 * The TypeScript counterpart of the "Runtime Module" Terraform module, with the same inputs,
 * outputs and SSM contract (see docs/runtime-foundation.md for what differs and why).
 *
 * @example
 * const foundation = new AgentCoreRuntimeFoundation(this, 'Runtime', {
 *   environment: 'dev',
 *   agentNamespace: 'myorg/customer-support',
 *   logRetention: logs.RetentionDays.ONE_MONTH,
 *   tags: { Team: 'platform' },
 * });
 */
export class AgentCoreRuntimeFoundation extends Construct {
  /**
   * The SSM parameter names the foundation publishes for `environment`, e.g. for reading them
   * in another stack with `ssm.StringParameter.valueForStringParameter`.
   *
   * @param environment an environment name such as `dev`; validated like the `environment` prop.
   */
  public static parameterNamesFor(environment: string): RuntimeFoundationParameterNames {
    validateEnvironment(environment);
    return {
      executionRoleArn: runtimeParameterName(environment, 'execution_role_arn'),
      executionRoleName: runtimeParameterName(environment, 'execution_role_name'),
      logGroupName: runtimeParameterName(environment, 'log_group_name'),
      xrayEnabled: runtimeParameterName(environment, 'xray_enabled'),
    };
  }

  /**
   * The execution role. Give it to agents (`BaseAgent`'s `executionRole`) so they run with it
   * and add only their own statements, or pass its ARN to `CreateAgentRuntime`.
   */
  public readonly executionRole: iam.IRole;

  /**
   * The execution role's ARN.
   */
  public readonly executionRoleArn: string;

  /**
   * The execution role's name.
   */
  public readonly executionRoleName: string;

  /**
   * The log group shared by the environment's agents.
   */
  public readonly logGroup: logs.ILogGroup;

  /**
   * The log group's name: `/aws/vendedlogs/bedrock-agentcore/{env}/{namespace}`.
   */
  public readonly logGroupName: string;

  /**
   * The log group's ARN, `arn:<partition>:logs:<region>:<account>:log-group:<name>`, without the
   * `:*` suffix of CloudFormation's `Arn` attribute (as the Terraform module's output).
   */
  public readonly logGroupArn: string;

  /**
   * The environment the foundation serves.
   */
  public readonly environment: string;

  /**
   * The agents' namespace.
   */
  public readonly agentNamespace: string;

  /**
   * Whether the role may write X-Ray traces (and `xray_enabled` is `true`).
   */
  public readonly xrayTracingEnabled: boolean;

  /**
   * The names of the SSM parameters this foundation publishes.
   */
  public readonly parameterNames: RuntimeFoundationParameterNames;

  constructor(scope: Construct, id: string, props: AgentCoreRuntimeFoundationProps) {
    super(scope, id);
    const resolved = resolveFoundationProps(props);
    const stack = Stack.of(this);
    const { environment, agentNamespace } = resolved;
    this.environment = environment;
    this.agentNamespace = agentNamespace;
    this.xrayTracingEnabled = resolved.xrayTracingEnabled;
    this.parameterNames = AgentCoreRuntimeFoundation.parameterNamesFor(environment);

    this.logGroupName = foundationLogGroupName(environment, agentNamespace);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      // A physical name: it is part of the SSM contract and must sit under /aws/vendedlogs/ (see names.ts).
      logGroupName: this.logGroupName,
      retention: resolved.logRetention,
      removalPolicy: resolved.logGroupRemovalPolicy,
    });
    this.logGroupArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: this.logGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    // Without a gateway: every gateway tagged with the environment, as the Terraform module grants.
    const gateway = (props.gateway ?? FoundationGateway.withEnvironmentTag()).bind(this, { environment });
    const memory = props.memory?.bind(this, { environment }) ?? undefined;

    const permissions = new iam.PolicyDocument({
      statements: [
        modelInvocationStatement(stack, resolved.modelFamilies),
        ...(gateway.gatewayArns.length > 0 ? [gatewayStatement(gateway, environment, resolved.requireGatewayEnvironmentTag)] : []),
        lambdaToolStatement(stack, agentNamespace),
        ...ecrPullStatements(stack),
        ...logStatements(stack, this.logGroupName),
        ...(resolved.xrayTracingEnabled ? [xrayStatement()] : []),
        metricsStatement(),
        workloadAccessTokenStatement(stack),
        ssmReadStatement(stack, environment),
        ...(memory?.memoryArns && memory.memoryArns.length > 0 ? [memoryStatement(memory.memoryArns)] : []),
      ],
    });

    const role = new iam.Role(this, 'ExecutionRole', {
      roleName: resolved.roleName ?? defaultRoleName({ environment, agentNamespace, ...stackNaming(stack) }),
      description: `Execution role of AgentCore agents in ${environment} (${agentNamespace})`,
      assumedBy: trustPrincipal(stack, resolved.trustedServices),
      // One inline policy: the foundation's statements live and change with the role. Agents
      // given this role add their own statements to its default policy.
      inlinePolicies: { AgentCoreRuntime: permissions },
      managedPolicies: memory?.managedPolicies,
    });
    this.executionRole = role;
    this.executionRoleArn = role.roleArn;
    this.executionRoleName = role.roleName;

    this.publishParameters();
    this.addOutputs();

    Tags.of(this).add(ENVIRONMENT_TAG_KEY, environment);
    for (const [key, value] of Object.entries(resolved.tags)) {
      if (key !== ENVIRONMENT_TAG_KEY) Tags.of(this).add(key, value);
    }
  }

  private publishParameters(): void {
    const names = this.parameterNames;
    const parameter = (id: string, parameterName: string, stringValue: string, description: string): void => {
      new ssm.StringParameter(this, id, { parameterName, stringValue, description, tier: ssm.ParameterTier.STANDARD });
    };
    parameter('ExecutionRoleArnParameter', names.executionRoleArn, this.executionRoleArn, 'AgentCore runtime execution role ARN');
    parameter('ExecutionRoleNameParameter', names.executionRoleName, this.executionRoleName, 'AgentCore runtime execution role name');
    parameter('LogGroupNameParameter', names.logGroupName, this.logGroup.logGroupName, 'AgentCore runtime log group name');
    parameter('XrayEnabledParameter', names.xrayEnabled, this.xrayTracingEnabled ? 'true' : 'false', 'Whether X-Ray tracing is enabled (true/false)');
  }

  private addOutputs(): void {
    new CfnOutput(this, 'ExecutionRoleArnOutput', {
      value: this.executionRoleArn,
      description: `IAM execution role ARN of ${this.environment} AgentCore agents (use for SDK agent deployment)`,
    });
    new CfnOutput(this, 'ExecutionRoleNameOutput', {
      value: this.executionRoleName,
      description: `IAM execution role name of ${this.environment} AgentCore agents`,
    });
    new CfnOutput(this, 'LogGroupNameOutput', {
      value: this.logGroup.logGroupName,
      description: `CloudWatch log group name of ${this.environment} AgentCore agents`,
    });
    new CfnOutput(this, 'LogGroupArnOutput', {
      value: this.logGroupArn,
      description: `CloudWatch log group ARN of ${this.environment} AgentCore agents`,
    });
  }
}

/**
 * The stack's name and Region for the default role name. A nested stack's name is only known at
 * deploy time: its unique construct id stands in. The Region counts only when it is concrete.
 */
function stackNaming(stack: Stack): { stackName: string; region?: string } {
  return {
    stackName: Token.isUnresolved(stack.stackName) ? Names.uniqueId(stack) : stack.stackName,
    region: Token.isUnresolved(stack.region) ? undefined : stack.region,
  };
}
