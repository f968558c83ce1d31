/**
 * Resolves a synthesized CloudFormation template to the concrete values CloudFormation would
 * produce at deploy time, so IAM policies can be evaluated against real ARNs rather than
 * intrinsics (DESIGN.md decision 7).
 *
 * - `Ref` and `Fn::GetAtt` of resources return what CloudFormation documents for the type: the
 *   explicit name property when the resource has one, else a deterministic generated name in
 *   CloudFormation's style (`StackName-LogicalId-ABC123...`). An attribute this file does not know
 *   throws: a guessed ARN could make a wrong grant look right.
 * - Pseudo parameters, `Fn::Join`, `Fn::Sub` (both forms), `Fn::Select`, `Fn::Split`.
 * - Any other intrinsic throws.
 */
import { createHash } from 'crypto';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

export interface CfnEnvironment {
  readonly account: string;
  readonly region: string;
  readonly stackName: string;
  /** @default 'aws' */
  readonly partition?: string;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Parameters?: Record<string, { Type: string; Default?: unknown }>;
}

type Resolved = string | number | boolean | null | Resolved[] | { [key: string]: Resolved };

/** A template with its environment; every value of it can be resolved. */
export class ResolvedTemplate {
  /** From a stack (synthesized here) or an already synthesized template of it. */
  public static fromStack(stack: Stack, template?: Template | CfnTemplate): ResolvedTemplate {
    const json = template === undefined ? Template.fromStack(stack).toJSON() : template instanceof Template ? template.toJSON() : template;
    if (stack.resolve(stack.account) !== stack.account || stack.resolve(stack.region) !== stack.region) {
      throw new Error(`stack ${stack.stackName} has no concrete account/region; give it an env to resolve its ARNs`);
    }
    return new ResolvedTemplate(json as CfnTemplate, { account: stack.account, region: stack.region, stackName: stack.stackName });
  }

  public readonly partition: string;
  public readonly resources: Record<string, CfnResource>;

  constructor(public readonly template: CfnTemplate, public readonly env: CfnEnvironment) {
    this.partition = env.partition ?? 'aws';
    this.resources = template.Resources ?? {};
  }

  get account(): string {
    return this.env.account;
  }

  get region(): string {
    return this.env.region;
  }

  /** The resource, or a thrown error naming the logical ids of that type when it is missing. */
  public resource(logicalId: string): CfnResource {
    const resource = this.resources[logicalId];
    if (resource === undefined) {
      throw new Error(`no resource '${logicalId}' in the template of ${this.env.stackName}`);
    }
    return resource;
  }

  /** Logical ids of the resources of a type. */
  public logicalIdsOfType(type: string): string[] {
    return Object.entries(this.resources).filter(([, r]) => r.Type === type).map(([id]) => id);
  }

  /** A resource's properties, fully resolved. */
  public properties(logicalId: string): Record<string, Resolved> {
    const props = this.resolve(this.resource(logicalId).Properties ?? {});
    return props as Record<string, Resolved>;
  }

  /** A property resolved to a string; throws when it is not one. */
  public stringProperty(logicalId: string, property: string): string {
    const value = this.resolve(this.resource(logicalId).Properties?.[property]);
    if (typeof value !== 'string') {
      throw new Error(`${logicalId}.${property} is not a string: ${JSON.stringify(value)}`);
    }
    return value;
  }

  /** Deep-resolves a template value. `Ref: AWS::NoValue` removes the key or element. */
  public resolve(value: unknown): Resolved {
    const resolved = this.resolveValue(value);
    return resolved === NO_VALUE ? null : resolved;
  }

  /** Resolves a value that must be a string (an ARN, a name). */
  public resolveString(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') {
      throw new Error(`expected a string, got ${JSON.stringify(resolved)} from ${JSON.stringify(value)}`);
    }
    return resolved;
  }

  /** What `Ref` returns for a logical id (resource or parameter) or pseudo parameter. */
  public ref(name: string): Resolved {
    const pseudo = this.pseudoParameter(name);
    if (pseudo !== undefined) return pseudo;
    const parameter = this.template.Parameters?.[name];
    if (parameter !== undefined) {
      if (parameter.Type === 'String' && parameter.Default !== undefined) return this.resolve(parameter.Default);
      throw new Error(`Ref ${name}: parameter of type ${parameter.Type} has no value known at synth`);
    }
    const type = this.resource(name).Type;
    const spec = RESOURCE_SPECS[type];
    if (spec === undefined) {
      throw new Error(`Ref ${name}: resource type ${type} is not modelled in cfn-resolve.ts; add what CloudFormation returns for it`);
    }
    return spec.ref(this.context(name, spec));
  }

  /** What `Fn::GetAtt` returns; an attribute this file does not model throws. */
  public getAtt(logicalId: string, attribute: string): Resolved {
    const type = this.resource(logicalId).Type;
    const spec = RESOURCE_SPECS[type];
    const attr = spec?.attributes[attribute];
    if (spec === undefined || attr === undefined) {
      throw new Error(`Fn::GetAtt ${logicalId}.${attribute}: attribute ${attribute} of ${type} is not modelled in cfn-resolve.ts; add its documented format`);
    }
    return attr(this.context(logicalId, spec));
  }

  /** The physical name: the explicit name property when set, else a generated one in CloudFormation's style. */
  public physicalName(logicalId: string): string {
    const type = this.resource(logicalId).Type;
    const spec = RESOURCE_SPECS[type];
    if (spec === undefined) {
      throw new Error(`physical name of ${logicalId}: resource type ${type} is not modelled in cfn-resolve.ts`);
    }
    return this.context(logicalId, spec).name;
  }

  /** The ARN of a resource in this template's account and Region. */
  public arn(service: string, resource: string, options: { region?: string; account?: string } = {}): string {
    return `arn:${this.partition}:${service}:${options.region ?? this.region}:${options.account ?? this.account}:${resource}`;
  }

  /** A deterministic token for a logical id: the same input gives the same output in every run. */
  public token(logicalId: string, salt: string, length: number, alphabet = ALPHANUMERIC): string {
    return deterministicToken(`${this.env.stackName}/${logicalId}/${salt}`, length, alphabet);
  }

  private context(logicalId: string, spec: ResourceSpec): ResourceContext {
    const explicit = spec.nameProperty === undefined ? undefined : this.resource(logicalId).Properties?.[spec.nameProperty];
    const name = explicit !== undefined ? this.resolveString(explicit) : spec.generatedName(this, logicalId);
    return { template: this, logicalId, name, arn: (service, resource) => this.arn(service, resource) };
  }

  private pseudoParameter(name: string): string | string[] | undefined {
    switch (name) {
      case 'AWS::Partition': return this.partition;
      case 'AWS::AccountId': return this.account;
      case 'AWS::Region': return this.region;
      case 'AWS::URLSuffix': return 'amazonaws.com';
      case 'AWS::StackName': return this.env.stackName;
      case 'AWS::StackId': return this.arn('cloudformation', `stack/${this.env.stackName}/${deterministicUuid(this.env.stackName)}`);
      case 'AWS::NotificationARNs': return [];
      default: return undefined;
    }
  }

  private resolveValue(value: unknown): Resolved | typeof NO_VALUE {
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    if (value === undefined) return null;
    if (Array.isArray(value)) {
      return value.map((v) => this.resolveValue(v)).filter((v): v is Resolved => v !== NO_VALUE);
    }
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      return this.intrinsic(keys[0], object[keys[0]]);
    }
    const result: Record<string, Resolved> = {};
    for (const key of keys) {
      const resolved = this.resolveValue(object[key]);
      if (resolved !== NO_VALUE) result[key] = resolved;
    }
    return result;
  }

  private intrinsic(name: string, argument: unknown): Resolved | typeof NO_VALUE {
    switch (name) {
      case 'Ref': {
        if (argument === 'AWS::NoValue') return NO_VALUE;
        return this.ref(String(argument));
      }
      case 'Fn::GetAtt': {
        const [logicalId, ...attribute] = Array.isArray(argument) ? argument.map(String) : String(argument).split('.');
        return this.getAtt(logicalId, attribute.join('.'));
      }
      case 'Fn::Join': {
        const [delimiter, parts] = argument as [string, unknown];
        const list = this.resolve(parts);
        if (!Array.isArray(list)) throw new Error(`Fn::Join of a non-list: ${JSON.stringify(parts)}`);
        return list.map((part) => {
          if (typeof part !== 'string' && typeof part !== 'number') throw new Error(`Fn::Join of a non-string part: ${JSON.stringify(part)}`);
          return String(part);
        }).join(delimiter);
      }
      case 'Fn::Sub': {
        const [text, variables] = typeof argument === 'string' ? [argument, {}] : argument as [string, Record<string, unknown>];
        return this.substitute(text, variables);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        const items = this.resolve(list);
        const i = Number(this.resolve(index));
        if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) {
          throw new Error(`Fn::Select index ${i} out of ${JSON.stringify(items)}`);
        }
        return items[i];
      }
      case 'Fn::Split': {
        const [delimiter, source] = argument as [string, unknown];
        return this.resolveString(source).split(delimiter);
      }
      default:
        throw new Error(`intrinsic ${name} is not supported by cfn-resolve.ts (${JSON.stringify(argument)})`);
    }
  }

  private substitute(text: string, variables: Record<string, unknown>): string {
    return text.replace(/\$\{([^}]*)\}/g, (match, expression: string) => {
      if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
      if (expression in variables) return this.resolveString(variables[expression]);
      const dot = expression.indexOf('.');
      if (dot > 0 && !expression.startsWith('AWS::')) {
        return this.scalar(this.getAtt(expression.slice(0, dot), expression.slice(dot + 1)), match);
      }
      return this.scalar(this.ref(expression), match);
    });
  }

  private scalar(value: Resolved, expression: string): string {
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`Fn::Sub ${expression} is not a string: ${JSON.stringify(value)}`);
    return String(value);
  }
}

const NO_VALUE = Symbol('AWS::NoValue');
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const HEX = '0123456789abcdef';

function deterministicToken(seed: string, length: number, alphabet: string): string {
  let out = '';
  for (let round = 0; out.length < length; round++) {
    for (const byte of createHash('sha256').update(`${seed}#${round}`).digest()) {
      out += alphabet[byte % alphabet.length];
    }
  }
  return out.slice(0, length);
}

function deterministicUuid(seed: string): string {
  const h = deterministicToken(seed, 32, HEX);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

interface ResourceContext {
  readonly template: ResolvedTemplate;
  readonly logicalId: string;
  /** The physical name (explicit or generated). */
  readonly name: string;
  readonly arn: (service: string, resource: string) => string;
}

interface ResourceSpec {
  /** The property naming the resource, when the type has one. */
  readonly nameProperty?: string;
  readonly generatedName: (template: ResolvedTemplate, logicalId: string) => string;
  readonly ref: (c: ResourceContext) => Resolved;
  readonly attributes: Record<string, (c: ResourceContext) => Resolved>;
}

/**
 * CloudFormation's generated names: `{stack name}-{logical id}-{13 random characters}`, the stack
 * name and logical id shortened so the whole fits the type's length limit.
 */
function stackStyleName(maxLength: number, options: { lowercase?: boolean } = {}) {
  return (template: ResolvedTemplate, logicalId: string): string => {
    const suffix = template.token(logicalId, 'name', 13, UPPER_ALPHANUMERIC);
    const budget = maxLength - suffix.length - 2;
    let stack = template.env.stackName;
    let id = logicalId;
    while (stack.length + id.length > budget) {
      if (stack.length >= id.length) stack = stack.slice(0, -1);
      else id = id.slice(0, -1);
    }
    const name = `${stack}-${id}-${suffix}`;
    return options.lowercase ? name.toLowerCase() : name;
  };
}

/** Names of resources CloudFormation names `{logical id}-{random}` (state machines). */
function logicalIdStyleName(maxLength: number) {
  return (template: ResolvedTemplate, logicalId: string): string =>
    `${logicalId.slice(0, maxLength - 13)}-${template.token(logicalId, 'name', 12, ALPHANUMERIC)}`;
}

/** Resources whose name is an id the service generates. */
function generatedId(prefix: string, length: number, alphabet = HEX) {
  return (template: ResolvedTemplate, logicalId: string): string => `${prefix}${template.token(logicalId, 'id', length, alphabet)}`;
}

/**
 * What `Ref` and `Fn::GetAtt` return per resource type, from the CloudFormation resource reference
 * ("Return values") of each type.
 */
const RESOURCE_SPECS: Record<string, ResourceSpec> = {
  'AWS::Logs::LogGroup': {
    nameProperty: 'LogGroupName',
    generatedName: stackStyleName(512),
    ref: (c) => c.name,
    // "Arn: The ARN of the log group, such as arn:aws:logs:us-west-1:123456789012:log-group:/mystack-testgroup-12ABC1AB12A1:*"
    attributes: { Arn: (c) => c.arn('logs', `log-group:${c.name}:*`) },
  },
  'AWS::Logs::ResourcePolicy': {
    nameProperty: 'PolicyName',
    generatedName: stackStyleName(255),
    ref: (c) => c.name,
    attributes: {},
  },
  'AWS::Logs::DeliverySource': {
    nameProperty: 'Name',
    generatedName: stackStyleName(60),
    ref: (c) => c.name,
    attributes: { Arn: (c) => c.arn('logs', `delivery-source:${c.name}`) },
  },
  'AWS::Logs::DeliveryDestination': {
    nameProperty: 'Name',
    generatedName: stackStyleName(60),
    ref: (c) => c.name,
    attributes: { Arn: (c) => c.arn('logs', `delivery-destination:${c.name}`) },
  },
  'AWS::Logs::Delivery': {
    generatedName: generatedId('', 16, ALPHANUMERIC),
    ref: (c) => c.name,
    attributes: {
      DeliveryId: (c) => c.name,
      Arn: (c) => c.arn('logs', `delivery:${c.name}`),
    },
  },
  'AWS::IAM::Role': {
    nameProperty: 'RoleName',
    generatedName: stackStyleName(64),
    ref: (c) => c.name,
    attributes: {
      Arn: (c) => `arn:${c.template.partition}:iam::${c.template.account}:role${rolePath(c)}${c.name}`,
      RoleId: (c) => c.template.token(c.logicalId, 'roleid', 21, UPPER_ALPHANUMERIC).replace(/^.{4}/, 'AROA'),
    },
  },
  'AWS::IAM::ManagedPolicy': {
    nameProperty: 'ManagedPolicyName',
    generatedName: stackStyleName(128),
    // Ref returns the ARN.
    ref: (c) => `arn:${c.template.partition}:iam::${c.template.account}:policy${rolePath(c)}${c.name}`,
    attributes: { PolicyArn: (c) => `arn:${c.template.partition}:iam::${c.template.account}:policy${rolePath(c)}${c.name}` },
  },
  'AWS::IAM::Policy': {
    generatedName: stackStyleName(128),
    ref: (c) => c.name,
    attributes: {},
  },
  'AWS::Lambda::Function': {
    nameProperty: 'FunctionName',
    generatedName: stackStyleName(64),
    ref: (c) => c.name,
    attributes: { Arn: (c) => c.arn('lambda', `function:${c.name}`) },
  },
  'AWS::Lambda::LayerVersion': {
    nameProperty: 'LayerName',
    generatedName: (template, logicalId) => `${logicalId}${template.token(logicalId, 'name', 8, UPPER_ALPHANUMERIC)}`,
    // Ref returns the layer version ARN; the first version of a layer is 1.
    ref: (c) => c.arn('lambda', `layer:${c.name}:1`),
    attributes: { LayerVersionArn: (c) => c.arn('lambda', `layer:${c.name}:1`) },
  },
  'AWS::KMS::Key': {
    generatedName: (template, logicalId) => deterministicUuid(`${template.env.stackName}/${logicalId}/key`),
    // Ref returns the key id.
    ref: (c) => c.name,
    attributes: {
      Arn: (c) => c.arn('kms', `key/${c.name}`),
      KeyId: (c) => c.name,
    },
  },
  'AWS::S3::Bucket': {
    nameProperty: 'BucketName',
    generatedName: stackStyleName(63, { lowercase: true }),
    ref: (c) => c.name,
    attributes: {
      Arn: (c) => `arn:${c.template.partition}:s3:::${c.name}`,
      DomainName: (c) => `${c.name}.s3.amazonaws.com`,
      RegionalDomainName: (c) => `${c.name}.s3.${c.template.region}.amazonaws.com`,
    },
  },
  'AWS::BedrockAgentCore::Runtime': {
    // The runtime's id is `<AgentRuntimeName>-<10 generated characters>`.
    nameProperty: undefined,
    generatedName: (template, logicalId) =>
      `${template.stringProperty(logicalId, 'AgentRuntimeName')}-${template.token(logicalId, 'runtimeid', 10, ALPHANUMERIC)}`,
    // Ref returns the runtime id (aws-cdk-lib: `runtimeRef.agentRuntimeId = this.ref`).
    ref: (c) => c.name,
    attributes: {
      AgentRuntimeId: (c) => c.name,
      AgentRuntimeArn: (c) => c.arn('bedrock-agentcore', `runtime/${c.name}`),
      AgentRuntimeVersion: () => '1',
      // AgentCore creates the runtime's workload identity under the runtime's id.
      'WorkloadIdentityDetails.WorkloadIdentityArn': (c) => c.arn('bedrock-agentcore', `workload-identity-directory/default/workload-identity/${c.name}`),
    },
  },
  'AWS::BedrockAgentCore::RuntimeEndpoint': {
    nameProperty: 'Name',
    generatedName: () => { throw new Error('AWS::BedrockAgentCore::RuntimeEndpoint needs Name'); },
    // Ref returns the endpoint ARN (aws-cdk-lib: `runtimeEndpointRef.agentRuntimeEndpointArn = this.ref`).
    ref: (c) => endpointArn(c),
    attributes: {
      AgentRuntimeEndpointArn: (c) => endpointArn(c),
      AgentRuntimeArn: (c) => runtimeArnOfEndpoint(c),
      Id: (c) => c.template.token(c.logicalId, 'endpointid', 10, ALPHANUMERIC),
    },
  },
  'AWS::SSM::Parameter': {
    nameProperty: 'Name',
    generatedName: (template, logicalId) => `CFN-${logicalId}-${template.token(logicalId, 'name', 12, ALPHANUMERIC)}`,
    ref: (c) => c.name,
    attributes: {
      Type: (c) => c.template.stringProperty(c.logicalId, 'Type'),
      Value: (c) => c.template.stringProperty(c.logicalId, 'Value'),
    },
  },
  'AWS::StepFunctions::StateMachine': {
    nameProperty: 'StateMachineName',
    generatedName: logicalIdStyleName(80),
    // Ref returns the ARN.
    ref: (c) => c.arn('states', `stateMachine:${c.name}`),
    attributes: {
      Arn: (c) => c.arn('states', `stateMachine:${c.name}`),
      Name: (c) => c.name,
    },
  },
  'AWS::DynamoDB::Table': {
    nameProperty: 'TableName',
    generatedName: stackStyleName(255),
    ref: (c) => c.name,
    attributes: { Arn: (c) => c.arn('dynamodb', `table/${c.name}`) },
  },
  'AWS::SQS::Queue': {
    nameProperty: 'QueueName',
    generatedName: stackStyleName(80),
    // Ref returns the queue URL.
    ref: (c) => `https://sqs.${c.template.region}.amazonaws.com/${c.template.account}/${c.name}`,
    attributes: {
      Arn: (c) => c.arn('sqs', c.name),
      QueueName: (c) => c.name,
      QueueUrl: (c) => `https://sqs.${c.template.region}.amazonaws.com/${c.template.account}/${c.name}`,
    },
  },
  'AWS::EC2::SecurityGroup': {
    generatedName: generatedId('sg-', 17),
    ref: (c) => c.name,
    attributes: { GroupId: (c) => c.name },
  },
  'AWS::XRay::ResourcePolicy': {
    nameProperty: 'PolicyName',
    generatedName: stackStyleName(128),
    ref: (c) => c.name,
    attributes: {},
  },
};

function rolePath(c: ResourceContext): string {
  const path = c.template.resource(c.logicalId).Properties?.Path;
  return path === undefined ? '/' : c.template.resolveString(path);
}

function runtimeArnOfEndpoint(c: ResourceContext): string {
  const runtimeId = c.template.stringProperty(c.logicalId, 'AgentRuntimeId');
  return c.arn('bedrock-agentcore', `runtime/${runtimeId}`);
}

/** `<runtime ARN>/runtime-endpoint/<name>`. */
function endpointArn(c: ResourceContext): string {
  return `${runtimeArnOfEndpoint(c)}/runtime-endpoint/${c.name}`;
}
