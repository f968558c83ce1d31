// Who is calling an interactive agent: a verified bearer JWT (Cognito, OIDC), the IAM principal
// API Gateway or AgentCore authenticated, or the one anonymous user (NONE). The user is always
// taken from here, never from the request body.
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { isJwtAuth, isTrustedKeyUrl, type AuthConfig, type JwtAuthConfig } from './auth-config.js';
import { UnauthorizedError } from './auth-error.js';

export { UnauthorizedError } from './auth-error.js';

/** The authenticated user of one request. */
export interface Caller {
  /** The token's `iss`; `aws-iam` for IAM callers, `none` without authentication. */
  readonly issuer: string;
  /** The token's `sub`; the IAM caller's Cognito identity id or else ARN (`iamSubjectOf`); `anonymous` without authentication. */
  readonly subject: string;
  /** `userKeyOf(issuer, subject)`: the user's S3 prefix and DynamoDB partition key. */
  readonly userKey: string;
}

const IAM_ISSUER = 'aws-iam';
const ANONYMOUS_ISSUER = 'none';
const ANONYMOUS_SUBJECT = 'anonymous';
/** Header AgentCore sets from InvokeAgentRuntime's runtimeUserId (IAM callers only). */
const AGENTCORE_USER_ID_HEADER = 'x-amzn-bedrock-agentcore-runtime-user-id';

/** Asymmetric signatures only: `none` and HS* (forgeable with the public key) are never accepted. */
const ACCEPTED_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];
/** Clock skew allowed on `exp` and `nbf`. */
const CLOCK_TOLERANCE_SECONDS = 5;
/** Bound on fetching the discovery document and the key set, each. */
const DEFAULT_FETCH_TIMEOUT_MS = 3_000;
/** Longer than any real token; checked before any parsing work. */
const MAX_TOKEN_CHARS = 16_384;

/**
 * The user's storage key: sha256(issuer + "\n" + subject) in hex, first 32 characters. Safe as an
 * S3 prefix and a DynamoDB key whatever the subject holds, and distinct per issuer.
 */
export function userKeyOf(issuer: string, subject: string): string {
  return createHash('sha256').update(`${issuer}\n${subject}`).digest('hex').slice(0, 32);
}

function callerOf(issuer: string, subject: string): Caller {
  return { issuer, subject, userKey: userKeyOf(issuer, subject) };
}

/** The caller when AUTH_MODE is NONE: everyone is this one user. */
export const ANONYMOUS_CALLER: Caller = callerOf(ANONYMOUS_ISSUER, ANONYMOUS_SUBJECT);

export interface TokenVerifier {
  /** Verifies an `Authorization` header value (`Bearer <jwt>`); throws UnauthorizedError. */
  verify(authorizationHeader: string | undefined): Promise<Caller>;
}

export interface TokenVerifierOptions {
  /** Bound on each fetch of the discovery document or the key set (default 3000 ms). */
  readonly fetchTimeoutMs?: number;
}

/** The bearer token of an Authorization header value; the scheme is case-insensitive (RFC 7235). */
function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw new UnauthorizedError('missing Authorization header');
  if (header.length > MAX_TOKEN_CHARS) throw new UnauthorizedError('Authorization header too long');
  const match = /^Bearer +([A-Za-z0-9_\-.]+)$/i.exec(header.trim());
  if (match === null) {
    throw new UnauthorizedError(/^Bearer\b/i.test(header.trim()) ? 'malformed bearer token' : 'Authorization header is not a Bearer token');
  }
  return match[1]!;
}

/** Refuses tokens whose header is unreadable or names an algorithm we never accept, before any key work. */
function checkHeader(token: string): void {
  if (token.split('.').length !== 3) throw new UnauthorizedError('malformed token');
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new UnauthorizedError('malformed token');
  }
  if (typeof alg !== 'string' || !ACCEPTED_ALGORITHMS.includes(alg)) {
    throw new UnauthorizedError(`token algorithm ${typeof alg === 'string' ? JSON.stringify(alg) : '(none)'} is not accepted`);
  }
}

/** The short reason for a jose failure (or a key set fetch that failed outright). */
function reasonOf(error: unknown, fetchTimeoutMs: number): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'token not yet valid';
    if (error.claim === 'iss') return 'token issuer is not accepted';
    return error.reason === 'missing' ? `token has no ${error.claim} claim` : `token ${error.claim} claim is invalid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'token signing key is unknown';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'token names no key id';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed token';
  if (error instanceof errors.JWKSTimeout) return `signing keys unavailable: no answer within ${fetchTimeoutMs} ms`;
  if (error instanceof UnauthorizedError) return error.message;
  return 'signing keys unavailable';
}

function includesAny(accepted: readonly string[], values: readonly unknown[]): boolean {
  return values.some((value) => typeof value === 'string' && accepted.includes(value));
}

/** The checks jose leaves to us: what the token is for, and who it is about. */
function checkClaims(config: JwtAuthConfig, claims: JWTPayload): string {
  if (config.tokenUse !== undefined && claims.token_use !== config.tokenUse) {
    throw new UnauthorizedError(
      typeof claims.token_use === 'string'
        ? `token_use is ${JSON.stringify(claims.token_use)}, expected ${JSON.stringify(config.tokenUse)}`
        : `token has no token_use claim, expected ${JSON.stringify(config.tokenUse)}`,
    );
  }
  if (config.mode === 'COGNITO') {
    if (!includesAny(config.clientIds, [claims.client_id])) throw new UnauthorizedError('token client is not accepted');
  } else {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const byAudience = includesAny(config.audiences, audiences);
    const byClient = includesAny(config.clientIds, [claims.client_id, claims.azp]);
    if (!byAudience && !byClient) throw new UnauthorizedError('token audience or client is not accepted');
  }
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new UnauthorizedError('token has no subject');
  return claims.sub;
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Reads the issuer's OIDC discovery document for its `jwks_uri`, within `timeoutMs`. */
async function discoverJwksUrl(issuer: string, timeoutMs: number): Promise<URL> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let document: unknown;
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
    if (response.status !== 200) throw new UnauthorizedError(`issuer discovery answered HTTP ${response.status}`);
    document = await response.json();
  } catch (error) {
    if (error instanceof UnauthorizedError) throw error;
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    throw new UnauthorizedError(timedOut ? `issuer discovery: no answer within ${timeoutMs} ms` : 'issuer discovery failed', { cause: error });
  }
  const fields = typeof document === 'object' && document !== null ? (document as Record<string, unknown>) : {};
  // OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
  if (fields.issuer !== issuer) throw new UnauthorizedError('issuer discovery names another issuer');
  const jwksUri = typeof fields.jwks_uri === 'string' ? parseUrl(fields.jwks_uri) : undefined;
  if (jwksUri === undefined || !isTrustedKeyUrl(jwksUri)) throw new UnauthorizedError('issuer discovery has no usable jwks_uri');
  return jwksUri;
}

/**
 * A verifier of bearer JWTs for the JWT modes. The key set is fetched once and cached (jose
 * refetches it after 10 minutes, or at most every 30 s when a token names an unknown key id, so
 * rotated keys are picked up); every fetch is bounded by `fetchTimeoutMs`, and a failed fetch is
 * retried by the next request. For IAM and NONE it rejects every token: they carry none.
 */
export function createTokenVerifier(config: AuthConfig, options: TokenVerifierOptions = {}): TokenVerifier {
  if (!isJwtAuth(config)) {
    return { verify: () => Promise.reject(new UnauthorizedError(`bearer tokens are not accepted when AUTH_MODE is ${config.mode}`)) };
  }
  const fetchTimeoutMs = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const remoteKeys = (url: URL): JWTVerifyGetKey => createRemoteJWKSet(url, { timeoutDuration: fetchTimeoutMs });
  // Cognito publishes its keys at a fixed path; OIDC issuers name theirs in the discovery document.
  const knownUrl = config.jwksUrl ?? (config.mode === 'COGNITO' ? `${config.issuer.replace(/\/$/, '')}/.well-known/jwks.json` : undefined);
  let keys: Promise<JWTVerifyGetKey> | undefined = knownUrl === undefined ? undefined : Promise.resolve(remoteKeys(new URL(knownUrl)));
  const keySet = (): Promise<JWTVerifyGetKey> => {
    // A failed discovery is forgotten, so the next request tries again.
    keys ??= discoverJwksUrl(config.issuer, fetchTimeoutMs).then(remoteKeys, (error: unknown) => {
      keys = undefined;
      throw error;
    });
    return keys;
  };

  return {
    async verify(authorizationHeader) {
      const token = bearerToken(authorizationHeader);
      checkHeader(token);
      let claims: JWTPayload;
      try {
        const { payload } = await jwtVerify(token, await keySet(), {
          issuer: config.issuer,
          algorithms: [...ACCEPTED_ALGORITHMS],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['exp'],
        });
        claims = payload;
      } catch (error) {
        throw new UnauthorizedError(reasonOf(error, fetchTimeoutMs), { cause: error });
      }
      return callerOf(config.issuer, checkClaims(config, claims));
    },
  };
}

/** The part of an API Gateway REST proxy event that names the caller. */
export interface ApiGatewayCallerEvent {
  readonly requestContext?: {
    /** Set by the API's authorizer: our token authorizer puts `sub` and `iss` here. */
    readonly authorizer?: Readonly<Record<string, unknown>> | null;
    /** IAM authorization: the signing principal, and its Cognito identity when it used identity pool credentials. */
    readonly identity?: { readonly userArn?: string | null; readonly cognitoIdentityId?: string | null } | null;
  } | null;
}

/**
 * The subject of a SigV4 caller of the REST API: its Cognito identity id when it signed with
 * identity pool credentials (their ARN, `…:assumed-role/<role>/CognitoIdentityCredentials`, is the
 * same for every user of the pool), else its ARN. The Lambda front door and the Sessions API make
 * the IAM caller of it, and the chat proxy sends it as runtimeUserId, so the agent on AgentCore
 * names the same user. Throws UnauthorizedError when API Gateway named no caller.
 */
export function iamSubjectOf(event: ApiGatewayCallerEvent): string {
  const identity = event.requestContext?.identity;
  const identityId = identity?.cognitoIdentityId;
  if (typeof identityId === 'string' && identityId !== '') return identityId;
  const arn = identity?.userArn;
  if (typeof arn !== 'string' || arn === '') throw new UnauthorizedError('no IAM caller on the request');
  return arn;
}

/**
 * The caller of a request that came through the REST API, which has already authenticated it:
 * JWT modes read the `{sub, iss}` context our token authorizer returned, IAM the SigV4 principal
 * (`iamSubjectOf`).
 * Throws UnauthorizedError when that is missing (the API is not set up as the construct makes it).
 */
export function callerFromApiGatewayEvent(event: ApiGatewayCallerEvent, config: AuthConfig): Caller {
  if (config.mode === 'NONE') return ANONYMOUS_CALLER;
  if (config.mode === 'IAM') return callerOf(IAM_ISSUER, iamSubjectOf(event));
  const context = event.requestContext?.authorizer;
  const sub = context?.sub;
  const iss = context?.iss;
  if (typeof sub !== 'string' || sub === '' || typeof iss !== 'string') throw new UnauthorizedError('no authorizer context on the request');
  // The authorizer and this function are configured together; a mismatch is a misconfiguration.
  if (iss !== config.issuer) throw new UnauthorizedError('authorizer issuer is not AUTH_ISSUER');
  return callerOf(iss, sub);
}

/** Request headers as Node gives them (lowercase names) or any other casing. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: RequestHeaders, name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : headers[key];
  }
  // Repeated headers are refused rather than guessed between.
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The caller of a request to the agent on AgentCore: JWT modes verify the Authorization header
 * (AgentCore passes it through), IAM reads the runtime user id AgentCore sets (only principals
 * allowed InvokeAgentRuntimeForUser may choose it; the chat proxy sets `iamSubjectOf` its caller).
 */
export async function callerFromAgentCoreHeaders(headers: RequestHeaders, verifier: TokenVerifier, config: AuthConfig): Promise<Caller> {
  if (config.mode === 'NONE') return ANONYMOUS_CALLER;
  if (config.mode === 'IAM') {
    const userId = header(headers, AGENTCORE_USER_ID_HEADER);
    if (userId === undefined || userId.trim() === '') throw new UnauthorizedError(`no ${AGENTCORE_USER_ID_HEADER} header`);
    return callerOf(IAM_ISSUER, userId);
  }
  return verifier.verify(header(headers, 'authorization'));
}
