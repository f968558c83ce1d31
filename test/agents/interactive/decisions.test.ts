/**
 * The IAM decisions of InteractiveAgents on concrete ARNs (DESIGN.md decision 7), every call each
 * role makes at run time Allowed and the neighbours Denied:
 *
 * - the agent's role: its usual calls (agentDecisionCases), plus its turns' history objects under
 *   sessions/, the listing of that prefix, the index items it reads, creates, locks and updates,
 *   the key through S3 and DynamoDB only; no deletes, no queries, nothing of another agent's store;
 * - the Sessions API's role: read, list and delete sessions; no writes; it cannot invoke the agent;
 * - the chat proxy's role (AgentCore): with IAM or no authentication it invokes this runtime (for
 *   the caller) and nothing else; with tokens it needs and has no invoke permission;
 * - the token authorizer's role: its logs and its environment's key, nothing else;
 * - API Gateway: it may invoke each function for this API's methods only (Lambda permissions);
 * - `grantChat`: execute-api:Invoke on this API's chat and Sessions methods only.
 *
 * One stack holds an agent of each auth kind on each runtime, every agent the others' neighbour.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { AgentRuntimeType, ChatAuthType, InteractiveAgent } from '../../../src';
import { agentDecisionCases } from '../../helpers/agent-decisions';
import { DecisionCase, IamSimulator, formatMismatches, mismatches } from '../../helpers/iam-simulation';
import { synth, testStack } from '../../helpers/test-app';
import { allowedGrants, logicalIdOf } from '../../helpers/workflow-decisions';
import { RUNTIME_TYPES } from '../helpers';
import {
  AUTH_TYPES, ChatFacts, SESSION_ID, SNAPSHOT, TLS, USER_KEY, casesFor, chatAuth, chatFacts, chatSimulator, executeApiArn, interactiveAgent, objectArn,
  sessionGrantCases, via,
} from './helpers';

const { LAMBDA, AGENTCORE } = AgentRuntimeType;
const INVOKE = ['bedrock-agentcore:InvokeAgentRuntime', 'bedrock-agentcore:InvokeAgentRuntimeForUser'];

interface Fixture {
  readonly stack: Stack;
  readonly sim: IamSimulator;
  /** By `<runtime>/<auth>`. */
  readonly agents: Record<string, InteractiveAgent>;
  readonly facts: Record<string, ChatFacts>;
  /** Roles given `grantChat` on the IAM agent of each runtime. */
  readonly callers: Record<AgentRuntimeType, iam.Role>;
}

const key = (type: AgentRuntimeType, auth: ChatAuthType) => `${type}/${auth}`;
const KEYS = RUNTIME_TYPES.flatMap((type) => AUTH_TYPES.map((auth) => ({ type, auth, id: key(type, auth) })));

let built: Fixture | undefined;
function fixture(): Fixture {
  if (built === undefined) {
    const stack = testStack();
    const agents: Record<string, InteractiveAgent> = {};
    for (const { type, auth, id } of KEYS) {
      agents[id] = interactiveAgent(stack, `${type === LAMBDA ? 'Lambda' : 'AgentCore'}${auth}`, type, { auth: chatAuth(auth) });
    }
    const callers = {} as Record<AgentRuntimeType, iam.Role>;
    for (const type of RUNTIME_TYPES) {
      callers[type] = new iam.Role(stack, `ChatCaller${type}`, { assumedBy: new iam.AccountRootPrincipal() });
      agents[key(type, ChatAuthType.IAM)].grantChat(callers[type]);
    }
    const template = synth(stack);
    const sim = chatSimulator(stack, template);
    const facts = Object.fromEntries(Object.entries(agents).map(([id, agent]) => [id, chatFacts(sim, agent)]));
    built = { stack, sim, agents, facts, callers };
  }
  return built;
}

async function expectNoMismatch(sim: IamSimulator, cases: DecisionCase[]): Promise<void> {
  const wrong = await mismatches(sim, cases);
  expect(formatMismatches(wrong), `${wrong.length} of ${cases.length} decisions are wrong`).toBe('');
}

/** Another agent of the fixture: the same auth on the other runtime, so each store has a neighbour. */
function neighbourOf(f: Fixture, type: AgentRuntimeType, auth: ChatAuthType): ChatFacts {
  return f.facts[key(type === LAMBDA ? AGENTCORE : LAMBDA, auth)];
}

/** The call that invokes an agent: its function on Lambda, its runtime on AgentCore. */
function invocationOf(c: ChatFacts): { action: string; resource: string } {
  return c.agent.lambda
    ? { action: 'lambda:InvokeFunction', resource: c.agent.lambda.functionArn }
    : { action: 'bedrock-agentcore:InvokeAgentRuntime', resource: c.agent.agentCore!.runtimeArn };
}

const object = objectArn;
const viaS3 = (sim: IamSimulator) => via(sim, 's3');
const viaDynamoDb = (sim: IamSimulator) => via(sim, 'dynamodb');
const viaOther = (sim: IamSimulator) => via(sim, 'sqs');

/** A stream of a library function's own log group (the ARN Lambda writes to). */
function ownLogStream(sim: IamSimulator, functionLogicalId: string): string {
  const logGroup = (sim.template.properties(functionLogicalId) as { LoggingConfig: { LogGroup: string } }).LoggingConfig.LogGroup;
  return sim.template.arn('logs', `log-group:${logGroup}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`);
}

describe.each(KEYS)('InteractiveAgent on $type with $auth', ({ type, auth, id }) => {
  it('the agent keeps its usual decisions (model, prompt, logs, trust, tracing)', async () => {
    const f = fixture();
    await expectNoMismatch(f.sim, agentDecisionCases(f.sim, f.agents[id]));
  });

  it('the agent\'s role reads and writes its own sessions\' history and index items, and nothing else of any store', async () => {
    const f = fixture();
    await expectNoMismatch(f.sim, sessionGrantCases(f.sim, f.facts[id], neighbourOf(f, type, auth)));
  });

  it('the Sessions API\'s role lists, reads and deletes sessions, writes none, and cannot invoke the agent', async () => {
    const f = fixture();
    const c = f.facts[id];
    const other = neighbourOf(f, type, auth);
    const fn = c.sessionsFunction;
    const { cases, allow, deny } = casesFor({ role: fn.roleId });
    allow(['s3:GetObject', 's3:DeleteObject'], object(c.bucketName, SNAPSHOT), 'GET /sessions/{id} reads the history; DELETE removes it', TLS);
    allow('s3:ListBucket', c.bucketArn, 'DELETE lists the session\'s objects', { ...TLS, 's3:prefix': `sessions/${USER_KEY}/${SESSION_ID}/` });
    deny('s3:ListBucket', c.bucketArn, 'listing outside sessions/', { ...TLS, 's3:prefix': 'other/' });
    deny('s3:PutObject', object(c.bucketName, SNAPSHOT), 'the Sessions API writes no history', TLS);
    deny(['s3:GetObject', 's3:DeleteObject'], object(c.bucketName, 'other/object.json'), 'objects outside sessions/', TLS);
    deny(['s3:GetObject', 's3:DeleteObject'], object(other.bucketName, SNAPSHOT), 'another agent\'s session bucket', TLS);
    allow(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DeleteItem'], c.tableArn, 'list (Query on the user\'s key), read and delete index items');
    deny(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'], c.tableArn, 'no writes, no scan across users');
    deny(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DeleteItem'], other.tableArn, 'another agent\'s index');
    allow('kms:Decrypt', c.keyArn, 'S3 and DynamoDB decrypt for the role', viaS3(f.sim));
    allow('kms:Decrypt', c.keyArn, 'S3 and DynamoDB decrypt for the role', viaDynamoDb(f.sim));
    allow('kms:Decrypt', c.keyArn, 'Lambda decrypts the function\'s environment', { 'kms:ViaService': `lambda.${f.sim.template.region}.amazonaws.com`, 'kms:EncryptionContext:LambdaFunctionName': fn.name });
    deny('kms:GenerateDataKey', c.keyArn, 'the key through another service', viaOther(f.sim));
    const invoke = invocationOf(c);
    deny(invoke.action, invoke.resource, 'never starts an agent session: the Sessions API reads the store only');
    deny(['logs:CreateLogStream', 'logs:PutLogEvents'], f.sim.template.arn('logs', `log-group:${c.agent.logGroupName}:log-stream:x`), 'the agent\'s log group');
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], ownLogStream(f.sim, fn.logicalId), 'its own logs');
    await expectNoMismatch(f.sim, cases);
  });

  if (type === AGENTCORE) {
    const proxyInvokes = auth === ChatAuthType.IAM || auth === ChatAuthType.NONE;
    it(proxyInvokes
      ? 'the chat proxy invokes this runtime, for the caller, on its endpoint; no other runtime; no session store'
      : 'the chat proxy forwards the caller\'s token and may invoke nothing itself', async () => {
      const f = fixture();
      const c = f.facts[id];
      const runtime = c.agent.agentCore!.runtimeArn;
      const endpoint = `${runtime}/runtime-endpoint/${c.chatHandler.environment.AGENT_QUALIFIER}`;
      const { cases, allow, deny } = casesFor({ role: c.chatHandler.roleId });
      // With IAM the proxy names the verified caller (…ForUser); without authentication there is no one to name.
      const invoke = auth === ChatAuthType.IAM ? INVOKE : auth === ChatAuthType.NONE ? [INVOKE[0]!] : [];
      allow(invoke, [runtime, endpoint], 'the proxy calls the runtime');
      deny(INVOKE.filter((a) => !invoke.includes(a)), [runtime, endpoint], proxyInvokes ? 'no caller to name without authentication' : 'the runtime checks the token itself');
      for (const otherAuth of AUTH_TYPES.filter((a) => a !== auth)) {
        const otherRuntime = f.facts[key(AGENTCORE, otherAuth)].agent.agentCore!.runtimeArn;
        deny(INVOKE, [otherRuntime, `${otherRuntime}/runtime-endpoint/live`], 'another agent\'s runtime');
      }
      deny(['s3:GetObject', 's3:PutObject'], object(c.bucketName, SNAPSHOT), 'the proxy does not read sessions', TLS);
      deny('dynamodb:GetItem', c.tableArn, 'the proxy does not read sessions');
      const t = f.sim.template;
      allow(['logs:CreateLogStream', 'logs:PutLogEvents'], ownLogStream(f.sim, c.chatHandler.logicalId), 'its own logs');
      deny(['logs:CreateLogStream', 'logs:PutLogEvents'], t.arn('logs', `log-group:${c.agent.logGroupName}:log-stream:x`), 'the agent\'s log group');
      allow('kms:Decrypt', c.keyArn, 'Lambda decrypts the function\'s environment', { 'kms:ViaService': `lambda.${t.region}.amazonaws.com`, 'kms:EncryptionContext:LambdaFunctionName': c.chatHandler.name });
      deny('kms:GenerateDataKey', c.keyArn, 'the proxy encrypts nothing', viaS3(f.sim));
      await expectNoMismatch(f.sim, cases);
      const grants = allowedGrants(f.sim, c.chatHandler.roleId).filter((g) => !g.startsWith('logs:'));
      expect(grants).toEqual([...invoke.flatMap((a) => [`${a} ${runtime}`, `${a} ${runtime}/*`]), `kms:Decrypt ${c.keyArn}`].sort());
    });
  } else {
    it('no function stands between the API and the agent: the chat handler is the agent\'s own', () => {
      const c = fixture().facts[id];
      expect(c.chatHandler.roleId).toBe(c.agent.roleId);
    });
  }

  if (auth === ChatAuthType.COGNITO || auth === ChatAuthType.OIDC) {
    it('the token authorizer\'s role writes its logs and decrypts its environment, and holds nothing else', async () => {
      const f = fixture();
      const c = f.facts[id];
      const fn = c.authorizer!.function;
      const t = f.sim.template;
      const logGroup = (t.properties(fn.logicalId) as { LoggingConfig: { LogGroup: string } }).LoggingConfig.LogGroup;
      expect(allowedGrants(f.sim, fn.roleId)).toEqual([
        `kms:Decrypt ${c.keyArn}`,
        `logs:CreateLogStream ${t.arn('logs', `log-group:${logGroup}:*`)}`,
        `logs:PutLogEvents ${t.arn('logs', `log-group:${logGroup}:*`)}`,
      ]);
      const { cases, allow, deny } = casesFor({ role: fn.roleId });
      allow(['logs:CreateLogStream', 'logs:PutLogEvents'], ownLogStream(f.sim, fn.logicalId), 'its logs');
      allow('kms:Decrypt', c.keyArn, 'Lambda decrypts the function\'s environment', { 'kms:ViaService': `lambda.${t.region}.amazonaws.com`, 'kms:EncryptionContext:LambdaFunctionName': fn.name });
      deny('kms:GenerateDataKey', c.keyArn, 'the authorizer encrypts nothing', viaS3(f.sim));
      deny('s3:GetObject', object(c.bucketName, SNAPSHOT), 'no session data', TLS);
      deny('dynamodb:GetItem', c.tableArn, 'no session data');
      const invoke = invocationOf(c);
      deny(invoke.action, invoke.resource, 'the authorizer never reaches the agent');
      await expectNoMismatch(f.sim, cases);
    });
  }

  it('API Gateway may invoke each function for this API\'s own methods only', async () => {
    const f = fixture();
    const c = f.facts[id];
    const t = f.sim.template;
    const other = neighbourOf(f, type, auth);
    const source = (apiId: string, method: string, path: string) => ({ 'aws:SourceArn': executeApiArn(t, apiId, c.stage, method, path) });
    const { cases, allow, deny } = casesFor({ service: 'apigateway.amazonaws.com' });
    allow('lambda:InvokeFunction', c.chatHandler.arn, 'POST /chat', source(c.apiId, 'POST', '/chat'));
    deny('lambda:InvokeFunction', c.chatHandler.arn, 'the same route of another API', source(other.apiId, 'POST', '/chat'));
    deny('lambda:InvokeFunction', c.chatHandler.arn, 'a Sessions route', source(c.apiId, 'GET', '/sessions'));
    for (const [method, path] of [['GET', '/sessions'], ['GET', `/sessions/${SESSION_ID}`], ['DELETE', `/sessions/${SESSION_ID}`]]) {
      allow('lambda:InvokeFunction', c.sessionsFunction.arn, `${method} ${path}`, source(c.apiId, method, path));
      deny('lambda:InvokeFunction', c.sessionsFunction.arn, `${method} ${path} of another API`, source(other.apiId, method, path));
    }
    deny('lambda:InvokeFunction', c.sessionsFunction.arn, 'the chat route', source(c.apiId, 'POST', '/chat'));
    if (c.authorizer) {
      const authorizerSource = (apiId: string) => ({ 'aws:SourceArn': t.arn('execute-api', `${apiId}/authorizers/${c.authorizer!.id}`) });
      allow('lambda:InvokeFunction', c.authorizer.function.arn, 'the API\'s authorizer', authorizerSource(c.apiId));
      deny('lambda:InvokeFunction', c.authorizer.function.arn, 'an authorizer of another API', authorizerSource(other.apiId));
    }
    await expectNoMismatch(f.sim, cases);

    // Every permission on these functions is for API Gateway, scoped to this API (never `*`).
    const functions = [c.chatHandler, c.sessionsFunction, ...(c.authorizer ? [c.authorizer.function] : [])];
    const permissions = t.logicalIdsOfType('AWS::Lambda::Permission').map((p) => t.properties(p) as Record<string, string>)
      .filter((p) => functions.some((fn) => fn.arn === p.FunctionName));
    expect(permissions.length).toBeGreaterThanOrEqual(8);
    for (const p of permissions) {
      expect(p.Principal).toBe('apigateway.amazonaws.com');
      expect(p.SourceArn).toMatch(new RegExp(`^arn:aws:execute-api:us-east-1:123456789012:${c.apiId}/(v1|test-invoke-stage|authorizers)/[A-Za-z0-9/{}*]+$`));
      expect(p.SourceArn).not.toMatch(new RegExp(`^arn:aws:execute-api:us-east-1:123456789012:${c.apiId}/\\*`));
    }
  });

  if (auth === ChatAuthType.IAM) {
    it('grantChat lets a role call the chat and Sessions methods of this API, and no other API', async () => {
      const f = fixture();
      const c = f.facts[id];
      const t = f.sim.template;
      const { cases, allow, deny } = casesFor({ role: logicalIdOf(f.callers[type]) });
      const invoke = 'execute-api:Invoke';
      allow(invoke, [
        executeApiArn(t, c.apiId, c.stage, 'POST', '/chat'),
        executeApiArn(t, c.apiId, c.stage, 'GET', '/sessions'),
        executeApiArn(t, c.apiId, c.stage, 'GET', `/sessions/${SESSION_ID}`),
        executeApiArn(t, c.apiId, c.stage, 'DELETE', `/sessions/${SESSION_ID}`),
      ], 'the chat and the Sessions API');
      for (const otherAuth of AUTH_TYPES.filter((a) => a !== auth)) {
        deny(invoke, executeApiArn(t, f.facts[key(type, otherAuth)].apiId, 'v1', 'POST', '/chat'), 'another agent\'s API');
      }
      deny(invoke, executeApiArn(t, neighbourOf(f, type, auth).apiId, 'v1', 'POST', '/chat'), 'the IAM agent on the other runtime');
      deny(invoke, executeApiArn(t, c.apiId, 'v2', 'POST', '/chat'), 'another stage');
      deny(invoke, executeApiArn(t, c.apiId, c.stage, 'GET', '/chat'), 'a method the chat does not have');
      const agentInvoke = invocationOf(c);
      deny(agentInvoke.action, agentInvoke.resource, 'the caller chats through the API, never invokes the agent directly');
      await expectNoMismatch(f.sim, cases);
    });
  }
});
