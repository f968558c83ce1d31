/**
 * The Sessions API's Lambda handler (REST API proxy integration, buffered): a user's own chat
 * sessions, read from the session index and history, never through the agent (so listing never
 * starts an AgentCore session).
 *
 *   GET    /sessions?limit=&nextToken=   200 {"sessions":[…], "nextToken"?}   newest first
 *   GET    /sessions/{sessionId}         200 {sessionId, title, createdAt, updatedAt, expiresAt, messages}
 *   DELETE /sessions/{sessionId}         204; 409 SessionBusy while a turn of it runs
 *
 * The user is the caller API Gateway authenticated (`callerFromApiGatewayEvent`). Another user's
 * session answers 404 SessionNotFound exactly as a missing one. Bad input is a 400 naming the field;
 * only a failure of the store itself or of the configuration is a 500.
 */
import { UnauthorizedError, callerFromApiGatewayEvent, type Caller } from '../agent/chat/auth.js';
import { readAuthConfig, type AuthConfig } from '../agent/chat/auth-config.js';
import { readCorsAllowedOrigins, readSessionStoreConfig } from '../agent/chat/config.js';
import { ChatError } from '../agent/chat/protocol.js';
import { isSessionId, sessionIdProblem } from '../agent/chat/request.js';
import { createSessionStore, type SessionStoreOptions } from '../agent/chat/session-store-factory.js';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, type SessionRecord, type SessionStore } from '../agent/chat/session-store.js';
import { createJsonLogger, type Logger } from '../agent/core/logger.js';
import { corsHeaders, proxyEventOf, type ApiGatewayProxyEvent, type ApiGatewayProxyResult } from '../agent/chat-http/api-gateway.js';
import { decodePageToken, encodePageToken } from './page-token.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface SessionsHandlerOptions {
  /** The environment, read on the first call (default `process.env`). */
  readonly env?: Env;
  /** Client settings for the store (tests: local endpoints); the standard SDK environment otherwise. */
  readonly storeOptions?: SessionStoreOptions;
  /** Where the per-request log line goes; stdout (CloudWatch Logs) by default. */
  readonly logger?: Logger;
  readonly now?: () => number;
}

export interface SessionsContext {
  readonly awsRequestId?: string;
}

export type SessionsHandler = (event: unknown, context?: SessionsContext) => Promise<ApiGatewayProxyResult>;

interface Settings {
  readonly auth: AuthConfig;
  readonly store: SessionStore;
  readonly allowedOrigins: readonly string[];
}

/** An answer with a status other than 200, as `{"code","message"}`. */
class HttpFailure extends Error {
  constructor(
    public readonly statusCode: number,
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

const badRequest = (message: string): HttpFailure => new HttpFailure(400, 'BadRequest', message);

/** Status of a ChatError the store throws: the client's mistake, or a session it cannot have. */
const CHAT_ERROR_STATUS: Partial<Record<string, number>> = { BadRequest: 400, SessionNotFound: 404, SessionBusy: 409, SessionExists: 409 };

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };

/** A session as the API shows it (the turn count and lock stay internal). */
function summaryOf(record: SessionRecord): Record<string, unknown> {
  return { sessionId: record.sessionId, title: record.title, createdAt: record.createdAt, updatedAt: record.updatedAt, expiresAt: record.expiresAt };
}

function limitOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIST_LIMIT;
  const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIST_LIMIT)) {
    throw badRequest(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${JSON.stringify(raw.length > 20 ? `${raw.slice(0, 20)}…` : raw)}`);
  }
  return limit;
}

type Route = { readonly kind: 'list' } | { readonly kind: 'session'; readonly rawSessionId: string | undefined };

const SESSION_PATH = /^\/sessions\/([^/]+)\/?$/;

/** The route, by the API's resource (or, failing that, the path). */
function routeOf(event: ApiGatewayProxyEvent): Route | undefined {
  const resource = event.resource ?? '';
  if (resource === '/sessions') return { kind: 'list' };
  if (resource === '/sessions/{sessionId}') return { kind: 'session', rawSessionId: event.pathParameters?.sessionId };
  const path = event.path ?? '';
  if (/^\/sessions\/?$/.test(path)) return { kind: 'list' };
  const match = SESSION_PATH.exec(path);
  if (match === null) return undefined;
  let decoded: string | undefined;
  try {
    decoded = decodeURIComponent(match[1]!);
  } catch {
    decoded = undefined;
  }
  return { kind: 'session', rawSessionId: decoded ?? match[1] };
}

function sessionIdOf(raw: string | undefined): string {
  if (!isSessionId(raw)) throw badRequest(sessionIdProblem('sessionId', raw));
  return raw;
}

export function createSessionsHandler(options: SessionsHandlerOptions = {}): SessionsHandler {
  const logger = options.logger ?? createJsonLogger();
  const now = options.now ?? Date.now;
  let settings: Settings | undefined;

  const load = (): Settings => {
    const env = options.env ?? process.env;
    settings ??= {
      auth: readAuthConfig(env),
      store: createSessionStore(readSessionStoreConfig(env), options.storeOptions),
      allowedOrigins: readCorsAllowedOrigins(env),
    };
    return settings;
  };

  const serve = async (event: ApiGatewayProxyEvent, caller: Caller, store: SessionStore): Promise<{ statusCode: number; body?: unknown }> => {
    const method = (event.httpMethod ?? '').toUpperCase();
    const route = routeOf(event);
    if (route === undefined) throw new HttpFailure(404, 'NotFound', `No route ${method} ${event.path ?? ''}`);
    if (route.kind === 'list') {
      if (method !== 'GET') throw new HttpFailure(405, 'MethodNotAllowed', `${method} is not allowed on /sessions; use GET`);
      const query = event.queryStringParameters ?? {};
      const limit = limitOf(query.limit);
      const token = query.nextToken === undefined ? undefined : decodePageToken(caller.userKey, query.nextToken);
      const page = await store.list(caller.userKey, limit, token);
      return {
        statusCode: 200,
        body: { sessions: page.sessions.map(summaryOf), ...(page.nextToken === undefined ? {} : { nextToken: encodePageToken(caller.userKey, page.nextToken) }) },
      };
    }
    if (method !== 'GET' && method !== 'DELETE') throw new HttpFailure(405, 'MethodNotAllowed', `${method} is not allowed on /sessions/{sessionId}; use GET or DELETE`);
    const sessionId = sessionIdOf(route.rawSessionId);
    if (method === 'DELETE') {
      await store.delete(caller.userKey, sessionId);
      return { statusCode: 204 };
    }
    const record = await store.get(caller.userKey, sessionId);
    const messages = await store.messages(caller.userKey, sessionId);
    return { statusCode: 200, body: { ...summaryOf(record), messages } };
  };

  return async (rawEvent, context) => {
    const started = now();
    const event = proxyEventOf(rawEvent);
    const fields = { requestId: context?.awsRequestId, method: event.httpMethod, resource: event.resource ?? event.path };
    let cors: Record<string, string> = {};
    const answer = (statusCode: number, body?: unknown): ApiGatewayProxyResult => ({
      statusCode,
      headers: body === undefined ? { ...cors } : { ...JSON_HEADERS, ...cors },
      body: body === undefined ? '' : JSON.stringify(body),
    });
    let current: Settings;
    try {
      current = load();
    } catch (error) {
      logger.error('Sessions API misconfigured', { ...fields, error });
      return answer(500, { code: 'Internal', message: 'The Sessions API is misconfigured' });
    }
    cors = corsHeaders(event, current.allowedOrigins);
    let userKey: string | undefined;
    try {
      const caller = callerFromApiGatewayEvent(event, current.auth);
      userKey = caller.userKey;
      const { statusCode, body } = await serve(event, caller, current.store);
      logger.info('Sessions API', { ...fields, userKey, statusCode, durationMs: now() - started });
      return answer(statusCode, body);
    } catch (error) {
      const failure =
        error instanceof HttpFailure
          ? error
          : error instanceof UnauthorizedError
            ? new HttpFailure(401, 'Unauthorized', error.message)
            : error instanceof ChatError && CHAT_ERROR_STATUS[error.code] !== undefined
              ? new HttpFailure(CHAT_ERROR_STATUS[error.code]!, error.code, error.message)
              : undefined;
      if (failure !== undefined) {
        logger.info('Sessions API', { ...fields, userKey, statusCode: failure.statusCode, code: failure.code, durationMs: now() - started });
        return answer(failure.statusCode, { code: failure.code, message: failure.message });
      }
      logger.error('Sessions API failed', { ...fields, userKey, statusCode: 500, error, durationMs: now() - started });
      return answer(500, { code: 'Internal', message: 'The session store failed; try again' });
    }
  };
}
