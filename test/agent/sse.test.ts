import { describe, expect, it } from 'vitest';
import { wantsEventStream } from '../../agent/http/sse.js';

describe('wantsEventStream (Accept negotiation between application/json and text/event-stream)', () => {
  it.each([
    // [Accept, streams?]
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['application/json', false],
    ['text/event-stream', true],
    ['TEXT/Event-Stream', true],
    ['text/*', true],
    // The AgentCore CLI: JSON listed first, equal q.
    ['application/json, text/event-stream', false],
    ['text/event-stream, application/json', true],
    ['application/json,text/event-stream', false],
    // q-values decide before order.
    ['application/json;q=0.5, text/event-stream', true],
    ['application/json, text/event-stream;q=0.9', false],
    ['text/event-stream;q=0.2, application/json;q=0.1', true],
    ['text/event-stream; q=0', false],
    ['text/event-stream;q=0, */*', false],
    // The most specific range sets a type's q.
    ['text/event-stream, */*;q=0.1', true],
    ['*/*, text/event-stream;q=0.5', false],
    ['text/*;q=0.9, application/*;q=0.8', true],
    ['application/*, text/*', false],
    ['text/event-stream, */*', true],
    ['*/*, text/event-stream', false],
    // Parameters other than q do not matter; malformed ranges are ignored.
    ['text/event-stream;charset=utf-8', true],
    ['application/json;charset=utf-8;q=1, text/event-stream', false],
    ['garbage, text/event-stream', true],
    ['text/event-stream;q=abc, application/json', false],
    ['text/event-stream;q=2', false],
    ['application/xml', false],
  ])('Accept %j → stream: %s', (accept, streams) => {
    expect(wantsEventStream(accept)).toBe(streams);
  });
});
