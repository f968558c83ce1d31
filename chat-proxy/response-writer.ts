import type { ResponseStream } from '../agent/chat-http/lambda-stream.js';

/**
 * Writes to the Lambda response stream with backpressure, and notices the browser going away (the
 * stream closes or fails before the proxy ended it) so the call to the agent can be stopped.
 */
export class ResponseWriter {
  private ended = false;
  private gone = false;
  private bytes = 0;
  private readonly out: ResponseStream;

  constructor(out: ResponseStream, onGone: () => void) {
    this.out = out;
    const lost = (): void => {
      if (this.ended || this.gone) return;
      this.gone = true;
      onGone();
    };
    out.on('close', lost);
    out.on('error', lost);
  }

  /** True once the browser cannot be written to any more. */
  get closed(): boolean {
    return this.gone || this.ended || this.out.destroyed;
  }

  /** True while earlier bytes wait for the browser to read them. */
  get busy(): boolean {
    return this.out.writableNeedDrain;
  }

  get written(): number {
    return this.bytes;
  }

  /** Writes `chunk`; resolves when the stream can take more (or is gone). */
  async write(chunk: Uint8Array | string): Promise<void> {
    if (this.closed) return;
    this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (this.out.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.out.off('drain', done);
        this.out.off('close', done);
        this.out.off('error', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
      this.out.on('error', done);
    });
  }

  /** Ends the answer (the browser sees the stream end). */
  end(): void {
    if (this.closed) return;
    this.ended = true;
    // Bare: an argument to the runtime's end() would skip the HTTP prelude.
    this.out.end();
  }
}
