import { Duration, Size } from 'aws-cdk-lib';
import { ProtocolType, RequestHeaderConfiguration, RuntimeAuthorizerConfiguration } from 'aws-cdk-lib/aws-bedrockagentcore';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { AgentCoreDeploymentMethod, AgentRuntimeType } from './runtime-type';

/**
 * Settings both runtimes understand.
 */
export interface BaseRuntimeConfig {
  /**
   * Longest time one agent run may take.
   *
   * Lambda: the function timeout (1 second to 15 minutes).
   * AgentCore: the runtime's maximum instance lifetime (1 minute to 8 hours).
   *
   * @default - 10 minutes on Lambda; on AgentCore the service's default lifetime of 8 hours
   */
  readonly timeout?: Duration;

  /**
   * Memory for the agent, in MiB (128 to 10240).
   *
   * Lambda only: AgentCore sizes its microVMs itself, so on AgentCore a value here
   * is ignored with a synth warning.
   *
   * @default 1024
   */
  readonly memorySize?: number;
}

/**
 * Settings for an agent on AWS Lambda.
 */
export interface LambdaRuntimeConfig extends BaseRuntimeConfig {
  /**
   * Processor architecture of the function.
   *
   * ARM64 (Graviton) rather than the source design's x86_64: it is cheaper per GB-second
   * and matches AgentCore, which runs ARM64 only, so the same native dependencies work on both.
   *
   * @default Architecture.ARM_64
   */
  readonly architecture?: Architecture;

  /**
   * Size of the function's `/tmp` (512 MiB to 10240 MiB).
   *
   * @default Size.mebibytes(512)
   */
  readonly ephemeralStorageSize?: Size;
}

/**
 * Settings for an agent on Amazon Bedrock AgentCore Runtime.
 *
 * There is no instance type or capacity setting: AgentCore runs each session in its own
 * microVM and scales per session, with no instances to choose or pre-provision.
 */
export interface AgentCoreRuntimeConfig extends BaseRuntimeConfig {
  /**
   * How the agent code reaches the runtime.
   *
   * @default AgentCoreDeploymentMethod.DIRECT_CODE
   */
  readonly deploymentMethod?: AgentCoreDeploymentMethod;

  /**
   * For `CONTAINER`: an ARM64 image in Amazon ECR,
   * `{account}.dkr.ecr.{region}.amazonaws.com/{repository}:{tag}`.
   * The execution role gets pull access to that repository only.
   *
   * @default - the image of the agent code, when it is one
   */
  readonly imageUri?: string;

  /**
   * For `DIRECT_CODE`: the bucket holding a prebuilt ZIP of the agent code.
   * Requires `codeKey`. The execution role gets read access to that one object.
   *
   * @default - the agent code is packaged and uploaded as a CDK asset
   */
  readonly codeBucket?: string;

  /**
   * For `DIRECT_CODE`: the key of the ZIP in `codeBucket`.
   *
   * @default - the agent code is packaged and uploaded as a CDK asset
   */
  readonly codeKey?: string;

  /**
   * How long a session may stay idle before AgentCore ends it (1 minute to 8 hours,
   * and no longer than `timeout`).
   *
   * @default - the service's 15 minutes, or `timeout` when that is shorter
   */
  readonly idleSessionTimeout?: Duration;

  /**
   * The protocol the agent code speaks.
   *
   * @default ProtocolType.HTTP
   */
  readonly protocol?: ProtocolType;

  /**
   * Who may call the runtime: IAM (SigV4) or a JWT authorizer (Cognito, OAuth).
   *
   * @default - IAM authorization
   */
  readonly authorizer?: RuntimeAuthorizerConfiguration;

  /**
   * Request headers AgentCore passes through to the agent code (e.g. `Authorization`, for code that
   * reads the caller's token).
   *
   * @default - none
   */
  readonly requestHeaderConfiguration?: RequestHeaderConfiguration;

  /**
   * Name of the runtime endpoint this construct creates; callers pass it as the qualifier.
   *
   * @default 'live'
   */
  readonly endpointName?: string;
}

/**
 * Which runtime an agent uses, and how it is configured.
 */
export interface AgentRuntimeConfig {
  /**
   * The runtime to run the agent on.
   */
  readonly type: AgentRuntimeType;

  /**
   * Settings for that runtime: a `LambdaRuntimeConfig` for `LAMBDA`,
   * an `AgentCoreRuntimeConfig` for `AGENTCORE`.
   *
   * @default - the runtime's defaults
   */
  readonly config?: LambdaRuntimeConfig | AgentCoreRuntimeConfig;
}
