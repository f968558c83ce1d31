// Reads the SSM parameters an AgentCoreRuntimeFoundation publishes: the TypeScript counterpart of
// the seed's boto3 snippet (`ssm.get_parameter(Name='/agentcore/dev/runtime/execution_role_arn')`).
// Outside the jsii sources on purpose: it needs @aws-sdk/client-ssm at run time and returns a Promise.
// The client is loaded when first used, so the sdk entry (the chat client too) loads without it.
import type { SSMClient } from '@aws-sdk/client-ssm';

/**
 * Environment names, as the construct validates them (src/foundation/names.ts ENVIRONMENT_PATTERN;
 * a test keeps the two in step).
 */
export const ENVIRONMENT_PATTERN = /^[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?$/;

/** The runtime foundation's parameters of one environment, typed. */
export interface RuntimeFoundationParameters {
  /** The environment they were read for, e.g. `dev`. */
  readonly environment: string;
  /** `/agentcore/{env}/runtime/execution_role_arn`: pass it to `CreateAgentRuntime` as `roleArn`. */
  readonly executionRoleArn: string;
  /** `/agentcore/{env}/runtime/execution_role_name`. */
  readonly executionRoleName: string;
  /** `/agentcore/{env}/runtime/log_group_name`. */
  readonly logGroupName: string;
  /** `/agentcore/{env}/runtime/xray_enabled`, parsed: `true` or `false`. */
  readonly xrayEnabled: boolean;
}

/** Options of `readRuntimeFoundationParameters`. */
export interface ReadRuntimeFoundationParametersOptions {
  /**
   * The SSM client to use. Without one, a client is created for `region` (or the SDK's default
   * Region resolution) and destroyed after the call.
   */
  readonly client?: SSMClient;
  /** Region of the client created when `client` is not given. */
  readonly region?: string;
}

/** The parameter names of `environment`, by field. */
export function runtimeFoundationParameterNames(environment: string): {
  readonly executionRoleArn: string;
  readonly executionRoleName: string;
  readonly logGroupName: string;
  readonly xrayEnabled: string;
} {
  validateEnvironment(environment);
  const prefix = `/agentcore/${environment}/runtime`;
  return {
    executionRoleArn: `${prefix}/execution_role_arn`,
    executionRoleName: `${prefix}/execution_role_name`,
    logGroupName: `${prefix}/log_group_name`,
    xrayEnabled: `${prefix}/xray_enabled`,
  };
}

/** Base class of the errors `readRuntimeFoundationParameters` throws itself. */
export class RuntimeFoundationParametersError extends Error {
  /** The environment the parameters were read for. */
  public readonly environment: string;

  constructor(message: string, environment: string) {
    super(message);
    this.name = 'RuntimeFoundationParametersError';
    this.environment = environment;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** The environment name is not one a runtime foundation can have; nothing was requested. */
export class InvalidRuntimeFoundationEnvironmentError extends RuntimeFoundationParametersError {
  constructor(environment: string) {
    super(
      `Invalid environment "${environment}": allowed are 1-16 characters, a lowercase letter, then lowercase letters, ` +
        'digits or hyphens, not ending in a hyphen (e.g. dev, staging, prod)',
      environment,
    );
    this.name = 'InvalidRuntimeFoundationEnvironmentError';
  }
}

/** Parameters of the contract do not exist (in this account and Region). */
export class MissingRuntimeFoundationParametersError extends RuntimeFoundationParametersError {
  /** The full names of the missing parameters. */
  public readonly missingParameters: readonly string[];

  constructor(environment: string, missingParameters: readonly string[]) {
    super(
      `Runtime foundation parameters missing for environment "${environment}": ${missingParameters.join(', ')}. ` +
        'Deploy an AgentCoreRuntimeFoundation for this environment in this account and Region, or check the Region.',
      environment,
    );
    this.name = 'MissingRuntimeFoundationParametersError';
    this.missingParameters = [...missingParameters];
  }
}

/** A parameter exists but its value is not what the contract allows. */
export class InvalidRuntimeFoundationParameterError extends RuntimeFoundationParametersError {
  /** The parameter's full name. */
  public readonly parameterName: string;
  /** The value found. */
  public readonly value: string;

  constructor(environment: string, parameterName: string, value: string, allowed: string) {
    super(`Parameter ${parameterName} of environment "${environment}" has the value "${value}"; allowed: ${allowed}`, environment);
    this.name = 'InvalidRuntimeFoundationParameterError';
    this.parameterName = parameterName;
    this.value = value;
  }
}

function validateEnvironment(environment: string): void {
  if (typeof environment !== 'string' || !ENVIRONMENT_PATTERN.test(environment)) {
    throw new InvalidRuntimeFoundationEnvironmentError(String(environment));
  }
}

/**
 * Reads the runtime foundation's parameters of `environment` with one `GetParameters` call.
 *
 * @throws InvalidRuntimeFoundationEnvironmentError before any call when the name is invalid
 * @throws MissingRuntimeFoundationParametersError naming every missing parameter
 * @throws InvalidRuntimeFoundationParameterError when `xray_enabled` is not `true`/`false` or a value is empty
 *
 * @example
 * const runtime = await readRuntimeFoundationParameters('dev');
 * await agentCoreControl.send(new CreateAgentRuntimeCommand({ roleArn: runtime.executionRoleArn, ... }));
 */
export async function readRuntimeFoundationParameters(
  environment: string,
  options: ReadRuntimeFoundationParametersOptions = {},
): Promise<RuntimeFoundationParameters> {
  const names = runtimeFoundationParameterNames(environment);
  const ssm = await import('@aws-sdk/client-ssm');
  const client = options.client ?? new ssm.SSMClient(options.region ? { region: options.region } : {});
  try {
    const response = await client.send(new ssm.GetParametersCommand({ Names: Object.values(names), WithDecryption: false }));
    const values = new Map<string, string | undefined>();
    for (const parameter of response.Parameters ?? []) {
      if (parameter.Name !== undefined) values.set(parameter.Name, parameter.Value);
    }
    const missing = Object.values(names).filter((name) => !values.has(name));
    if (missing.length > 0) throw new MissingRuntimeFoundationParametersError(environment, missing);

    const value = (name: string): string => {
      const found = values.get(name);
      if (found === undefined || found === '') {
        throw new InvalidRuntimeFoundationParameterError(environment, name, found ?? '', 'a non-empty string');
      }
      return found;
    };
    const xray = value(names.xrayEnabled);
    if (xray !== 'true' && xray !== 'false') {
      throw new InvalidRuntimeFoundationParameterError(environment, names.xrayEnabled, xray, '"true" or "false"');
    }
    return {
      environment,
      executionRoleArn: value(names.executionRoleArn),
      executionRoleName: value(names.executionRoleName),
      logGroupName: value(names.logGroupName),
      xrayEnabled: xray === 'true',
    };
  } finally {
    if (options.client === undefined) client.destroy();
  }
}
