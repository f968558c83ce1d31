// A turn's `text/event-stream` body as typed events: bytes decoded as UTF-8 across chunk borders,
// frames parsed by eventsource-parser, heartbeats (comments) and unknown event types skipped.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { isChatErrorCode, type ChatEvent, type ChatUsage } from './chat-types';

/** A frame larger than this is refused rather than buffered without end (a text delta is far smaller). */
const MAX_FRAME_CHARS = 4 * 1024 * 1024;

const STREAM_ENDED_EARLY = 'stream ended early';

/**
 * Yields the events of `body` up to and including the first `done` or `error`, then stops reading.
 * A body that ends (or breaks) before either yields a final `error` event with code `Internal`
 * ("stream ended early"); so does a frame that is not a valid event. When `signal` aborts, the
 * read fails and its reason is thrown instead.
 */
export async function* readChatEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<ChatEvent, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  const parsed: ParsedFrame[] = [];
  const parser = createParser({
    maxBufferSize: MAX_FRAME_CHARS,
    onEvent: (message) => parsed.push(parseFrame(message)),
    onError: (error) => parsed.push({ malformed: error.message }),
  });
  let finished = false;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal?.aborted === true) throw signal.reason;
        finished = true;
        yield { type: 'error', code: 'Internal', message: `${STREAM_ENDED_EARLY}: ${messageOf(error)}` };
        return;
      }
      const text = chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      if (text !== '') parser.feed(text);
      for (const frame of parsed.splice(0)) {
        if ('malformed' in frame) {
          yield { type: 'error', code: 'Internal', message: `malformed event: ${frame.malformed}` };
          return;
        }
        if (frame.event === undefined) continue;
        yield frame.event;
        if (frame.event.type === 'done' || frame.event.type === 'error') return;
      }
      if (chunk.done) {
        finished = true;
        // An unterminated last frame is dropped, as the SSE rules say: the turn did not finish.
        yield { type: 'error', code: 'Internal', message: STREAM_ENDED_EARLY };
        return;
      }
    }
  } finally {
    // Stopping early (terminal event, caller's break) closes the connection, which ends the turn
    // on the server if it was still running.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

type ParsedFrame = { readonly event: ChatEvent | undefined } | { readonly malformed: string };

/** One frame as an event; `event: undefined` for a type this client does not know (skipped). */
function parseFrame(message: EventSourceMessage): ParsedFrame {
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    return { malformed: `not JSON: ${message.data.slice(0, 200)}` };
  }
  if (!isRecord(data) || typeof data.type !== 'string') return { malformed: `no type: ${message.data.slice(0, 200)}` };
  const event = toEvent(data);
  if (event === 'unknown') return { event: undefined };
  if (event === undefined) return { malformed: `invalid ${data.type} event: ${message.data.slice(0, 200)}` };
  return { event };
}

/** The event with the protocol's fields only, `undefined` when a field is missing or mistyped. */
function toEvent(data: Record<string, unknown>): ChatEvent | undefined | 'unknown' {
  switch (data.type) {
    case 'session':
      return typeof data.sessionId === 'string' && data.sessionId !== '' ? { type: 'session', sessionId: data.sessionId } : undefined;
    case 'text':
      return typeof data.delta === 'string' ? { type: 'text', delta: data.delta } : undefined;
    case 'tool':
      return (data.phase === 'start' || data.phase === 'end') && typeof data.name === 'string' && typeof data.id === 'string'
        ? { type: 'tool', phase: data.phase, name: data.name, id: data.id }
        : undefined;
    case 'error':
      // A code this client does not know yet is still an error of the turn: reported as Internal.
      return typeof data.code === 'string' && typeof data.message === 'string'
        ? { type: 'error', code: isChatErrorCode(data.code) ? data.code : 'Internal', message: data.message }
        : undefined;
    case 'done': {
      const usage = toUsage(data.usage);
      return typeof data.stopReason === 'string' && usage !== undefined ? { type: 'done', stopReason: data.stopReason, usage } : undefined;
    }
    default:
      return 'unknown';
  }
}

function toUsage(value: unknown): ChatUsage | undefined {
  if (!isRecord(value)) return undefined;
  const { inputTokens, outputTokens, totalTokens } = value;
  if (!isCount(inputTokens) || !isCount(outputTokens) || !isCount(totalTokens)) return undefined;
  return { inputTokens, outputTokens, totalTokens };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
