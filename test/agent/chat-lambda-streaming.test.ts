import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HANDLER_STREAMING,
  HttpResponseStream,
  installStreamingGlobals,
  invokeStreamingHandler,
  isStreamingHandler,
  streamifyResponse,
  type LambdaResponseStream,
} from '../../cli/lambda-streaming.js';
import { until } from './helpers/faulty-s3.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const PRELUDE = { statusCode: 201, headers: { 'Content-Type': 'text/plain', 'X-Test': 'yes' }, cookies: ['a=1'] };

/** The shim of Lambda's response streaming (cli/lambda-streaming.ts), checked against the runtime's behaviour. */
describe('Lambda response streaming shim', () => {
  let uninstall: () => void;
  beforeAll(() => {
    uninstall = installStreamingGlobals();
  });
  afterAll(() => uninstall());

  it('defines awslambda as the runtime does, and restores what was there', () => {
    const holder = globalThis as { awslambda?: { streamifyResponse: unknown; HttpResponseStream: unknown } };
    expect(holder.awslambda?.streamifyResponse).toBe(streamifyResponse);
    expect(holder.awslambda?.HttpResponseStream).toBe(HttpResponseStream);
    const previous = holder.awslambda;
    const again = installStreamingGlobals();
    // A second install puts a new object there; restoring it brings back the very one it replaced.
    expect(holder.awslambda).not.toBe(previous);
    expect(holder.awslambda?.streamifyResponse).toBe(streamifyResponse);
    again();
    expect(holder.awslambda).toBe(previous);
  });

  it('streamifyResponse only marks the handler; an unmarked handler is refused', async () => {
    const plain = async () => undefined;
    expect(isStreamingHandler(plain)).toBe(false);
    expect(streamifyResponse(plain)).toBe(plain);
    expect((plain as unknown as Record<symbol, unknown>)[HANDLER_STREAMING]).toBe('response');
    const result = await invokeStreamingHandler(async () => undefined, {}).done;
    expect(result).toMatchObject({ outcome: 'failed', error: { errorMessage: expect.stringContaining('not streamified') } });
  });

  it('sends the JSON prelude, 8 NUL bytes, then the body, with the integration content type', async () => {
    const handler = streamifyResponse(async (_event: unknown, stream: LambdaResponseStream) => {
      const http = HttpResponseStream.from(stream, PRELUDE);
      http.write('hello ');
      http.write(Buffer.from('world'));
      http.end();
    });
    const result = await invokeStreamingHandler(handler, {}).done;
    expect(result.outcome).toBe('completed');
    expect(result.contentType).toBe('application/vnd.awslambda.http-integration-response');
    expect(result.raw.equals(Buffer.concat([Buffer.from(JSON.stringify(PRELUDE)), Buffer.alloc(8), Buffer.from('hello world')]))).toBe(true);
    expect(result.http).toMatchObject({ statusCode: 201, headers: PRELUDE.headers, cookies: ['a=1'] });
    expect(result.http?.body.toString()).toBe('hello world');
  });

  it('delivers each write as it is made (chunk arrival times follow the writes)', async () => {
    const handler = streamifyResponse(async (_event: unknown, stream: LambdaResponseStream) => {
      const http = HttpResponseStream.from(stream, { statusCode: 200 });
      http.write('first');
      await sleep(300);
      http.write('second');
      http.end();
    });
    const started = performance.timeOrigin + performance.now();
    const result = await invokeStreamingHandler(handler, {}).done;
    const chunks = result.http?.chunks ?? [];
    const first = chunks.find((c) => c.bytes.toString().includes('first'));
    const second = chunks.find((c) => c.bytes.toString().includes('second'));
    expect(first!.at - started).toBeLessThan(200);
    expect(second!.at - first!.at).toBeGreaterThan(250);
  });

  it("mirrors the runtime's end(chunk): the chunk goes out without the prelude", async () => {
    const handler = streamifyResponse(async (_event: unknown, stream: LambdaResponseStream) => {
      HttpResponseStream.from(stream, { statusCode: 200 }).end('only');
    });
    const result = await invokeStreamingHandler(handler, {}).done;
    expect(result.raw.toString()).toBe('only');
    expect(result.http).toBeUndefined();
  });

  it('refuses setContentType after the first write, as the runtime does', async () => {
    let refused: unknown;
    const handler = streamifyResponse(async (_event: unknown, stream: LambdaResponseStream) => {
      stream.write('x');
      try {
        stream.setContentType('text/plain');
      } catch (error) {
        refused = error;
      }
      stream.end();
    });
    await invokeStreamingHandler(handler, {}).done;
    expect(String(refused)).toContain('Cannot set content-type, too late.');
  });

  it('reports a thrown error (as the runtime does, through trailers) and a non-async handler', async () => {
    const throws = streamifyResponse(async (_event: unknown, stream: LambdaResponseStream) => {
      stream.write('partial');
      throw new TypeError('boom');
    });
    const failed = await invokeStreamingHandler(throws, {}).done;
    expect(failed).toMatchObject({ outcome: 'failed', error: { errorType: 'TypeError', errorMessage: 'boom' } });
    expect(failed.raw.toString()).toBe('partial');
    const sync = streamifyResponse((() => undefined) as (event: unknown) => undefined);
    expect((await invokeStreamingHandler(sync, {}).done).error?.errorMessage).toBe('Streaming does not support non-async handlers.');
  });

  it('keeps an invocation whose stream is never ended open until the function times out', async () => {
    const handler = streamifyResponse(async (_event: unknown, stream: LambdaResponseStream) => {
      stream.write('never ended');
    });
    const started = Date.now();
    const result = await invokeStreamingHandler(handler, {}, { timeoutMs: 400 }).done;
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(result).toMatchObject({ outcome: 'timedOut', error: { errorType: 'Sandbox.Timedout' } });
  });

  it('gives the handler the remaining time of its timeout', async () => {
    let remaining = 0;
    const handler = streamifyResponse(async (_event: unknown, stream: LambdaResponseStream, context: { getRemainingTimeInMillis(): number }) => {
      remaining = context.getRemainingTimeInMillis();
      stream.end();
    });
    await invokeStreamingHandler(handler, {}, { timeoutMs: 5_000 }).done;
    expect(remaining).toBeGreaterThan(4_500);
    expect(remaining).toBeLessThanOrEqual(5_000);
  });

  it("a reset client: the handler's stream emits error then close", async () => {
    const events: string[] = [];
    let writing = true;
    const handler = streamifyResponse(async (_event: unknown, stream: LambdaResponseStream) => {
      const http = HttpResponseStream.from(stream, { statusCode: 200 });
      stream.on('error', () => events.push('error'));
      await new Promise<void>((resolve) => {
        stream.on('close', () => {
          events.push('close');
          resolve();
        });
        const tick = (): void => {
          if (!writing || stream.destroyed) return;
          http.write('tick\n');
          setTimeout(tick, 20);
        };
        tick();
      });
      writing = false;
      stream.end();
    });
    let received = '';
    const invocation = invokeStreamingHandler(handler, {}, { onBody: (bytes) => (received += bytes.toString('utf8')) });
    // The client leaves once the first tick has arrived (a bounded wait, not a sleep).
    await until(() => received.includes('tick\n'), 'the first tick', 5_000);
    invocation.disconnect();
    const result = await invocation.done;
    // The request emits the reset, and the runtime's own error listener destroys it with the same
    // error, which emits it again: the handler sees 'error' (twice) and then 'close'.
    expect(events.filter((e) => e === 'error').length).toBeGreaterThanOrEqual(1);
    expect(events.at(-1)).toBe('close');
    expect(result.outcome).toBe('disconnected');
    expect(result.http?.body.toString()).toMatch(/^(tick\n)+$/);
  });

  it('a silent disconnection (what Lambda does today): writes still succeed, bytes are undelivered, no close until end()', async () => {
    const events: string[] = [];
    let disconnected = (): void => undefined;
    const gone = new Promise<void>((resolve) => (disconnected = resolve));
    const handler = streamifyResponse(async (_event: unknown, stream: LambdaResponseStream) => {
      const http = HttpResponseStream.from(stream, { statusCode: 200 });
      stream.on('close', () => events.push('close'));
      http.write('before');
      await gone;
      http.write('after');
      events.push('wrote');
      http.end();
    });
    let received = '';
    const invocation = invokeStreamingHandler(handler, {}, { onBody: (bytes) => (received += bytes.toString('utf8')) });
    // The client leaves once 'before' has arrived; the handler writes 'after' only then.
    await until(() => received.includes('before'), "the first write's bytes", 5_000);
    invocation.disconnect('silent');
    disconnected();
    const result = await invocation.done;
    expect(events[0]).toBe('wrote');
    expect(result.http?.body.toString()).toBe('before');
    expect(result.undelivered).toBe('after'.length);
  });
});
