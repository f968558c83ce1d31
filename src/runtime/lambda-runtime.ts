import { Annotations, Duration, Size, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { createAgentLogGroup } from './agent-log-group';
import { IAgentRuntime } from './agent-runtime';
import { ChatFrontDoorBindOptions, ChatFrontDoorConfig } from '../agents/chat-front-door';
import { AgentTaskBindOptions, AgentTaskConfig } from '../workflow/agent-task';
import { lambdaAgentTask } from '../workflow/lambda-agent-task';
import { CommonAgentProps } from './common-props';
import { LambdaRuntimeConfig } from './config';
import { InvalidRuntimeConfigError } from './errors';
import { AgentRuntimeType } from './runtime-type';
import { recordRunMetadata } from './run-metadata';
import { addToExecutionRole, ExecutionRolePrincipal } from './execution-role';
import { optionalDuration, optionalInstance, optionalNumber, optionalObject, optionalSize } from './input-checks';
import {
  rejectForeignKeys, validateCommonProps, validateDurationRange, validateIntegerRange, validateSizeRange,
} from './validation';

/** Lambda's environment variable name pattern (from the CloudFormation schema). */
const ENV_KEY = /^[a-zA-Z][a-zA-Z0-9_]+$/;

/** Names Lambda sets itself and refuses in a function's environment (Lambda developer guide). */
const LAMBDA_RESERVED_KEYS = [
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
];

/** Keys of AgentCoreRuntimeConfig that mean nothing on Lambda. */
const AGENTCORE_ONLY_KEYS = ['deploymentMethod', 'imageUri', 'codeBucket', 'codeKey', 'idleSessionTimeout', 'protocol', 'authorizer', 'requestHeaderConfiguration', 'endpointName'] as const;

/**
 * Properties of a `LambdaAgentRuntime`.
 */
export interface LambdaAgentRuntimeProps extends CommonAgentProps {
  /**
   * Lambda settings.
   *
   * @default - 10 minute timeout, 1024 MiB, ARM64, 512 MiB ephemeral storage
   */
  readonly config?: LambdaRuntimeConfig;
}

/**
 * An agent on AWS Lambda: a function with its own role, log group and (optionally) VPC.
 */
export class LambdaAgentRuntime extends Construct implements IAgentRuntime {
  public readonly runtimeType = AgentRuntimeType.LAMBDA;
  public readonly executionRole: iam.IRole;
  public readonly grantPrincipal: iam.IPrincipal;
  public readonly invocationArn: string;
  public readonly logGroup: logs.ILogGroup;

  /**
   * The Lambda function running the agent.
   */
  public readonly agentFunction: lambda.Function;
  private readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: LambdaAgentRuntimeProps) {
    super(scope, id);
    validateLambdaProps(props);
    const config = props.config ?? {};

    this.logGroup = createAgentLogGroup(this, props);
    this.executionRole = props.executionRole ?? new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of agent ${props.agentName} (Lambda)`,
    });
    this.grantPrincipal = new ExecutionRolePrincipal(this, this.executionRole);

    const code = props.code.bindForLambda(this);
    this.timeout = config.timeout ?? Duration.minutes(10);
    this.agentFunction = new lambda.Function(this, 'Function', {
      description: `Agent ${props.agentName}`,
      code: code.code,
      handler: code.handler,
      runtime: code.runtime,
      role: this.executionRole,
      timeout: this.timeout,
      memorySize: config.memorySize ?? 1024,
      architecture: config.architecture ?? lambda.Architecture.ARM_64,
      ephemeralStorageSize: config.ephemeralStorageSize ?? Size.mebibytes(512),
      environment: props.environment,
      environmentEncryption: props.encryptionKey,
      logGroup: this.logGroup,
      tracing: props.tracingEnabled ? lambda.Tracing.ACTIVE : undefined,
      layers: props.layers,
      vpc: props.network?.vpc,
      vpcSubnets: props.network?.vpcSubnets,
      securityGroups: props.network?.securityGroups,
    });
    this.invocationArn = this.agentFunction.functionArn;
    recordRunMetadata(this, this.agentFunction.node.defaultChild as lambda.CfnFunction, {
      agentName: props.agentName, runtimeType: this.runtimeType, code: props.code._runInfo(),
    });

    this.grantRuntimePermissions(props);
  }

  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.agentFunction.grantInvoke(grantee);
  }

  public addEnvironment(key: string, value: string): void {
    validateEnvironmentKey(key);
    this.agentFunction.addEnvironment(key, value);
  }

  public addToRolePolicy(statement: iam.PolicyStatement): void {
    addToExecutionRole(this, this.executionRole, statement);
  }

  public bindStepFunctionsTask(task: Construct, options: AgentTaskBindOptions): AgentTaskConfig {
    if (options.sessionId !== undefined) {
      Annotations.of(task).addWarningV2('agentic-ai-framework:sessionIdIgnored',
        'sessionId is ignored: this agent runs on Lambda, which has no sessions (it applies when the agent runs on AgentCore).');
    }
    return lambdaAgentTask(this.agentFunction, options);
  }

  public bindChatFrontDoor(_scope: Construct, _options: ChatFrontDoorBindOptions): ChatFrontDoorConfig {
    // The agent's own function streams its answers (its `chatHandler`): no function in between.
    return { handler: this.agentFunction, turnTimeout: this.timeout };
  }

  /**
   * What the function needs and no more. The role is ours rather than Lambda's default so that
   * logging is scoped to the agent's log group instead of AWSLambdaBasicExecutionRole's `*`.
   */
  private grantRuntimePermissions(props: LambdaAgentRuntimeProps): void {
    this.addToRolePolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      // The log group's ARN, which ends in `:*`, covers its streams; `${logGroupArn}:log-stream:*`
      // would be `…:log-group:NAME:*:log-stream:*`, which matches no stream.
      resources: [this.logGroup.logGroupArn],
    }));
    // Lambda decrypts a customer-managed environment key as the execution role.
    props.encryptionKey?.grantDecrypt(this);
    if (props.network) {
      this.grantVpcAccess();
    }
  }

  /** The ENI permissions of AWSLambdaVPCAccessExecutionRole, scoped to this account and Region. */
  private grantVpcAccess(): void {
    const stack = Stack.of(this);
    const ec2Arn = (resource: string) => stack.formatArn({ service: 'ec2', resource, resourceName: '*' });
    this.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface'],
      resources: [ec2Arn('network-interface'), ec2Arn('subnet'), ec2Arn('security-group')],
    }));
    this.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: [ec2Arn('network-interface')],
    }));
    this.addToRolePolicy(new iam.PolicyStatement({
      // Describe calls have no resource-level permissions.
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVpcs'],
      resources: ['*'],
    }));
  }
}

function validateEnvironmentKey(key: string): void {
  if (!ENV_KEY.test(key)) {
    throw new InvalidRuntimeConfigError(AgentRuntimeType.LAMBDA,
      `environment variable name '${key}' is invalid; allowed: a letter then at least one letter, digit or '_'`, 'environment');
  }
  if (LAMBDA_RESERVED_KEYS.includes(key)) {
    throw new InvalidRuntimeConfigError(AgentRuntimeType.LAMBDA,
      `environment variable '${key}' is reserved by Lambda, which sets it itself; allowed: any other name`, 'environment');
  }
}

function validateLambdaProps(props: LambdaAgentRuntimeProps): void {
  const type = AgentRuntimeType.LAMBDA;
  validateCommonProps(type, props);
  Object.keys(props.environment ?? {}).forEach(validateEnvironmentKey);
  const config = props.config;
  optionalObject(type, 'runtime.config', config, 'a LambdaRuntimeConfig');
  optionalDuration(type, 'runtime.config.timeout', config?.timeout);
  optionalNumber(type, 'runtime.config.memorySize', config?.memorySize);
  optionalInstance(type, 'runtime.config.architecture', config?.architecture, lambda.Architecture, 'lambda.Architecture.ARM_64 or X86_64');
  optionalSize(type, 'runtime.config.ephemeralStorageSize', config?.ephemeralStorageSize);
  rejectForeignKeys(type, config, AGENTCORE_ONLY_KEYS, AgentRuntimeType.AGENTCORE);
  validateDurationRange(type, 'runtime.config.timeout', config?.timeout, Duration.seconds(1), Duration.minutes(15));
  validateIntegerRange(type, 'runtime.config.memorySize', config?.memorySize, 128, 10240, 'MiB');
  validateSizeRange(type, 'runtime.config.ephemeralStorageSize', config?.ephemeralStorageSize, 512, 10240);
}
