/**
 * Bad InteractiveAgent input as plain JavaScript (and so every jsii language) can pass it: each
 * case a typed InvalidRuntimeConfigError (thrown.ts's `refusal`) whose `field` is the offending
 * field and whose message names the value given and what is allowed (after the fixed prefix). The
 * values at the edges of each range are accepted, so the checks cannot pass by refusing everything.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { describe, expect, it } from 'vitest';
import { AgentRuntimeType, ChatAuth, CognitoChatAuthOptions, InteractiveAgent, InteractiveAgentProps, OidcChatAuthOptions } from '../../../src';
import { testStack } from '../../helpers/test-app';
import { refusal } from '../../helpers/thrown';
import { wrong } from '../../validation/helpers';
import { RUNTIME_TYPES } from '../helpers';
import { interactiveAgent } from './helpers';

const { LAMBDA, AGENTCORE } = AgentRuntimeType;
/** `Invalid runtime configuration for X: ` says nothing about the input. */
const FIXED_PREFIX = /^Invalid runtime configuration for [A-Z]+: /;

interface Expected {
  /** `error.field`, exactly. */
  readonly field: string;
  /** The value given, as the message shows it. */
  readonly value: RegExp;
  /** What is allowed instead. */
  readonly allowed: RegExp;
}

function expectRefusal(create: () => unknown, expected: Expected): void {
  const error = refusal(create);
  expect(error.field).toBe(expected.field);
  const details = error.message.replace(FIXED_PREFIX, '');
  expect(details, 'the message names the value given').toMatch(expected.value);
  expect(details, 'the message says what is allowed').toMatch(expected.allowed);
}

let ids = 0;
let shared: Stack | undefined;
/** One stack for every case (no synth): an agent that is refused may stay in the tree, so each gets a new id. */
function agent(type: AgentRuntimeType, props: Record<string, unknown>): InteractiveAgent {
  shared ??= testStack();
  return interactiveAgent(shared, `Chat${ids++}`, type, wrong<Partial<InteractiveAgentProps>>(props));
}

const withCors = (allowedOrigins: unknown) => ({ cors: { allowedOrigins } });
const ORIGIN_ALLOWED = /origin 'https:\/\/host\[:port\]'.*lower case.*without a path, a trailing slash or '\*'/;
const OWNED = ['INVOKE_TYPE', 'SESSION_BUCKET', 'SESSION_TABLE', 'SESSION_TTL_SECONDS', 'CONVERSATION_WINDOW', 'TURN_TIMEOUT_SECONDS',
  'AUTH_MODE', 'AUTH_ISSUER', 'AUTH_JWKS_URL', 'AUTH_CLIENT_IDS', 'AUTH_AUDIENCES', 'AUTH_TOKEN_USE', 'CORS_ALLOWED_ORIGINS'];

describe.each(RUNTIME_TYPES)('InteractiveAgent props from plain JavaScript on %s', (type) => {
  const cases: Array<[string, Record<string, unknown>, Expected]> = [
    ['auth is a string', { auth: 'cognito' }, { field: 'auth', value: /"cognito"/, allowed: /ChatAuth\.cognito\(\)/ }],
    ['auth is an object shaped like a ChatAuth', { auth: { authType: 'IAM' } }, { field: 'auth', value: /an object \{"authType":"IAM"\}/, allowed: /a ChatAuth/ }],
    ['cors is an origin string', { cors: 'https://chat.example.com' }, { field: 'cors', value: /"https:\/\/chat\.example\.com"/, allowed: /ChatCorsOptions \{allowedOrigins/ }],
    ['cors has no allowedOrigins', { cors: {} }, { field: 'cors.allowedOrigins', value: /undefined/, allowed: /non-empty array of origins/ }],
    ['cors.allowedOrigins is empty', withCors([]), { field: 'cors.allowedOrigins', value: /an array \[\]/, allowed: /non-empty array.*leave cors unset/ }],
    ['cors.allowedOrigins is one string', withCors('https://chat.example.com'), { field: 'cors.allowedOrigins', value: /"https:\/\/chat\.example\.com"/, allowed: /non-empty array/ }],
    ['cors.allowedOrigins holds *', withCors(['*']), { field: 'cors.allowedOrigins', value: /\[0\] is "\*"/, allowed: ORIGIN_ALLOWED }],
    ['an origin with a trailing slash', withCors(['https://chat.example.com/']), { field: 'cors.allowedOrigins', value: /"https:\/\/chat\.example\.com\/"/, allowed: ORIGIN_ALLOWED }],
    ['an http origin other than this machine', withCors(['https://chat.example.com', 'http://chat.example.com']), { field: 'cors.allowedOrigins', value: /\[1\] is "http:\/\/chat\.example\.com"/, allowed: /http:\/\/localhost/ }],
    ['an origin with a path', withCors(['https://example.com/chat']), { field: 'cors.allowedOrigins', value: /"https:\/\/example\.com\/chat"/, allowed: ORIGIN_ALLOWED }],
    ['an origin in upper case', withCors(['https://Chat.example.com']), { field: 'cors.allowedOrigins', value: /"https:\/\/Chat\.example\.com"/, allowed: /lower case/ }],
    ['an origin that is a number', withCors([443]), { field: 'cors.allowedOrigins', value: /number 443/, allowed: ORIGIN_ALLOWED }],
    ['sessionTtl is a number of days', { sessionTtl: 30 }, { field: 'sessionTtl', value: /number 30/, allowed: /a Duration/ }],
    ['sessionTtl is under a day', { sessionTtl: Duration.hours(12) }, { field: 'sessionTtl', value: /12 hours/, allowed: /from 1 day to 3650 days/ }],
    ['sessionTtl is over ten years', { sessionTtl: Duration.days(3651) }, { field: 'sessionTtl', value: /3651 days/, allowed: /to 3650 days/ }],
    ['sessionTtl is not whole days', { sessionTtl: Duration.hours(36) }, { field: 'sessionTtl', value: /1 day 12 hours|36 hours/, allowed: /whole number of days/ }],
    ['conversationWindow is a fraction', { conversationWindow: 2.5 }, { field: 'conversationWindow', value: /2\.5/, allowed: /integer from 2 to 1000/ }],
    ['conversationWindow is 1', { conversationWindow: 1 }, { field: 'conversationWindow', value: /\b1\b/, allowed: /integer from 2 to 1000/ }],
    ['conversationWindow is 1001', { conversationWindow: 1001 }, { field: 'conversationWindow', value: /1001/, allowed: /integer from 2 to 1000/ }],
    ['conversationWindow is NaN', { conversationWindow: Number.NaN }, { field: 'conversationWindow', value: /NaN/, allowed: /integer from 2 to 1000/ }],
    ['conversationWindow is a string', { conversationWindow: '40' }, { field: 'conversationWindow', value: /"40"/, allowed: /a number/ }],
    ['runtime.config.authorizer is set', { runtime: { type, config: { authorizer: {} } } }, { field: 'runtime.config.authorizer', value: /is set/, allowed: /leave it unset and set auth/ }],
    ...OWNED.map((key): [string, Record<string, unknown>, Expected] => [
      `environment sets ${key}`, { environment: { [key]: 'x' } }, { field: `environment.${key}`, value: new RegExp(`environment\\.${key} is "x"`), allowed: /set by the library from/ },
    ]),
  ];
  it.each(cases)('%s', (_name, props, expected) => expectRefusal(() => agent(type, props), expected));

  it('accepts the edges: 1 and 3650 days, 48 hours, windows of 2 and 1000, origins with ports and on this machine', () => {
    for (const props of [
      { sessionTtl: Duration.days(1), conversationWindow: 2 },
      { sessionTtl: Duration.days(3650), conversationWindow: 1000 },
      { sessionTtl: Duration.hours(48) },
      withCors(['https://chat.example.com:8443', 'http://localhost:3000', 'http://127.0.0.1:8080', 'https://xn--bcher-kva.example']),
      { environment: { HEARTBEAT_SECONDS: '5' } },
    ]) {
      expect(agent(type, props)).toBeInstanceOf(InteractiveAgent);
    }
  });
});

describe('ChatAuth options from plain JavaScript', () => {
  const oidc = (options: unknown) => () => ChatAuth.oidc(wrong<OidcChatAuthOptions>(options));
  const cognitoAuth = (options: (stack: Stack) => unknown) => () => ChatAuth.cognito(wrong<CognitoChatAuthOptions>(options(testStack())));
  const pool = (stack: Stack) => cognito.UserPool.fromUserPoolId(stack, 'Pool', 'us-east-1_AbCdEfGhI');
  const client = (stack: Stack, id = 'Client') => cognito.UserPoolClient.fromUserPoolClientId(stack, id, '1example23456789');

  const cases: Array<[string, () => unknown, Expected]> = [
    ['ChatAuth.oidc without options', oidc(undefined), { field: 'ChatAuth.oidc options', value: /undefined/, allowed: /OidcChatAuthOptions \{issuer/ }],
    ['ChatAuth.oidc without allowedClients or allowedAudiences', oidc({ issuer: 'https://login.example.com' }), { field: 'auth.allowedClients', value: /neither allowedClients nor allowedAudiences/, allowed: /at least one client id or audience/ }],
    ['ChatAuth.oidc with empty lists', oidc({ issuer: 'https://login.example.com', allowedClients: [], allowedAudiences: [] }), { field: 'auth.allowedClients', value: /neither/, allowed: /at least one/ }],
    ['ChatAuth.oidc with an http issuer', oidc({ issuer: 'http://login.example.com', allowedClients: ['web'] }), { field: 'auth.issuer', value: /"http:\/\/login\.example\.com"/, allowed: /an https URL/ }],
    ['ChatAuth.oidc with an issuer with a query', oidc({ issuer: 'https://login.example.com/?tenant=1', allowedClients: ['web'] }), { field: 'auth.issuer', value: /tenant=1/, allowed: /an https URL/ }],
    ['ChatAuth.oidc with an issuer that is not a string', oidc({ issuer: 42, allowedClients: ['web'] }), { field: 'ChatAuth.oidc issuer', value: /number 42/, allowed: /a string/ }],
    ['ChatAuth.oidc with allowedClients a string', oidc({ issuer: 'https://login.example.com', allowedClients: 'web' }), { field: 'ChatAuth.oidc allowedClients', value: /"web"/, allowed: /an array of strings/ }],
    ['ChatAuth.oidc with an audience that is a number', oidc({ issuer: 'https://login.example.com', allowedAudiences: [7] }), { field: 'ChatAuth.oidc allowedAudiences[0]', value: /number 7/, allowed: /a string/ }],
    ['ChatAuth.cognito with a pool but no clients', cognitoAuth((s) => ({ userPool: pool(s) })), { field: 'auth.userPoolClients', value: /a userPool but no userPoolClients/, allowed: /app clients.*at least one/ }],
    ['ChatAuth.cognito with a pool and an empty client list', cognitoAuth((s) => ({ userPool: pool(s), userPoolClients: [] })), { field: 'auth.userPoolClients', value: /no userPoolClients/, allowed: /at least one/ }],
    ['ChatAuth.cognito with a pool id for a pool', cognitoAuth(() => ({ userPool: 'us-east-1_AbCdEfGhI' })), { field: 'auth.userPool', value: /"us-east-1_AbCdEfGhI"/, allowed: /cognito\.IUserPool/ }],
    ['ChatAuth.cognito with client ids for clients', cognitoAuth((s) => ({ userPool: pool(s), userPoolClients: ['1example23456789'] })), { field: 'auth.userPoolClients', value: /"1example23456789"/, allowed: /cognito\.IUserPoolClient/ }],
    ['ChatAuth.cognito with options a string', () => ChatAuth.cognito(wrong<CognitoChatAuthOptions>('us-east-1_AbCdEfGhI')), { field: 'ChatAuth.cognito options', value: /"us-east-1_AbCdEfGhI"/, allowed: /CognitoChatAuthOptions/ }],
  ];
  it.each(cases)('%s', (_name, create, expected) => expectRefusal(create, expected));

  it('accepts an OIDC issuer with a path and only audiences, and an imported pool with its clients', () => {
    expect(ChatAuth.oidc({ issuer: 'https://login.example.com/tenant/v2.0', allowedAudiences: ['api://chat'] })).toBeInstanceOf(ChatAuth);
    const stack = testStack();
    expect(ChatAuth.cognito({ userPool: pool(stack), userPoolClients: [client(stack)] })).toBeInstanceOf(ChatAuth);
  });

  // Clients without their pool: the agent would make a pool of its own and accept those clients'
  // ids with its issuer, so no token would ever verify.
  it('ChatAuth.cognito with userPoolClients but no userPool is refused', () => {
    expectRefusal(cognitoAuth((s) => ({ userPoolClients: [client(s)] })), { field: 'auth.userPool', value: /userPoolClients but no userPool/, allowed: /the pool of those clients/ });
  });

  it('an AGENTCORE runtime names its type in the error; the field is the same', () => {
    const stack = testStack();
    const error = refusal(() => interactiveAgent(stack, 'Chat', AGENTCORE, wrong<Partial<InteractiveAgentProps>>({ conversationWindow: 0 })));
    expect(error.message).toMatch(/^Invalid runtime configuration for AGENTCORE: conversationWindow is 0/);
    expect(refusal(() => interactiveAgent(stack, 'Chat2', LAMBDA, wrong<Partial<InteractiveAgentProps>>({ conversationWindow: 0 }))).message)
      .toMatch(/^Invalid runtime configuration for LAMBDA: /);
  });
});
