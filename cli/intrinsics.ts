import { createHash } from 'node:crypto';
import { isRecord } from './util.js';

/**
 * Resolves the values of a synthesized CloudFormation template the way CloudFormation would at
 * deploy time, for the agent's environment variables: pseudo parameters, parameters with defaults,
 * `Ref`/`Fn::GetAtt` of the resources whose value is known from the template alone, `Fn::Join`,
 * `Fn::Sub`, `Fn::Select`, `Fn::Split`. Anything else is an UnresolvableValueError, never a guess.
 */

/** The parts of a template read here. */
export interface CfnTemplate {
  readonly Parameters?: Record<string, { readonly Default?: unknown }>;
  readonly Resources?: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
}

/** What CloudFormation substitutes for the pseudo parameters, and the template itself. */
export interface DeployTarget {
  readonly template: CfnTemplate;
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly urlSuffix: string;
}

export class UnresolvableValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnresolvableValueError';
  }
}

/**
 * Resources whose `Ref` is their name: the name property, and how CloudFormation generates one when
 * the template sets none (`<stack>-<logical id>-<random>`, cut to the resource's limit).
 */
const NAMED_BY_REF: Record<string, { readonly property: string; readonly maxLength: number; readonly lowercase?: boolean }> = {
  'AWS::Logs::LogGroup': { property: 'LogGroupName', maxLength: 512 },
  'AWS::Lambda::Function': { property: 'FunctionName', maxLength: 64 },
  'AWS::IAM::Role': { property: 'RoleName', maxLength: 64 },
  'AWS::S3::Bucket': { property: 'BucketName', maxLength: 63, lowercase: true },
  'AWS::DynamoDB::Table': { property: 'TableName', maxLength: 255 },
  // Not a queue or a topic: their Ref is the queue URL and the topic ARN, not the name.
};

function pseudoParameters(target: DeployTarget): Record<string, string> {
  return {
    'AWS::AccountId': target.account,
    'AWS::Region': target.region,
    'AWS::Partition': target.partition,
    'AWS::URLSuffix': target.urlSuffix,
    'AWS::StackName': target.stackName,
  };
}

/**
 * A physical name as CloudFormation generates one. The random part is derived from the stack and
 * logical id, so a local run uses the same name every time (not the deployed one, which is random).
 */
export function generatedName(target: DeployTarget, logicalId: string, maxLength: number, lowercase = false): string {
  const suffix = createHash('sha256').update(`${target.stackName}/${logicalId}`).digest('hex').slice(0, 12).toUpperCase();
  const room = maxLength - suffix.length - 2;
  const stack = target.stackName.slice(0, Math.floor(room / 2));
  const name = `${stack}-${logicalId.slice(0, room - stack.length)}-${suffix}`;
  return lowercase ? name.toLowerCase() : name;
}

function resources(target: DeployTarget): NonNullable<CfnTemplate['Resources']> {
  return target.template.Resources ?? {};
}

function ref(name: string, target: DeployTarget): string {
  const pseudo = pseudoParameters(target)[name];
  if (pseudo !== undefined) return pseudo;
  const parameter = target.template.Parameters?.[name];
  if (parameter !== undefined) {
    if (typeof parameter.Default === 'string' || typeof parameter.Default === 'number') return String(parameter.Default);
    throw new UnresolvableValueError(`Ref ${name}: a parameter without a default`);
  }
  const resource = resources(target)[name];
  if (resource === undefined) throw new UnresolvableValueError(`Ref ${name}: no such parameter or resource`);
  const naming = NAMED_BY_REF[resource.Type];
  if (naming === undefined) throw new UnresolvableValueError(`Ref ${name}: the Ref of a ${resource.Type} is known only once deployed`);
  const given = resource.Properties?.[naming.property];
  if (given !== undefined) return resolveString(given, target);
  return generatedName(target, name, naming.maxLength, naming.lowercase ?? false);
}

function arn(target: DeployTarget, service: string, resource: string, region = target.region, account = target.account): string {
  return `arn:${target.partition}:${service}:${region}:${account}:${resource}`;
}

function getAtt(logicalId: string, attribute: string, target: DeployTarget): string {
  const resource = resources(target)[logicalId];
  const type = resource?.Type;
  if (type === 'AWS::Logs::LogGroup' && attribute === 'Arn') return arn(target, 'logs', `log-group:${ref(logicalId, target)}:*`);
  if (type === 'AWS::Lambda::Function' && attribute === 'Arn') return arn(target, 'lambda', `function:${ref(logicalId, target)}`);
  if (type === 'AWS::IAM::Role' && attribute === 'Arn') return arn(target, 'iam', `role/${ref(logicalId, target)}`, '');
  if (type === 'AWS::S3::Bucket' && attribute === 'Arn') return `arn:${target.partition}:s3:::${ref(logicalId, target)}`;
  if (type === 'AWS::DynamoDB::Table' && attribute === 'Arn') return arn(target, 'dynamodb', `table/${ref(logicalId, target)}`);
  throw new UnresolvableValueError(
    `Fn::GetAtt ${logicalId}.${attribute}${type === undefined ? ' (no such resource)' : ` of a ${type}`} is known only once deployed`,
  );
}

function sub(text: string, variables: Record<string, unknown>, target: DeployTarget): string {
  return text.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in variables) return resolveString(variables[name], target);
    const dot = name.indexOf('.');
    return dot === -1 ? ref(name, target) : getAtt(name.slice(0, dot), name.slice(dot + 1), target);
  });
}

/** Resolves a template value (literal or intrinsic function) as CloudFormation would at deploy time. */
export function resolveValue(value: unknown, target: DeployTarget): unknown {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, target));
  if (!isRecord(value)) throw new UnresolvableValueError(`unexpected ${JSON.stringify(value)}`);
  const entries = Object.entries(value);
  const [fn, args] = entries.length === 1 ? entries[0]! : ['', undefined];
  switch (fn) {
    case 'Ref':
      return ref(String(args), target);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(args) ? args.map(String) : String(args).split('.');
      return getAtt(logicalId ?? '', attribute ?? '', target);
    }
    case 'Fn::Join': {
      if (!Array.isArray(args) || typeof args[0] !== 'string') throw new UnresolvableValueError('malformed Fn::Join');
      const list = resolveValue(args[1], target);
      if (!Array.isArray(list)) throw new UnresolvableValueError('Fn::Join of something that is not a list');
      return list.map((item) => String(item)).join(args[0]);
    }
    case 'Fn::Sub': {
      if (typeof args === 'string') return sub(args, {}, target);
      if (!Array.isArray(args) || typeof args[0] !== 'string' || !isRecord(args[1])) throw new UnresolvableValueError('malformed Fn::Sub');
      return sub(args[0], args[1], target);
    }
    case 'Fn::Select': {
      if (!Array.isArray(args)) throw new UnresolvableValueError('malformed Fn::Select');
      const list = resolveValue(args[1], target);
      if (!Array.isArray(list)) throw new UnresolvableValueError('Fn::Select from something that is not a list');
      return list[Number(resolveValue(args[0], target))];
    }
    case 'Fn::Split': {
      if (!Array.isArray(args) || typeof args[0] !== 'string') throw new UnresolvableValueError('malformed Fn::Split');
      return resolveString(args[1], target).split(args[0]);
    }
    default:
      throw new UnresolvableValueError(`${fn === '' ? 'an object' : fn} is known only once deployed`);
  }
}

/** Resolves a template value that must end up as one string. */
export function resolveString(value: unknown, target: DeployTarget): string {
  const resolved = resolveValue(value, target);
  if (typeof resolved !== 'string') throw new UnresolvableValueError(`${JSON.stringify(value)} does not resolve to a string`);
  return resolved;
}

/** Replaces the `${AWS::...}` placeholders of an asset manifest (bucket names, keys). */
export function resolvePlaceholders(text: string, target: DeployTarget): string {
  return text.replace(/\$\{(AWS::[A-Za-z]+)\}/g, (match, name: string) => pseudoParameters(target)[name] ?? match);
}

/**
 * A resource's environment variables exactly as CloudFormation would set them. A value that cannot
 * be resolved fails naming the variable, the resource and the value as synthesized.
 */
export function resolveEnvironment(what: string, variables: Record<string, unknown>, target: DeployTarget): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    try {
      env[name] = resolveString(value, target);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UnresolvableValueError(
        `${what}: cannot resolve environment variable ${name} = ${JSON.stringify(value)} (${reason}); ` +
          `give it a value with --env ${name}=<value>`,
      );
    }
  }
  return env;
}
