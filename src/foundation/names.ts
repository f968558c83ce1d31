// Names the runtime foundation derives from its environment and agent namespace.
// Internal helpers: the public surface is the construct and its props.
import { createHash } from 'node:crypto';

/**
 * An environment name: a lowercase letter, then up to 15 lowercase letters, digits or
 * hyphens, not ending in a hyphen (`dev`, `staging`, `prod`, `qa-2`). It becomes a path
 * segment of the SSM contract (`/agentcore/{env}/...`), a tag value and part of the role name.
 */
export const ENVIRONMENT_PATTERN = /^[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?$/;

/** Human-readable form of ENVIRONMENT_PATTERN for error messages. */
export const ENVIRONMENT_ALLOWED =
  '1-16 characters: a lowercase letter, then lowercase letters, digits or hyphens, not ending in a hyphen (e.g. dev, staging, prod)';

/** One segment of an agent namespace: lowercase letters, digits and inner hyphens. */
const NAMESPACE_SEGMENT = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';

/**
 * An agent namespace: one to four segments separated by `/` (`myorg/customer-support`), at
 * most 40 characters in all. As a resource name (`/` turned into `-`) it prefixes Lambda tool
 * functions (`{namespace}-*-tool-*`, function names ≤ 64 characters), so it must stay short.
 */
export const NAMESPACE_PATTERN = new RegExp(`^${NAMESPACE_SEGMENT}(?:/${NAMESPACE_SEGMENT}){0,3}$`);

/** Maximum length of an agent namespace. */
export const NAMESPACE_MAX_LENGTH = 40;

/** Human-readable form of NAMESPACE_PATTERN for error messages. */
export const NAMESPACE_ALLOWED =
  `1-${NAMESPACE_MAX_LENGTH} characters: 1-4 segments separated by "/", each of lowercase letters, digits and ` +
  'inner hyphens (e.g. myorg/customer-support)';

/** `myorg/customer-support` → `myorg-customer-support`: valid in IAM, Lambda and ECR names. */
export function namespaceResourceName(agentNamespace: string): string {
  return agentNamespace.replace(/\//g, '-');
}

/** IAM role names are at most 64 characters. */
const ROLE_NAME_MAX_LENGTH = 64;

/** Hex digits of the hash that ends every default role name. */
const ROLE_NAME_HASH_LENGTH = 8;

/** What the default role name is made of. */
export interface DefaultRoleNameParts {
  readonly environment: string;
  readonly agentNamespace: string;
  /** The stack's name (letters, digits and hyphens, up to 128 characters). */
  readonly stackName: string;
  /** The stack's Region when known at synth time (a concrete `env`); `undefined` otherwise. */
  readonly region?: string;
}

/**
 * The role name the foundation uses unless told otherwise:
 * `{namespace-as-name}-{env}-{stackName}-{hash}`, at most 64 characters.
 *
 * IAM role names are unique per account, across Regions, while stack names are unique per
 * account and Region. So the name holds the stack's name, and the hash (8 hex digits of a SHA-256
 * of namespace, environment, stack name and, when concrete, Region) tells apart stacks whose
 * readable part is cut at 64 characters and stacks of one name in two Regions. Deterministic: the
 * same inputs give the same name at every synth.
 */
export function defaultRoleName(parts: DefaultRoleNameParts): string {
  const namespace = namespaceResourceName(parts.agentNamespace);
  const hash = createHash('sha256')
    .update([namespace, parts.environment, parts.stackName, parts.region ?? ''].join('\0'))
    .digest('hex')
    .slice(0, ROLE_NAME_HASH_LENGTH);
  const readable = `${namespace}-${parts.environment}-${parts.stackName}`
    .slice(0, ROLE_NAME_MAX_LENGTH - ROLE_NAME_HASH_LENGTH - 1)
    .replace(/-+$/, '');
  return `${readable}-${hash}`;
}

/** IAM role name characters (`[\w+=,.@-]`), 1-64 of them. */
export const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

/**
 * The log group shared by the environment's agents:
 * `/aws/vendedlogs/bedrock-agentcore/{env}/{namespace}`.
 *
 * Why under `/aws/vendedlogs/`: AgentCore runtimes deliver their application and usage logs
 * to a log group through CloudWatch Logs vended log delivery (what the AgentCore L2's
 * `loggingConfigs` with `LoggingDestination.cloudWatchLogs(...)`, or this library's agents, set up). Delivery to a group
 * needs a CloudWatch Logs resource policy, and those are limited to 5,120 characters and 10
 * per account and Region; for groups under `/aws/vendedlogs/` CloudWatch Logs covers delivery
 * without growing that policy (same-account delivery is authorized by the log-delivery
 * service-linked role). So any number of runtimes can point at this group. The environment
 * and namespace keep groups of different foundations apart.
 *
 * Unlike the role name it holds no stack name: log groups are per Region, as are the SSM
 * parameters `/agentcore/{env}/runtime/...` that publish the name, so one environment has one
 * foundation per account and Region anyway, and deployers can predict the group's name.
 */
export function logGroupName(environment: string, agentNamespace: string): string {
  return `/aws/vendedlogs/bedrock-agentcore/${environment}/${agentNamespace}`;
}

/** The root of the environment's SSM contract: `/agentcore/{env}`. */
export function environmentParameterPath(environment: string): string {
  return `/agentcore/${environment}`;
}

/** `/agentcore/{env}/runtime/{name}`: the SSM parameters the foundation publishes. */
export function runtimeParameterName(environment: string, name: string): string {
  return `${environmentParameterPath(environment)}/runtime/${name}`;
}

/** The gateway module's parameter holding the gateway id: `/agentcore/{env}/gateway/gateway_id`. */
export function gatewayIdParameterName(environment: string): string {
  return `${environmentParameterPath(environment)}/gateway/gateway_id`;
}

/** The memory module's parameter holding its IAM policy ARN: `/agentcore/{env}/memory/iam_policy_arn`. */
export function memoryPolicyParameterName(environment: string): string {
  return `${environmentParameterPath(environment)}/memory/iam_policy_arn`;
}

/** Lambda tool functions the agents may invoke: `{namespace-as-name}-*-tool-*`. */
export function toolFunctionNamePattern(agentNamespace: string): string {
  return `${namespaceResourceName(agentNamespace)}-*-tool-*`;
}
