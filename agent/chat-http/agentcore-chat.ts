// The interactive agent on AgentCore: POST /invocations runs one chat turn, answered as the
// protocol's event stream. AgentCore passes the caller's Authorization header (JWT modes) or sets
// the runtime user id (IAM); it drops the body of a non-2xx answer, so past authentication every
// outcome is an event. A runtime session id is served to its first user only.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { UnauthorizedError, type Caller } from '../chat/auth.js';
import { CHAT_STREAM_HEADERS, formatEvent } from '../chat/protocol.js';
import { isSessionId } from '../chat/request.js';
import { sessionNotFound } from '../chat/session-store.js';
import type { Logger } from '../core/logger.js';
import { readBody } from '../http/read-body.js';
import { sendJson } from '../http/send-json.js';
import { clientGone, streamTurn, type ChatTurn } from './turn-stream.js';

export interface ChatServerSupport {
  readonly turn: ChatTurn;
  /** The caller from the request's headers (verified token, or AgentCore's user id); throws UnauthorizedError. */
  callerOf(headers: IncomingHttpHeaders): Promise<Caller>;
  readonly heartbeatSeconds: number;
  /** Largest body read (default 1 MiB: a 100 000-character message, JSON-escaped, fits). */
  readonly maxBodyBytes?: number;
  /** Who owns each runtime session id (default: one record per ChatServerSupport, of 10 000 ids). */
  readonly sessionOwners?: RuntimeSessionOwners;
}

/**
 * The user each runtime session id belongs to in this process. AgentCore does not tie a session id
 * to a user, and a microVM serves one session id: a second user sending the same id would run in
 * the first one's microVM. Kept per id, not per process, since a local run serves many sessions
 * from one process.
 */
export interface RuntimeSessionOwners {
  /** True when `userKey` is the first user seen with `sessionId` (now remembered), or that user again. */
  claim(sessionId: string, userKey: string): boolean;
}

const DEFAULT_SESSION_OWNERS_CAPACITY = 10_000;

/** Owners of at most `capacity` ids; past it the least recently used id is forgotten (a microVM serves one). */
export function createRuntimeSessionOwners(capacity = DEFAULT_SESSION_OWNERS_CAPACITY): RuntimeSessionOwners {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const owners = new Map<string, string>();
  return {
    claim(sessionId, userKey) {
      const owner = owners.get(sessionId) ?? userKey;
      if (owner !== userKey) return false;
      owners.delete(sessionId);
      owners.set(sessionId, owner);
      if (owners.size > capacity) owners.delete(owners.keys().next().value!);
      return true;
    },
  };
}

const defaultOwners = new WeakMap<ChatServerSupport, RuntimeSessionOwners>();

function ownersOf(chat: ChatServerSupport): RuntimeSessionOwners {
  if (chat.sessionOwners !== undefined) return chat.sessionOwners;
  let owners = defaultOwners.get(chat);
  if (owners === undefined) {
    owners = createRuntimeSessionOwners();
    defaultOwners.set(chat, owners);
  }
  return owners;
}

export interface ChatInvocation {
  readonly requestId: string;
  readonly sessionId: string | undefined;
  /** Headers every answer carries (the session id echo). */
  readonly echo: Readonly<Record<string, string>>;
  readonly logger: Logger;
}

const DEFAULT_MAX_CHAT_BODY_BYTES = 1024 * 1024;
/** Time a stopped turn (the client went away) gets to roll back and unlock before the response is closed. */
const SETTLE_MS = 2_000;

/**
 * Answers one chat invocation: 401 JSON when the caller cannot be verified, else 200
 * `text/event-stream` with the turn's frames and heartbeats. The client closing the connection
 * aborts the turn (rolled back, lock released). Never throws.
 */
export async function serveChatInvocation(req: IncomingMessage, res: ServerResponse, chat: ChatServerSupport, invocation: ChatInvocation): Promise<void> {
  const { requestId, sessionId, echo, logger } = invocation;
  const aborter = new AbortController();
  let finished = false;
  res.on('close', () => {
    if (!finished && !res.writableFinished) {
      logger.info('Chat client went away; stopping the turn', { requestId });
      aborter.abort(clientGone());
    }
  });
  let caller: Caller;
  try {
    caller = await chat.callerOf(req.headers);
  } catch (error) {
    const unauthorized = error instanceof UnauthorizedError;
    logger.warn('Chat request refused', { requestId, reason: error instanceof Error ? error.message : String(error) });
    finished = true;
    sendJson(res, unauthorized ? 401 : 500, unauthorized ? { code: 'Unauthorized', message: error.message } : { code: 'Internal', message: 'Internal error' }, echo);
    return;
  }

  res.writeHead(200, { ...echo, ...CHAT_STREAM_HEADERS });
  const write = (frame: string): void => {
    if (!res.destroyed && !res.writableEnded) res.write(frame);
  };
  // Only well-formed ids are remembered; the turn refuses the others itself.
  if (isSessionId(sessionId) && !ownersOf(chat).claim(sessionId, caller.userKey)) {
    // Exactly what an unknown session answers: that the id is in use is not told.
    logger.warn('Chat turn refused: the runtime session belongs to another user', { requestId, sessionId });
    const refusal = sessionNotFound(sessionId);
    finished = true;
    write(formatEvent({ type: 'error', code: refusal.code, message: refusal.message }));
    res.end();
    return;
  }
  try {
    let body: string;
    try {
      body = (await readBody(req, chat.maxBodyBytes ?? DEFAULT_MAX_CHAT_BODY_BYTES)).toString('utf8');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      write(formatEvent({ type: 'error', code: 'BadRequest', message }));
      return;
    }
    await streamTurn({
      turn: chat.turn,
      body,
      caller,
      requestId,
      ...(sessionId === undefined ? {} : { headerSessionId: sessionId }),
      signal: aborter.signal,
      write,
      heartbeatSeconds: chat.heartbeatSeconds,
      logger,
      settleMs: SETTLE_MS,
    });
  } finally {
    finished = true;
    if (!res.writableEnded) res.end();
  }
}
