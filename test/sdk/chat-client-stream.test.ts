// The client reads any turn the contract allows, however the bytes are cut into chunks: inside a
// frame, inside a field name, inside a multibyte UTF-8 character. Over the network (the stand-in
// writes each chunk separately) and through a fetch that hands over exactly the given chunks.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatClient, type ChatErrorCode, type ChatEvent } from '../../sdk';
import { goldenFrame, HEARTBEAT_FRAME, startChatStandIn, STREAM_HEADERS, within, type ChatStandIn } from './helpers/chat-stand-in';

const CODES: ChatErrorCode[] = ['BadRequest', 'SessionNotFound', 'SessionExists', 'SessionBusy', 'Throttled', 'ModelError', 'Timeout', 'Unauthorized', 'Internal'];

// Text as a model writes it (graphemes: emoji, CJK, combining marks) and any code point at all.
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('naïve — 日本語 🙂👍🏽', '\r\n\n: not a comment\n\n'));

const middleEvent: fc.Arbitrary<ChatEvent> = fc.oneof(
  { weight: 4, arbitrary: text.map((delta): ChatEvent => ({ type: 'text', delta })) },
  { weight: 1, arbitrary: fc.record({ phase: fc.constantFrom('start' as const, 'end' as const), name: text, id: fc.string({ maxLength: 10 }) }).map((t): ChatEvent => ({ type: 'tool', ...t })) },
);

const lastEvent: fc.Arbitrary<ChatEvent> = fc.oneof(
  fc
    .record({ stopReason: fc.constantFrom('end_turn', 'max_tokens', 'tool_use'), input: fc.nat(), output: fc.nat() })
    .map(({ stopReason, input, output }): ChatEvent => ({ type: 'done', stopReason, usage: { inputTokens: input, outputTokens: output, totalTokens: input + output } })),
  fc.record({ code: fc.constantFrom(...CODES), message: text }).map(({ code, message }): ChatEvent => ({ type: 'error', code, message })),
);

/** A turn, its bytes on the wire (heartbeats anywhere), and cut points in those bytes. */
const cutTurn = fc
  .record({
    sessionId: fc.uuid(),
    middle: fc.array(middleEvent, { maxLength: 12 }),
    last: lastEvent,
    heartbeats: fc.array(fc.boolean(), { minLength: 14, maxLength: 14 }),
  })
  .chain(({ sessionId, middle, last, heartbeats }) => {
    const events: ChatEvent[] = [{ type: 'session', sessionId }, ...middle, last];
    const wire = events.map((event, i) => (heartbeats[i] === true ? HEARTBEAT_FRAME : '') + goldenFrame(event)).join('');
    const bytes = new TextEncoder().encode(wire);
    return fc
      .uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 24 })
      .map((cuts) => ({ events, bytes, cuts: [...cuts].sort((a, b) => a - b) }));
  });

function chunksOf(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  return [0, ...cuts].map((start, i) => bytes.slice(start, cuts[i] ?? bytes.length));
}

/** A cut between two bytes of one UTF-8 character (the byte after it is a continuation byte). */
function cutsInsideCharacter(bytes: Uint8Array, cuts: readonly number[]): boolean {
  return cuts.some((cut) => (bytes[cut]! & 0xc0) === 0x80);
}

async function collect(events: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const all: ChatEvent[] = [];
  await within(
    (async () => {
      for await (const event of events) all.push(event);
    })(),
    3_000,
    'the turn ended',
  );
  return all;
}

let standIn: ChatStandIn;
beforeAll(async () => {
  standIn = await startChatStandIn();
});
afterAll(async () => {
  await standIn.close();
});

describe('reading a turn cut into chunks', () => {
  it('over the network: the events, typed and in order, heartbeats left out (100 runs)', async () => {
    const client = createChatClient({ endpoint: standIn.url });
    let insideCharacter = 0;
    await fc.assert(
      fc.asyncProperty(cutTurn, async ({ events, bytes, cuts }) => {
        if (cutsInsideCharacter(bytes, cuts)) insideCharacter += 1;
        standIn.script(() => ({ chunks: chunksOf(bytes, cuts) }));
        expect(await collect(client.send('hi'))).toEqual(events);
      }),
      { numRuns: 100 },
    );
    // The generator does cut characters in two, often (about a quarter of the runs; a bound far
    // below that, so that a random seed cannot fail it, and still proof that the case is covered).
    expect(insideCharacter).toBeGreaterThan(5);
  });

  it('through a fetch that hands over exactly those chunks (300 runs)', async () => {
    let chunks: Uint8Array[] = [];
    const client = createChatClient({
      endpoint: 'http://chunks.invalid',
      fetch: async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              const next = chunks.shift();
              if (next === undefined) controller.close();
              else controller.enqueue(next);
            },
          }),
          { status: 200, headers: STREAM_HEADERS },
        ),
    });
    await fc.assert(
      fc.asyncProperty(cutTurn, async ({ events, bytes, cuts }) => {
        chunks = chunksOf(bytes, cuts);
        expect(await collect(client.send('hi'))).toEqual(events);
      }),
      { numRuns: 300 },
    );
  });

  it('one byte per chunk', async () => {
    const events: ChatEvent[] = [
      { type: 'session', sessionId: 'f0e1d2c3-b4a5-4697-8887-766554433221' },
      { type: 'text', delta: 'naïve — 日本語 🙂👍🏽 𝄞' },
      { type: 'tool', phase: 'start', name: 'größe', id: '工具-1' },
      { type: 'done', stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } },
    ];
    const bytes = new TextEncoder().encode(events.map((e) => HEARTBEAT_FRAME + goldenFrame(e)).join(''));
    const client = createChatClient({
      endpoint: 'http://bytes.invalid',
      fetch: async () => {
        let next = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (next === bytes.length) controller.close();
            else controller.enqueue(bytes.slice(next, ++next));
          },
        });
        return new Response(body, { status: 200, headers: STREAM_HEADERS });
      },
    });
    expect(await collect(client.send('hi'))).toEqual(events);
  });
});
