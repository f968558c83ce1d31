import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatEvent, HEARTBEAT_FRAME } from '../../agent/chat/protocol.js';
import { FrameSplitter } from '../../chat-proxy/frames.js';

const encoder = new TextEncoder();
const frame = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((delta) => formatEvent({ type: 'text', delta })),
  fc.constant(HEARTBEAT_FRAME),
  fc.constant('event: text\r\ndata: {"type":"text","delta":"crlf"}\r\n\r\n'),
  fc.constant('data: {"type":"text","delta":"two"}\ndata: {"more":1}\n\n'),
);

/** `bytes` cut at the given offsets. */
function chunked(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const offsets = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const offset of [...offsets, bytes.length]) {
    chunks.push(bytes.subarray(start, offset));
    start = offset;
  }
  return chunks;
}

describe('FrameSplitter', () => {
  it('gives back every byte unchanged and in order, released only at frame ends, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (frames, cuts) => {
        const whole = encoder.encode(frames.join(''));
        const ends = new Set<number>();
        let offset = 0;
        for (const text of frames) ends.add((offset += encoder.encode(text).length));
        const splitter = new FrameSplitter();
        const released: number[] = [];
        const out: Uint8Array[] = [];
        let total = 0;
        for (const chunk of chunked(whole, cuts)) {
          const ready = splitter.push(chunk);
          if (ready.length > 0) {
            total += ready.length;
            released.push(total);
            out.push(ready);
          }
        }
        expect(splitter.holding).toBe(0);
        expect(Buffer.concat(out)).toEqual(Buffer.from(whole));
        for (const position of released) expect(ends.has(position)).toBe(true);
      }),
    );
  });

  it('holds an unfinished frame and hands it over at the end', () => {
    const splitter = new FrameSplitter();
    expect(splitter.push(encoder.encode('event: text\ndata: {"a"'))).toHaveLength(0);
    expect(splitter.holding).toBe(22);
    expect(Buffer.from(splitter.rest()).toString()).toBe('event: text\ndata: {"a"');
    expect(splitter.holding).toBe(0);
  });
});
