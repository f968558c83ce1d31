import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AgentCodeLanguage, AgentCoreCodeConfig, repositoryFromImageUri } from './agent-code';
import { createAgentLogGroup } from './agent-log-group';
import { IAgentRuntime } from './agent-runtime';
import { ChatFrontDoorBindOptions, ChatFrontDoorConfig } from '../agents/chat-front-door';
import { agentCoreChatProxy } from '../agents/chat-proxy';
import { AgentTaskBindOptions, AgentTaskConfig } from '../workflow/agent-task';
import { agentCoreAgentTask } from '../workflow/agentcore-agent-task';
import { configureAgentCoreDeliveries } from './agentcore-deliveries';
import { agentCoreRuntimeStatements, createAgentCoreExecutionRole } from './agentcore-permissions';
import { CommonAgentProps } from './common-props';
import { AgentCoreRuntimeConfig } from './config';
import { InvalidRuntimeConfigError } from './errors';
import { toRuntimeName } from './runtime-name';
import { AgentCoreDeploymentMethod, AgentRuntimeType } from './runtime-type';
import { recordRunMetadata } from './run-metadata';
import { addToExecutionRole, ExecutionRolePrincipal } from './execution-role';
import { describeValue, optionalDuration, optionalEnum, optionalInstance, optionalNumber, optionalObject, optionalString } from './input-checks';
import { AgentNetwork } from './network';
import { rejectForeignKeys, validateCommonProps, validateDurationRange, validateIntegerRange } from './validation';

const TYPE = AgentRuntimeType.AGENTCORE;
const MAX_LIFETIME = Duration.hours(8);
const DEFAULT_IDLE_TIMEOUT = Duration.minutes(15);
const ENDPOINT_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/;
const ENV_KEY = /^[a-zA-Z_][a-zA-Z0-9_]{0,99}$/;
const MAX_ENV_VARS = 50;
const MAX_ENV_VALUE = 2048;
const LAMBDA_ONLY_KEYS = ['ephemeralStorageSize'] as const;
/**
 * Variables AgentCore sets in each session itself (Region and credentials, as any AWS compute
 * service does); SDK settings such as AWS_MAX_ATTEMPTS stay the user's, as on Lambda.
 */
const RESERVED_ENV_KEYS = [
  'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN',
];

/**
 * Properties of an `AgentCoreAgentRuntime`.
 */
export interface AgentCoreAgentRuntimeProps extends CommonAgentProps {
  /**
   * AgentCore settings.
   *
   * @default - direct code deployment of `code`, public network, IAM authorization
   */
  readonly config?: AgentCoreRuntimeConfig;
}

/**
 * An agent on Amazon Bedrock AgentCore Runtime, built on aws-cdk-lib's `Runtime` L2: a runtime,
 * an endpoint, an execution role, and a log group the application logs are delivered to.
 */
export class AgentCoreAgentRuntime extends Construct implements IAgentRuntime {
  public readonly runtimeType = AgentRuntimeType.AGENTCORE;
  public readonly executionRole: iam.IRole;
  public readonly grantPrincipal: iam.IPrincipal;
  public readonly invocationArn: string;
  public readonly logGroup: logs.ILogGroup;

  /**
   * The AgentCore runtime resource (for its attributes, e.g. `attrAgentRuntimeArn`, `attrAgentRuntimeId`).
   *
   * The CloudFormation resource rather than aws-cdk-lib's `Runtime`: that one holds a read-only view
   * of the execution role, so grants made through it would be dropped without a word. Grant to this
   * construct (it is `iam.IGrantable`) or to `executionRole` instead.
   */
  public readonly agentCoreAgent: agentcore.CfnRuntime;

  /**
   * The endpoint callers invoke; pass its name as the `qualifier`.
   */
  public readonly agentCoreEndpoint: agentcore.RuntimeEndpoint;

  /**
   * The runtime's name: the stack's name and the agent's, then a hash of the stack name and construct path.
   */
  public readonly runtimeName: string;

  // Handed to the L2, which renders it lazily at synth, so addEnvironment works after construction.
  private readonly environment: { [key: string]: string } = {};
  private readonly runtime: agentcore.Runtime;
  private readonly maxLifetime: Duration;

  constructor(scope: Construct, id: string, props: AgentCoreAgentRuntimeProps) {
    super(scope, id);
    const config = props.config ?? {};
    validateAgentCoreProps(this, props);

    this.maxLifetime = config.timeout ?? MAX_LIFETIME;
    this.runtimeName = toRuntimeName(Stack.of(this), props.agentName, this.node.path);
    this.logGroup = createAgentLogGroup(this, props);
    this.executionRole = props.executionRole ?? createAgentCoreExecutionRole(this, props.agentName, this.runtimeName);
    this.grantPrincipal = new ExecutionRolePrincipal(this, this.executionRole);
    for (const [key, value] of Object.entries(props.environment ?? {})) {
      this.addEnvironment(key, value);
    }

    const artifact = this.resolveArtifact(props);
    const timeout = config.timeout;
    this.runtime = new agentcore.Runtime(this, 'Runtime', {
      runtimeName: this.runtimeName,
      description: `Agent ${props.agentName}`,
      agentRuntimeArtifact: artifact,
      // Read-only view: the statements are ours (agentcore-permissions.ts) and scoped tighter than the L2's.
      executionRole: iam.Role.fromRoleArn(this, 'RoleView', this.executionRole.roleArn, { mutable: false }),
      networkConfiguration: props.network
        ? agentcore.RuntimeNetworkConfiguration.usingVpc(this, {
          vpc: props.network.vpc,
          vpcSubnets: props.network.vpcSubnets,
          securityGroups: props.network.securityGroups,
        })
        : agentcore.RuntimeNetworkConfiguration.usingPublicNetwork(),
      protocolConfiguration: config.protocol,
      authorizerConfiguration: config.authorizer,
      requestHeaderConfiguration: config.requestHeaderConfiguration,
      environmentVariables: this.environment,
      lifecycleConfiguration: {
        maxLifetime: timeout,
        idleRuntimeSessionTimeout: config.idleSessionTimeout
          ?? (timeout && timeout.toSeconds() < DEFAULT_IDLE_TIMEOUT.toSeconds() ? timeout : undefined),
      },
    });
    // The runtime must not be created before its role can do what it needs (pull code, write logs).
    // On the CfnRuntime only: the endpoint and deliveries reference the runtime, so they follow it anyway.
    this.agentCoreAgent = this.runtime.node.defaultChild as agentcore.CfnRuntime;
    this.agentCoreAgent.node.addDependency(this.executionRole);

    this.agentCoreEndpoint = this.runtime.addEndpoint(config.endpointName ?? 'live', {
      description: `Endpoint of agent ${props.agentName}`,
    });
    this.invocationArn = this.runtime.agentRuntimeArn;
    recordRunMetadata(this, this.agentCoreAgent, {
      agentName: props.agentName, runtimeType: this.runtimeType, endpointName: this.agentCoreEndpoint.endpointName, code: props.code._runInfo(),
    });
    // Application logs (and, with tracing, usage logs and traces) delivered as the L2's
    // loggingConfigs/tracingEnabled would, without growing the stack's 5,120-character delivery
    // resource policies by three statements per agent (agentcore-deliveries.ts).
    configureAgentCoreDeliveries(this.runtime, this.runtime.agentRuntimeArn, this.logGroup, props.tracingEnabled ?? false);

    for (const statement of agentCoreRuntimeStatements(this, this.runtimeName, this.logGroup)) {
      this.addToRolePolicy(statement);
    }
    // No KMS grant: the key encrypts the log group, which CloudWatch Logs does under the key policy;
    // AgentCore does not encrypt environment variables with it.
  }

  /**
   * The name to pass as `qualifier` when invoking.
   */
  public get endpointName(): string {
    return this.agentCoreEndpoint.endpointName;
  }

  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.runtime.grantInvokeRuntime(grantee);
  }

  public addEnvironment(key: string, value: string): void {
    if (typeof key !== 'string' || !ENV_KEY.test(key)) {
      throw new InvalidRuntimeConfigError(TYPE, `environment variable name '${key}' is invalid; allowed: 1 to 100 letters, digits or '_', not starting with a digit`, 'environment');
    }
    if (RESERVED_ENV_KEYS.includes(key)) {
      throw new InvalidRuntimeConfigError(TYPE, `environment variable '${key}' is reserved: AgentCore sets the Region and credential variables itself; allowed: any name but ${RESERVED_ENV_KEYS.join(', ')}`, 'environment');
    }
    if (typeof value !== 'string') {
      throw new InvalidRuntimeConfigError(TYPE, `environment.${key} is ${describeValue(value)}; allowed: a string`, `environment.${key}`);
    }
    if (!Token.isUnresolved(value) && value.length > MAX_ENV_VALUE) {
      throw new InvalidRuntimeConfigError(TYPE, `environment variable '${key}' is ${value.length} characters; allowed: at most ${MAX_ENV_VALUE}`, 'environment');
    }
    if (!(key in this.environment) && Object.keys(this.environment).length >= MAX_ENV_VARS) {
      throw new InvalidRuntimeConfigError(TYPE, `environment variable '${key}' would be number ${MAX_ENV_VARS + 1}; allowed: at most ${MAX_ENV_VARS} per runtime`, 'environment');
    }
    this.environment[key] = value;
  }

  public addToRolePolicy(statement: iam.PolicyStatement): void {
    addToExecutionRole(this, this.executionRole, statement);
  }

  public bindStepFunctionsTask(task: Construct, options: AgentTaskBindOptions): AgentTaskConfig {
    return agentCoreAgentTask(task, { runtimeArn: this.invocationArn, endpointName: this.endpointName, maxLifetime: this.maxLifetime }, options);
  }

  public bindChatFrontDoor(scope: Construct, options: ChatFrontDoorBindOptions): ChatFrontDoorConfig {
    return agentCoreChatProxy(scope, { runtimeArn: this.invocationArn, endpointName: this.endpointName, maxLifetime: this.maxLifetime }, options);
  }

  private resolveArtifact(props: AgentCoreAgentRuntimeProps): agentcore.AgentRuntimeArtifact {
    const config = props.config ?? {};
    const method = config.deploymentMethod ?? AgentCoreDeploymentMethod.DIRECT_CODE;

    if (method === AgentCoreDeploymentMethod.CONTAINER) {
      const image: AgentCoreCodeConfig = config.imageUri
        ? { imageUri: config.imageUri, imageRepository: repositoryFromImageUri(this, 'ImageRepository', config.imageUri) }
        : props.code.bindForAgentCore(this);
      image.imageRepository?.grantPull(this);
      return agentcore.AgentRuntimeArtifact.fromImageUri(image.imageUri!);
    }

    // A prebuilt ZIP of the same code (codeBucket/codeKey), or the code packaged as an asset.
    const prebuilt = config.codeBucket !== undefined && config.codeKey !== undefined;
    const code = prebuilt ? undefined : props.code.bindForAgentCore(this);
    const bucketName = code ? code.codeAsset!.s3BucketName : config.codeBucket!;
    const objectKey = code ? code.codeAsset!.s3ObjectKey : config.codeKey!;
    const python = props.code.language === AgentCodeLanguage.PYTHON;
    // Bucket/Asset.grantRead would add bucket-wide List/GetBucket*; this object is all the runtime reads.
    this.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ReadCodePackage',
      actions: ['s3:GetObject'],
      resources: [Stack.of(this).formatArn({ service: 's3', region: '', account: '', resource: bucketName, resourceName: objectKey })],
    }));
    return agentcore.AgentRuntimeArtifact.fromS3(
      { bucketName, objectKey },
      code?.runtime ?? (python ? agentcore.AgentCoreRuntime.PYTHON_3_13 : agentcore.AgentCoreRuntime.NODE_22),
      code?.entrypoint ?? [props.code.agentCoreEntrypoint ?? 'index.js'],
    );
  }
}

function validateAgentCoreProps(scope: Construct, props: AgentCoreAgentRuntimeProps): void {
  validateCommonProps(TYPE, props);
  optionalObject(TYPE, 'runtime.config', props.config, 'an AgentCoreRuntimeConfig');
  const config = props.config ?? {};
  optionalDuration(TYPE, 'runtime.config.timeout', config.timeout);
  optionalDuration(TYPE, 'runtime.config.idleSessionTimeout', config.idleSessionTimeout);
  optionalNumber(TYPE, 'runtime.config.memorySize', config.memorySize);
  for (const field of ['imageUri', 'codeBucket', 'codeKey', 'endpointName'] as const) {
    optionalString(TYPE, `runtime.config.${field}`, config[field]);
  }
  optionalEnum(TYPE, 'runtime.config.protocol', config.protocol, Object.values(agentcore.ProtocolType));
  optionalObject(TYPE, 'runtime.config.authorizer', config.authorizer, 'a RuntimeAuthorizerConfiguration, e.g. RuntimeAuthorizerConfiguration.usingIAM()');
  optionalObject(TYPE, 'runtime.config.requestHeaderConfiguration', config.requestHeaderConfiguration, 'a RequestHeaderConfiguration, e.g. { allowlistedHeaders: [\'Authorization\'] }');
  rejectForeignKeys(TYPE, config, LAMBDA_ONLY_KEYS, AgentRuntimeType.LAMBDA);
  if (props.network) {
    warnIfOnlyPublicSubnets(scope, props.network);
  }
  optionalInstance(TYPE, 'runtime.config.architecture', (config as { architecture?: unknown }).architecture, lambda.Architecture, 'lambda.Architecture.ARM_64 (AgentCore runs ARM64 only)');
  const architecture = (config as { architecture?: { name: string } }).architecture;
  if (architecture !== undefined && architecture.name !== 'arm64') {
    throw new InvalidRuntimeConfigError(TYPE, `runtime.config.architecture is ${architecture.name}; allowed: arm64 (AgentCore runs ARM64 only)`, 'runtime.config.architecture');
  }
  validateDurationRange(TYPE, 'runtime.config.timeout', config.timeout, Duration.minutes(1), MAX_LIFETIME);
  validateDurationRange(TYPE, 'runtime.config.idleSessionTimeout', config.idleSessionTimeout, Duration.minutes(1), MAX_LIFETIME);
  if (config.timeout && config.idleSessionTimeout && config.idleSessionTimeout.toSeconds() > config.timeout.toSeconds()) {
    throw new InvalidRuntimeConfigError(TYPE,
      `runtime.config.idleSessionTimeout (${config.idleSessionTimeout.toHumanString()}) is longer than runtime.config.timeout (${config.timeout.toHumanString()}); allowed: at most the timeout`,
      'runtime.config.idleSessionTimeout');
  }
  if (config.memorySize !== undefined) {
    validateIntegerRange(TYPE, 'runtime.config.memorySize', config.memorySize, 128, 10240, 'MiB');
    Annotations.of(scope).addWarningV2('agentic-ai-framework:agentCoreMemorySize',
      `runtime.config.memorySize (${config.memorySize} MiB) is ignored on AgentCore: the service sizes each session's microVM itself.`);
  }
  if (config.endpointName !== undefined && !ENDPOINT_NAME.test(config.endpointName)) {
    throw new InvalidRuntimeConfigError(TYPE, `runtime.config.endpointName '${config.endpointName}' is invalid; allowed: ^[a-zA-Z][a-zA-Z0-9_]{0,47}$`, 'runtime.config.endpointName');
  }
  if ((config.codeBucket === undefined) !== (config.codeKey === undefined)) {
    const [given, missing] = config.codeBucket === undefined ? ['codeKey', 'codeBucket'] : ['codeBucket', 'codeKey'];
    throw new InvalidRuntimeConfigError(TYPE, `runtime.config.${given} is set but runtime.config.${missing} is not; allowed: both or neither`, `runtime.config.${missing}`);
  }
  if (props.layers && props.layers.length > 0) {
    throw new InvalidRuntimeConfigError(TYPE, 'layers are a Lambda feature; AgentCore runs one code package (merge the layer\'s code into it)', 'layers');
  }
  const method = config.deploymentMethod ?? AgentCoreDeploymentMethod.DIRECT_CODE;
  if (!Object.values(AgentCoreDeploymentMethod).includes(method)) {
    throw new InvalidRuntimeConfigError(TYPE, `runtime.config.deploymentMethod is '${method}'; allowed: ${Object.values(AgentCoreDeploymentMethod).join(', ')}`, 'runtime.config.deploymentMethod');
  }
  if (method === AgentCoreDeploymentMethod.CONTAINER) {
    if (config.codeBucket !== undefined) {
      throw new InvalidRuntimeConfigError(TYPE, 'runtime.config.codeBucket/codeKey are for DIRECT_CODE; deploymentMethod is CONTAINER', 'runtime.config.codeBucket');
    }
    if (config.imageUri === undefined && !props.code.isImage) {
      throw new InvalidRuntimeConfigError(TYPE,
        'deploymentMethod CONTAINER needs an image: set runtime.config.imageUri or give AgentCode.fromEcrImage / AgentCode.fromDockerDirectory',
        'runtime.config.imageUri');
    }
  } else {
    if (config.imageUri !== undefined) {
      throw new InvalidRuntimeConfigError(TYPE, 'runtime.config.imageUri is for CONTAINER; deploymentMethod is DIRECT_CODE (set deploymentMethod: CONTAINER)', 'runtime.config.imageUri');
    }
    if (props.code.isImage && config.codeBucket === undefined) {
      throw new InvalidRuntimeConfigError(TYPE, 'the agent code is a container image but deploymentMethod is DIRECT_CODE; set deploymentMethod: CONTAINER', 'runtime.config.deploymentMethod');
    }
  }
}

/**
 * AgentCore gives its network interfaces private addresses only, so public subnets (routed to an
 * internet gateway, not a NAT) give the agent no way out. The service accepts them, and VPC
 * endpoints for Bedrock, S3, CloudWatch Logs and X-Ray make a NAT-less setup work, so this warns
 * rather than fails.
 */
function warnIfOnlyPublicSubnets(scope: Construct, network: AgentNetwork): void {
  const selected = network.vpc.selectSubnets(network.vpcSubnets);
  const publicIds = new Set(network.vpc.publicSubnets.map((subnet) => subnet.subnetId));
  if (selected.subnets.length > 0 && selected.subnets.every((subnet) => publicIds.has(subnet.subnetId))) {
    Annotations.of(scope).addWarningV2('agentic-ai-framework:agentCorePublicSubnets',
      'network.vpcSubnets selects only public subnets: AgentCore gives the agent private addresses only, so it cannot reach Bedrock, S3 or CloudWatch through an internet gateway. Use private subnets with a NAT gateway, or add VPC endpoints for the services the agent calls.');
  }
}
