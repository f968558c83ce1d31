// The chat wire protocol as a client sees it: the events of a turn, the Sessions API's answers and
// the client's one error class. Declared here rather than imported from agent/ because the SDK (and
// its browser bundle) must not pull in the agent's code.

/** Codes of the `error` event (and of the Sessions API's 404 and 409). */
export type ChatErrorCode =
  | 'BadRequest'
  | 'SessionNotFound'
  | 'SessionExists'
  | 'SessionBusy'
  | 'Throttled'
  | 'ModelError'
  | 'Timeout'
  | 'Unauthorized'
  | 'Internal';

export const CHAT_ERROR_CODES: readonly ChatErrorCode[] = [
  'BadRequest',
  'SessionNotFound',
  'SessionExists',
  'SessionBusy',
  'Throttled',
  'ModelError',
  'Timeout',
  'Unauthorized',
  'Internal',
];

/** A valid session id (also a valid AgentCore runtime session id): 33–256 characters. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{32,255}$/;

/** Token counts of one turn. */
export interface ChatUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

/** First event of every turn: the session the turn belongs to (new or continued). */
export interface ChatSessionEvent {
  readonly type: 'session';
  readonly sessionId: string;
}

/** A piece of the assistant's answer. */
export interface ChatTextEvent {
  readonly type: 'text';
  readonly delta: string;
}

/** A tool call started or ended. */
export interface ChatToolEvent {
  readonly type: 'tool';
  readonly phase: 'start' | 'end';
  readonly name: string;
  readonly id: string;
}

/** The turn failed (it was rolled back); the last event of the turn. */
export interface ChatErrorEvent {
  readonly type: 'error';
  readonly code: ChatErrorCode;
  readonly message: string;
}

/** The turn succeeded; the last event of the turn. */
export interface ChatDoneEvent {
  readonly type: 'done';
  readonly stopReason: string;
  readonly usage: ChatUsage;
}

export type ChatEvent = ChatSessionEvent | ChatTextEvent | ChatToolEvent | ChatErrorEvent | ChatDoneEvent;

/** One session in `listSessions`. */
export interface ChatSessionSummary {
  readonly sessionId: string;
  readonly title: string;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601: the last turn. */
  readonly updatedAt: string;
  /** When the session expires, in epoch seconds (the index's TTL attribute), `sessionTtl` after the last turn. */
  readonly expiresAt: number;
}

/** A page of `listSessions`, newest first. */
export interface ChatSessionPage {
  readonly sessions: readonly ChatSessionSummary[];
  /** Pass it to `listSessions` for the next page; absent on the last page. */
  readonly nextToken?: string;
}

export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly text: string;
}

/** One session with its history, from `getSession`. */
export interface ChatSessionDetail extends ChatSessionSummary {
  readonly messages: readonly ChatMessage[];
}

/**
 * Why a call failed before (or instead of) a turn's events:
 * - `Unauthorized`: HTTP 401 (the token or signature was refused).
 * - a `ChatErrorCode`: an HTTP error whose JSON body names one (the Sessions API's 404
 *   `SessionNotFound`), an invalid `sessionId` given to the client (`BadRequest`), or the `error`
 *   event that ended a turn collected by `ask`.
 * - `HttpError`: any other non-2xx answer (`status` and `body` tell which).
 * - `InvalidResponse`: a 2xx answer that is not what the protocol says (not an event stream, not JSON).
 * - `ConnectionTimeout`: no answer within `timeoutMs`.
 * - `NetworkError`: the request could not be sent (`cause` is fetch's error).
 * Cancelling through an `AbortSignal` is not a ChatClientError: the signal's reason is thrown.
 */
export type ChatClientErrorCode = ChatErrorCode | 'Unauthorized' | 'HttpError' | 'InvalidResponse' | 'ConnectionTimeout' | 'NetworkError';

export class ChatClientError extends Error {
  readonly code: ChatClientErrorCode;
  /** HTTP status, when the failure was an HTTP answer. */
  readonly status?: number;
  /** The answer's body text, when the failure was an HTTP answer. */
  readonly body?: string;
  /** The session of the turn, for an error event collected by `ask`. */
  readonly sessionId?: string;

  constructor(
    code: ChatClientErrorCode,
    message: string,
    details: { status?: number; body?: string; sessionId?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ChatClientError';
    this.code = code;
    if (details.status !== undefined) this.status = details.status;
    if (details.body !== undefined) this.body = details.body;
    if (details.sessionId !== undefined) this.sessionId = details.sessionId;
  }
}

export function isChatErrorCode(value: unknown): value is ChatErrorCode {
  return typeof value === 'string' && (CHAT_ERROR_CODES as readonly string[]).includes(value);
}
