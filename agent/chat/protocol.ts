/**
 * The chat wire protocol, identical on every front door (Lambda REST API, AgentCore runtime,
 * AgentCore proxy, `local`): one `text/event-stream` per turn, made of the frames below.
 */

/** Every error code a turn can end with (the `code` of an `error` event). */
export const CHAT_ERROR_CODES = [
  'BadRequest',
  'SessionNotFound',
  'SessionExists',
  'SessionBusy',
  'Throttled',
  'ModelError',
  'Timeout',
  'Unauthorized',
  'Internal',
] as const;

export type ChatErrorCode = (typeof CHAT_ERROR_CODES)[number];

export interface ChatUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

export type ChatEvent =
  | { readonly type: 'session'; readonly sessionId: string }
  | { readonly type: 'text'; readonly delta: string }
  | { readonly type: 'tool'; readonly phase: 'start' | 'end'; readonly name: string; readonly id: string }
  | { readonly type: 'error'; readonly code: ChatErrorCode; readonly message: string }
  | { readonly type: 'done'; readonly stopReason: string; readonly usage: ChatUsage };

/** The response headers of a chat stream (HTTP 200 once the caller is authenticated). */
export const CHAT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache',
};

/** An SSE comment: keeps idle connections (API Gateway, load balancers) from timing out. */
export const HEARTBEAT_FRAME = ': heartbeat\n\n';
/** How often HEARTBEAT_FRAME is written when HEARTBEAT_SECONDS is unset (at most 15). */
export const DEFAULT_HEARTBEAT_SECONDS = 15;

/**
 * A failure a turn reports to its client as an `error` event. The message is for the user: it
 * never names another user's session nor carries internal details (those go to the log).
 */
export class ChatError extends Error {
  public readonly code: ChatErrorCode;

  constructor(code: ChatErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChatError';
    this.code = code;
  }
}

export function isChatError(value: unknown): value is ChatError {
  return value instanceof ChatError;
}

/** The event's data with `type` first and the other fields in the protocol's order, whatever the input's order. */
function dataOf(event: ChatEvent): Record<string, unknown> {
  switch (event.type) {
    case 'session':
      return { type: 'session', sessionId: event.sessionId };
    case 'text':
      return { type: 'text', delta: event.delta };
    case 'tool':
      return { type: 'tool', phase: event.phase, name: event.name, id: event.id };
    case 'error':
      return { type: 'error', code: event.code, message: event.message };
    case 'done': {
      const { inputTokens, outputTokens, totalTokens } = event.usage;
      return { type: 'done', stopReason: event.stopReason, usage: { inputTokens, outputTokens, totalTokens } };
    }
  }
}

/**
 * The exact bytes of one frame: `event: <type>\ndata: <compact JSON>\n\n`. JSON escapes line
 * breaks, so the data is always one line.
 */
export function formatEvent(event: ChatEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(dataOf(event))}\n\n`;
}

/**
 * Writes HEARTBEAT_FRAME every `seconds` until the returned function is called. The timer is
 * unref'd: it never keeps a process alive on its own.
 */
export function startHeartbeat(write: (frame: string) => void, seconds: number): () => void {
  const timer = setInterval(() => write(HEARTBEAT_FRAME), seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
