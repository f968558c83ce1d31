// One chat turn written as frames to a transport (the Lambda response stream, an HTTP response):
// the part both front doors share, so their bytes are the same.
import type { Caller } from '../chat/auth.js';
import { ChatError, formatEvent, isChatError, startHeartbeat, type ChatEvent } from '../chat/protocol.js';
import type { Logger } from '../core/logger.js';

export interface ChatTurnOptions {
  /** Aborted when the client went away or the runtime's deadline is near. */
  readonly signal: AbortSignal;
  /** The session id the transport names (AgentCore's session header), if any. */
  readonly headerSessionId?: string;
  readonly requestId: string;
}

/** Runs one turn, reporting it through `emit` (the chat core's runChatTurn with its dependencies bound). */
export type ChatTurn = (body: unknown, caller: Caller, emit: (event: ChatEvent) => void, options: ChatTurnOptions) => Promise<void>;

export interface StreamTurnOptions extends ChatTurnOptions {
  readonly turn: ChatTurn;
  readonly body: unknown;
  readonly caller: Caller;
  /** Writes one frame; must ignore writes once the transport is gone. */
  readonly write: (frame: string) => void;
  readonly heartbeatSeconds: number;
  readonly logger: Logger;
  /** Once `signal` aborted, how long the turn gets to settle (roll back, release its lock) before the stream ends without it. */
  readonly settleMs: number;
}

/** The error event for an abort reason: the ChatError the transport gave, else Internal. */
function abortEvent(reason: unknown): ChatEvent {
  if (isChatError(reason)) return { type: 'error', code: reason.code, message: reason.message };
  return { type: 'error', code: 'Internal', message: 'The turn was stopped' };
}

/** Resolves true when `work` settles, false when `signal` aborted and `graceMs` passed first. */
function settledOrGraceOver(work: Promise<unknown>, signal: AbortSignal, graceMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      timer = setTimeout(() => resolve(false), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    void work.finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
  });
}

/**
 * Runs the turn, writing each event as its frame and a heartbeat every `heartbeatSeconds`, and
 * makes sure the stream's last frame is `done` or `error`: a turn that throws, or that ends (or
 * fails to end within `settleMs`) after an abort without saying so, gets an error event here.
 * Events after the last one are dropped. Never throws.
 */
export async function streamTurn(options: StreamTurnOptions): Promise<void> {
  const { write, signal, logger, requestId } = options;
  let ending: 'done' | 'error' | undefined;
  const emit = (event: ChatEvent): void => {
    if (ending !== undefined) return;
    if (event.type === 'done' || event.type === 'error') ending = event.type;
    write(formatEvent(event));
  };
  const stopHeartbeat = startHeartbeat(write, options.heartbeatSeconds);
  try {
    const turn = options
      .turn(options.body, options.caller, emit, {
        signal,
        requestId,
        ...(options.headerSessionId === undefined ? {} : { headerSessionId: options.headerSessionId }),
      })
      .catch((error: unknown) => {
        if (isChatError(error)) {
          emit({ type: 'error', code: error.code, message: error.message });
        } else {
          logger.error('Chat turn failed', { requestId, error });
          emit({ type: 'error', code: 'Internal', message: 'Internal error' });
        }
      });
    const settled = await settledOrGraceOver(turn, signal, options.settleMs);
    if (!settled) logger.error('Chat turn did not settle after it was stopped', { requestId, graceMs: options.settleMs, reason: signal.reason });
    if (ending === undefined) {
      if (signal.aborted) emit(abortEvent(signal.reason));
      else emit({ type: 'error', code: 'Internal', message: 'The turn ended without a result' });
      if (!signal.aborted) logger.error('Chat turn ended without a done or error event', { requestId });
    }
  } finally {
    stopHeartbeat();
  }
}

/** The abort reason of a turn whose client went away (logged; nobody reads the stream any more). */
export function clientGone(): ChatError {
  return new ChatError('Internal', 'The client closed the connection before the turn ended');
}
