// The interactive agent on AgentCore: POST /invocations runs one chat turn, answered as the
// protocol's event stream. AgentCore passes the caller's Authorization header (JWT modes) or sets
// the runtime user id (IAM); it drops the body of a non-2xx answer, so past authentication every
// outcome is an event.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { UnauthorizedError, type Caller } from '../chat/auth.js';
import { CHAT_STREAM_HEADERS, formatEvent } from '../chat/protocol.js';
import type { Logger } from '../core/logger.js';
import { readBody } from '../http/read-body.js';
import { clientGone, streamTurn, type ChatTurn } from './turn-stream.js';

export interface ChatServerSupport {
  readonly turn: ChatTurn;
  /** The caller from the request's headers (verified token, or AgentCore's user id); throws UnauthorizedError. */
  callerOf(headers: IncomingHttpHeaders): Promise<Caller>;
  readonly heartbeatSeconds: number;
  /** Largest body read (default 1 MiB: a 100 000-character message, JSON-escaped, fits). */
  readonly maxBodyBytes?: number;
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

function sendJson(res: ServerResponse, statusCode: number, body: unknown, headers: Readonly<Record<string, string>>): void {
  const text = JSON.stringify(body);
  res.writeHead(statusCode, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

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
