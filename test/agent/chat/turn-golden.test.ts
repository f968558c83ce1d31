import { tool } from '@strands-agents/sdk';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatEvent, HEARTBEAT_FRAME, type ChatEvent } from '../../../agent/chat/protocol.js';
import { ScriptedModel, textOfMessage, type Turn } from '../helpers/scripted-model.js';
import { chatDependencies, sessionIdOf, turnEvents } from './helpers/chat-deps.js';
import { startFilesBackend, userKeyOf, type SessionBackend } from './helpers/session-stores.js';

const USER = userKeyOf('golden');
const usage = { inputTokens: 12, outputTokens: 5, totalTokens: 17 };

const lookupVendor = tool({
  name: 'lookup_vendor',
  description: 'The legal name of a vendor id',
  inputSchema: z.object({ id: z.string() }),
  callback: ({ id }) => (id === 'V-7' ? 'Acme Paper GmbH' : 'unknown'),
});

const throttled = (): Error => Object.assign(new Error('Too many requests, please wait before trying again.'), { name: 'ThrottlingException' });

let backend: SessionBackend;
beforeAll(async () => {
  backend = await startFilesBackend();
});
afterAll(async () => {
  await backend.close();
});

/** One turn of a new session on a model playing `script`; the events with the session id replaced by `S`. */
async function golden(script: Turn[], message = 'Hello there'): Promise<{ events: ChatEvent[]; model: ScriptedModel; sessionId: string }> {
  const model = new ScriptedModel(script);
  const deps = chatDependencies(backend, model, { tools: [lookupVendor] });
  const events = await turnEvents(deps, USER, { message });
  const sessionId = sessionIdOf(events);
  return { events: events.map((e) => (e.type === 'session' ? { ...e, sessionId: 'S' } : e)), model, sessionId };
}

/** Bytes cut at `cuts` (sorted offsets), decoded as a browser does (UTF-8, streaming), parsed by a real SSE parser. */
function parseSse(bytes: Uint8Array, cuts: readonly number[]): EventSourceMessage[] {
  const messages: EventSourceMessage[] = [];
  const comments: string[] = [];
  const parser = createParser({ onEvent: (m) => messages.push(m), onComment: (c) => comments.push(c) });
  const decoder = new TextDecoder();
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.feed(decoder.decode(bytes.subarray(start, cut), { stream: true }));
    start = cut;
  }
  parser.feed(decoder.decode());
  expect(comments.every((c) => c.trim() === 'heartbeat')).toBe(true);
  return messages;
}

describe('golden turns', () => {
  it('plain text: session, the text deltas, done with stop reason and usage', async () => {
    const { events } = await golden([{ text: ['Hel', 'lo, ', 'world'], usage }]);
    expect(events).toEqual([
      { type: 'session', sessionId: 'S' },
      { type: 'text', delta: 'Hel' },
      { type: 'text', delta: 'lo, ' },
      { type: 'text', delta: 'world' },
      { type: 'done', stopReason: 'endTurn', usage },
    ]);
    expect(events.map(formatEvent).join('')).toBe(
      'event: session\ndata: {"type":"session","sessionId":"S"}\n\n' +
        'event: text\ndata: {"type":"text","delta":"Hel"}\n\n' +
        'event: text\ndata: {"type":"text","delta":"lo, "}\n\n' +
        'event: text\ndata: {"type":"text","delta":"world"}\n\n' +
        'event: done\ndata: {"type":"done","stopReason":"endTurn","usage":{"inputTokens":12,"outputTokens":5,"totalTokens":17}}\n\n',
    );
  });

  it('a tool call: tool start and end around the tool, then the answer', async () => {
    const { events, model } = await golden([{ toolUse: { name: 'lookup_vendor', input: { id: 'V-7' }, id: 'tooluse-1' }, usage }, { text: 'Acme Paper GmbH', usage }]);
    expect(events).toEqual([
      { type: 'session', sessionId: 'S' },
      { type: 'tool', phase: 'start', name: 'lookup_vendor', id: 'tooluse-1' },
      { type: 'tool', phase: 'end', name: 'lookup_vendor', id: 'tooluse-1' },
      { type: 'text', delta: 'Acme Paper GmbH' },
      { type: 'done', stopReason: 'endTurn', usage: { inputTokens: 24, outputTokens: 10, totalTokens: 34 } },
    ]);
    // The tool ran: its result went back to the model.
    expect(JSON.stringify(model.calls[1]?.messages.at(-1))).toContain('Acme Paper GmbH');
  });

  it('a model error: session, then ModelError, and the session keeps no trace of the turn', async () => {
    const { events, sessionId } = await golden([{ error: new Error('Malformed input request: messages.0') }]);
    expect(events).toEqual([
      { type: 'session', sessionId: 'S' },
      { type: 'error', code: 'ModelError', message: 'The model failed: Malformed input request: messages.0' },
    ]);
    const store = backend.open();
    expect(await store.get(USER, sessionId)).toMatchObject({ turns: 0 });
    expect(await store.messages(USER, sessionId)).toEqual([]);
  });

  it('throttling after every retry: Throttled', async () => {
    const { events, model } = await golden([{ error: throttled() }, { error: throttled() }, { error: throttled() }]);
    expect(events).toEqual([
      { type: 'session', sessionId: 'S' },
      { type: 'error', code: 'Throttled', message: 'The model is throttled and did not answer after retries; try again shortly' },
    ]);
    expect(model.calls).toHaveLength(3);
  });

  it('a throttled call retried in time answers normally', async () => {
    const { events } = await golden([{ error: throttled() }, { text: 'made it', usage }]);
    expect(events.map((e) => e.type)).toEqual(['session', 'text', 'done']);
  });

  it('no usage from the model: done reports zeros', async () => {
    const { events } = await golden([{ text: 'ok' }]);
    expect(events.at(-1)).toEqual({ type: 'done', stopReason: 'endTurn', usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } });
  });

  it('every golden stream survives SSE framing: any chunking, heartbeats anywhere, multi-byte text', async () => {
    const streams = [
      (await golden([{ text: ['Grüße 👋🏽', ' line\nbreak\r\n', '"quoted" \\ \u2028'], usage }])).events,
      (await golden([{ toolUse: { name: 'lookup_vendor', input: { id: 'V-7' }, id: 'tooluse-9' } }, { text: 'Acme' }])).events,
      (await golden([{ error: new Error('bad\nrequest') }])).events,
      (await golden([{ error: throttled() }, { error: throttled() }, { error: throttled() }])).events,
    ];
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(
        fc.constantFrom(...streams),
        fc.array(fc.boolean(), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (events, heartbeatsAfter, rawCuts) => {
          const text = events.map((e, i) => formatEvent(e) + (heartbeatsAfter[i] === true ? HEARTBEAT_FRAME : '')).join('');
          const bytes = encoder.encode(HEARTBEAT_FRAME + text);
          const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const parsed = parseSse(bytes, cuts);
          expect(parsed.map((m) => m.event)).toEqual(events.map((e) => e.type));
          expect(parsed.map((m) => JSON.parse(m.data) as unknown)).toEqual(events);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the second turn continues the first: the model sees the earlier exchange', async () => {
    const model = new ScriptedModel([{ text: 'Hello Ada.' }, { text: 'Your name is Ada.' }]);
    const deps = chatDependencies(backend, model);
    const first = await turnEvents(deps, USER, { message: 'My name is Ada.' });
    const sessionId = sessionIdOf(first);
    const second = await turnEvents(deps, USER, { message: 'What is my name?', sessionId });
    expect(second.map((e) => e.type)).toEqual(['session', 'text', 'done']);
    expect(second[0]).toEqual({ type: 'session', sessionId });
    expect(model.calls[1]?.messages.map((m) => [m.role, textOfMessage(m)])).toEqual([
      ['user', 'My name is Ada.'],
      ['assistant', 'Hello Ada.'],
      ['user', 'What is my name?'],
    ]);
  });
});
