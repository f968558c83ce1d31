import { createHash } from 'node:crypto';

/** The parts of a synthesized CloudFormation template read here. */
export interface CfnTemplate {
  readonly Parameters?: Record<string, { readonly Default?: unknown }>;
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
}

/** Where the stack is deployed: what CloudFormation substitutes for the pseudo parameters. */
export interface DeployTarget {
  readonly template: CfnTemplate;
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly partition?: string;
  readonly urlSuffix?: string;
}

/** A value this resolver cannot turn into what CloudFormation would pass at deploy time. */
export class UnresolvableValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnresolvableValueError';
  }
}

/**
 * Resources whose `Ref` is their name: the name property, and how CloudFormation generates a name
 * when the template sets none (`<stack>-<logical id>-<random>`, cut to the resource's limit).
 */
const NAMED_BY_REF: Record<string, { readonly property: string; readonly maxLength: number; readonly lowercase?: boolean }> = {
  'AWS::Logs::LogGroup': { property: 'LogGroupName', maxLength: 512 },
  'AWS::Lambda::Function': { property: 'FunctionName', maxLength: 64 },
  'AWS::IAM::Role': { property: 'RoleName', maxLength: 64 },
  'AWS::S3::Bucket': { property: 'BucketName', maxLength: 63, lowercase: true },
  'AWS::DynamoDB::Table': { property: 'TableName', maxLength: 255 },
};

function pseudoParameters(target: DeployTarget): Record<string, string> {
  return {
    'AWS::AccountId': target.account,
    'AWS::Region': target.region,
    'AWS::Partition': target.partition ?? 'aws',
    'AWS::URLSuffix': target.urlSuffix ?? 'amazonaws.com',
    'AWS::StackName': target.stackName,
  };
}

/** A physical name as CloudFormation generates one: deterministic here, so runs compare. */
function generatedName(target: DeployTarget, logicalId: string, maxLength: number, lowercase: boolean): string {
  const suffix = createHash('sha256').update(`${target.stackName}/${logicalId}`).digest('hex').slice(0, 12).toUpperCase();
  const room = maxLength - suffix.length - 2;
  const stack = target.stackName.slice(0, Math.floor(room / 2));
  const name = `${stack}-${logicalId.slice(0, room - stack.length)}-${suffix}`;
  return lowercase ? name.toLowerCase() : name;
}

function ref(name: string, target: DeployTarget): string {
  const pseudo = pseudoParameters(target)[name];
  if (pseudo !== undefined) return pseudo;
  const parameter = target.template.Parameters?.[name];
  if (parameter !== undefined) {
    if (typeof parameter.Default === 'string') return parameter.Default;
    throw new UnresolvableValueError(`Ref ${name}: a parameter without a default`);
  }
  const resource = target.template.Resources[name];
  if (resource === undefined) throw new UnresolvableValueError(`Ref ${name}: no such parameter or resource`);
  const naming = NAMED_BY_REF[resource.Type];
  if (naming === undefined) throw new UnresolvableValueError(`Ref ${name}: the Ref of a ${resource.Type} is not known to this resolver`);
  const given = resource.Properties?.[naming.property];
  if (given !== undefined) return resolveString(given, target);
  return generatedName(target, name, naming.maxLength, naming.lowercase ?? false);
}

function getAtt(logicalId: string, attribute: string, target: DeployTarget): string {
  const resource = target.template.Resources[logicalId];
  if (resource?.Type === 'AWS::Logs::LogGroup' && attribute === 'Arn') {
    const { account, region } = target;
    return `arn:${target.partition ?? 'aws'}:logs:${region}:${account}:log-group:${ref(logicalId, target)}:*`;
  }
  throw new UnresolvableValueError(`Fn::GetAtt ${logicalId}.${attribute}${resource === undefined ? '' : ` (${resource.Type})`} is not known to this resolver`);
}

function sub(text: string, variables: Record<string, unknown>, target: DeployTarget): string {
  return text.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in variables) return resolveString(variables[name], target);
    const dot = name.indexOf('.');
    return dot === -1 ? ref(name, target) : getAtt(name.slice(0, dot), name.slice(dot + 1), target);
  });
}

function oneKey(value: object): [string, unknown] | undefined {
  const entries = Object.entries(value);
  return entries.length === 1 ? entries[0] : undefined;
}

/** Resolves a template value (literal or intrinsic function) as CloudFormation would at deploy time. */
export function resolveValue(value: unknown, target: DeployTarget): unknown {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, target));
  if (typeof value !== 'object' || value === null) throw new UnresolvableValueError(`unexpected ${JSON.stringify(value)}`);
  const [fn, args] = oneKey(value) ?? ['', undefined];
  switch (fn) {
    case 'Ref':
      return ref(String(args), target);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(args) ? args.map(String) : String(args).split('.');
      return getAtt(logicalId ?? '', attribute ?? '', target);
    }
    case 'Fn::Join': {
      const [separator, items] = args as [string, unknown];
      const list = resolveValue(items, target);
      if (!Array.isArray(list)) throw new UnresolvableValueError('Fn::Join of something that is not a list');
      return list.map((item) => String(item)).join(separator);
    }
    case 'Fn::Sub':
      return typeof args === 'string'
        ? sub(args, {}, target)
        : sub(String((args as [string, Record<string, unknown>])[0]), (args as [string, Record<string, unknown>])[1], target);
    case 'Fn::Select': {
      const [index, items] = args as [unknown, unknown];
      const list = resolveValue(items, target);
      if (!Array.isArray(list)) throw new UnresolvableValueError('Fn::Select from something that is not a list');
      return list[Number(resolveValue(index, target))];
    }
    case 'Fn::Split': {
      const [separator, text] = args as [string, unknown];
      return resolveString(text, target).split(separator);
    }
    default:
      throw new UnresolvableValueError(`${fn === '' ? 'an object' : fn} is not supported by this resolver`);
  }
}

/** Resolves a template value that must end up as one string. */
export function resolveString(value: unknown, target: DeployTarget): string {
  const resolved = resolveValue(value, target);
  if (typeof resolved !== 'string') throw new UnresolvableValueError(`${JSON.stringify(value)} does not resolve to a string`);
  return resolved;
}

/** Replaces the `${AWS::...}` placeholders an asset manifest may hold (bucket names, role ARNs). */
export function resolvePlaceholders(text: string, target: DeployTarget): string {
  return text.replace(/\$\{(AWS::[A-Za-z]+)\}/g, (match, name: string) => pseudoParameters(target)[name] ?? match);
}

/**
 * A resource's environment variables exactly as CloudFormation would set them. A value that cannot
 * be resolved fails with the variable's name, the resource and the value as synthesized.
 */
export function resolveEnvironment(logicalId: string, variables: Record<string, unknown>, target: DeployTarget): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    try {
      env[name] = resolveString(value, target);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UnresolvableValueError(
        `${logicalId}: cannot resolve environment variable ${name} = ${JSON.stringify(value)} (${reason}). ` +
          'Teach test/examples/intrinsics.ts what CloudFormation passes for it.',
      );
    }
  }
  return env;
}
