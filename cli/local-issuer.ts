import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/**
 * The token issuer of a local interactive agent: an OpenID Connect issuer whose signing key lives
 * only in this process (a new one per run), so the agent verifies real JWTs (AUTH_MODE=OIDC)
 * exactly as it verifies a deployed identity provider's, and a developer gets tokens without one.
 * The tokens are for 127.0.0.1 only: nothing outside this run trusts the key.
 */

/** The audience of every local token (the agent's AUTH_AUDIENCES). */
export const LOCAL_AUDIENCE = 'agentic-ai-framework-local';
/** How long a local token is valid. */
export const LOCAL_TOKEN_SECONDS = 3600;
/** The user names `/local/token` accepts (the token's subject). */
export const LOCAL_USER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export interface LocalToken {
  readonly token: string;
  readonly user: string;
  /** ISO time the token expires. */
  readonly expiresAt: string;
}

export interface LocalIssuer {
  /** `http://127.0.0.1:<port>`, the `iss` of its tokens. */
  readonly issuer: string;
  readonly jwksUrl: string;
  /** The OpenID Connect discovery document (`/.well-known/openid-configuration`). */
  readonly discovery: Readonly<Record<string, unknown>>;
  /** The public key set (`/.well-known/jwks.json`). */
  readonly jwks: { readonly keys: readonly JWK[] };
  /** A signed token whose subject is `user`. */
  mint(user: string): Promise<LocalToken>;
}

export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/.well-known/jwks.json';

/** Creates the issuer served at `origin` (a new ES256 key pair). */
export async function createLocalIssuer(origin: string, now: () => number = Date.now): Promise<LocalIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const jwksUrl = `${origin}${JWKS_PATH}`;
  return {
    issuer: origin,
    jwksUrl,
    discovery: {
      issuer: origin,
      jwks_uri: jwksUrl,
      token_endpoint: `${origin}/local/token`,
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
    },
    jwks: { keys: [jwk] },
    mint: async (user) => {
      if (!LOCAL_USER_PATTERN.test(user)) throw new RangeError(`user ${JSON.stringify(user)}: expected 1-64 letters, digits, '.', '_', '@' or '-'`);
      const issuedAt = Math.floor(now() / 1000);
      const expires = issuedAt + LOCAL_TOKEN_SECONDS;
      const token = await new SignJWT({ preferred_username: user })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setIssuer(origin)
        .setSubject(user)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expires)
        .setJti(randomUUID())
        .sign(privateKey);
      return { token, user, expiresAt: new Date(expires * 1000).toISOString() };
    },
  };
}
