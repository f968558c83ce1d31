import { AgentConfigError } from '../core/errors.js';

/** How callers of an interactive agent are identified (AUTH_MODE). */
export type AuthMode = 'COGNITO' | 'OIDC' | 'IAM' | 'NONE';
export const AUTH_MODES: readonly AuthMode[] = ['COGNITO', 'OIDC', 'IAM', 'NONE'];

/** Callers present a bearer JWT, verified against the issuer's key set. */
export interface JwtAuthConfig {
  readonly mode: 'COGNITO' | 'OIDC';
  /** The exact `iss` every token must carry (AUTH_ISSUER). */
  readonly issuer: string;
  /**
   * Where the key set is read (AUTH_JWKS_URL). Unset: Cognito's `${issuer}/.well-known/jwks.json`,
   * or for OIDC the `jwks_uri` of the issuer's discovery document.
   */
  readonly jwksUrl?: string;
  /** AUTH_CLIENT_IDS: Cognito's `client_id` must be one; OIDC's `client_id`/`azp` may be one. */
  readonly clientIds: readonly string[];
  /** AUTH_AUDIENCES (OIDC): `aud` may contain one. */
  readonly audiences: readonly string[];
  /** AUTH_TOKEN_USE: the `token_use` claim must equal it (Cognito: always `access`). */
  readonly tokenUse?: string;
}

/** Callers are AWS principals: SigV4 checked by API Gateway or AgentCore before the agent runs. */
export interface IamAuthConfig {
  readonly mode: 'IAM';
}

/** No authentication (explicit opt-in): every caller is the same anonymous user. */
export interface NoAuthConfig {
  readonly mode: 'NONE';
}

export type AuthConfig = JwtAuthConfig | IamAuthConfig | NoAuthConfig;

type Env = Readonly<Record<string, string | undefined>>;

/** Plain http is only for an issuer on this machine (`local` runs, tests). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True when `url` may be trusted for keys: https, or http to this machine. */
export function isTrustedKeyUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

function urlVariable(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AgentConfigError(name, `must be a URL, got ${JSON.stringify(raw)}`);
  }
  if (!isTrustedKeyUrl(url)) {
    throw new AgentConfigError(name, `must be an https URL (http only for 127.0.0.1 or localhost), got ${JSON.stringify(raw)}`);
  }
  if (url.username !== '' || url.password !== '') throw new AgentConfigError(name, 'must not carry credentials');
  return raw;
}

/** A comma-separated list (unset: empty); blanks around items and empty items are dropped. */
export function commaListOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function isAuthMode(value: string): value is AuthMode {
  return (AUTH_MODES as readonly string[]).includes(value);
}

/**
 * Reads AUTH_MODE and, for the JWT modes, AUTH_ISSUER, AUTH_JWKS_URL, AUTH_CLIENT_IDS,
 * AUTH_AUDIENCES and AUTH_TOKEN_USE. Throws AgentConfigError naming the first wrong variable.
 * AUTH_MODE has no default: running without authentication must be asked for (NONE).
 */
export function readAuthConfig(env: Env): AuthConfig {
  const rawMode = env.AUTH_MODE?.trim() ?? '';
  const mode = rawMode.toUpperCase();
  if (!isAuthMode(mode)) {
    throw new AgentConfigError(
      'AUTH_MODE',
      rawMode === '' ? `is required: one of ${AUTH_MODES.join(', ')}` : `must be one of ${AUTH_MODES.join(', ')}, got ${JSON.stringify(rawMode)}`,
    );
  }
  if (mode === 'IAM' || mode === 'NONE') return { mode };

  const issuer = urlVariable(env, 'AUTH_ISSUER');
  if (issuer === undefined) throw new AgentConfigError('AUTH_ISSUER', `is required when AUTH_MODE is ${mode}`);
  const jwksUrl = urlVariable(env, 'AUTH_JWKS_URL');
  const clientIds = commaListOf(env.AUTH_CLIENT_IDS);
  const audiences = commaListOf(env.AUTH_AUDIENCES);
  const tokenUse = env.AUTH_TOKEN_USE?.trim() || undefined;

  if (mode === 'COGNITO') {
    // A pool's access tokens carry no `aud`: without a client list, any app client of the pool
    // (a test client, another team's) would be let in.
    if (clientIds.length === 0) {
      throw new AgentConfigError('AUTH_CLIENT_IDS', 'is required when AUTH_MODE is COGNITO: the app client ids whose access tokens are accepted');
    }
    if (tokenUse !== undefined && tokenUse !== 'access') {
      throw new AgentConfigError('AUTH_TOKEN_USE', `must be access when AUTH_MODE is COGNITO (ID tokens are refused), got ${JSON.stringify(tokenUse)}`);
    }
    return { mode, issuer, ...(jwksUrl === undefined ? {} : { jwksUrl }), clientIds, audiences, tokenUse: 'access' };
  }
  if (clientIds.length === 0 && audiences.length === 0) {
    throw new AgentConfigError(
      'AUTH_AUDIENCES',
      'is required when AUTH_MODE is OIDC, unless AUTH_CLIENT_IDS is set: without either, tokens issued to any application would be accepted',
    );
  }
  return {
    mode,
    issuer,
    ...(jwksUrl === undefined ? {} : { jwksUrl }),
    clientIds,
    audiences,
    ...(tokenUse === undefined ? {} : { tokenUse }),
  };
}

/** True for the modes whose callers present a JWT. */
export function isJwtAuth(config: AuthConfig): config is JwtAuthConfig {
  return config.mode === 'COGNITO' || config.mode === 'OIDC';
}
