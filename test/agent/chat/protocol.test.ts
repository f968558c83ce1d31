import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHAT_STREAM_HEADERS, ChatError, formatEvent, HEARTBEAT_FRAME, isChatError, startHeartbeat, type ChatEvent } from '../../../agent/chat/protocol.js';

describe('formatEvent', () => {
  it.each<[ChatEvent, string]>([
    [{ type: 'session', sessionId: 'abc' }, 'event: session\ndata: {"type":"session","sessionId":"abc"}\n\n'],
    [{ type: 'text', delta: 'a\nb "c"' }, 'event: text\ndata: {"type":"text","delta":"a\\nb \\"c\\""}\n\n'],
    [{ type: 'tool', phase: 'end', name: 'lookup', id: 't-1' }, 'event: tool\ndata: {"type":"tool","phase":"end","name":"lookup","id":"t-1"}\n\n'],
    [{ type: 'error', code: 'SessionBusy', message: 'busy' }, 'event: error\ndata: {"type":"error","code":"SessionBusy","message":"busy"}\n\n'],
    [
      { type: 'done', stopReason: 'endTurn', usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } },
      'event: done\ndata: {"type":"done","stopReason":"endTurn","usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3}}\n\n',
    ],
  ])('writes %j as the exact frame', (event, frame) => {
    expect(formatEvent(event)).toBe(frame);
  });

  it('puts type first and the fields in protocol order whatever order the event was built in, and nothing else', () => {
    const scrambled = { id: 't-2', name: 'lookup', extra: 'dropped', phase: 'start', type: 'tool' } as ChatEvent;
    expect(formatEvent(scrambled)).toBe('event: tool\ndata: {"type":"tool","phase":"start","name":"lookup","id":"t-2"}\n\n');
    const done = { usage: { totalTokens: 3, outputTokens: 2, inputTokens: 1 }, stopReason: 'maxTokens', type: 'done' } as ChatEvent;
    expect(formatEvent(done)).toBe('event: done\ndata: {"type":"done","stopReason":"maxTokens","usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3}}\n\n');
  });

  it('keeps every frame to one data line, whatever line breaks the text holds', () => {
    const frame = formatEvent({ type: 'text', delta: 'one\r\ntwo\rthree\nfour' });
    expect(frame.split('\n')).toHaveLength(4);
  });

  it('answers with the stream headers of the contract', () => {
    expect(CHAT_STREAM_HEADERS).toEqual({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
  });
});

describe('startHeartbeat', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the heartbeat comment every period until stopped, on a timer that keeps nothing alive', () => {
    vi.useFakeTimers();
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const frames: string[] = [];
    const stop = startHeartbeat((frame) => frames.push(frame), 15);
    vi.advanceTimersByTime(14_999);
    expect(frames).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(frames).toEqual([HEARTBEAT_FRAME]);
    vi.advanceTimersByTime(30_000);
    expect(frames).toHaveLength(3);
    stop();
    vi.advanceTimersByTime(60_000);
    expect(frames).toHaveLength(3);
    expect(HEARTBEAT_FRAME).toBe(': heartbeat\n\n');
    const timer = setIntervalSpy.mock.results[0]?.value as { hasRef(): boolean };
    expect(timer.hasRef()).toBe(false);
    setIntervalSpy.mockRestore();
  });
});

describe('ChatError', () => {
  it('carries its code and message, and is recognised', () => {
    const error = new ChatError('Throttled', 'slow down', { cause: new Error('429') });
    expect(error).toMatchObject({ name: 'ChatError', code: 'Throttled', message: 'slow down' });
    expect(isChatError(error)).toBe(true);
    expect(isChatError(new Error('x'))).toBe(false);
  });
});
