import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { answerClientErrors } from './local-http.js';
import { DISCOVERY_PATH, JWKS_PATH, type LocalIssuer } from './local-issuer.js';

/**
 * The front door of a local interactive agent on 127.0.0.1: the deployed REST API's routes
 * (`POST /chat`, `GET /sessions`, `GET|DELETE /sessions/{sessionId}`), behind the authorizer as
 * API Gateway runs it, plus what only a local run has: the issuer's discovery and keys, the
 * dev-only `POST /local/token`, the chat page (`--web`) and `/chat-client.mjs`.
 *
 * Unlike the tool's other endpoints it serves a browser, so it takes requests with an `Origin`,
 * but only its own (`http://127.0.0.1:<port>`, `http://localhost:<port>`): a page from anywhere
 * else must not drive an agent running with the developer's credentials, nor mint tokens. The
 * Host must name the port on the loopback interface (a DNS-rebinding page reaches 127.0.0.1
 * under its own name).
 */

/** One API request as API Gateway hands it to the authorizer and the integration. */
export interface ApiCall {
  readonly requestId: string;
  readonly method: string;
  /** The path as requested, e.g. `/sessions/abc`. */
  readonly path: string;
  /** The route's resource, e.g. `/sessions/{sessionId}`. */
  readonly resource: string;
  readonly pathParameters: Readonly<Record<string, string>> | null;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Names and values alternating, names in the case the client sent them. */
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

/** What an API Gateway Lambda proxy integration returns. */
export interface ProxyResult {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

/** The authorizer's verdict: the context API Gateway passes on, or API Gateway's refusal. */
export type Authorization =
  | { readonly allowed: true; readonly principalId: string; readonly context: Readonly<Record<string, string>> }
  | { readonly allowed: false; readonly status: number; readonly body: unknown };

/** The routes' integrations (the agent and the Sessions API, as the contract runs them). */
export interface ChatApi {
  authorize(call: ApiCall): Promise<Authorization>;
  /** Streams the chat turn's answer into `res`; `signal` aborts when the client goes away. */
  chat(call: ApiCall, authorization: Extract<Authorization, { allowed: true }>, res: ServerResponse, signal: AbortSignal): Promise<void>;
  sessions(call: ApiCall, authorization: Extract<Authorization, { allowed: true }>): Promise<ProxyResult>;
}

export interface ChatFrontOptions {
  /** The port on 127.0.0.1 (not 0: the issuer and the allowed origins name it before it listens). */
  readonly port: number;
  readonly issuer: LocalIssuer;
  readonly api: ChatApi;
  /** The chat page's directory (index.html), if any. */
  readonly webDir?: string;
  /** The chat client's browser bundle, served at `/chat-client.mjs`. */
  readonly clientBundle?: string;
  readonly log: (line: string) => void;
}

export interface ChatFront {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** API Gateway's limit on a request payload. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The API routes: `[method, resource, pattern]`; the pattern's group is the sessionId. */
const ROUTES: ReadonlyArray<readonly [string, string, RegExp]> = [
  ['POST', '/chat', /^\/chat$/],
  ['GET', '/sessions', /^\/sessions$/],
  ['GET', '/sessions/{sessionId}', /^\/sessions\/([^/]+)$/],
  ['DELETE', '/sessions/{sessionId}', /^\/sessions\/([^/]+)$/],
];

function isApiPath(path: string): boolean {
  return path === '/chat' || path === '/sessions' || path.startsWith('/sessions/');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The file under `root` a request path names (index.html for a directory), or undefined. */
function staticFile(root: string, path: string): string | undefined {
  const relative = normalize(path).replace(/^([/\\])+/, '');
  const file = join(root, relative);
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  if (!existsSync(file)) return undefined;
  const stat = statSync(file);
  if (stat.isDirectory()) return existsSync(join(file, 'index.html')) ? join(file, 'index.html') : undefined;
  return stat.isFile() ? file : undefined;
}

export async function startChatFront(options: ChatFrontOptions): Promise<ChatFront> {
  const { port, issuer, api, log } = options;
  if (!Number.isInteger(port) || port <= 0) throw new RangeError(`port ${port}: the front door needs a fixed port`);
  const origins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  /** Browsers read an answer to their own origin only with these (the page's fetches carry an Origin). */
  const corsHeaders = (req: IncomingMessage): Record<string, string> =>
    req.headers.origin !== undefined && origins.has(req.headers.origin) ? { 'Access-Control-Allow-Origin': req.headers.origin, Vary: 'Origin' } : { Vary: 'Origin' };
  const inFlight = new Set<AbortController>();

  const serveFile = (req: IncomingMessage, res: ServerResponse, file: string): void => {
    const body = readFileSync(file);
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': body.byteLength,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const api_ = async (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> => {
    const cors = corsHeaders(req);
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      // API Gateway answers the preflight itself (the construct's CORS options).
      res.writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'GET,POST,DELETE,OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization,Content-Type',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    const route = ROUTES.find(([m, , pattern]) => m === method && pattern.test(path));
    if (route === undefined) {
      // API Gateway's answer to a method the resource does not have.
      json(res, 403, { message: 'Missing Authentication Token' }, cors);
      return;
    }
    const [, resource, pattern] = route;
    const id = pattern.exec(path)?.[1];
    const body = await readBody(req);
    if (body === undefined) {
      json(res, 413, { message: 'Request Too Long' }, cors);
      return;
    }
    const call: ApiCall = {
      requestId: randomUUID(),
      method,
      path,
      resource,
      pathParameters: id === undefined ? null : { sessionId: id },
      query,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body,
    };
    const authorization = await api.authorize(call);
    if (!authorization.allowed) {
      json(res, authorization.status, authorization.body, cors);
      return;
    }
    if (resource === '/chat') {
      const abort = new AbortController();
      inFlight.add(abort);
      // The client went away before the answer ended: the turn is aborted (and rolled back).
      res.once('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      try {
        await api.chat(call, authorization, res, abort.signal);
      } finally {
        inFlight.delete(abort);
      }
      return;
    }
    const result = await api.sessions(call, authorization);
    const payload = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded === true ? 'base64' : 'utf8');
    res.writeHead(result.statusCode, { ...(result.headers ?? {}), 'Content-Length': payload.byteLength });
    res.end(payload);
  };

  const local = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const cors = corsHeaders(req);
    if (path === DISCOVERY_PATH || path === JWKS_PATH) {
      if (req.method !== 'GET') json(res, 405, { message: 'GET' }, { ...cors, Allow: 'GET' });
      else json(res, 200, path === JWKS_PATH ? issuer.jwks : issuer.discovery, cors);
      return;
    }
    if (path === '/local/token') {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'Content-Type' });
        res.end();
        return;
      }
      if (req.method !== 'POST') {
        json(res, 405, { code: 'BadRequest', message: 'POST {"user":"<name>"}' }, { ...cors, Allow: 'POST' });
        return;
      }
      const body = await readBody(req);
      let user: unknown;
      try {
        user = (JSON.parse(body ?? '') as { user?: unknown }).user;
      } catch {
        user = undefined;
      }
      if (typeof user !== 'string') {
        json(res, 400, { code: 'BadRequest', message: 'POST {"user":"<name>"}' }, cors);
        return;
      }
      try {
        const token = await issuer.mint(user);
        log(`local token issued for ${user} (local only: this run's key signs it)`);
        json(res, 200, { ...token, warning: 'local only: signed by this run of agentic-ai-framework local, trusted by nothing else' }, cors);
      } catch (error) {
        json(res, 400, { code: 'BadRequest', message: error instanceof Error ? error.message : String(error) }, cors);
      }
      return;
    }
    json(res, 404, { message: `no route ${path}` }, cors);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!hosts.has(host)) {
      json(res, 403, { message: `Host ${JSON.stringify(req.headers.host ?? '')} refused: only 127.0.0.1:${port} or localhost:${port}` });
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin)) {
      json(res, 403, { message: `Origin ${origin} refused: a local agent serves pages of ${[...origins].join(' or ')} only` });
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
      decodeURIComponent(url.pathname);
    } catch {
      json(res, 400, { message: 'cannot parse the request target' });
      return;
    }
    const path = url.pathname;
    if (isApiPath(path)) return api_(req, res, path, url.searchParams);
    if (path.startsWith('/.well-known/') || path.startsWith('/local/')) return local(req, res, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(res, 405, { message: `${req.method ?? ''} ${path}: not an API route` }, { Allow: 'GET, HEAD' });
      return;
    }
    if (path === '/chat-client.mjs' && options.clientBundle !== undefined && existsSync(options.clientBundle)) {
      serveFile(req, res, options.clientBundle);
      return;
    }
    const file = options.webDir === undefined ? undefined : staticFile(options.webDir, decodeURIComponent(path));
    if (file === undefined) {
      json(res, 404, { message: options.webDir === undefined ? `no chat page is served (--web <dir>); the API: POST /chat, GET /sessions` : `no file ${path}` });
      return;
    }
    serveFile(req, res, file);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`local front door: ${req.method ?? ''} ${req.url ?? ''} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!res.headersSent) json(res, 502, { message: 'Internal server error' });
      else res.destroy();
    });
  });
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    server,
    close: async () => {
      for (const abort of inFlight) abort.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
