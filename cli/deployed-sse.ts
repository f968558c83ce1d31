/**
 * Reading an AgentCore answer: a `text/event-stream` parser (the WHATWG "server-sent events"
 * rules: `event:`/`data:` fields, comments, CRLF/CR/LF line ends, events ended by a blank line)
 * and the body reader that feeds it chunk by chunk as the service sends them.
 */

import { isRecord } from './util.js';

export interface SseEvent {
  /** The `event:` field, or, without one, the `type` of the JSON data (AgentCore's SDKs send only `data:`), or `message`. */
  readonly event: string;
  readonly data: string;
}

/** Incremental parser: push decoded text as it arrives, get the events it completed. */
export class SseParser {
  private buffer = '';
  private eventName = '';
  private dataLines: string[] = [];

  push(text: string): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (match === null) break;
      // A lone CR at the very end may be the first half of a CRLF split across chunks.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event !== undefined) events.push(event);
    }
    return events;
  }

  /** The stream ended: an event not closed by a blank line is still delivered. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.buffer !== '') {
      const rest = this.buffer.replace(/\r$/, '');
      this.buffer = '';
      const event = this.line(rest);
      if (event !== undefined) events.push(event);
    }
    const last = this.dispatch();
    if (last !== undefined) events.push(last);
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventName = value;
    else if (field === 'data') this.dataLines.push(value);
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const name = this.eventName;
    const lines = this.dataLines;
    this.eventName = '';
    this.dataLines = [];
    if (lines.length === 0) return undefined;
    const data = lines.join('\n');
    return { event: name !== '' ? name : (typeOf(data) ?? 'message'), data };
  }
}

function typeOf(data: string): string | undefined {
  const parsed = parseJsonOrUndefined(data);
  if (isRecord(parsed) && typeof parsed.type === 'string' && parsed.type !== '') return parsed.type;
  return undefined;
}

export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The chunks of a response body as they arrive: a Node.js Readable (what the SDK's Node HTTP
 * handler gives), a web ReadableStream, a Blob, or bytes.
 */
export async function* bodyChunks(body: unknown): AsyncGenerator<Uint8Array> {
  if (body === undefined || body === null) return;
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  if (typeof body === 'string') {
    yield new TextEncoder().encode(body);
    return;
  }
  if (isAsyncIterable(body)) {
    for await (const chunk of body) {
      if (chunk instanceof Uint8Array) yield chunk;
      else if (typeof chunk === 'string') yield new TextEncoder().encode(chunk);
    }
    return;
  }
  if (body instanceof ReadableStream) {
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        if (value instanceof Uint8Array) yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  if (body instanceof Blob) {
    yield new Uint8Array(await body.arrayBuffer());
    return;
  }
  throw new Error(`Unexpected response body type: ${Object.prototype.toString.call(body)}`);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** The whole body as text (UTF-8). */
export async function bodyText(body: unknown): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of bodyChunks(body)) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/**
 * Reads an event-stream body to its end, handing each batch of completed events to `handle` as the
 * chunks arrive; a `handle` that throws ends the reading (and the iteration destroys the body).
 */
export async function readEvents(body: unknown, handle: (events: readonly SseEvent[]) => void): Promise<void> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  for await (const chunk of bodyChunks(body)) handle(parser.push(decoder.decode(chunk, { stream: true })));
  handle(parser.push(decoder.decode()));
  handle(parser.end());
}

/** The AgentInvocationResponse in an agent's `result` event: its JSON without the `type` tag; undefined when not JSON. */
export function responseOfResultEvent(data: string): unknown {
  const parsed = parseJsonOrUndefined(data);
  if (isRecord(parsed) && parsed.type === 'result') {
    const response: Record<string, unknown> = { ...parsed };
    delete response.type;
    return response;
  }
  return parsed;
}

