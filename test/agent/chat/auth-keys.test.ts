// How the verifier gets the issuer's keys: cached, bounded when the issuer hangs or is down,
// recovered when it is back, rotated keys picked up, OIDC discovery of jwks_uri.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier, type TokenVerifier } from '../../../agent/chat/auth.js';
import { readAuthConfig } from '../../../agent/chat/auth-config.js';
import { startLocalIssuer, type LocalIssuer } from '../../helpers/local-issuer.js';

const FETCH_TIMEOUT_MS = 300;

/** The reason `verify` refuses `header` for, and how long it took. */
async function timedRejection(verifier: TokenVerifier, header: string): Promise<{ reason: string; ms: number }> {
  const started = performance.now();
  const error = await verifier.verify(header).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return { reason: (error as Error).message, ms: performance.now() - started };
}

describe('token verifier: the key set', () => {
  let issuer: LocalIssuer;

  beforeAll(async () => {
    issuer = await startLocalIssuer();
  });
  afterEach(() => {
    issuer.setOutage(undefined);
    vi.useRealTimers();
  });
  afterAll(() => issuer.close());

  const cognito = (): TokenVerifier => createTokenVerifier(readAuthConfig(issuer.authEnv('COGNITO')), { fetchTimeoutMs: FETCH_TIMEOUT_MS });
  const bearer = async (options?: Parameters<LocalIssuer['mint']>[0]): Promise<string> => `Bearer ${await issuer.mint(options)}`;

  it('fetches the key set once and verifies later tokens from the cache, even while the issuer is down', async () => {
    const verifier = cognito();
    const before = issuer.requests.jwks;
    await verifier.verify(await bearer({ sub: 'a' }));
    issuer.setOutage('refuse');
    await verifier.verify(await bearer({ sub: 'b' }));
    await verifier.verify(await bearer({ sub: 'c', alg: 'ES256' }));
    expect(issuer.requests.jwks - before).toBe(1);
  });

  it.each([
    ['hangs', 'hang', `signing keys unavailable: no answer within ${FETCH_TIMEOUT_MS} ms`],
    ['drops the connection', 'refuse', 'signing keys unavailable'],
    ['answers 503', 'error', 'signing keys unavailable'],
  ] as const)('when the key set URL %s: refused within the fetch timeout, then accepted once it is back', async (_, outage, reason) => {
    const verifier = cognito();
    issuer.setOutage(outage);
    const refused = await timedRejection(verifier, await bearer());
    expect(refused.reason).toBe(reason);
    expect(refused.ms).toBeLessThan(FETCH_TIMEOUT_MS + 700);
    if (outage === 'hang') expect(refused.ms).toBeGreaterThanOrEqual(FETCH_TIMEOUT_MS - 20);
    issuer.setOutage(undefined);
    await expect(verifier.verify(await bearer({ sub: 'back' }))).resolves.toMatchObject({ subject: 'back' });
  });

  it('picks up a rotated key: refetched when a token names a new kid (at most every 30 s), old tokens still accepted', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const verifier = cognito();
    const oldToken = await bearer({ sub: 'old' });
    await verifier.verify(oldToken);
    const fetched = issuer.requests.jwks;

    const newKid = await issuer.keys.rotate('RS256');
    const newToken = await bearer({ sub: 'new' });
    expect(JSON.parse(Buffer.from(newToken.split('.')[0]!.slice(7), 'base64url').toString()).kid).toBe(newKid);
    // Within jose's 30 s cooldown an unknown kid does not refetch: a flood of made-up kids costs one fetch per 30 s.
    expect((await timedRejection(verifier, newToken)).reason).toBe('token signing key is unknown');
    expect(issuer.requests.jwks).toBe(fetched);

    vi.setSystemTime(Date.now() + 31_000);
    await expect(verifier.verify(newToken)).resolves.toMatchObject({ subject: 'new' });
    expect(issuer.requests.jwks).toBe(fetched + 1);
    await expect(verifier.verify(oldToken)).resolves.toMatchObject({ subject: 'old' });
  });

  it('drops a retired key once the cached key set is older than 10 minutes', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const verifier = cognito();
    const oldToken = await bearer({ sub: 'old' });
    await verifier.verify(oldToken);
    await issuer.keys.rotate('RS256', { retire: true });
    await expect(verifier.verify(oldToken)).resolves.toMatchObject({ subject: 'old' });
    vi.setSystemTime(Date.now() + 10 * 60_000 + 1_000);
    expect((await timedRejection(verifier, oldToken)).reason).toBe('token signing key is unknown');
    await expect(verifier.verify(await bearer({ sub: 'new' }))).resolves.toMatchObject({ subject: 'new' });
  });

  it('uses AUTH_JWKS_URL when set instead of the issuer path', async () => {
    const elsewhere = await startLocalIssuer();
    try {
      const env = { ...issuer.authEnv('COGNITO'), AUTH_JWKS_URL: elsewhere.jwksUrl };
      const verifier = createTokenVerifier(readAuthConfig(env), { fetchTimeoutMs: FETCH_TIMEOUT_MS });
      // Keys from `elsewhere`, issuer claim of `issuer`: only AUTH_JWKS_URL can have verified it.
      await expect(verifier.verify(`Bearer ${await elsewhere.mint({ iss: issuer.url, sub: 'x' })}`)).resolves.toMatchObject({ subject: 'x' });
      expect(elsewhere.requests.jwks).toBe(1);
      expect((await timedRejection(verifier, await bearer())).reason).toBe('token signing key is unknown');
    } finally {
      await elsewhere.close();
    }
  });
});

describe('token verifier: OIDC', () => {
  let issuer: LocalIssuer;

  beforeAll(async () => {
    issuer = await startLocalIssuer({ path: '/realms/chat', clientId: 'spa' });
  });
  afterEach(() => issuer.setOutage(undefined));
  afterAll(() => issuer.close());

  const oidc = (env: Record<string, string>): TokenVerifier =>
    createTokenVerifier(readAuthConfig({ AUTH_MODE: 'OIDC', AUTH_ISSUER: issuer.url, ...env }), { fetchTimeoutMs: FETCH_TIMEOUT_MS });
  const bearer = async (options?: Parameters<LocalIssuer['mint']>[0]): Promise<string> =>
    `Bearer ${await issuer.mint({ clientId: null, tokenUse: null, ...options })}`;

  it('accepts a token by audience, finding the key set through discovery once', async () => {
    const verifier = oidc({ AUTH_AUDIENCES: 'api://chat' });
    const before = { ...issuer.requests };
    await expect(verifier.verify(await bearer({ aud: ['api://other', 'api://chat'], sub: 'u1' }))).resolves.toMatchObject({ subject: 'u1', issuer: issuer.url });
    await expect(verifier.verify(await bearer({ aud: 'api://chat', sub: 'u2', alg: 'ES256' }))).resolves.toMatchObject({ subject: 'u2' });
    expect(issuer.requests.discovery - before.discovery).toBe(1);
    expect(issuer.requests.jwks - before.jwks).toBe(1);
    expect((await timedRejection(verifier, await bearer({ aud: 'api://other' }))).reason).toBe('token audience or client is not accepted');
    expect((await timedRejection(verifier, await bearer({ clientId: 'spa' }))).reason).toBe('token audience or client is not accepted');
  });

  it('accepts a token by client (client_id or azp)', async () => {
    const verifier = oidc({ AUTH_CLIENT_IDS: 'spa' });
    await expect(verifier.verify(await bearer({ clientId: 'spa', sub: 'c' }))).resolves.toMatchObject({ subject: 'c' });
    await expect(verifier.verify(await bearer({ azp: 'spa', aud: 'account', sub: 'z' }))).resolves.toMatchObject({ subject: 'z' });
    expect((await timedRejection(verifier, await bearer({ azp: 'other', aud: 'spa' }))).reason).toBe('token audience or client is not accepted');
  });

  it('checks token_use when AUTH_TOKEN_USE is set', async () => {
    const verifier = oidc({ AUTH_AUDIENCES: 'api://chat', AUTH_TOKEN_USE: 'access' });
    await expect(verifier.verify(await bearer({ aud: 'api://chat', tokenUse: 'access' }))).resolves.toMatchObject({ subject: 'local-user' });
    expect((await timedRejection(verifier, await bearer({ aud: 'api://chat' }))).reason).toBe('token has no token_use claim, expected "access"');
  });

  it('bounds discovery: refused within the timeout while it hangs, then recovers', async () => {
    const verifier = oidc({ AUTH_AUDIENCES: 'api://chat' });
    issuer.setOutage('hang');
    const refused = await timedRejection(verifier, await bearer({ aud: 'api://chat' }));
    expect(refused.reason).toBe(`issuer discovery: no answer within ${FETCH_TIMEOUT_MS} ms`);
    expect(refused.ms).toBeLessThan(FETCH_TIMEOUT_MS + 700);
    issuer.setOutage('error');
    expect((await timedRejection(verifier, await bearer({ aud: 'api://chat' }))).reason).toBe('issuer discovery answered HTTP 503');
    issuer.setOutage(undefined);
    await expect(verifier.verify(await bearer({ aud: 'api://chat', sub: 'later' }))).resolves.toMatchObject({ subject: 'later' });
  });

  it('refuses a discovery document that names another issuer', async () => {
    // AUTH_ISSUER with a trailing slash is another issuer than the document's (and the tokens').
    const verifier = createTokenVerifier(readAuthConfig({ AUTH_MODE: 'OIDC', AUTH_ISSUER: `${issuer.url}/`, AUTH_AUDIENCES: 'api://chat' }), {
      fetchTimeoutMs: FETCH_TIMEOUT_MS,
    });
    expect((await timedRejection(verifier, await bearer({ aud: 'api://chat', iss: `${issuer.url}/` }))).reason).toBe('issuer discovery names another issuer');
  });
});
