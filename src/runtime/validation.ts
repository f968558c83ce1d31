import { Duration, RemovalPolicy, Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AgentCode } from './agent-code';
import { InvalidRuntimeConfigError } from './errors';
import {
  optionalArray, optionalBoolean, optionalEnum, optionalInstance, optionalObject, optionalShaped, optionalStringMap,
  requireInstance, requireObject,
} from './input-checks';
import { AgentRuntimeType } from './runtime-type';

/**
 * Checks shared by the runtimes. Each throws InvalidRuntimeConfigError naming the field,
 * the value given and what is allowed.
 */

export function validateDurationRange(
  runtimeType: AgentRuntimeType,
  field: string,
  value: Duration | undefined,
  min: Duration,
  max: Duration,
): void {
  if (value === undefined || Token.isUnresolved(value.toString())) return;
  const ms = value.toMilliseconds();
  if (ms % 1000 !== 0 || ms < min.toMilliseconds() || ms > max.toMilliseconds()) {
    throw new InvalidRuntimeConfigError(
      runtimeType,
      `${field} is ${value.toHumanString()}; allowed: whole seconds from ${min.toHumanString()} to ${max.toHumanString()}`,
      field,
    );
  }
}

export function validateIntegerRange(
  runtimeType: AgentRuntimeType,
  field: string,
  value: number | undefined,
  min: number,
  max: number,
  unit: string,
): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidRuntimeConfigError(runtimeType, `${field} is ${value}; allowed: an integer from ${min} to ${max} ${unit}`, field);
  }
}

export function validateSizeRange(
  runtimeType: AgentRuntimeType,
  field: string,
  value: Size | undefined,
  minMiB: number,
  maxMiB: number,
): void {
  if (value === undefined) return;
  validateIntegerRange(runtimeType, field, value.toMebibytes({ rounding: SizeRoundingBehavior.NONE }), minMiB, maxMiB, 'MiB');
}

/**
 * Throws when a config object carries keys the runtime does not have, which usually means
 * a config written for the other runtime.
 */
export function rejectForeignKeys(
  runtimeType: AgentRuntimeType,
  config: object | undefined,
  foreignKeys: readonly string[],
  otherRuntime: AgentRuntimeType,
): void {
  if (!config) return;
  for (const key of foreignKeys) {
    if ((config as Record<string, unknown>)[key] !== undefined) {
      throw new InvalidRuntimeConfigError(
        runtimeType,
        `runtime.config.${key} is a ${otherRuntime} setting and runtime.type is ${runtimeType}; remove it or set runtime.type to ${otherRuntime}`,
        `runtime.config.${key}`,
      );
    }
  }
}

const AGENT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9 _.-]{0,63}$/;

function validateAgentName(runtimeType: AgentRuntimeType, agentName: unknown): void {
  if (typeof agentName !== 'string' || Token.isUnresolved(agentName) || !AGENT_NAME.test(agentName)) {
    throw new InvalidRuntimeConfigError(
      runtimeType,
      `agentName '${agentName}' is invalid; allowed: 1 to 64 letters, digits, spaces, '_', '.' or '-', starting with a letter or digit, known at synth`,
      'agentName',
    );
  }
}

/**
 * Type checks of the props every runtime takes, for callers the compiler does not check
 * (plain JavaScript, other jsii languages): a wrong type is a typed error naming the field.
 */
export function validateCommonProps(type: AgentRuntimeType, props: unknown): void {
  requireObject(type, 'props', props);
  const p = props as Record<string, unknown>;
  validateAgentName(type, p.agentName);
  requireInstance(type, 'code', p.code, AgentCode, 'an AgentCode, e.g. AgentCode.fromNodejsDirectory(dir)');
  optionalStringMap(type, 'environment', p.environment);
  optionalShaped(type, 'encryptionKey', p.encryptionKey, 'keyArn', 'a kms.IKey');
  optionalShaped(type, 'executionRole', p.executionRole, 'roleArn', 'an iam.IRole');
  optionalObject(type, 'network', p.network, 'an AgentNetwork {vpc, vpcSubnets?, securityGroups?}');
  if (p.network !== undefined) {
    optionalShaped(type, 'network.vpc', (p.network as Record<string, unknown>).vpc ?? null, 'vpcId', 'an ec2.IVpc');
  }
  optionalArray(type, 'layers', p.layers, 'an array of lambda.ILayerVersion', (layer, field) => optionalShaped(type, field, layer ?? null, 'layerVersionArn', 'a lambda.ILayerVersion'));
  optionalEnum(type, 'logRetention', p.logRetention, Object.values(logs.RetentionDays).filter((v) => typeof v === 'number'), 'a logs.RetentionDays value');
  optionalEnum(type, 'removalPolicy', p.removalPolicy, Object.values(RemovalPolicy));
  optionalInstance(type, 'logGroupDataProtection', p.logGroupDataProtection, logs.DataProtectionPolicy, 'a logs.DataProtectionPolicy');
  optionalBoolean(type, 'tracingEnabled', p.tracingEnabled);
}
