// Who the caller is on each front door: the REST API's event (authorizer context or SigV4
// principal) and AgentCore's headers (a verified bearer token or the runtime user id).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANONYMOUS_CALLER,
  callerFromAgentCoreHeaders,
  callerFromApiGatewayEvent,
  createTokenVerifier,
  UnauthorizedError,
  userKeyOf,
  type TokenVerifier,
} from '../../../agent/chat/auth.js';
import { readAuthConfig, type AuthConfig } from '../../../agent/chat/auth-config.js';
import { startLocalIssuer, type LocalIssuer } from '../../helpers/local-issuer.js';
import { thrownBy } from '../../helpers/thrown.js';

const COGNITO_ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
const COGNITO: AuthConfig = { mode: 'COGNITO', issuer: COGNITO_ISSUER, clientIds: ['web'], audiences: [], tokenUse: 'access' };
const IAM: AuthConfig = { mode: 'IAM' };
const NONE: AuthConfig = { mode: 'NONE' };
const ROLE_ARN = 'arn:aws:sts::123456789012:assumed-role/ChatUser/alice';

function refusalOf(call: () => unknown): string {
  const error = thrownBy(call);
  expect(error).toBeInstanceOf(UnauthorizedError);
  return (error as Error).message;
}

async function asyncRefusalOf(call: () => Promise<unknown>): Promise<string> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnauthorizedError);
  return (error as Error).message;
}

describe('userKeyOf', () => {
  it('is the first 32 hex characters of sha256(issuer + "\\n" + subject)', () => {
    expect(userKeyOf(COGNITO_ISSUER, 'alice')).toBe('1ed9926cc0f643c72531f92634b929dd');
    expect(ANONYMOUS_CALLER).toEqual({ issuer: 'none', subject: 'anonymous', userKey: '8b396bdbb5b18f6744a996ebc0ac4294' });
  });

  it('tells apart the same subject at two issuers', () => {
    expect(userKeyOf('https://a.example.com', 'alice')).not.toBe(userKeyOf('https://b.example.com', 'alice'));
    expect(userKeyOf('aws-iam', ROLE_ARN)).not.toBe(userKeyOf('none', ROLE_ARN));
  });
});

describe('callerFromApiGatewayEvent', () => {
  it('JWT modes: the sub and iss our token authorizer put in the request context', () => {
    const event = { requestContext: { authorizer: { principalId: 'alice', sub: 'alice', iss: COGNITO_ISSUER, integrationLatency: 12 } } };
    expect(callerFromApiGatewayEvent(event, COGNITO)).toEqual({ issuer: COGNITO_ISSUER, subject: 'alice', userKey: userKeyOf(COGNITO_ISSUER, 'alice') });
  });

  it('JWT modes: refuses a request without that context, or from an authorizer of another issuer', () => {
    expect(refusalOf(() => callerFromApiGatewayEvent({}, COGNITO))).toBe('no authorizer context on the request');
    expect(refusalOf(() => callerFromApiGatewayEvent({ requestContext: { authorizer: null } }, COGNITO))).toBe('no authorizer context on the request');
    expect(refusalOf(() => callerFromApiGatewayEvent({ requestContext: { authorizer: { principalId: 'alice' } } }, COGNITO))).toBe(
      'no authorizer context on the request',
    );
    expect(refusalOf(() => callerFromApiGatewayEvent({ requestContext: { authorizer: { sub: '', iss: COGNITO_ISSUER } } }, COGNITO))).toBe(
      'no authorizer context on the request',
    );
    expect(
      refusalOf(() => callerFromApiGatewayEvent({ requestContext: { authorizer: { sub: 'alice', iss: 'https://other.example.com' } } }, COGNITO)),
    ).toBe('authorizer issuer is not AUTH_ISSUER');
  });

  it('IAM: the SigV4 principal API Gateway authenticated', () => {
    expect(callerFromApiGatewayEvent({ requestContext: { identity: { userArn: ROLE_ARN } } }, IAM)).toEqual({
      issuer: 'aws-iam',
      subject: ROLE_ARN,
      userKey: userKeyOf('aws-iam', ROLE_ARN),
    });
    expect(refusalOf(() => callerFromApiGatewayEvent({ requestContext: { identity: { userArn: null } } }, IAM))).toBe('no IAM caller on the request');
    // An authorizer context is not an IAM identity.
    expect(refusalOf(() => callerFromApiGatewayEvent({ requestContext: { authorizer: { sub: 'x', iss: 'aws-iam' } } }, IAM))).toBe(
      'no IAM caller on the request',
    );
  });

  it('IAM with Cognito identity pool credentials: the identity id names the user, since every user shares the role ARN', async () => {
    // What API Gateway reports for identity pool credentials: one assumed-role ARN for every user.
    const poolArn = 'arn:aws:sts::123456789012:assumed-role/ChatAuthRole/CognitoIdentityCredentials';
    const alice = { requestContext: { identity: { userArn: poolArn, cognitoIdentityId: 'us-east-1:0a1b2c3d-0000-4000-8000-00000000a11c' } } };
    const bob = { requestContext: { identity: { userArn: poolArn, cognitoIdentityId: 'us-east-1:0a1b2c3d-0000-4000-8000-000000000b0b' } } };

    const [a, b] = [callerFromApiGatewayEvent(alice, IAM), callerFromApiGatewayEvent(bob, IAM)];
    expect(a).toEqual({ issuer: 'aws-iam', subject: alice.requestContext.identity.cognitoIdentityId, userKey: userKeyOf('aws-iam', alice.requestContext.identity.cognitoIdentityId) });
    expect(b.userKey).not.toBe(a.userKey);
    // The chat proxy passes that subject as runtimeUserId: the agent on AgentCore names the same user.
    const onAgentCore = await callerFromAgentCoreHeaders({ 'x-amzn-bedrock-agentcore-runtime-user-id': a.subject }, createTokenVerifier(IAM), IAM);
    expect(onAgentCore).toEqual(a);
    // Without an identity id (a role or user signing itself) the ARN stays the subject.
    expect(callerFromApiGatewayEvent({ requestContext: { identity: { userArn: ROLE_ARN, cognitoIdentityId: null } } }, IAM).subject).toBe(ROLE_ARN);
    expect(callerFromApiGatewayEvent({ requestContext: { identity: { userArn: ROLE_ARN, cognitoIdentityId: '' } } }, IAM).subject).toBe(ROLE_ARN);
  });

  it('NONE: everyone is the anonymous user, whatever the request says', () => {
    expect(callerFromApiGatewayEvent({ requestContext: { identity: { userArn: ROLE_ARN }, authorizer: { sub: 'x', iss: 'y' } } }, NONE)).toEqual(
      ANONYMOUS_CALLER,
    );
  });
});

describe('callerFromAgentCoreHeaders', () => {
  let issuer: LocalIssuer;
  let config: AuthConfig;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    issuer = await startLocalIssuer();
    config = readAuthConfig(issuer.authEnv('COGNITO'));
    verifier = createTokenVerifier(config, { fetchTimeoutMs: 1_000 });
  });
  afterAll(() => issuer.close());

  it('JWT modes: verifies the Authorization header, whatever its casing', async () => {
    const token = await issuer.mint({ sub: 'alice' });
    await expect(callerFromAgentCoreHeaders({ authorization: `Bearer ${token}` }, verifier, config)).resolves.toEqual({
      issuer: issuer.url,
      subject: 'alice',
      userKey: userKeyOf(issuer.url, 'alice'),
    });
    await expect(callerFromAgentCoreHeaders({ Authorization: `Bearer ${token}` }, verifier, config)).resolves.toMatchObject({ subject: 'alice' });
  });

  it('JWT modes: the runtime user id header is no identity; a missing, repeated or bad token is refused', async () => {
    const headers = { 'x-amzn-bedrock-agentcore-runtime-user-id': ROLE_ARN };
    expect(await asyncRefusalOf(() => callerFromAgentCoreHeaders(headers, verifier, config))).toBe('missing Authorization header');
    const token = await issuer.mint();
    expect(await asyncRefusalOf(() => callerFromAgentCoreHeaders({ authorization: [`Bearer ${token}`, `Bearer ${token}`] }, verifier, config))).toBe(
      'missing Authorization header',
    );
    const otherClient = await issuer.mint({ clientId: 'other' });
    expect(await asyncRefusalOf(() => callerFromAgentCoreHeaders({ authorization: `Bearer ${otherClient}` }, verifier, config))).toBe(
      'token client is not accepted',
    );
  });

  it('IAM: the runtime user id AgentCore sets; a bearer token is not accepted instead', async () => {
    const iamVerifier = createTokenVerifier(IAM);
    await expect(callerFromAgentCoreHeaders({ 'x-amzn-bedrock-agentcore-runtime-user-id': ROLE_ARN }, iamVerifier, IAM)).resolves.toEqual({
      issuer: 'aws-iam',
      subject: ROLE_ARN,
      userKey: userKeyOf('aws-iam', ROLE_ARN),
    });
    await expect(callerFromAgentCoreHeaders({ 'X-Amzn-Bedrock-AgentCore-Runtime-User-Id': ROLE_ARN }, iamVerifier, IAM)).resolves.toMatchObject({
      subject: ROLE_ARN,
    });
    const token = await issuer.mint();
    expect(await asyncRefusalOf(() => callerFromAgentCoreHeaders({ authorization: `Bearer ${token}` }, iamVerifier, IAM))).toBe(
      'no x-amzn-bedrock-agentcore-runtime-user-id header',
    );
    expect(await asyncRefusalOf(() => iamVerifier.verify(`Bearer ${token}`))).toBe('bearer tokens are not accepted when AUTH_MODE is IAM');
  });

  it('NONE: the anonymous user, with or without headers', async () => {
    await expect(callerFromAgentCoreHeaders({}, createTokenVerifier(NONE), NONE)).resolves.toEqual(ANONYMOUS_CALLER);
  });
});
