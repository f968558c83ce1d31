/**
 * A local token issuer for tests and local runs: Cognito-like access tokens (and OIDC tokens),
 * really signed, with the key set and discovery document served on 127.0.0.1.
 *
 *   const issuer = await startLocalIssuer();          // issuer.url = http://127.0.0.1:<port>
 *   const env = issuer.authEnv();                     // AUTH_MODE=COGNITO, AUTH_ISSUER, AUTH_CLIENT_IDS…
 *   const token = await issuer.mint({ sub: 'alice' }); // `Authorization: Bearer ${token}`
 *   await issuer.close();
 *
 * Serves `<url>/.well-known/jwks.json` and `<url>/.well-known/openid-configuration`. Nothing here
 * depends on vitest: `IssuerKeys` (keys + minting) is usable without the server too.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** `HS256` signs with the RSA public key's PEM as the HMAC secret: the algorithm-confusion attack. */
export type MintAlgorithm = 'RS256' | 'ES256' | 'HS256';

export interface MintOptions {
  /** `sub`; default `local-user`; `null` leaves it out. */
  readonly sub?: string | null;
  /** `client_id`; default the issuer's client id; `null` leaves it out. */
  readonly clientId?: string | null;
  /** `token_use`; default `access`; `null` leaves it out. */
  readonly tokenUse?: string | null;
  /** `aud`; none by default (Cognito access tokens have none). */
  readonly aud?: string | readonly string[];
  /** `azp`; none by default. */
  readonly azp?: string;
  /** `iss`; default the issuer's URL. */
  readonly iss?: string;
  /** `exp` in epoch seconds; default an hour from now; `null` leaves it out. */
  readonly exp?: number | null;
  /** `nbf` in epoch seconds; none by default. */
  readonly nbf?: number;
  /** Signing algorithm; default RS256 (what Cognito uses). */
  readonly alg?: MintAlgorithm;
  /** `kid` in the header; default the current key's (set another to name a key the issuer never published). */
  readonly kid?: string;
  /** More claims, added last. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly publicPem: string;
}

async function signingKey(alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, publicPem: await exportSPKI(publicKey) };
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** An issuer's key pairs (one RS256, one ES256 current; rotated-out keys stay published) and minting. */
export class IssuerKeys {
  static async create(): Promise<IssuerKeys> {
    return new IssuerKeys([await signingKey('RS256'), await signingKey('ES256')]);
  }

  private constructor(private keys: SigningKey[]) {}

  /** The key set as served at `/.well-known/jwks.json`. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((key) => key.publicJwk) };
  }

  /** The kid new `alg` tokens are signed with. */
  currentKid(alg: 'RS256' | 'ES256' = 'RS256'): string {
    return this.current(alg).kid;
  }

  /** A new key for `alg` becomes current; the old one stays published unless `retire`. Returns the new kid. */
  async rotate(alg: 'RS256' | 'ES256' = 'RS256', options: { retire?: boolean } = {}): Promise<string> {
    const key = await signingKey(alg);
    const old = this.current(alg);
    this.keys = [key, ...this.keys.filter((k) => !(options.retire === true && k === old))];
    return key.kid;
  }

  /** A signed JWT from `issuer` with the claims of `options` (see MintOptions for the defaults). */
  async mint(issuer: string, defaultClientId: string, options: MintOptions = {}): Promise<string> {
    const alg = options.alg ?? 'RS256';
    const key = this.current(alg === 'ES256' ? 'ES256' : 'RS256');
    const claims: JWTPayload = {
      iss: options.iss ?? issuer,
      iat: nowSeconds(),
      jti: randomUUID(),
      ...(options.sub === null ? {} : { sub: options.sub ?? 'local-user' }),
      ...(options.clientId === null ? {} : { client_id: options.clientId ?? defaultClientId }),
      ...(options.tokenUse === null ? {} : { token_use: options.tokenUse ?? 'access' }),
      ...(options.exp === null ? {} : { exp: options.exp ?? nowSeconds() + 3600 }),
      ...(options.nbf === undefined ? {} : { nbf: options.nbf }),
      ...(options.aud === undefined ? {} : { aud: typeof options.aud === 'string' ? options.aud : [...options.aud] }),
      ...(options.azp === undefined ? {} : { azp: options.azp }),
      ...options.claims,
    };
    const jwt = new SignJWT(claims).setProtectedHeader({ alg, kid: options.kid ?? key.kid, typ: 'JWT' });
    return alg === 'HS256' ? jwt.sign(new TextEncoder().encode(key.publicPem)) : jwt.sign(key.privateKey);
  }

  private current(alg: 'RS256' | 'ES256'): SigningKey {
    return this.keys.find((key) => key.alg === alg)!;
  }
}

/** How the key endpoints misbehave: `refuse` drops the connection, `error` answers 503, `hang` never answers. */
export type Outage = 'refuse' | 'error' | 'hang';

export interface LocalIssuer {
  /** The issuer (`iss`), e.g. `http://127.0.0.1:41234` (plus `path` when given). */
  readonly url: string;
  /** `${url}/.well-known/jwks.json`. */
  readonly jwksUrl: string;
  /** The app client id tokens carry by default (`client_id`). */
  readonly clientId: string;
  readonly keys: IssuerKeys;
  /** Requests served so far, by endpoint (outages included). */
  readonly requests: { jwks: number; discovery: number };
  /** A signed token; defaults: a Cognito access token for `local-user`, valid for an hour. */
  mint(options?: MintOptions): Promise<string>;
  /** The agent's AUTH_* variables for this issuer (COGNITO by default; OIDC accepts `clientId` by audience). */
  authEnv(mode?: 'COGNITO' | 'OIDC'): Record<string, string>;
  /** Makes both endpoints misbehave until called with `undefined`. */
  setOutage(outage: Outage | undefined): void;
  /** Stops the server (hanging requests are dropped). */
  close(): Promise<void>;
}

export interface LocalIssuerOptions {
  /** Path of the issuer under the server, e.g. `/us-east-1_Local` (Cognito issuers have one). */
  readonly path?: string;
  /** Default `client_id`; `local-client`. */
  readonly clientId?: string;
}

/** Starts a local issuer on 127.0.0.1 (a free port). Close it when done. */
export async function startLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const keys = await IssuerKeys.create();
  const path = (options.path ?? '').replace(/\/$/, '');
  const clientId = options.clientId ?? 'local-client';
  const requests = { jwks: 0, discovery: 0 };
  let outage: Outage | undefined;
  let url = '';

  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    let body: unknown;
    if (pathname === `${path}/.well-known/jwks.json`) {
      requests.jwks++;
      body = keys.jwks();
    } else if (pathname === `${path}/.well-known/openid-configuration`) {
      requests.discovery++;
      body = { issuer: url, jwks_uri: `${url}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['RS256', 'ES256'] };
    } else {
      res.writeHead(404).end();
      return;
    }
    if (outage === 'refuse') req.socket.destroy();
    else if (outage === 'error') res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
    else if (outage === undefined) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    // 'hang': the request is left open until the client gives up or the server closes.
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;

  return {
    url,
    jwksUrl: `${url}/.well-known/jwks.json`,
    clientId,
    keys,
    requests,
    mint: (mintOptions) => keys.mint(url, clientId, mintOptions),
    authEnv: (mode = 'COGNITO'): Record<string, string> =>
      mode === 'COGNITO'
        ? { AUTH_MODE: 'COGNITO', AUTH_ISSUER: url, AUTH_CLIENT_IDS: clientId, AUTH_TOKEN_USE: 'access' }
        : { AUTH_MODE: 'OIDC', AUTH_ISSUER: url, AUTH_AUDIENCES: clientId },
    setOutage: (next) => {
      outage = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const base64url = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url');
const decodeJson = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

/** An unsigned token (`alg: none`, empty signature) with these claims. */
export function unsignedToken(claims: Readonly<Record<string, unknown>>): string {
  return `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}.`;
}

/** `token` with `changes` merged into its payload and its original signature kept. */
export function tamperPayload(token: string, changes: Readonly<Record<string, unknown>>): string {
  const [header, payload, signature] = token.split('.');
  return `${header}.${base64url(JSON.stringify({ ...decodeJson(payload!), ...changes }))}.${signature}`;
}

/** `token` with one bit of its signature flipped. */
export function tamperSignature(token: string): string {
  const [header, payload, signature] = token.split('.');
  const bytes = Buffer.from(signature!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  return `${header}.${payload}.${base64url(bytes)}`;
}

/** The claims of a token, unverified (for assertions). */
export function claimsOf(token: string): Record<string, unknown> {
  return decodeJson(token.split('.')[1]!);
}
