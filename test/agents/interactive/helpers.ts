/**
 * What the InteractiveAgent tests share: agents built with each kind of ChatAuth, a template
 * resolver that also knows the chat's resource types (API Gateway, Cognito), and the chat's
 * resources and run-time configuration read from the resolved template — as
 * test/helpers/agent-decisions.ts reads an agent's: the construct only says which API is the
 * agent's, the rest (which function serves which method, what each function is told) is the
 * template's.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AgentRuntimeType, ChatAuth, ChatAuthType, InteractiveAgent, InteractiveAgentProps } from '../../../src';
import { AgentFacts, agentFacts } from '../../helpers/agent-decisions';
import { CfnTemplate, ResolvedTemplate } from '../../helpers/cfn-resolve';
import { DecisionCase, IamSimulator, RequestPrincipal } from '../../helpers/iam-simulation';
import { logicalIdOf } from '../../helpers/workflow-decisions';
import { promptAsset } from '../helpers';

export const AUTH_TYPES = [ChatAuthType.COGNITO, ChatAuthType.OIDC, ChatAuthType.IAM, ChatAuthType.NONE] as const;
export const OIDC_ISSUER = 'https://login.example.com';
export const OIDC_CLIENT = 'chat-web';
/** Method keys of the chat API, as `METHOD /path`. */
export const CHAT_METHODS = ['POST /chat', 'GET /sessions', 'GET /sessions/{sessionId}', 'DELETE /sessions/{sessionId}'];
export const SESSIONS_METHODS = CHAT_METHODS.slice(1);
export const PREFLIGHT_METHODS = ['OPTIONS /', 'OPTIONS /chat', 'OPTIONS /sessions', 'OPTIONS /sessions/{sessionId}'];

/**
 * A new ChatAuth of a kind. New each time: a ChatAuth.cognito() is bound to the agent it is given to.
 */
export function chatAuth(type: ChatAuthType): ChatAuth {
  switch (type) {
    case ChatAuthType.COGNITO: return ChatAuth.cognito();
    case ChatAuthType.OIDC: return ChatAuth.oidc({ issuer: OIDC_ISSUER, allowedClients: [OIDC_CLIENT] });
    case ChatAuthType.IAM: return ChatAuth.iam();
    case ChatAuthType.NONE: return ChatAuth.allowUnauthenticatedAccess();
  }
}

/** An InteractiveAgent with a minimal definition; `overrides` replace any prop. */
export function interactiveAgent(stack: Stack, id: string, type: AgentRuntimeType, overrides: Partial<InteractiveAgentProps> = {}): InteractiveAgent {
  return new InteractiveAgent(stack, id, {
    agentName: `chat-${id}`.toLowerCase(),
    agentDefinition: { systemPrompt: promptAsset(stack, `${id}Prompt`) },
    runtime: { type },
    ...overrides,
  });
}

const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

type Resolver = (t: ResolvedTemplate, logicalId: string) => ReturnType<ResolvedTemplate['resolve']>;

/**
 * The chat's resource types, from the CloudFormation reference's return values of each: what
 * `Ref` and `Fn::GetAtt` give. Ids the service generates are deterministic tokens of the logical id.
 * (Candidates for cfn-resolve.ts's RESOURCE_SPECS.)
 */
const CHAT_SPECS: Record<string, { ref: Resolver; attributes: Record<string, Resolver> }> = {
  // Ref: the API id (10 lower-case characters); RootResourceId: the id of `/`.
  'AWS::ApiGateway::RestApi': {
    ref: (t, id) => t.token(id, 'apiid', 10, LOWER_ALPHANUMERIC),
    attributes: {
      RestApiId: (t, id) => t.token(id, 'apiid', 10, LOWER_ALPHANUMERIC),
      RootResourceId: (t, id) => t.token(id, 'rootid', 10, LOWER_ALPHANUMERIC),
    },
  },
  'AWS::ApiGateway::Resource': {
    ref: (t, id) => t.token(id, 'resourceid', 6, LOWER_ALPHANUMERIC),
    attributes: { ResourceId: (t, id) => t.token(id, 'resourceid', 6, LOWER_ALPHANUMERIC) },
  },
  // Ref: the stage name.
  'AWS::ApiGateway::Stage': { ref: (t, id) => t.stringProperty(id, 'StageName'), attributes: {} },
  'AWS::ApiGateway::Deployment': {
    ref: (t, id) => t.token(id, 'deploymentid', 6, LOWER_ALPHANUMERIC),
    attributes: { DeploymentId: (t, id) => t.token(id, 'deploymentid', 6, LOWER_ALPHANUMERIC) },
  },
  'AWS::ApiGateway::Authorizer': {
    ref: (t, id) => t.token(id, 'authorizerid', 6, LOWER_ALPHANUMERIC),
    attributes: { AuthorizerId: (t, id) => t.token(id, 'authorizerid', 6, LOWER_ALPHANUMERIC) },
  },
  // Ref: the pool id `<region>_<9 characters>`; ProviderName `cognito-idp.<region>.amazonaws.com/<id>`.
  'AWS::Cognito::UserPool': {
    ref: (t, id) => poolId(t, id),
    attributes: {
      UserPoolId: (t, id) => poolId(t, id),
      Arn: (t, id) => t.arn('cognito-idp', `userpool/${poolId(t, id)}`),
      ProviderName: (t, id) => `cognito-idp.${t.region}.amazonaws.com/${poolId(t, id)}`,
      ProviderURL: (t, id) => `https://cognito-idp.${t.region}.amazonaws.com/${poolId(t, id)}`,
    },
  },
  // Ref: the client id (26 lower-case characters).
  'AWS::Cognito::UserPoolClient': {
    ref: (t, id) => t.token(id, 'clientid', 26, LOWER_ALPHANUMERIC),
    attributes: { ClientId: (t, id) => t.token(id, 'clientid', 26, LOWER_ALPHANUMERIC) },
  },
};

function poolId(t: ResolvedTemplate, logicalId: string): string {
  return `${t.region}_${t.token(logicalId, 'poolid', 9, ALPHANUMERIC)}`;
}

/** A resolved template that also resolves API Gateway's and Cognito's references. */
export class ChatTemplate extends ResolvedTemplate {
  public static of(stack: Stack, template?: Template | CfnTemplate): ChatTemplate {
    const base = ResolvedTemplate.fromStack(stack, template);
    return new ChatTemplate(base.template, base.env);
  }

  public ref(name: string): ReturnType<ResolvedTemplate['ref']> {
    const spec = CHAT_SPECS[this.resources[name]?.Type];
    return spec === undefined ? super.ref(name) : spec.ref(this, name);
  }

  public getAtt(logicalId: string, attribute: string): ReturnType<ResolvedTemplate['getAtt']> {
    const resolver = CHAT_SPECS[this.resources[logicalId]?.Type]?.attributes[attribute];
    return resolver === undefined ? super.getAtt(logicalId, attribute) : resolver(this, logicalId);
  }
}

/** A simulator over the stack's template (synthesized here unless given), with the chat's types resolved. */
export function chatSimulator(stack: Stack, template?: Template | CfnTemplate): IamSimulator {
  return new IamSimulator(ChatTemplate.of(stack, template));
}

/** A function of the template, as the chat's tests read it. */
export interface FunctionFacts {
  readonly logicalId: string;
  readonly arn: string;
  readonly name: string;
  readonly roleId: string;
  readonly handler: string;
  readonly timeout: number;
  readonly environment: Record<string, string>;
}

/** One method of the API, resolved. */
export interface MethodFacts {
  readonly logicalId: string;
  readonly authorizationType: string;
  readonly authorizerId?: string;
  readonly integration: {
    readonly Type: string;
    readonly IntegrationHttpMethod?: string;
    readonly Uri?: string;
    readonly ResponseTransferMode?: string;
    readonly TimeoutInMillis?: number;
    readonly IntegrationResponses?: Array<{ ResponseParameters?: Record<string, string>; ResponseTemplates?: Record<string, string> }>;
  };
}

/** The chat of one InteractiveAgent, read from the resolved template. */
export interface ChatFacts {
  readonly agent: AgentFacts;
  readonly apiLogicalId: string;
  readonly apiId: string;
  readonly stage: string;
  /** By `METHOD /path`. */
  readonly methods: Record<string, MethodFacts>;
  /** The function behind `POST /chat`. */
  readonly chatHandler: FunctionFacts;
  /** The function behind the Sessions API methods (one for all of them). */
  readonly sessionsFunction: FunctionFacts;
  /** The token authorizer, when the methods use one. */
  readonly authorizer?: { readonly logicalId: string; readonly id: string; readonly properties: Record<string, unknown>; readonly function: FunctionFacts };
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly tableName: string;
  readonly tableArn: string;
  /** The key the agent's environment, bucket and table are encrypted with. */
  readonly keyArn: string;
}

/** The function whose ARN is `arn`, with its role and configuration. */
export function functionFacts(sim: IamSimulator, arn: string): FunctionFacts {
  const t = sim.template;
  const logicalId = t.logicalIdsOfType('AWS::Lambda::Function').find((id) => t.resolveString({ 'Fn::GetAtt': [id, 'Arn'] }) === arn);
  if (logicalId === undefined) throw new Error(`no function ${arn} in the template`);
  const props = t.properties(logicalId) as { Role: string; Handler: string; Timeout: number; Environment?: { Variables?: Record<string, string> } };
  const roleId = t.logicalIdsOfType('AWS::IAM::Role').find((id) => sim.roleArn(id) === props.Role);
  if (roleId === undefined) throw new Error(`the role ${props.Role} of ${logicalId} is not in the template`);
  return {
    logicalId, arn, name: t.resolveString({ Ref: logicalId }), roleId, handler: props.Handler, timeout: props.Timeout,
    environment: props.Environment?.Variables ?? {},
  };
}

/** The function an AWS_PROXY integration URI calls (`…/functions/<arn>/invocations` or `…/response-streaming-invocations`). */
export function integratedFunction(uri: string | undefined): string {
  const match = /:lambda:path\/\d{4}-\d{2}-\d{2}\/functions\/(arn:[^/]+)\/(?:response-streaming-)?invocations$/.exec(uri ?? '');
  if (match === null) throw new Error(`not a Lambda integration URI: ${uri}`);
  return match[1];
}

/** The chat of `agent`: its API's methods, the functions behind them, its session store and key. */
export function chatFacts(sim: IamSimulator, agent: InteractiveAgent): ChatFacts {
  const t = sim.template;
  const facts = agentFacts(sim, agent);
  const apiLogicalId = logicalIdOf(agent.api);
  const apiId = t.resolveString({ Ref: apiLogicalId });
  const ofApi = (type: string) => t.logicalIdsOfType(type).filter((id) => t.properties(id).RestApiId === apiId);

  // Paths from the resource tree: `/` is the API's root resource.
  const paths = new Map<string, string>([[t.resolveString({ 'Fn::GetAtt': [apiLogicalId, 'RootResourceId'] }), '/']]);
  const resources = ofApi('AWS::ApiGateway::Resource').map((id) => ({ id: t.resolveString({ Ref: id }), props: t.properties(id) as { ParentId: string; PathPart: string } }));
  while (resources.some((r) => !paths.has(r.id))) {
    const next = resources.find((r) => !paths.has(r.id) && paths.has(r.props.ParentId));
    if (next === undefined) throw new Error(`resources of API ${apiId} not under its root`);
    const parent = paths.get(next.props.ParentId)!;
    paths.set(next.id, `${parent === '/' ? '' : parent}/${next.props.PathPart}`);
  }
  const methods: Record<string, MethodFacts> = {};
  for (const id of ofApi('AWS::ApiGateway::Method')) {
    const props = t.properties(id) as { HttpMethod: string; ResourceId: string; AuthorizationType: string; AuthorizerId?: string; Integration: MethodFacts['integration'] };
    methods[`${props.HttpMethod} ${paths.get(props.ResourceId)}`] = {
      logicalId: id, authorizationType: props.AuthorizationType, authorizerId: props.AuthorizerId, integration: props.Integration,
    };
  }
  const method = (key: string) => {
    if (methods[key] === undefined) throw new Error(`API ${apiId} has no method ${key}: ${Object.keys(methods).join(', ')}`);
    return methods[key];
  };
  const chatHandler = functionFacts(sim, integratedFunction(method('POST /chat').integration.Uri));
  const sessionsFunction = functionFacts(sim, integratedFunction(method('GET /sessions').integration.Uri));

  const authorizerIds = ofApi('AWS::ApiGateway::Authorizer');
  if (authorizerIds.length > 1) throw new Error(`API ${apiId} has ${authorizerIds.length} authorizers`);
  const authorizer = authorizerIds.map((id) => {
    const properties = t.properties(id) as Record<string, unknown>;
    return { logicalId: id, id: t.resolveString({ Ref: id }), properties, function: functionFacts(sim, integratedFunction(properties.AuthorizerUri as string)) };
  })[0];

  const bucketName = facts.environment.SESSION_BUCKET;
  const tableName = facts.environment.SESSION_TABLE;
  const bucket = t.logicalIdsOfType('AWS::S3::Bucket').find((id) => t.resolveString({ Ref: id }) === bucketName);
  if (bucket === undefined) throw new Error(`the agent's SESSION_BUCKET ${bucketName} is not a bucket of the template`);
  type Encryption = { ServerSideEncryptionConfiguration: Array<{ ServerSideEncryptionByDefault: { KMSMasterKeyID: string } }> };
  const keyArn = (t.properties(bucket).BucketEncryption as unknown as Encryption).ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID;
  return {
    agent: facts, apiLogicalId, apiId, stage: t.resolveString({ Ref: logicalIdOf(agent.api.deploymentStage) }), methods,
    chatHandler, sessionsFunction, authorizer,
    bucketName, bucketArn: `arn:${t.partition}:s3:::${bucketName}`,
    tableName, tableArn: t.arn('dynamodb', `table/${tableName}`),
    keyArn,
  };
}

/** `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>` of a request to the API. */
export function executeApiArn(t: ResolvedTemplate, apiId: string, stage: string, method: string, path: string): string {
  return t.arn('execute-api', `${apiId}/${stage}/${method}${path}`);
}

export const TLS = { 'aws:SecureTransport': 'true' };
export const USER_KEY = '0123456789abcdef0123456789abcdef';
export const SESSION_ID = '6f1c2a4e-8b3d-4c5e-9f7a-0b1c2d3e4f5a';
/** A history object as Strands' S3Storage writes it under the agent's prefix `sessions/<user key>/`. */
export const SNAPSHOT = `sessions/${USER_KEY}/${SESSION_ID}/scopes/agent/default/snapshots/snapshot_latest.json`;

/** Cases of one principal: `allow(...)`/`deny(...)` over every action × resource given. */
export function casesFor(principal: RequestPrincipal) {
  const cases: DecisionCase[] = [];
  const add = (expect: 'Allowed' | 'Denied') => (actions: string | string[], resources: string | string[], why: string, context?: Record<string, string | string[]>) => {
    for (const action of ([] as string[]).concat(actions)) {
      for (const resource of ([] as string[]).concat(resources)) cases.push({ principal, action, resource, context, expect, why });
    }
  };
  return { cases, allow: add('Allowed'), deny: add('Denied') };
}

export const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
export const via = (sim: IamSimulator, service: string) => ({ 'kms:ViaService': `${service}.${sim.template.region}.amazonaws.com` });

/**
 * What the agent's role may do with its session store, and not: its turns' history objects under
 * sessions/ (read, save, list the prefix; never delete), the index items it reads, creates, locks
 * and updates (never queries or deletes), the key through S3 and DynamoDB only; nothing of the
 * store of `other` (another InteractiveAgent of the template).
 */
export function sessionGrantCases(sim: IamSimulator, c: ChatFacts, other: ChatFacts): DecisionCase[] {
  const { cases, allow, deny } = casesFor({ role: c.agent.roleId });
  allow(['s3:GetObject', 's3:PutObject'], objectArn(c.bucketName, SNAPSHOT), 'a turn reads and saves the session\'s snapshot', TLS);
  allow('s3:ListBucket', c.bucketArn, 'S3Storage lists the session\'s prefix (a missing snapshot then reads as missing, not denied)', { ...TLS, 's3:prefix': `sessions/${USER_KEY}/${SESSION_ID}/` });
  deny('s3:ListBucket', c.bucketArn, 'listing outside sessions/', { ...TLS, 's3:prefix': '' });
  deny('s3:DeleteObject', objectArn(c.bucketName, SNAPSHOT), 'a turn never deletes history (a failed turn is rolled back in memory)', TLS);
  deny(['s3:GetObject', 's3:PutObject'], [objectArn(c.bucketName, 'other/object.json'), objectArn(c.bucketName, 'sessions-archive/x.json')], 'objects outside sessions/', TLS);
  deny(['s3:GetObject', 's3:PutObject'], objectArn(other.bucketName, SNAPSHOT), 'another agent\'s session bucket', TLS);
  deny('s3:ListBucket', other.bucketArn, 'another agent\'s session bucket', { ...TLS, 's3:prefix': 'sessions/' });
  allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], c.tableArn, 'a turn reads, creates, locks, touches and unlocks its session item');
  deny(['dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DeleteItem', 'dynamodb:BatchGetItem'], c.tableArn, 'listing and deleting sessions are the Sessions API\'s');
  deny(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], other.tableArn, 'another agent\'s index');
  for (const service of ['s3', 'dynamodb']) allow(['kms:Decrypt', 'kms:GenerateDataKey'], c.keyArn, `${service} uses the key for the role`, via(sim, service));
  // The key through any other service (or directly: a StringEquals on a missing key fails alike).
  // Lambda's role may still decrypt its environment, so Decrypt is checked on AgentCore only.
  deny(c.agent.lambda ? ['kms:GenerateDataKey'] : ['kms:Decrypt', 'kms:GenerateDataKey'], c.keyArn, 'the key through another service', via(sim, 'sqs'));
  return cases;
}
