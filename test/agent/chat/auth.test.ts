import { exportSPKI, importJWK, jwtVerify, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, UnauthorizedError, userKeyOf, type TokenVerifier } from '../../../agent/chat/auth.js';
import { readAuthConfig } from '../../../agent/chat/auth-config.js';
import { startLocalIssuer, tamperPayload, tamperSignature, unsignedToken, type LocalIssuer } from '../../helpers/local-issuer.js';

const now = (): number => Math.floor(Date.now() / 1000);

describe('createTokenVerifier (COGNITO, real tokens from a local issuer)', () => {
  let issuer: LocalIssuer;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    issuer = await startLocalIssuer({ path: '/eu-west-1_Local' });
    verifier = createTokenVerifier(readAuthConfig(issuer.authEnv('COGNITO')), { fetchTimeoutMs: 1_000 });
  });
  afterAll(() => issuer.close());

  /** The reason `header` is refused for; the reason never holds any part of the token. */
  async function rejection(header: string | undefined): Promise<string> {
    const error = await verifier.verify(header).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnauthorizedError);
    const message = (error as UnauthorizedError).message;
    for (const part of (header ?? '').replace(/^Bearer /i, '').split('.')) {
      if (part.length > 8) expect(message).not.toContain(part);
    }
    return message;
  }

  it('accepts a Cognito access token of an accepted client: subject, issuer and userKey', async () => {
    const caller = await verifier.verify(`Bearer ${await issuer.mint({ sub: 'alice' })}`);
    expect(caller).toEqual({ issuer: issuer.url, subject: 'alice', userKey: userKeyOf(issuer.url, 'alice') });
    expect(caller.userKey).toMatch(/^[0-9a-f]{32}$/);
  });

  it('accepts ES256 tokens and a lower-case scheme; allows 5 s of clock skew', async () => {
    await expect(verifier.verify(`Bearer ${await issuer.mint({ alg: 'ES256', sub: 'bob' })}`)).resolves.toMatchObject({ subject: 'bob' });
    await expect(verifier.verify(`bearer ${await issuer.mint()}`)).resolves.toMatchObject({ subject: 'local-user' });
    await expect(verifier.verify(`Bearer ${await issuer.mint({ exp: now() - 2 })}`)).resolves.toMatchObject({ subject: 'local-user' });
    await expect(verifier.verify(`Bearer ${await issuer.mint({ nbf: now() + 2 })}`)).resolves.toMatchObject({ subject: 'local-user' });
  });

  it('refuses an expired token', async () => {
    expect(await rejection(`Bearer ${await issuer.mint({ exp: now() - 60 })}`)).toBe('token expired');
  });

  it('refuses a token that is not yet valid', async () => {
    expect(await rejection(`Bearer ${await issuer.mint({ nbf: now() + 60 })}`)).toBe('token not yet valid');
  });

  it('refuses a token without exp', async () => {
    expect(await rejection(`Bearer ${await issuer.mint({ exp: null })}`)).toBe('token has no exp claim');
  });

  it('refuses a token of another issuer signed with the right key', async () => {
    expect(await rejection(`Bearer ${await issuer.mint({ iss: `${issuer.url}-other` })}`)).toBe('token issuer is not accepted');
    expect(await rejection(`Bearer ${await issuer.mint({ iss: `${issuer.url}/` })}`)).toBe('token issuer is not accepted');
  });

  it('refuses a token of another client, or of none', async () => {
    expect(await rejection(`Bearer ${await issuer.mint({ clientId: 'other-client' })}`)).toBe('token client is not accepted');
    expect(await rejection(`Bearer ${await issuer.mint({ clientId: null })}`)).toBe('token client is not accepted');
  });

  it('refuses an ID token where an access token is required', async () => {
    const idToken = await issuer.mint({ tokenUse: 'id', clientId: null, aud: issuer.clientId });
    expect(await rejection(`Bearer ${idToken}`)).toBe('token_use is "id", expected "access"');
    expect(await rejection(`Bearer ${await issuer.mint({ tokenUse: null })}`)).toBe('token has no token_use claim, expected "access"');
  });

  it('refuses a token without a subject', async () => {
    expect(await rejection(`Bearer ${await issuer.mint({ sub: null })}`)).toBe('token has no subject');
    expect(await rejection(`Bearer ${await issuer.mint({ sub: '' })}`)).toBe('token has no subject');
  });

  it('refuses an unsigned (alg none) token', async () => {
    const claims = { iss: issuer.url, sub: 'mallory', client_id: issuer.clientId, token_use: 'access', exp: now() + 3600 };
    expect(await rejection(`Bearer ${unsignedToken(claims)}`)).toBe('token algorithm "none" is not accepted');
  });

  it('refuses HS256 signed with the public key (algorithm confusion), which a naive HMAC check accepts', async () => {
    const forged = await issuer.mint({ alg: 'HS256', sub: 'mallory' });
    // The forgery is sound: HMAC-verified with the public key's PEM, as a confused verifier would.
    await expect(jwtVerify(forged, new TextEncoder().encode(await publicPemOf(issuer)))).resolves.toMatchObject({ payload: { sub: 'mallory' } });
    expect(await rejection(`Bearer ${forged}`)).toBe('token algorithm "HS256" is not accepted');
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const tampered = tamperPayload(await issuer.mint({ sub: 'alice' }), { sub: 'mallory' });
    expect(await rejection(`Bearer ${tampered}`)).toBe('token signature is invalid');
  });

  it('refuses a token whose signature was changed', async () => {
    expect(await rejection(`Bearer ${tamperSignature(await issuer.mint())}`)).toBe('token signature is invalid');
    expect(await rejection(`Bearer ${tamperSignature(await issuer.mint({ alg: 'ES256' }))}`)).toBe('token signature is invalid');
  });

  it('refuses a token naming a key the issuer never published', async () => {
    expect(await rejection(`Bearer ${await issuer.mint({ kid: 'not-published' })}`)).toBe('token signing key is unknown');
  });

  it.each([
    [undefined, 'missing Authorization header'],
    ['', 'missing Authorization header'],
    ['Basic YWxpY2U6cGFzc3dvcmQ=', 'Authorization header is not a Bearer token'],
    ['eyJhbGciOiJSUzI1NiJ9.e30.c2ln', 'Authorization header is not a Bearer token'],
    ['Bearer', 'malformed bearer token'],
    ['Bearer a b', 'malformed bearer token'],
    ['Bearer {"alg":"RS256"}', 'malformed bearer token'],
    ['Bearer abc.def', 'malformed token'],
    ['Bearer not-base64.at.all', 'malformed token'],
    ['Bearer eyJub3QiOiJhbGcifQ.e30.c2ln', 'token algorithm (none) is not accepted'],
    [`Bearer ${'a'.repeat(20_000)}`, 'Authorization header too long'],
  ])('refuses the header %j: %s', async (header, reason) => {
    expect(await rejection(header)).toBe(reason);
  });

  it('refuses a token with a garbled payload', async () => {
    const [header, , signature] = (await issuer.mint()).split('.');
    expect(await rejection(`Bearer ${header}.bm90IGpzb24.${signature}`)).toBe('token signature is invalid');
  });
});

/** The SPKI PEM of the issuer's RSA key, as an attacker would download it. */
async function publicPemOf(issuer: LocalIssuer): Promise<string> {
  const jwk = issuer.keys.jwks().keys.find((key) => key.kty === 'RSA')!;
  return exportSPKI((await importJWK(jwk, 'RS256', { extractable: true })) as CryptoKey);
}
