/**
 * Splits the agent's event stream at frame boundaries (a blank line) without changing a byte, so the
 * proxy can put its own heartbeat or error frame between two of the agent's frames, never inside one.
 * Only LF and CRLF line ends are recognized (what the agent writes); a stream using lone CRs is still
 * passed through unchanged, only held until its end.
 */

const LF = 0x0a;
const CR = 0x0d;

export class FrameSplitter {
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  /** Bytes on the current line so far, and the last of them, across chunks. */
  private lineLength = 0;
  private lastByte = -1;

  /** The bytes that complete frames (possibly none), in order; the rest is held for the next chunk. */
  push(chunk: Uint8Array): Uint8Array {
    let boundary = -1;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte === LF) {
        const blank = this.lineLength === 0 || (this.lineLength === 1 && this.lastByte === CR);
        if (blank) boundary = i + 1;
        this.lineLength = 0;
      } else {
        this.lineLength += 1;
      }
      this.lastByte = byte;
    }
    if (boundary === -1) {
      this.hold(chunk);
      return new Uint8Array(0);
    }
    const ready = concat([...this.held, chunk.subarray(0, boundary)]);
    this.held = [];
    this.heldBytes = 0;
    if (boundary < chunk.length) this.hold(chunk.subarray(boundary));
    return ready;
  }

  /** Bytes of an unfinished frame held back. */
  get holding(): number {
    return this.heldBytes;
  }

  /** The unfinished frame's bytes, once the stream has ended. */
  rest(): Uint8Array {
    const rest = concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    return rest;
  }

  private hold(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.held.push(bytes);
    this.heldBytes += bytes.length;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts);
}
