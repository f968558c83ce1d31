// The SDK declares the protocol's types itself (its browser bundle must not pull in agent/): this
// keeps them in step with the agent's (agent/chat/protocol.ts), and the stand-in's golden frames
// with the agent's formatEvent, so the client is tested against the bytes the agent writes.
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ChatErrorCode as AgentChatErrorCode, ChatEvent as AgentChatEvent } from '../../agent/chat/protocol.js' with { 'resolution-mode': 'import' };
import { createChatClient, SESSION_ID_PATTERN, type ChatErrorCode, type ChatEvent } from '../../sdk';
import { CHAT_ERROR_CODES } from '../../sdk/chat-types';
import { goldenFrame, HEARTBEAT_FRAME, SESSION_ID_PATTERN as STAND_IN_SESSION_ID_PATTERN, STREAM_HEADERS } from './helpers/chat-stand-in';

const agentProtocol = import('../../agent/chat/protocol.js');
const agentRequest = import('../../agent/chat/request.js');

const event: fc.Arbitrary<ChatEvent> = fc.oneof(
  fc.string().map((sessionId): ChatEvent => ({ type: 'session', sessionId })),
  fc.string({ unit: 'binary' }).map((delta): ChatEvent => ({ type: 'text', delta })),
  fc.record({ phase: fc.constantFrom('start' as const, 'end' as const), name: fc.string(), id: fc.string() }).map((t): ChatEvent => ({ type: 'tool', ...t })),
  fc.record({ code: fc.constantFrom(...CHAT_ERROR_CODES), message: fc.string({ unit: 'grapheme' }) }).map((e): ChatEvent => ({ type: 'error', ...e })),
  fc
    .record({ stopReason: fc.string(), inputTokens: fc.nat(), outputTokens: fc.nat(), totalTokens: fc.nat() })
    .map(({ stopReason, ...usage }): ChatEvent => ({ type: 'done', stopReason, usage })),
);

describe("the SDK's protocol and the agent's", () => {
  it('declare the same events and error codes', async () => {
    expectTypeOf<ChatEvent>().toEqualTypeOf<AgentChatEvent>();
    expectTypeOf<ChatErrorCode>().toEqualTypeOf<AgentChatErrorCode>();
    expect(CHAT_ERROR_CODES).toEqual((await agentProtocol).CHAT_ERROR_CODES);
  });

  it("write the same bytes: the stand-in's golden frames are the agent's formatEvent", async () => {
    const { formatEvent, HEARTBEAT_FRAME: agentHeartbeat, CHAT_STREAM_HEADERS } = await agentProtocol;
    expect(HEARTBEAT_FRAME).toBe(agentHeartbeat);
    expect(Object.fromEntries(Object.entries(CHAT_STREAM_HEADERS).map(([k, v]) => [k.toLowerCase(), v]))).toEqual(STREAM_HEADERS);
    fc.assert(
      fc.property(event, (e) => {
        expect(goldenFrame(e)).toBe(formatEvent(e));
      }),
      { numRuns: 300 },
    );
  });

  it('accept the same session ids', async () => {
    expect(SESSION_ID_PATTERN.source).toBe((await agentRequest).SESSION_ID_PATTERN.source);
    expect(STAND_IN_SESSION_ID_PATTERN.source).toBe(SESSION_ID_PATTERN.source);
  });

  it("the client reads the agent's frames back into the same events", async () => {
    const { formatEvent } = await agentProtocol;
    let wire = '';
    const client = createChatClient({
      endpoint: 'http://agent-frames.invalid',
      fetch: async () => new Response(wire, { status: 200, headers: STREAM_HEADERS }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(event.filter((e) => e.type !== 'done' && e.type !== 'error'), { maxLength: 8 }), event, async (middle, last) => {
        const terminal: ChatEvent = last.type === 'done' || last.type === 'error' ? last : { type: 'error', code: 'Internal', message: 'end' };
        const turn = [...middle, terminal].map((e) => (e.type === 'session' && e.sessionId === '' ? { ...e, sessionId: 'x' } : e));
        wire = turn.map((e) => formatEvent(e)).join(HEARTBEAT_FRAME);
        const seen: ChatEvent[] = [];
        for await (const e of client.send('hi')) seen.push(e);
        expect(seen).toEqual(turn);
      }),
      { numRuns: 100 },
    );
  });
});
