import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { invalidFoundationConfig as invalid } from './errors';
import type { FoundationGateway } from './gateway';
import type { FoundationMemory } from './memory';
import {
  describeValue,
  failType,
  isAbsent,
  optionalArray,
  optionalBindable,
  optionalBoolean,
  optionalString,
  requirePlainObject,
  requireString,
} from './input-checks';
import { FoundationModelFamily, isModelFamily } from './model-family';
import {
  ENVIRONMENT_ALLOWED,
  ENVIRONMENT_PATTERN,
  NAMESPACE_ALLOWED,
  NAMESPACE_MAX_LENGTH,
  NAMESPACE_PATTERN,
  ROLE_NAME_PATTERN,
} from './names';
import { FoundationTrustedService } from './trusted-service';

/**
 * Properties of an `AgentCoreRuntimeFoundation`.
 */
export interface AgentCoreRuntimeFoundationProps {
  /**
   * The environment the foundation serves, e.g. `dev`, `staging` or `prod`.
   *
   * 1-16 characters: a lowercase letter, then lowercase letters, digits or hyphens, not ending
   * in a hyphen. It names the SSM parameters (`/agentcore/{environment}/runtime/...`), is the
   * value of the `Environment` tag on everything the foundation creates and scopes the role's
   * SSM read access and gateway condition.
   */
  readonly environment: string;

  /**
   * The namespace of the agents that use the foundation, e.g. `myorg/customer-support`.
   *
   * 1-4 segments separated by `/`, each of lowercase letters, digits and inner hyphens, at most
   * 40 characters in all. With `/` turned into `-` (`myorg-customer-support`) it prefixes the
   * role name and the Lambda tool functions the role may invoke (`{namespace}-*-tool-*`); the
   * log group name contains it as given.
   */
  readonly agentNamespace: string;

  /**
   * Whether agents send traces to AWS X-Ray: grants the role the X-Ray write actions and
   * publishes `xray_enabled` = `true`. When `false` the role gets no X-Ray permission and the
   * parameter is `false`.
   *
   * @default true
   */
  readonly xrayTracingEnabled?: boolean;

  /**
   * How long the agents' log group keeps events.
   *
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log group when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logGroupRemovalPolicy?: RemovalPolicy;

  /**
   * Tags for everything the foundation creates, in addition to `Environment={environment}`.
   *
   * Keys are 1-128 characters and may not start with `aws:`; values at most 256 characters;
   * at most 49 tags (IAM roles take 50, one is `Environment`). `Environment` may only be given
   * with the environment's own value.
   *
   * @default - only the `Environment` tag
   */
  readonly tags?: { [key: string]: string };

  /**
   * The AgentCore gateway the agents may invoke (`InvokeGateway`, `GetGateway`).
   *
   * `FoundationGateway.fromSsmParameter()` reads the gateway id from
   * `/agentcore/{env}/gateway/gateway_id` at deploy time; `fromGateway`, `fromGatewayArn` and
   * `fromGatewayId` name one gateway; `FoundationGateway.none()` grants no gateway access. A
   * gateway given replaces the default.
   *
   * @default FoundationGateway.withEnvironmentTag() - every gateway of the account and Region
   * tagged `Environment={environment}`
   */
  readonly gateway?: FoundationGateway;

  /**
   * Whether gateway access also requires the gateway to carry the tag
   * `Environment={environment}` (`aws:ResourceTag/Environment` condition), so a role of one
   * environment cannot call another environment's gateway even when given its id. Tag your
   * gateway accordingly, or turn this off for a gateway you cannot tag. The default,
   * `FoundationGateway.withEnvironmentTag()`, always uses the condition.
   *
   * @default true
   */
  readonly requireGatewayEnvironmentTag?: boolean;

  /**
   * The AgentCore memory the agents may use: a memory (data-plane actions on it) or a managed
   * policy (attached). `FoundationMemory.fromSsmPolicyParameter()` attaches the policy whose ARN
   * is in `/agentcore/{env}/memory/iam_policy_arn`, as the memory module publishes it.
   *
   * @default - no memory permissions
   */
  readonly memory?: FoundationMemory;

  /**
   * The services that may assume the execution role.
   *
   * @default - all three: BEDROCK_AGENTCORE, BEDROCK and LAMBDA
   */
  readonly trustedServices?: FoundationTrustedService[];

  /**
   * The Bedrock model families the role may invoke (foundation models and their system-defined
   * inference profiles).
   *
   * @default - [FoundationModelFamily.ANTHROPIC_CLAUDE, FoundationModelFamily.AMAZON_TITAN]
   */
  readonly modelFamilies?: FoundationModelFamily[];

  /**
   * The execution role's name.
   *
   * The default is a physical name, `{namespace-as-name}-{environment}-{stackName}-{hash}`, at
   * most 64 characters (the readable part is cut to fit), because SDK-based deployers and
   * pipelines refer to the role by name (for example in `iam:PassRole` policies on
   * `{namespace-as-name}-{environment}-*` written before the stack exists); it is also published
   * in SSM. IAM role names are unique per account, so the stack's name is part of it, and the
   * hash covers namespace, environment, stack name and the stack's Region when that is concrete.
   * Stacks of one name deployed to two Regions of one account without a concrete `env` get the
   * same name: give one of them a name here. Pass `PhysicalName.GENERATE_IF_NEEDED` to let
   * CloudFormation generate a name instead.
   *
   * @default - `{namespace-as-name}-{environment}-{stackName}-{hash}`
   */
  readonly roleName?: string;
}

/** The values the foundation works with, validated, defaults applied. */
export interface ResolvedFoundationProps {
  readonly environment: string;
  readonly agentNamespace: string;
  readonly xrayTracingEnabled: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly logGroupRemovalPolicy: RemovalPolicy;
  readonly tags: Readonly<Record<string, string>>;
  readonly trustedServices: readonly FoundationTrustedService[];
  readonly modelFamilies: readonly FoundationModelFamily[];
  /** The role name given, if any. */
  readonly roleName?: string;
  readonly requireGatewayEnvironmentTag: boolean;
}

/** All services, in the order the Terraform module lists them. */
export const DEFAULT_TRUSTED_SERVICES: readonly FoundationTrustedService[] = [
  FoundationTrustedService.BEDROCK_AGENTCORE,
  FoundationTrustedService.BEDROCK,
  FoundationTrustedService.LAMBDA,
];

/** Claude and Titan, the model families the Terraform module allows. */
const DEFAULT_MODEL_FAMILIES: readonly FoundationModelFamily[] = [FoundationModelFamily.ANTHROPIC_CLAUDE, FoundationModelFamily.AMAZON_TITAN];

/** IAM roles take 50 tags; the foundation adds `Environment`. */
export const MAX_USER_TAGS = 49;

const TAG_KEY_MAX_LENGTH = 128;
const TAG_VALUE_MAX_LENGTH = 256;
/** Characters CloudFormation/IAM/SSM/CloudWatch Logs all accept in tags. */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Validates the props (throwing `InvalidRuntimeFoundationConfigError`) and applies the defaults. */
export function resolveFoundationProps(props: AgentCoreRuntimeFoundationProps): ResolvedFoundationProps {
  requirePlainObject('props', props, 'an AgentCoreRuntimeFoundationProps object with at least environment and agentNamespace');
  validateEnvironment(props.environment);
  validateNamespace(props.agentNamespace);
  optionalBoolean('xrayTracingEnabled', props.xrayTracingEnabled);
  optionalBoolean('requireGatewayEnvironmentTag', props.requireGatewayEnvironmentTag);
  optionalBindable('gateway', props.gateway, 'a FoundationGateway, e.g. FoundationGateway.fromGatewayArn(arn)');
  optionalBindable('memory', props.memory, 'a FoundationMemory, e.g. FoundationMemory.fromMemoryArn(arn)');

  const allowedRetention = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number');
  const retentionAllowed = `a logs.RetentionDays value (days): ${allowedRetention.join(', ')} (${logs.RetentionDays.INFINITE} = never expire)`;
  const logRetention = props.logRetention ?? logs.RetentionDays.ONE_WEEK;
  if (typeof logRetention !== 'number') failType('logRetention', logRetention, retentionAllowed);
  if (!allowedRetention.includes(logRetention)) {
    throw invalid('logRetention', `logRetention ${String(logRetention)} is not a CloudWatch Logs retention; allowed: ${retentionAllowed}`);
  }

  const removalPolicies = Object.values(RemovalPolicy);
  const logGroupRemovalPolicy = props.logGroupRemovalPolicy ?? RemovalPolicy.RETAIN;
  if (!removalPolicies.includes(logGroupRemovalPolicy)) {
    failType('logGroupRemovalPolicy', logGroupRemovalPolicy, `a RemovalPolicy: ${removalPolicies.map((p) => JSON.stringify(p)).join(', ')}`);
  }

  const knownServices = Object.values(FoundationTrustedService);
  optionalArray('trustedServices', props.trustedServices, `an array of FoundationTrustedService (${knownServices.join(', ')})`);
  const trustedServices = props.trustedServices ?? DEFAULT_TRUSTED_SERVICES;
  if (trustedServices.length === 0) {
    throw invalid('trustedServices', `trustedServices [] is empty; allowed: one or more of ${knownServices.join(', ')}`);
  }
  for (const service of trustedServices) {
    if (!knownServices.includes(service)) {
      throw invalid('trustedServices', `trustedServices entry ${describeValue(service)} is unknown; allowed: ${knownServices.join(', ')}`);
    }
  }

  const modelFamiliesAllowed = 'one or more FoundationModelFamily, e.g. [FoundationModelFamily.ANTHROPIC_CLAUDE] (omit the prop for Claude and Titan)';
  optionalArray('modelFamilies', props.modelFamilies, `an array: ${modelFamiliesAllowed}`);
  const modelFamilies = props.modelFamilies ?? DEFAULT_MODEL_FAMILIES;
  if (modelFamilies.length === 0) throw invalid('modelFamilies', `modelFamilies [] is empty; allowed: ${modelFamiliesAllowed}`);
  for (const family of modelFamilies) {
    if (!isModelFamily(family)) {
      throw invalid('modelFamilies', `modelFamilies entry ${describeValue(family)} is not a FoundationModelFamily; allowed: ${modelFamiliesAllowed}`);
    }
  }

  optionalString('roleName', props.roleName, 'a string: an IAM role name, or PhysicalName.GENERATE_IF_NEEDED');
  if (!isAbsent(props.roleName) && !Token.isUnresolved(props.roleName) && !ROLE_NAME_PATTERN.test(props.roleName)) {
    throw invalid(
      'roleName',
      `roleName "${props.roleName}" is not an IAM role name; allowed: 1-64 characters of letters, digits and +=,.@_-`,
    );
  }

  const tags = props.tags ?? {};
  requirePlainObject('tags', tags, 'an object of tag keys to string values, e.g. { Team: "platform" }');
  validateTags(tags, props.environment);

  return {
    environment: props.environment,
    agentNamespace: props.agentNamespace,
    xrayTracingEnabled: props.xrayTracingEnabled ?? true,
    logRetention,
    logGroupRemovalPolicy,
    tags,
    trustedServices: [...new Set(trustedServices)],
    modelFamilies,
    roleName: props.roleName ?? undefined,
    requireGatewayEnvironmentTag: props.requireGatewayEnvironmentTag ?? true,
  };
}

/** Throws unless `environment` is a valid environment name. */
export function validateEnvironment(environment: string): void {
  requireString('environment', environment, `a string: ${ENVIRONMENT_ALLOWED}`);
  if (Token.isUnresolved(environment)) {
    throw invalid('environment', `environment must be a literal string, not a token (${environment}); it names SSM parameters and resources; allowed: ${ENVIRONMENT_ALLOWED}`);
  }
  if (!ENVIRONMENT_PATTERN.test(environment)) {
    throw invalid('environment', `environment "${environment}" is not a valid environment name; allowed: ${ENVIRONMENT_ALLOWED}`);
  }
}

function validateNamespace(agentNamespace: string): void {
  requireString('agentNamespace', agentNamespace, `a string: ${NAMESPACE_ALLOWED}`);
  if (Token.isUnresolved(agentNamespace)) {
    throw invalid('agentNamespace', `agentNamespace must be a literal string, not a token (${agentNamespace}); allowed: ${NAMESPACE_ALLOWED}`);
  }
  if (agentNamespace.length > NAMESPACE_MAX_LENGTH || !NAMESPACE_PATTERN.test(agentNamespace)) {
    throw invalid('agentNamespace', `agentNamespace "${agentNamespace}" is not a valid namespace; allowed: ${NAMESPACE_ALLOWED}`);
  }
}

function validateTags(tags: Readonly<Record<string, string>>, environment: string): void {
  const keys = Object.keys(tags);
  if (keys.length > MAX_USER_TAGS) {
    throw invalid('tags', `tags has ${keys.length} entries; allowed: at most ${MAX_USER_TAGS} (plus the Environment tag the foundation adds)`);
  }
  for (const [key, value] of Object.entries(tags)) {
    // `__proto__` is a valid AWS tag key, but CDK's tag handling (plain objects) silently drops it.
    if (key === '__proto__') {
      throw invalid('tags', 'tags key "__proto__" cannot be applied by the CDK (it would be dropped silently); allowed: any other key');
    }
    if (key.length < 1 || key.length > TAG_KEY_MAX_LENGTH || !TAG_CHARACTERS.test(key) || key.toLowerCase().startsWith('aws:')) {
      throw invalid(
        'tags',
        `tags key "${key}" is not a valid tag key; allowed: 1-${TAG_KEY_MAX_LENGTH} letters, digits, spaces and _.:/=+-@, not starting with "aws:"`,
      );
    }
    if (typeof value !== 'string') {
      throw invalid('tags', `tags value of "${key}" is ${describeValue(value)}; allowed: a string`);
    }
    if (Token.isUnresolved(value)) continue;
    if (value.length > TAG_VALUE_MAX_LENGTH || !TAG_CHARACTERS.test(value)) {
      throw invalid(
        'tags',
        `tags value "${value}" of "${key}" is not a valid tag value; allowed: 0-${TAG_VALUE_MAX_LENGTH} letters, digits, spaces and _.:/=+-@`,
      );
    }
    if (key === 'Environment' && value !== environment) {
      throw invalid(
        'tags',
        `tags value "${value}" of "Environment" differs from environment "${environment}"; allowed: omit it (the foundation adds Environment=${environment}) or give "${environment}"`,
      );
    }
  }
}
