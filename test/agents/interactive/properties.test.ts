/**
 * Seed 003 properties 4–11 and 21, as they apply to InteractiveAgents, over generated agents: each
 * run builds the same generated agent on both runtimes in one stack and synthesizes it once (with
 * CloudFormation validation); every property is checked on both agents in each of 100 runs, and
 * the IAM decisions of both (their usual calls, their session grants, who may invoke them) are
 * simulated on the run's template.
 *
 * The generator is this file's own: test/agents/properties.test.ts keeps its BatchAgent generator
 * inside the test file, so it cannot be imported without running that file's test.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentRuntimeType, ChatAuth, ChatAuthType, InteractiveAgent } from '../../../src';
import { agentDecisionCases } from '../../helpers/agent-decisions';
import { DecisionCase, IamSimulator, expectDecisions } from '../../helpers/iam-simulation';
import { synth, testStack } from '../../helpers/test-app';
import { promptAsset, toolAsset } from '../helpers';
import { ChatFacts, chatFacts, chatSimulator, executeApiArn, sessionGrantCases } from './helpers';

const RUNS = { numRuns: 100 };
const { LAMBDA, AGENTCORE } = AgentRuntimeType;
const TYPES = [LAMBDA, AGENTCORE] as const;
const SUBNETS = ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'];
const POWERTOOLS_KEYS = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_LOG_LEVEL'];
const OTEL_KEYS = ['AGENT_OBSERVABILITY_ENABLED', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_EXPORTER_OTLP_LOGS_HEADERS', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_TRACES_EXPORTER', 'OTEL_SERVICE_NAME'];

interface GeneratedChat {
  readonly auth: ChatAuthType;
  readonly oidc: { clients: string[]; audiences: string[] };
  readonly origins?: string[];
  readonly sessionTtlDays?: number;
  readonly conversationWindow?: number;
  readonly lambdaTimeout: number;
  readonly lambdaMemory: number;
  readonly agentCoreTimeout: number;
  readonly observability: boolean;
  readonly network: boolean;
  readonly tools: boolean[];
  readonly environment: Record<string, string>;
}

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const origin = fc.oneof(
  fc.tuple(label, fc.constantFrom('example.com', 'example.org'), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
    .map(([host, domain, port]) => `https://${host}.${domain}${port === undefined ? '' : `:${port}`}`),
  fc.tuple(fc.constantFrom('localhost', '127.0.0.1'), fc.integer({ min: 1024, max: 65535 })).map(([host, port]) => `http://${host}:${port}`),
);
const clientIds = fc.array(fc.stringMatching(/^[a-zA-Z0-9_-]{1,24}$/), { maxLength: 2 });
const generatedChat: fc.Arbitrary<GeneratedChat> = fc.record({
  auth: fc.constantFrom(ChatAuthType.COGNITO, ChatAuthType.OIDC, ChatAuthType.IAM, ChatAuthType.NONE),
  // OIDC needs a client or an audience.
  oidc: fc.record({ clients: clientIds, audiences: fc.array(fc.constantFrom('api://chat', 'https://chat.example.com/api'), { maxLength: 2 }) })
    .filter((o) => o.clients.length + o.audiences.length > 0),
  origins: fc.option(fc.uniqueArray(origin, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  sessionTtlDays: fc.option(fc.integer({ min: 1, max: 3650 }), { nil: undefined }),
  conversationWindow: fc.option(fc.integer({ min: 2, max: 1000 }), { nil: undefined }),
  lambdaTimeout: fc.integer({ min: 1, max: 900 }),
  lambdaMemory: fc.integer({ min: 128, max: 10240 }),
  agentCoreTimeout: fc.integer({ min: 60, max: 28800 }),
  observability: fc.boolean(),
  network: fc.boolean(),
  tools: fc.array(fc.boolean(), { maxLength: 2 }),
  environment: fc.dictionary(fc.stringMatching(/^X_[A-Z0-9_]{1,12}$/), fc.stringMatching(/^[a-zA-Z0-9 ._-]{0,40}$/), { maxKeys: 3 }),
}, { requiredKeys: ['auth', 'oidc', 'lambdaTimeout', 'lambdaMemory', 'agentCoreTimeout', 'observability', 'network', 'tools', 'environment'] });

function authOf(g: GeneratedChat): ChatAuth {
  switch (g.auth) {
    case ChatAuthType.COGNITO: return ChatAuth.cognito();
    case ChatAuthType.OIDC: return ChatAuth.oidc({ issuer: 'https://login.example.com/tenant', allowedClients: g.oidc.clients, allowedAudiences: g.oidc.audiences });
    case ChatAuthType.IAM: return ChatAuth.iam();
    case ChatAuthType.NONE: return ChatAuth.allowUnauthenticatedAccess();
  }
}

type Resource = { Type: string; Properties: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Built {
  readonly stack: Stack;
  readonly agents: Record<AgentRuntimeType, InteractiveAgent>;
  readonly tools: s3Assets.Asset[];
  readonly template: Template;
  readonly resources: Record<string, Resource>;
  readonly sim: IamSimulator;
  readonly facts: Record<AgentRuntimeType, ChatFacts>;
}

function build(g: GeneratedChat): Built {
  const stack = testStack();
  const systemPrompt = promptAsset(stack);
  const tools = g.tools.map((zip, i) => toolAsset(stack, `Tool${i}`, zip));
  const vpc = g.network ? ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0a1b2c3d4e5f60000', availabilityZones: ['us-east-1a', 'us-east-1b'], privateSubnetIds: SUBNETS }) : undefined;
  const make = (id: string, type: AgentRuntimeType) => new InteractiveAgent(stack, id, {
    agentName: 'generated-chat',
    agentDefinition: { systemPrompt, tools },
    environment: g.environment,
    enableObservability: g.observability,
    network: vpc ? { vpc } : undefined,
    runtime: type === LAMBDA
      ? { type, config: { timeout: Duration.seconds(g.lambdaTimeout), memorySize: g.lambdaMemory } }
      : { type, config: { timeout: Duration.seconds(g.agentCoreTimeout) } },
    // One ChatAuth per agent: a ChatAuth.cognito() makes the pool of the agent it is given to.
    auth: authOf(g),
    cors: g.origins && { allowedOrigins: g.origins },
    sessionTtl: g.sessionTtlDays === undefined ? undefined : Duration.days(g.sessionTtlDays),
    conversationWindow: g.conversationWindow,
  });
  const agents = { [LAMBDA]: make('OnLambda', LAMBDA), [AGENTCORE]: make('OnAgentCore', AGENTCORE) };
  const template = synth(stack);
  const sim = chatSimulator(stack, template);
  const facts = { [LAMBDA]: chatFacts(sim, agents[LAMBDA]), [AGENTCORE]: chatFacts(sim, agents[AGENTCORE]) };
  return { stack, agents, tools, template, resources: (template.toJSON() as { Resources: Record<string, Resource> }).Resources, sim, facts };
}

const PREFIX: Record<AgentRuntimeType, string> = { [LAMBDA]: 'OnLambda', [AGENTCORE]: 'OnAgentCore' };
const own = (b: Built, type: AgentRuntimeType, resourceType: string) =>
  Object.entries(b.resources).filter(([id, r]) => id.startsWith(PREFIX[type]) && r.Type === resourceType).map(([, r]) => r);
const statementsOf = (b: Built, roleId: string) => b.sim.identityPolicies(roleId)
  .flatMap((p) => ([] as Array<{ Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, unknown>> }>).concat(p.policy.Statement as never));
const actionsOf = (statement: { Action: string | string[] }) => ([] as string[]).concat(statement.Action);

const checks: Record<string, (b: Built, g: GeneratedChat, type: AgentRuntimeType) => void> = {
  // 4: the agent's role trusts exactly its runtime's service; every function of the chat, Lambda's.
  'Property 4: service principals': (b, _g, type) => {
    const c = b.facts[type];
    const trust = (roleId: string) => (b.sim.trustPolicy(roleId).Statement as Array<{ Principal: unknown }>).map((s) => s.Principal);
    expect(trust(c.agent.roleId)).toEqual([{ Service: type === LAMBDA ? 'lambda.amazonaws.com' : 'bedrock-agentcore.amazonaws.com' }]);
    for (const fn of [c.sessionsFunction, c.chatHandler, ...(c.authorizer ? [c.authorizer.function] : [])]) {
      expect(trust(fn.roleId)).toEqual([{ Service: 'lambda.amazonaws.com' }]);
    }
  },
  // 5: the key: through S3 and DynamoDB for the session store; Lambda also decrypts its environment with it.
  'Property 5: key': (b, _g, type) => {
    const c = b.facts[type];
    const onKey = statementsOf(b, c.agent.roleId).filter((s) => ([] as string[]).concat(s.Resource).includes(c.keyArn));
    const viaStores = { StringEquals: { 'kms:ViaService': ['s3.us-east-1.amazonaws.com', 'dynamodb.us-east-1.amazonaws.com'] } };
    expect(onKey.map((s) => [actionsOf(s), s.Condition])).toEqual([
      ...(type === LAMBDA ? [[['kms:Decrypt'], undefined]] : []),
      [['kms:Decrypt', 'kms:GenerateDataKey'], viaStores],
    ]);
  },
  // 6: the agent's log group (retention, key) on either runtime; the chat's functions log to groups of their own.
  'Property 6: observability': (b, g, type) => {
    const c = b.facts[type];
    expect(own(b, type, 'AWS::Logs::LogGroup').every((group) => group.Properties.KmsKeyId !== undefined)).toBe(true);
    const env = c.agent.environment;
    if (type === LAMBDA) {
      expect(own(b, type, 'AWS::Lambda::Function').find((f) => f.Properties.Handler === 'index.chatHandler')!.Properties.TracingConfig?.Mode).toBe(g.observability ? 'Active' : undefined);
      for (const key of POWERTOOLS_KEYS) expect(key in env).toBe(g.observability);
    } else {
      for (const key of OTEL_KEYS) expect(key in env).toBe(g.observability);
      expect(Object.keys(c.agent.agentCore!.deliverySources).sort()).toEqual(g.observability ? ['APPLICATION_LOGS', 'TRACES', 'USAGE_LOGS'] : ['APPLICATION_LOGS']);
    }
    const groups = new Set([c.agent.logGroupName, ...[c.sessionsFunction, c.chatHandler].map((fn) => (b.sim.template.properties(fn.logicalId) as { LoggingConfig: { LogGroup: string } }).LoggingConfig.LogGroup)]);
    expect(groups.size).toBe(type === LAMBDA ? 2 : 3);
  },
  // 7: read access to every tool object; the only listing is of the session bucket's sessions/ prefix.
  'Property 7: tool reads': (b, _g, type) => {
    const statements = statementsOf(b, b.facts[type].agent.roleId);
    const policy = JSON.stringify(statements);
    for (const tool of b.tools) expect(policy).toContain(`/${tool.s3ObjectKey}`);
    const listings = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:List')));
    expect(listings).toEqual([{ Effect: 'Allow', Action: 's3:ListBucket', Resource: b.facts[type].bucketArn, Condition: { StringLike: { 's3:prefix': ['sessions/*'] } } }]);
  },
  // 8: one runtime resource of the configured type; the chat's functions beside it.
  'Property 8: runtime resources': (b, g, type) => {
    const jwt = g.auth === ChatAuthType.COGNITO || g.auth === ChatAuthType.OIDC;
    expect(own(b, type, 'AWS::BedrockAgentCore::Runtime')).toHaveLength(type === AGENTCORE ? 1 : 0);
    // Lambda: the agent, the Sessions API, the authorizer; AgentCore: the proxy instead of the agent.
    expect(own(b, type, 'AWS::Lambda::Function')).toHaveLength(2 + (jwt ? 1 : 0));
    expect(own(b, type, 'AWS::ApiGateway::RestApi')).toHaveLength(1);
    expect(own(b, type, 'AWS::Cognito::UserPool')).toHaveLength(g.auth === ChatAuthType.COGNITO ? 1 : 0);
  },
  // 9: the user's variables and the chat's reach the agent; the chat's reach the Sessions API and the proxy.
  'Property 9: environment': (b, g, type) => {
    const c = b.facts[type];
    const ttl = String((g.sessionTtlDays ?? 30) * 86400);
    const cors = (g.origins ?? []).join(',');
    expect(c.agent.environment).toMatchObject({
      ...g.environment,
      INVOKE_TYPE: 'interactive',
      SESSION_BUCKET: c.bucketName,
      SESSION_TABLE: c.tableName,
      SESSION_TTL_SECONDS: ttl,
      CONVERSATION_WINDOW: String(g.conversationWindow ?? 40),
      AUTH_MODE: g.auth,
      CORS_ALLOWED_ORIGINS: cors,
    });
    if (g.auth === ChatAuthType.OIDC) expect(c.agent.environment).toMatchObject({ AUTH_CLIENT_IDS: g.oidc.clients.join(','), AUTH_AUDIENCES: g.oidc.audiences.join(',') });
    expect(c.sessionsFunction.environment).toMatchObject({ SESSION_BUCKET: c.bucketName, SESSION_TABLE: c.tableName, SESSION_TTL_SECONDS: ttl, AUTH_MODE: g.auth, CORS_ALLOWED_ORIGINS: cors });
    if (type === AGENTCORE) expect(c.chatHandler.environment).toMatchObject({ AUTH_MODE: g.auth, CORS_ALLOWED_ORIGINS: cors, AGENT_RUNTIME_ARN: c.agent.agentCore!.runtimeArn });
  },
  // 10: timeouts, memory and the session TTL in each resource's units; the turn's lease from the runtime's limit.
  'Property 10: resource configuration': (b, g, type) => {
    const c = b.facts[type];
    if (type === LAMBDA) {
      const fn = own(b, type, 'AWS::Lambda::Function').find((f) => f.Properties.Handler === 'index.chatHandler')!.Properties;
      expect([fn.Timeout, fn.MemorySize]).toEqual([g.lambdaTimeout, g.lambdaMemory]);
      expect(c.agent.environment.TURN_TIMEOUT_SECONDS).toBe(String(g.lambdaTimeout));
    } else {
      expect(own(b, type, 'AWS::BedrockAgentCore::Runtime')[0].Properties.LifecycleConfiguration.MaxLifetime).toBe(g.agentCoreTimeout);
      expect(c.agent.environment.TURN_TIMEOUT_SECONDS).toBe(String(Math.min(g.agentCoreTimeout, 3600)));
    }
    expect(c.methods['POST /chat'].integration.TimeoutInMillis).toBe(900_000);
    const bucket = own(b, type, 'AWS::S3::Bucket')[0].Properties;
    expect(bucket.LifecycleConfiguration.Rules).toEqual([{ Id: 'ExpireSessions', Prefix: 'sessions/', ExpirationInDays: g.sessionTtlDays ?? 30, Status: 'Enabled' }]);
  },
  // 11: the agent in the VPC on both runtimes (ENI permissions on Lambda's role only); the chat's own functions call AWS APIs only and stay out.
  'Property 11: network': (b, g, type) => {
    const c = b.facts[type];
    const policy = JSON.stringify(statementsOf(b, c.agent.roleId));
    const vpcOf = (logicalId: string) => (b.sim.template.properties(logicalId) as { VpcConfig?: { SubnetIds: string[] } }).VpcConfig;
    if (type === LAMBDA) {
      expect(vpcOf(c.chatHandler.logicalId)?.SubnetIds).toEqual(g.network ? SUBNETS : undefined);
      expect(policy.includes('ec2:CreateNetworkInterface')).toBe(g.network);
    } else {
      const network = own(b, type, 'AWS::BedrockAgentCore::Runtime')[0].Properties.NetworkConfiguration;
      expect(network.NetworkMode).toBe(g.network ? 'VPC' : 'PUBLIC');
      expect(policy).not.toContain('ec2:');
      expect(vpcOf(c.chatHandler.logicalId)).toBeUndefined();
    }
    expect(vpcOf(c.sessionsFunction.logicalId)).toBeUndefined();
  },
  // 21 (its template side): the agent's function is invocable by API Gateway for this API's POST /chat only; on AgentCore no resource policy exists.
  'Property 21: invocation permissions': (b, _g, type) => {
    const c = b.facts[type];
    const t = b.sim.template;
    const permissions = t.logicalIdsOfType('AWS::Lambda::Permission').map((id) => t.properties(id) as Record<string, string>);
    const onAgent = permissions.filter((p) => p.FunctionName === c.agent.lambda?.functionArn);
    expect(onAgent.map((p) => [p.Principal, p.SourceArn]).sort()).toEqual(type === LAMBDA
      ? [['apigateway.amazonaws.com', executeApiArn(t, c.apiId, c.stage, 'POST', '/chat')], ['apigateway.amazonaws.com', executeApiArn(t, c.apiId, 'test-invoke-stage', 'POST', '/chat')]].sort()
      : []);
  },
};

/**
 * Property 21 by simulation, for both agents: of every role of the template, only the chat proxy
 * (AgentCore, with IAM or no authentication) may invoke an agent, and only its own; API Gateway
 * may invoke the agent's function for its API's POST /chat, not for another method or API.
 */
function invocationCases(b: Built, g: GeneratedChat): DecisionCase[] {
  const t = b.sim.template;
  const roles = t.logicalIdsOfType('AWS::IAM::Role');
  const cases: DecisionCase[] = [];
  for (const type of TYPES) {
    const c = b.facts[type];
    if (type === LAMBDA) {
      const fn = c.agent.lambda!.functionArn;
      for (const role of roles) cases.push({ principal: { role }, action: 'lambda:InvokeFunction', resource: fn, expect: 'Denied', why: 'only API Gateway invokes the agent\'s function' });
      const apigw = { principal: { service: 'apigateway.amazonaws.com' }, action: 'lambda:InvokeFunction', resource: fn };
      cases.push({ ...apigw, context: { 'aws:SourceArn': executeApiArn(t, c.apiId, c.stage, 'POST', '/chat') }, expect: 'Allowed', why: 'POST /chat' });
      cases.push({ ...apigw, context: { 'aws:SourceArn': executeApiArn(t, c.apiId, c.stage, 'GET', '/sessions') }, expect: 'Denied', why: 'a Sessions route' });
      cases.push({ ...apigw, context: { 'aws:SourceArn': executeApiArn(t, b.facts[AGENTCORE].apiId, c.stage, 'POST', '/chat') }, expect: 'Denied', why: 'another API' });
    } else {
      const runtime = c.agent.agentCore!.runtimeArn;
      const proxyInvokes = g.auth === ChatAuthType.IAM || g.auth === ChatAuthType.NONE;
      for (const role of roles) {
        for (const action of ['bedrock-agentcore:InvokeAgentRuntime', 'bedrock-agentcore:InvokeAgentRuntimeForUser']) {
          const forUser = action.endsWith('ForUser');
          const allowed = proxyInvokes && role === c.chatHandler.roleId && (!forUser || g.auth === ChatAuthType.IAM);
          cases.push({ principal: { role }, action, resource: `${runtime}/runtime-endpoint/live`, expect: allowed ? 'Allowed' : 'Denied', why: allowed ? 'the proxy invokes' : 'only the proxy (IAM or no auth) invokes the runtime, and names a caller only with IAM' });
        }
      }
    }
  }
  return cases;
}

async function expectIamDecisions(b: Built, g: GeneratedChat): Promise<void> {
  const cases: DecisionCase[] = [];
  for (const type of TYPES) {
    const other = type === LAMBDA ? AGENTCORE : LAMBDA;
    cases.push(...agentDecisionCases(b.sim, b.agents[type]), ...sessionGrantCases(b.sim, b.facts[type], b.facts[other]));
  }
  cases.push(...invocationCases(b, g));
  await expectDecisions(b.sim, cases);
}

describe('InteractiveAgent properties (seed 003) on both runtimes', () => {
  it(`properties ${Object.keys(checks).map((k) => k.split(':')[0].replace('Property ', '')).join(', ')} and the IAM decisions hold for ${RUNS.numRuns} generated agents`, async () => {
    const counts: Record<string, number> = {};
    await fc.assert(fc.asyncProperty(generatedChat, async (g) => {
      const built = build(g);
      for (const [name, check] of Object.entries(checks)) {
        for (const type of TYPES) check(built, g, type);
        counts[name] = (counts[name] ?? 0) + 1;
      }
      await expectIamDecisions(built, g);
      counts.decisions = (counts.decisions ?? 0) + 1;
    }), RUNS);
    for (const name of [...Object.keys(checks), 'decisions']) expect(counts[name]).toBeGreaterThanOrEqual(RUNS.numRuns);
  }, 180_000);
});

