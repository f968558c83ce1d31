import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuthConfig } from '../../agent/chat/auth-config.js';
import { AgentConfigError } from '../../agent/core/errors.js';
import { createJsonLogger } from '../../agent/core/logger.js';
import { createTokenAuthorizer, type TokenAuthorizerHandler } from '../../authorizer/handler.js';
import { stageWildcardOf } from '../../authorizer/policy.js';
import { startLocalIssuer, tamperPayload, unsignedToken, type LocalIssuer } from '../helpers/local-issuer.js';
import { thrownBy } from '../helpers/thrown.js';

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/POST/chat';
const STAGE_WILDCARD = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/*';

describe('stageWildcardOf', () => {
  it.each([
    [METHOD_ARN, STAGE_WILDCARD],
    ['arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/sessions/abc-123', STAGE_WILDCARD],
    ['arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/DELETE/sessions/abc', STAGE_WILDCARD],
    ['arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/', STAGE_WILDCARD],
    ['arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/v1_beta/GET/sessions', 'arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/v1_beta/*/*'],
  ])('%s → %s', (methodArn, wildcard) => {
    expect(stageWildcardOf(methodArn)).toBe(wildcard);
  });

  it.each(['', 'arn:aws:lambda:eu-west-1:123456789012:function:x', 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod', 'arn:aws:execute-api:eu-west-1:1234:a1b2c3d4e5/prod/GET/x'])(
    'is undefined for %j',
    (methodArn) => {
      expect(stageWildcardOf(methodArn)).toBeUndefined();
    },
  );
});

describe('token authorizer (sources)', () => {
  let issuer: LocalIssuer;
  let handler: TokenAuthorizerHandler;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    issuer = await startLocalIssuer({ path: '/eu-west-1_Local' });
    handler = createTokenAuthorizer({
      config: readAuthConfig(issuer.authEnv('COGNITO')),
      logger: createJsonLogger({ write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>) }),
    });
  });
  afterAll(() => issuer.close());

  async function refusal(authorizationToken: string | undefined, methodArn = METHOD_ARN): Promise<Record<string, unknown>> {
    lines.length = 0;
    const error = await handler({ type: 'TOKEN', authorizationToken, methodArn }, { awsRequestId: 'req-1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('Unauthorized');
    expect(lines).toHaveLength(1);
    return lines[0]!;
  }

  it('allows the whole stage for a good token, with principalId = sub and context {sub, iss}; logs one line without the token', async () => {
    lines.length = 0;
    const token = await issuer.mint({ sub: 'alice' });
    const result = await handler({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN }, { awsRequestId: 'req-1' });
    expect(result).toEqual({
      principalId: 'alice',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE_WILDCARD }] },
      context: { sub: 'alice', iss: issuer.url },
    });
    expect(lines).toEqual([expect.objectContaining({ level: 'info', message: 'authorized', sub: 'alice', requestId: 'req-1', methodArn: METHOD_ARN })]);
    expect(JSON.stringify(lines)).not.toContain(token.split('.')[2]);
  });

  it.each([
    ['no header', () => Promise.resolve(undefined), 'missing Authorization header'],
    ['an expired token', async () => `Bearer ${await issuer.mint({ exp: Math.floor(Date.now() / 1000) - 60 })}`, 'token expired'],
    ['an ID token', async () => `Bearer ${await issuer.mint({ tokenUse: 'id' })}`, 'token_use is "id", expected "access"'],
    ['another client', async () => `Bearer ${await issuer.mint({ clientId: 'other' })}`, 'token client is not accepted'],
    ['a tampered token', async () => `Bearer ${tamperPayload(await issuer.mint({ sub: 'alice' }), { sub: 'bob' })}`, 'token signature is invalid'],
    ['alg none', () => Promise.resolve(`Bearer ${unsignedToken({ iss: issuer.url, sub: 'x', client_id: 'local-client', token_use: 'access' })}`), 'token algorithm "none" is not accepted'],
  ])('refuses %s with exactly Error("Unauthorized"), logging the reason, not the token', async (_, header, reason) => {
    const authorizationToken = await header();
    const line = await refusal(authorizationToken);
    expect(line).toMatchObject({ level: 'warn', message: 'unauthorized', reason, requestId: 'req-1' });
    const signature = authorizationToken?.split('.')[2];
    if (signature) expect(JSON.stringify(line)).not.toContain(signature);
  });

  it('refuses a good token on an event whose methodArn is not an API method', async () => {
    const line = await refusal(`Bearer ${await issuer.mint()}`, 'arn:aws:lambda:eu-west-1:123456789012:function:x');
    expect(line).toMatchObject({ reason: 'methodArn is not an execute-api method ARN' });
  });

  it('logs why the key set could not be read when the issuer is down', async () => {
    const down = await startLocalIssuer();
    const env = down.authEnv('COGNITO');
    await down.close();
    const logged: Array<Record<string, unknown>> = [];
    const offline = createTokenAuthorizer({
      config: readAuthConfig(env),
      logger: createJsonLogger({ write: (line) => void logged.push(JSON.parse(line) as Record<string, unknown>) }),
    });
    await expect(offline({ authorizationToken: `Bearer ${await issuer.mint({ iss: env.AUTH_ISSUER })}`, methodArn: METHOD_ARN })).rejects.toThrow(/^Unauthorized$/);
    expect(logged).toEqual([expect.objectContaining({ reason: 'signing keys unavailable', cause: 'TypeError (ECONNREFUSED)' })]);
  });

  it('refuses to start for IAM or NONE: they carry no bearer token', () => {
    expect(thrownBy(() => createTokenAuthorizer({ config: { mode: 'IAM' } }))).toBeInstanceOf(AgentConfigError);
    expect(thrownBy(() => createTokenAuthorizer({ config: { mode: 'NONE' } }))).toMatchObject({ variable: 'AUTH_MODE' });
  });
});
