/**
 * The InteractiveAgent's template on both runtimes, with each kind of ChatAuth, with and without
 * CORS: the REST API (Regional, a streaming POST /chat, the Sessions API, the authorizer of each
 * method, the preflight and error responses), the AgentCore runtime's own authorizer, the chat
 * variables each function is given, and the session store. Read from the resolved template
 * (helpers.ts), so each value is the one CloudFormation deploys. One stack per runtime holds the
 * eight agents; its synth runs the CloudFormation schema validation (test-app.ts).
 */
import { Duration, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { describe, expect, it } from 'vitest';
import { AgentCoreAgentRuntime, AgentRuntimeType, ChatAuth, ChatAuthType, InteractiveAgent } from '../../../src';
import { IamSimulator } from '../../helpers/iam-simulation';
import { expectValidIam } from '../../helpers/iam-validity';
import { synth, testStack } from '../../helpers/test-app';
import { logicalIdOf } from '../../helpers/workflow-decisions';
import { RUNTIME_TYPES } from '../helpers';
import {
  AUTH_TYPES, CHAT_METHODS, ChatFacts, OIDC_CLIENT, OIDC_ISSUER, PREFLIGHT_METHODS, SESSIONS_METHODS, chatAuth, chatFacts, chatSimulator, interactiveAgent,
} from './helpers';

const ONE_ORIGIN = ['https://chat.example.com'];
const TWO_ORIGINS = ['https://chat.example.com', 'http://localhost:8080'];
const { LAMBDA, AGENTCORE } = AgentRuntimeType;

/** One agent of the matrix: an auth kind, with or without CORS (and then non-default TTL, window and timeout). */
interface Case {
  readonly id: string;
  readonly auth: ChatAuthType;
  readonly origins?: string[];
}

const CASES: Case[] = AUTH_TYPES.flatMap((auth) => [
  { id: `${auth.toLowerCase()}Private`, auth },
  // Token modes with one origin, the others with two: both forms of the preflight and error responses.
  { id: `${auth.toLowerCase()}Browser`, auth, origins: auth === ChatAuthType.COGNITO || auth === ChatAuthType.IAM ? ONE_ORIGIN : TWO_ORIGINS },
]);

interface Built {
  readonly stack: Stack;
  readonly template: Template;
  readonly sim: IamSimulator;
  readonly agents: Record<string, InteractiveAgent>;
  readonly facts: Map<string, ChatFacts>;
  /** Paths of the warnings that the chat is unauthenticated. */
  readonly unauthenticatedWarnings: string[];
}

const built = new Map<AgentRuntimeType, Built>();
/** The eight agents on one runtime, in one stack, synthesized once. */
function build(type: AgentRuntimeType): Built {
  let b = built.get(type);
  if (b === undefined) {
    const stack = testStack();
    const agents: Record<string, InteractiveAgent> = {};
    for (const c of CASES) {
      const browser = c.origins !== undefined;
      agents[c.id] = interactiveAgent(stack, c.id, type, {
        auth: chatAuth(c.auth),
        cors: browser ? { allowedOrigins: c.origins! } : undefined,
        sessionTtl: browser ? Duration.days(7) : undefined,
        conversationWindow: browser ? 12 : undefined,
        runtime: { type, config: browser ? { timeout: Duration.minutes(type === LAMBDA ? 5 : 30) } : undefined },
      });
    }
    const template = synth(stack);
    // The assembly the synth above made (Annotations.fromStack would synthesize again).
    const messages = (stack.node.root as Stage).synth().getStackArtifact(stack.artifactId).messages;
    const unauthenticatedWarnings = messages.filter((m) => m.level === 'warning' && String(m.entry.data).includes('allowUnauthenticatedAccess')).map((m) => m.id);
    b = { stack, template, sim: chatSimulator(stack, template), agents, facts: new Map(), unauthenticatedWarnings };
    built.set(type, b);
  }
  return b;
}

/** What each case expects of the values that differ between the browser and private agents. */
function expectedSettings(type: AgentRuntimeType, c: Case) {
  const browser = c.origins !== undefined;
  return {
    ttlDays: browser ? 7 : 30,
    window: browser ? 12 : 40,
    // Lambda: the function's timeout. AgentCore: the runtime's maximum lifetime, at most the hour a stream may last.
    turnTimeout: type === LAMBDA ? (browser ? 300 : 600) : (browser ? 1800 : 3600),
  };
}

/** The AUTH_* variables every function that checks callers is given, in the case's template. */
function authEnvironment(b: Built, agent: InteractiveAgent, auth: ChatAuthType): Record<string, string> {
  const t = b.sim.template;
  switch (auth) {
    case ChatAuthType.COGNITO: {
      const poolId = t.resolveString({ Ref: logicalIdOf(agent.userPool!) });
      return {
        AUTH_MODE: 'COGNITO',
        AUTH_ISSUER: `https://cognito-idp.us-east-1.amazonaws.com/${poolId}`,
        AUTH_CLIENT_IDS: t.resolveString({ Ref: logicalIdOf(agent.userPoolClients![0]) }),
        AUTH_TOKEN_USE: 'access',
      };
    }
    case ChatAuthType.OIDC:
      return { AUTH_MODE: 'OIDC', AUTH_ISSUER: OIDC_ISSUER, AUTH_CLIENT_IDS: OIDC_CLIENT, AUTH_AUDIENCES: '' };
    default:
      return { AUTH_MODE: auth };
  }
}

const streamingUri = (functionArn: string) => `arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/${functionArn}/response-streaming-invocations`;

describe.each(RUNTIME_TYPES)('InteractiveAgent on %s', (type) => {
  describe.each(CASES)('$id', (c) => {
    const facts = (): ChatFacts & { b: Built; construct: InteractiveAgent } => {
      const b = build(type);
      const construct = b.agents[c.id];
      if (!b.facts.has(c.id)) b.facts.set(c.id, chatFacts(b.sim, construct));
      return { ...b.facts.get(c.id)!, b, construct };
    };

    it('has a Regional REST API with POST /chat, the Sessions API, and preflight methods only with cors', () => {
      const f = facts();
      expect(f.b.sim.template.properties(f.apiLogicalId).EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
      const expected = [...CHAT_METHODS, ...(c.origins ? PREFLIGHT_METHODS : [])].sort();
      expect(Object.keys(f.methods).sort()).toEqual(expected);
      expect(f.stage).toBe('v1');
    });

    it('streams POST /chat from the agent\'s own function (Lambda) or the chat proxy (AgentCore), for up to 15 minutes', () => {
      const f = facts();
      expect(f.methods['POST /chat'].integration).toEqual({
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        Uri: streamingUri(f.chatHandler.arn),
        ResponseTransferMode: 'STREAM',
        TimeoutInMillis: 900_000,
      });
      if (type === LAMBDA) {
        expect(f.chatHandler.arn).toBe(f.agent.lambda!.functionArn);
        expect(f.chatHandler.handler).toBe('index.chatHandler');
      } else {
        expect(f.chatHandler.arn).not.toBe(f.sessionsFunction.arn);
        expect(f.chatHandler.handler).toBe('index.handler');
        expect(f.chatHandler.timeout).toBe(900);
        expect(f.chatHandler.environment.AGENT_RUNTIME_ARN).toBe(f.agent.agentCore!.runtimeArn);
        // The runtime's one endpoint.
        expect(f.agent.agentCore!.endpoints).toEqual(['live']);
        expect(f.chatHandler.environment.AGENT_QUALIFIER).toBe('live');
      }
    });

    it('serves the Sessions API from one function of its own, without streaming', () => {
      const f = facts();
      expect(f.sessionsFunction.arn).not.toBe(f.chatHandler.arn);
      expect(f.sessionsFunction.handler).toBe('index.handler');
      for (const key of SESSIONS_METHODS) {
        expect(f.methods[key].integration, key).toEqual({
          Type: 'AWS_PROXY',
          IntegrationHttpMethod: 'POST',
          Uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${f.sessionsFunction.arn}/invocations`,
        });
      }
    });

    it(`authorizes every method but the preflight: ${c.auth === ChatAuthType.IAM ? 'AWS_IAM' : c.auth === ChatAuthType.NONE ? 'NONE, with a warning' : 'a TOKEN authorizer, not cached'}`, () => {
      const f = facts();
      for (const [key, method] of Object.entries(f.methods)) {
        if (key.startsWith('OPTIONS ')) {
          expect(method.authorizationType, key).toBe('NONE');
          continue;
        }
        const expected = { [ChatAuthType.COGNITO]: 'CUSTOM', [ChatAuthType.OIDC]: 'CUSTOM', [ChatAuthType.IAM]: 'AWS_IAM', [ChatAuthType.NONE]: 'NONE' }[c.auth];
        expect(method.authorizationType, key).toBe(expected);
        expect(method.authorizerId, key).toBe(f.authorizer?.id);
      }
      if (c.auth === ChatAuthType.COGNITO || c.auth === ChatAuthType.OIDC) {
        expect(f.authorizer!.properties).toMatchObject({ Type: 'TOKEN', AuthorizerResultTtlInSeconds: 0, IdentitySource: 'method.request.header.Authorization' });
        expect(f.authorizer!.function.handler).toBe('index.handler');
      } else {
        expect(f.authorizer).toBeUndefined();
      }
      expect(f.b.unauthenticatedWarnings.filter((id) => id === `/${f.b.stack.stackName}/${c.id}`)).toHaveLength(c.auth === ChatAuthType.NONE ? 1 : 0);
      expect(f.construct.authType).toBe(c.auth);
    });

    it('tells the agent, the Sessions API, the authorizer and the proxy the contract\'s variables', () => {
      const f = facts();
      const auth = authEnvironment(f.b, f.construct, c.auth);
      const cors = { CORS_ALLOWED_ORIGINS: (c.origins ?? []).join(',') };
      const settings = expectedSettings(type, c);
      const session = { SESSION_BUCKET: f.bucketName, SESSION_TABLE: f.tableName, SESSION_TTL_SECONDS: String(settings.ttlDays * 86400) };
      expect(f.agent.environment).toMatchObject({
        INVOKE_TYPE: 'interactive',
        ...session,
        CONVERSATION_WINDOW: String(settings.window),
        TURN_TIMEOUT_SECONDS: String(settings.turnTimeout),
        ...auth,
        ...cors,
      });
      // No AUTH_* variable the mode does not use (an empty AUTH_AUDIENCES is OIDC's "none").
      const authKeys = (env: Record<string, string>) => Object.keys(env).filter((key) => key.startsWith('AUTH_')).sort();
      expect(authKeys(f.agent.environment)).toEqual(Object.keys(auth).sort());
      expect(f.sessionsFunction.environment).toEqual({ ...session, ...auth, ...cors });
      if (f.authorizer) expect(f.authorizer.function.environment).toEqual(auth);
      if (type === AGENTCORE) {
        expect(f.chatHandler.environment).toEqual({ ...auth, ...cors, AGENT_RUNTIME_ARN: f.agent.agentCore!.runtimeArn, AGENT_QUALIFIER: 'live' });
      }
    });

    it('keeps sessions in a table keyed by user and session, expiring on expiresAt, encrypted with the agent\'s key, with point-in-time recovery', () => {
      const f = facts();
      const t = f.b.sim.template;
      const table = t.logicalIdsOfType('AWS::DynamoDB::Table').find((id) => t.resolveString({ Ref: id }) === f.tableName)!;
      expect(t.properties(table)).toMatchObject({
        KeySchema: [{ AttributeName: 'userKey', KeyType: 'HASH' }, { AttributeName: 'sessionId', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'userKey', AttributeType: 'S' }, { AttributeName: 'sessionId', AttributeType: 'S' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: f.keyArn },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
      expect(f.keyArn).toBe(t.resolveString(f.b.stack.resolve(f.construct.encryptionKey.keyArn)));
    });

    it('keeps history in a private, TLS-only, KMS-encrypted bucket whose sessions/ objects expire after the TTL', () => {
      const f = facts();
      const t = f.b.sim.template;
      const bucket = t.logicalIdsOfType('AWS::S3::Bucket').find((id) => t.resolveString({ Ref: id }) === f.bucketName)!;
      const props = t.properties(bucket);
      expect(props.LifecycleConfiguration).toEqual({
        Rules: [{ Id: 'ExpireSessions', Prefix: 'sessions/', ExpirationInDays: expectedSettings(type, c).ttlDays, Status: 'Enabled' }],
      });
      expect(props.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: f.keyArn } }],
      });
      expect(props.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(props.VersioningConfiguration).toBeUndefined();
      const policies = t.logicalIdsOfType('AWS::S3::BucketPolicy').filter((id) => t.stringProperty(id, 'Bucket') === f.bucketName);
      expect(policies).toHaveLength(1);
      expect((t.properties(policies[0]).PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual({
        Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Resource: [f.bucketArn, `${f.bucketArn}/*`],
      });
    });

    it(c.origins ? `answers the preflight and API Gateway's own errors for exactly ${c.origins.join(' and ')}` : 'has no CORS at all without cors', () => {
      const f = facts();
      const t = f.b.sim.template;
      const responses = t.logicalIdsOfType('AWS::ApiGateway::GatewayResponse').filter((id) => t.properties(id).RestApiId === f.apiId).map((id) => t.properties(id));
      // A refused token is the protocol's 401 body, with or without CORS.
      const unauthorized = responses.find((r) => r.ResponseType === 'UNAUTHORIZED');
      expect(unauthorized?.StatusCode).toBe('401');
      expect(unauthorized?.ResponseTemplates).toEqual({ 'application/json': '{"code":"Unauthorized","message":$context.error.messageString}' });
      const others = responses.filter((r) => r !== unauthorized);
      if (c.origins === undefined) {
        expect(others).toEqual([]);
        expect(unauthorized?.ResponseParameters).toBeUndefined();
        expect(Object.keys(f.methods).filter((key) => key.startsWith('OPTIONS'))).toEqual([]);
        return;
      }
      for (const key of PREFLIGHT_METHODS) {
        const [response] = f.methods[key].integration.IntegrationResponses!;
        const headers = response.ResponseParameters!;
        // The first origin by default; each further one echoed by the mapping template when it is the request's.
        expect(headers['method.response.header.Access-Control-Allow-Origin'], key).toBe(`'${c.origins[0]}'`);
        expect(headers['method.response.header.Access-Control-Allow-Methods'], key).toBe('\'GET,POST,DELETE,OPTIONS\'');
        expect(headers['method.response.header.Access-Control-Allow-Headers'], key).toMatch(/^'Authorization,Content-Type,/);
        const template = response.ResponseTemplates?.['application/json'] ?? '';
        const echoed = [...template.matchAll(/#if\(\$origin == "([^"]+)"\)/g)].map((m) => m[1]);
        expect(echoed, key).toEqual(c.origins.slice(1));
      }
      if (c.origins.length > 1) {
        // A gateway response cannot choose among several origins, and echoing the request's would
        // open error bodies to any site: none of API Gateway's own refusals carries CORS headers.
        expect(others).toEqual([]);
        expect(unauthorized?.ResponseParameters).toBeUndefined();
        return;
      }
      expect(responses.map((r) => r.ResponseType).sort()).toEqual(['DEFAULT_4XX', 'DEFAULT_5XX', 'UNAUTHORIZED']);
      for (const response of responses) {
        expect(response.ResponseParameters).toEqual({
          'gatewayresponse.header.Access-Control-Allow-Origin': `'${c.origins[0]}'`,
          'gatewayresponse.header.Vary': '\'Origin\'',
        });
      }
    });

    if (c.auth === ChatAuthType.COGNITO) {
      it('creates a user pool without self sign-up, and an app client whose access tokens are accepted', () => {
        const f = facts();
        const t = f.b.sim.template;
        expect(t.properties(logicalIdOf(f.construct.userPool!)).AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
        expect(f.construct.userPoolClients).toHaveLength(1);
        expect(t.properties(logicalIdOf(f.construct.userPoolClients![0])).UserPoolId).toBe(t.resolveString({ Ref: logicalIdOf(f.construct.userPool!) }));
      });

      it('its app client signs in with SRP and has no OAuth flows: no token is redirected to a callback URL', () => {
        const f = facts();
        const client = f.b.sim.template.properties(logicalIdOf(f.construct.userPoolClients![0]));
        expect(client).toMatchObject({ ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'], GenerateSecret: false, PreventUserExistenceErrors: 'ENABLED' });
        // aws-cdk-lib's defaults otherwise: the implicit and code grants to https://example.com.
        expect(client.AllowedOAuthFlows).toBeUndefined();
        expect(client.CallbackURLs).toBeUndefined();
        expect(client.AllowedOAuthFlowsUserPoolClient).not.toBe(true);
      });
    } else {
      it('creates no user pool', () => {
        const f = facts();
        expect(f.construct.userPool).toBeUndefined();
        expect(f.construct.userPoolClients).toBeUndefined();
      });
    }

    if (type === AGENTCORE) {
      it(`gives the AgentCore runtime ${c.auth === ChatAuthType.COGNITO || c.auth === ChatAuthType.OIDC ? 'a JWT authorizer for the same tokens, and the Authorization header' : 'IAM authorization (no authorizer configuration) and no extra header'}`, () => {
        const f = facts();
        const t = f.b.sim.template;
        const runtime = t.properties(logicalIdOf((f.construct.runtime as AgentCoreAgentRuntime).agentCoreAgent));
        const auth = authEnvironment(f.b, f.construct, c.auth);
        const discovery = (issuer: string) => `${issuer}/.well-known/openid-configuration`;
        if (c.auth === ChatAuthType.COGNITO || c.auth === ChatAuthType.OIDC) {
          expect(runtime.AuthorizerConfiguration).toEqual({
            CustomJWTAuthorizer: { DiscoveryUrl: discovery(auth.AUTH_ISSUER), AllowedClients: [auth.AUTH_CLIENT_IDS] },
          });
          expect(runtime.RequestHeaderConfiguration).toEqual({ RequestHeaderAllowlist: ['Authorization'] });
        } else {
          expect(runtime.AuthorizerConfiguration).toBeUndefined();
          expect(runtime.RequestHeaderConfiguration).toBeUndefined();
        }
      });
    }
  });

  it('every IAM action exists, "*" only where no resource type applies, service principals are real', async () => {
    await expectValidIam(build(type).template);
  });
});

describe('settings an InteractiveAgent keeps or derives', () => {
  it('adds Authorization to the headers the user allow-lists; the turn lasts at most an hour however long the runtime lives', () => {
    const stack = testStack();
    const agent = interactiveAgent(stack, 'Chat', AGENTCORE, {
      auth: chatAuth(ChatAuthType.OIDC),
      runtime: { type: AGENTCORE, config: { timeout: Duration.hours(2), requestHeaderConfiguration: { allowlistedHeaders: ['X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant', 'Authorization'] } } },
    });
    const template = synth(stack);
    const t = chatSimulator(stack, template).template;
    const runtime = t.properties(logicalIdOf((agent.runtime as AgentCoreAgentRuntime).agentCoreAgent));
    expect(runtime.RequestHeaderConfiguration).toEqual({ RequestHeaderAllowlist: ['X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant', 'Authorization'] });
    expect(runtime.LifecycleConfiguration).toMatchObject({ MaxLifetime: 7200 });
    expect((runtime.EnvironmentVariables as Record<string, string>).TURN_TIMEOUT_SECONDS).toBe('3600');
  });

  it('accepts OIDC audiences as the runtime\'s allowed audiences', () => {
    const stack = testStack();
    const agent = interactiveAgent(stack, 'Chat', AGENTCORE, {
      auth: ChatAuth.oidc({ issuer: 'https://issuer.example.com/tenant/', allowedAudiences: ['api://chat'] }),
    });
    const t = chatSimulator(stack).template;
    const runtime = t.properties(logicalIdOf((agent.runtime as AgentCoreAgentRuntime).agentCoreAgent));
    expect(runtime.AuthorizerConfiguration).toEqual({
      CustomJWTAuthorizer: { DiscoveryUrl: 'https://issuer.example.com/tenant/.well-known/openid-configuration', AllowedAudience: ['api://chat'] },
    });
    expect((runtime.EnvironmentVariables as Record<string, string>)).toMatchObject({
      AUTH_ISSUER: 'https://issuer.example.com/tenant/', AUTH_CLIENT_IDS: '', AUTH_AUDIENCES: 'api://chat',
    });
  });

  it('takes the user\'s own (imported) pool and clients: their issuer and ids, and no pool of its own', () => {
    const stack = testStack();
    const userPool = cognito.UserPool.fromUserPoolId(stack, 'Pool', 'us-east-1_AbCdEfGhI');
    const clients = [cognito.UserPoolClient.fromUserPoolClientId(stack, 'Web', '1example23456789'), cognito.UserPoolClient.fromUserPoolClientId(stack, 'Cli', '2example23456789')];
    const agent = interactiveAgent(stack, 'Chat', AGENTCORE, { auth: ChatAuth.cognito({ userPool, userPoolClients: clients }) });
    const template = synth(stack);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    const t = chatSimulator(stack, template).template;
    const runtime = t.properties(logicalIdOf((agent.runtime as AgentCoreAgentRuntime).agentCoreAgent));
    const issuer = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI';
    expect(runtime.AuthorizerConfiguration).toEqual({
      CustomJWTAuthorizer: { DiscoveryUrl: `${issuer}/.well-known/openid-configuration`, AllowedClients: ['1example23456789', '2example23456789'] },
    });
    expect(runtime.EnvironmentVariables).toMatchObject({ AUTH_ISSUER: issuer, AUTH_CLIENT_IDS: '1example23456789,2example23456789', AUTH_TOKEN_USE: 'access' });
    expect(agent.userPool).toBe(userPool);
  });

  // One ChatAuth given to two agents is one sign-in: the pool made for the first serves both (each
  // runtime's authorizer once named the pool bound last).
  it('one ChatAuth.cognito() shared by two AgentCore agents: both runtimes accept the one pool\'s tokens', () => {
    const stack = testStack();
    const auth = ChatAuth.cognito();
    const agents = [interactiveAgent(stack, 'First', AGENTCORE, { auth }), interactiveAgent(stack, 'Second', AGENTCORE, { auth })];
    const t = chatSimulator(stack).template;
    for (const agent of agents) {
      const runtime = t.properties(logicalIdOf((agent.runtime as AgentCoreAgentRuntime).agentCoreAgent));
      const issuer = (runtime.EnvironmentVariables as Record<string, string>).AUTH_ISSUER;
      expect(issuer).toBe(`https://cognito-idp.us-east-1.amazonaws.com/${t.resolveString({ Ref: logicalIdOf(agent.userPool!) })}`);
      expect(runtime.AuthorizerConfiguration, agent.node.id).toEqual({
        CustomJWTAuthorizer: { DiscoveryUrl: `${issuer}/.well-known/openid-configuration`, AllowedClients: [t.resolveString({ Ref: logicalIdOf(agent.userPoolClients![0]) })] },
      });
    }
  });
});
