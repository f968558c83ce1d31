import { randomUUID } from 'node:crypto';
import { Agent, createServer, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { createConnection, type AddressInfo, type NetConnectOpts, type Socket } from 'node:net';

/**
 * Lambda's response streaming for Node.js, locally: the `awslambda` globals and the runtime's side
 * of an invocation. A port of aws-lambda-nodejs-runtime-interface-client (Apache-2.0; the code the
 * managed nodejs22.x runtime runs), mirroring:
 *
 * - UserFunction.js: `streamifyResponse(handler, {highWaterMark})` only marks the handler with
 *   `Symbol.for('aws.lambda.runtime.handler.streaming') = 'response'` (and the high-water mark);
 *   the runtime reads the mark when it loads the handler.
 * - HttpResponseStream.js: `from(stream, prelude)` sets the content type
 *   `application/vnd.awslambda.http-integration-response` and, before the first write, writes
 *   `JSON.stringify(prelude)` then 8 NUL bytes; the body follows.
 * - ResponseStream.js: the handler's stream is an HTTP/1.1 chunked POST to the Runtime API
 *   (`Lambda-Runtime-Function-Response-Mode: streaming`), each write() going out as written (no
 *   promise that chunks map 1:1 to writes). The handler gets a plain object exposing only the
 *   request's Writable and EventEmitter methods plus `setContentType` (which throws after the first
 *   write). Its `end(x)` passes one argument to the request's own end, so `end(chunk)` bypasses the
 *   prelude hook: write frames with write() and call end() bare. A failure is sent as the trailers
 *   `Lambda-Runtime-Function-Error-Type` and `-Body` (base64 JSON).
 * - Runtime.js `handleOnceStreaming`: a handler that does not return a promise fails ("Streaming
 *   does not support non-async handlers."); its return value is ignored; after it settles the
 *   runtime waits for the Runtime API's answer to the POST, so a stream never ended keeps the
 *   invocation open until the function times out; a thrown error fails the stream.
 *
 * Here the Runtime API is a loopback HTTP server per invocation, recording the bytes as they arrive.
 *
 * The client going away, two ways (`disconnect(mode)`):
 * - `'reset'`: the Runtime API connection is reset, so the handler's stream emits 'error' then
 *   'close'. This is what a handler must handle to abort its work.
 * - `'silent'`: the deployed service today does NOT tell the function: writes keep succeeding and
 *   'close' comes only from end() (aws-lambda-nodejs-runtime-interface-client issue #145). The
 *   invocation then runs on until it ends or its deadline; the bytes written after the
 *   disconnection are recorded as undelivered.
 */

export const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
export const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
export const STREAM_RESPONSE = 'response';
export const METADATA_PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
export const DELIMITER_LEN = 8;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const HEADER_RESPONSE_MODE = 'Lambda-Runtime-Function-Response-Mode';
const TRAILER_NAME_ERROR_TYPE = 'Lambda-Runtime-Function-Error-Type';
const TRAILER_NAME_ERROR_BODY = 'Lambda-Runtime-Function-Error-Body';

// Listeners of any signature, as Node's own EventEmitter types take.
type Listener = (...args: never[]) => void;

/** What the handler's `responseStream` exposes (ResponseStream.js `writableStreamOnly`). */
export interface LambdaResponseStream {
  write(chunk: string | Uint8Array, encoding?: BufferEncoding, callback?: (error?: Error | null) => void): boolean;
  /** One argument only, as the runtime passes it on: a callback, or a last chunk (which skips the prelude). */
  end(callbackOrChunk?: (() => void) | string | Uint8Array): void;
  destroy(error?: Error): void;
  cork(): void;
  uncork(): void;
  addListener(event: string, listener: Listener): unknown;
  emit(event: string, ...args: unknown[]): boolean;
  eventNames(): Array<string | symbol>;
  getMaxListeners(): number;
  listenerCount(event: string): number;
  listeners(event: string): Listener[];
  off(event: string, listener: Listener): unknown;
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
  prependListener(event: string, listener: Listener): unknown;
  prependOnceListener(event: string, listener: Listener): unknown;
  rawListeners(event: string): Listener[];
  removeAllListeners(event?: string): unknown;
  removeListener(event: string, listener: Listener): unknown;
  setMaxListeners(n: number): unknown;
  setContentType(contentType: string): void;
  destroyed: boolean;
  writable: boolean;
  _onBeforeFirstWrite: ((write: (chunk: string | Uint8Array) => void) => void) | undefined;
  readonly writableFinished: boolean;
  readonly writableObjectMode: boolean;
  readonly writableEnded: boolean;
  readonly writableNeedDrain: boolean;
  readonly writableHighWaterMark: number;
  readonly writableCorked: number;
  readonly writableLength: number;
}

/** The prelude of an HTTP integration response (API Gateway, function URLs). */
export interface HttpResponseMetadata {
  readonly statusCode?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly cookies?: readonly string[];
}

/** The context a streaming handler gets (InvokeContext.js + StreamingContext.js). */
export interface StreamingContext {
  callbackWaitsForEmptyEventLoop: boolean;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly invokedFunctionArn: string;
  readonly awsRequestId: string;
  readonly clientContext?: unknown;
  readonly identity?: unknown;
  getRemainingTimeInMillis(): number;
}

export type StreamingHandler = (event: unknown, responseStream: LambdaResponseStream, context: StreamingContext) => unknown;

type Marked = { [HANDLER_STREAMING]?: unknown; [HANDLER_HIGHWATERMARK]?: unknown };

/** `awslambda.streamifyResponse`: marks the handler for the runtime and returns it unchanged. */
export function streamifyResponse<H extends (...args: never[]) => unknown>(handler: H, options?: { highWaterMark?: number }): H {
  const marked = handler as H & Marked;
  marked[HANDLER_STREAMING] = STREAM_RESPONSE;
  if (typeof options?.highWaterMark === 'number') marked[HANDLER_HIGHWATERMARK] = Math.trunc(options.highWaterMark);
  return handler;
}

/** Whether the runtime would run `handler` in streaming mode (UserFunction.js `_isHandlerStreaming`). */
export function isStreamingHandler(handler: unknown): boolean {
  if (typeof handler !== 'function') return false;
  const mark = (handler as Marked)[HANDLER_STREAMING];
  if (mark === undefined || mark === null || mark === false) return false;
  if (mark === STREAM_RESPONSE) return true;
  throw new Error('MalformedStreamingHandler: Only response streaming is supported.');
}

/** `awslambda.HttpResponseStream` (HttpResponseStream.js). */
export class HttpResponseStream {
  static from(underlyingStream: LambdaResponseStream, prelude: HttpResponseMetadata): LambdaResponseStream {
    underlyingStream.setContentType(METADATA_PRELUDE_CONTENT_TYPE);
    // JSON.stringify escapes NUL, so the delimiter cannot occur inside the prelude.
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(DELIMITER_LEN));
    };
    return underlyingStream;
  }
}

/** The `awslambda` global as the runtime defines it. */
export interface AwsLambdaGlobal {
  streamifyResponse: typeof streamifyResponse;
  HttpResponseStream: typeof HttpResponseStream;
}

/**
 * Defines `globalThis.awslambda` as the runtime does before loading the handler's module. Returns
 * a function that restores what was there (tests share one process).
 */
export function installStreamingGlobals(): () => void {
  const holder = globalThis as { awslambda?: unknown };
  const had = Object.prototype.hasOwnProperty.call(holder, 'awslambda');
  const previous = holder.awslambda;
  const installed: AwsLambdaGlobal = { streamifyResponse, HttpResponseStream };
  holder.awslambda = installed;
  return () => {
    if (holder.awslambda !== installed) return;
    if (had) holder.awslambda = previous;
    else delete holder.awslambda;
  };
}

/** ResponseStream.js `toRapidResponse` (Errors.js). */
function toRapidResponse(error: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

interface RuntimeStream {
  readonly stream: LambdaResponseStream;
  readonly responseDone: Promise<unknown>;
  fail(error: unknown, callback?: () => void): void;
}

/** ResponseStream.js `createResponseStream`, against the local Runtime API at `port`. */
function createResponseStream(port: number, path: string, highWaterMark: number | undefined): RuntimeStream {
  let written = false;
  let onBeforeFirstWrite: LambdaResponseStream['_onBeforeFirstWrite'];
  const agent = new Agent({ keepAlive: false });
  // As the runtime does: the connection's high-water mark is the handler's.
  const connect = agent.createConnection.bind(agent);
  agent.createConnection = (options, listener) => {
    if (highWaterMark === undefined) return connect(options, listener);
    // Node 22 takes the socket's highWaterMark here (its types for Node 20 do not list it). The
    // socket is returned synchronously, so the agent's creation callback is not needed.
    const withMark: NetConnectOpts & { highWaterMark: number } = { ...(options as NetConnectOpts), highWaterMark };
    return createConnection(withMark);
  };
  let responseDoneResolve: (value: unknown) => void = () => undefined;
  let responseDoneReject: (error: unknown) => void = () => undefined;
  const responseDone = new Promise((resolve, reject) => {
    responseDoneResolve = resolve;
    responseDoneReject = reject;
  });
  // The runtime awaits it only after the handler returned; a reset meanwhile must not count as
  // an unhandled rejection in a shared test process.
  responseDone.catch(() => undefined);
  const req: ClientRequest = request(
    {
      method: 'POST',
      hostname: '127.0.0.1',
      port,
      path,
      agent,
      headers: {
        [HEADER_RESPONSE_MODE]: 'streaming',
        Trailer: [TRAILER_NAME_ERROR_TYPE, TRAILER_NAME_ERROR_BODY],
        'Content-Type': DEFAULT_CONTENT_TYPE,
      },
    },
    (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('aborted', () => {
        const error = new Error('aborted');
        responseDoneReject(error);
        req.destroy(error);
      });
      res.on('end', () => responseDoneResolve(Buffer.concat(chunks)));
    },
  );
  req.on('error', (error) => {
    responseDoneReject(error);
    req.destroy(error);
  });
  const origWrite = req.write.bind(req) as (chunk: string | Uint8Array, encoding?: BufferEncoding, callback?: (error?: Error | null) => void) => boolean;
  const origEnd = req.end.bind(req) as (arg?: unknown) => void;
  const write = (chunk: unknown, encoding?: BufferEncoding, callback?: (error?: Error | null) => void): boolean => {
    const bytes = typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk);
    if (!written && typeof onBeforeFirstWrite === 'function') onBeforeFirstWrite((ch) => origWrite(ch));
    const accepted = origWrite(bytes, encoding, callback);
    written = true;
    return accepted;
  };
  const setContentType = (contentType: string): void => {
    if (written) throw new Error('InvalidStreamingOperation: Cannot set content-type, too late.');
    req.setHeader('Content-Type', contentType);
  };

  const bound = <K extends keyof ClientRequest>(name: K): unknown => (req[name] as (...args: unknown[]) => unknown).bind(req);
  const stream = {
    cork: bound('cork'),
    destroy: bound('destroy'),
    end: (arg?: unknown) => origEnd(arg),
    uncork: bound('uncork'),
    write,
    addListener: bound('addListener'),
    emit: bound('emit'),
    eventNames: bound('eventNames'),
    getMaxListeners: bound('getMaxListeners'),
    listenerCount: bound('listenerCount'),
    listeners: bound('listeners'),
    off: bound('off'),
    on: bound('on'),
    once: bound('once'),
    prependListener: bound('prependListener'),
    prependOnceListener: bound('prependOnceListener'),
    rawListeners: bound('rawListeners'),
    removeAllListeners: bound('removeAllListeners'),
    removeListener: bound('removeListener'),
    setMaxListeners: bound('setMaxListeners'),
    setContentType,
  };
  const readOnly = ['writableFinished', 'writableObjectMode', 'writableEnded', 'writableNeedDrain', 'writableHighWaterMark', 'writableCorked', 'writableLength'] as const;
  Object.defineProperties(stream, {
    destroyed: { get: () => req.destroyed, set: (value: boolean) => Reflect.set(req, 'destroyed', value), enumerable: true },
    writable: { get: () => req.writable, set: (value: boolean) => Reflect.set(req, 'writable', value), enumerable: true },
    _onBeforeFirstWrite: { get: () => onBeforeFirstWrite, set: (value: LambdaResponseStream['_onBeforeFirstWrite']) => (onBeforeFirstWrite = value), enumerable: true },
    ...Object.fromEntries(readOnly.map((name) => [name, { get: () => req[name], enumerable: true }])),
  });
  return {
    stream: stream as unknown as LambdaResponseStream,
    responseDone,
    fail: (error, callback) => {
      const rapid = toRapidResponse(error);
      if (!req.destroyed && !req.writableEnded) {
        req.addTrailers({
          [TRAILER_NAME_ERROR_TYPE]: rapid.errorType,
          [TRAILER_NAME_ERROR_BODY]: Buffer.from(JSON.stringify(rapid)).toString('base64'),
        });
      }
      origEnd(callback);
    },
  };
}

/** Milliseconds since the epoch, sub-millisecond: comparable across processes. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

export interface ArrivedChunk {
  readonly bytes: Buffer;
  /** When the Runtime API received it ({@link preciseNow}). */
  readonly at: number;
}

/**
 * Splits a `application/vnd.awslambda.http-integration-response` byte stream, as it arrives, into
 * the prelude (JSON up to the first 8 NUL bytes) and the body chunks.
 */
export class IntegrationResponseParser {
  private pending = Buffer.alloc(0);
  prelude: HttpResponseMetadata | undefined;
  readonly body: ArrivedChunk[] = [];

  /** Feeds bytes; returns the body part of them (empty while the prelude is incomplete). */
  push(chunk: ArrivedChunk): Buffer {
    if (this.prelude !== undefined) {
      this.body.push(chunk);
      return chunk.bytes;
    }
    this.pending = Buffer.concat([this.pending, chunk.bytes]);
    const end = this.pending.indexOf(Buffer.alloc(DELIMITER_LEN));
    if (end === -1) return Buffer.alloc(0);
    this.prelude = JSON.parse(this.pending.subarray(0, end).toString('utf8')) as HttpResponseMetadata;
    const rest = this.pending.subarray(end + DELIMITER_LEN);
    this.pending = Buffer.alloc(0);
    if (rest.length > 0) this.body.push({ bytes: rest, at: chunk.at });
    return rest;
  }
}

export interface StreamingResult {
  readonly requestId: string;
  /** How the invocation ended, as the runtime sees it. */
  readonly outcome: 'completed' | 'failed' | 'timedOut' | 'disconnected';
  /** The Content-Type the function's stream was sent with. */
  readonly contentType: string | undefined;
  /** Every byte the Runtime API received, prelude and delimiter included. */
  readonly raw: Buffer;
  readonly rawChunks: readonly ArrivedChunk[];
  /** The parsed HTTP integration response, when the function used HttpResponseStream.from and wrote. */
  readonly http?: { readonly statusCode: number; readonly headers: Readonly<Record<string, string>>; readonly cookies: readonly string[]; readonly body: Buffer; readonly chunks: readonly ArrivedChunk[] };
  /** The error the runtime reported (trailers), or the timeout. */
  readonly error?: { readonly errorType: string; readonly errorMessage: string };
  /** Bytes written after a silent disconnection: the client never got them. */
  readonly undelivered: number;
}

export interface StreamingInvocation {
  readonly requestId: string;
  /** Settles when the runtime is done with the invocation (never rejects). */
  readonly done: Promise<StreamingResult>;
  /** The client goes away (see the module comment for the modes). */
  disconnect(mode?: 'reset' | 'silent'): void;
}

export interface StreamingInvocationOptions {
  /** The function's timeout: `getRemainingTimeInMillis` counts down from it; past it the invocation is stopped. Default 900000. */
  readonly timeoutMs?: number;
  readonly functionName?: string;
  readonly awsRequestId?: string;
  /** Body bytes as they arrive (after the prelude), for a caller relaying the stream. */
  readonly onBody?: (bytes: Buffer, at: number) => void;
  /** The prelude, once it arrived. */
  readonly onPrelude?: (prelude: HttpResponseMetadata) => void;
}

/**
 * Runs one invocation of a streamified handler as the Lambda runtime does, with `event` (for
 * example an API Gateway proxy event). The handler's own process: it keeps running past a timeout
 * (a real sandbox would be stopped), so tests give it bounded work.
 */
export function invokeStreamingHandler(handler: unknown, event: unknown, options: StreamingInvocationOptions = {}): StreamingInvocation {
  const requestId = options.awsRequestId ?? randomUUID();
  const timeoutMs = options.timeoutMs ?? 900_000;
  let disconnection: 'reset' | 'silent' | undefined;
  const sockets = new Set<Socket>();
  const rawChunks: ArrivedChunk[] = [];
  let undelivered = 0;
  let contentType: string | undefined;
  let trailers: NodeJS.Dict<string> = {};
  const parser = new IntegrationResponseParser();

  const runtimeApi = createServer((req: IncomingMessage, res) => {
    contentType = req.headers['content-type'];
    req.on('data', (bytes: Buffer) => {
      if (disconnection === 'silent') {
        undelivered += bytes.length;
        return;
      }
      const chunk = { bytes, at: preciseNow() };
      rawChunks.push(chunk);
      if (contentType !== METADATA_PRELUDE_CONTENT_TYPE) return;
      const hadPrelude = parser.prelude !== undefined;
      const body = parser.push(chunk);
      if (!hadPrelude && parser.prelude !== undefined) options.onPrelude?.(parser.prelude);
      if (body.length > 0) options.onBody?.(body, chunk.at);
    });
    req.on('end', () => {
      trailers = req.trailers;
      res.writeHead(202, { 'Content-Type': 'application/json' });
      res.end('{"status":"OK"}');
    });
  });
  runtimeApi.on('connection', (socket: Socket) => {
    // The runtime opens its connection when it creates the stream; a client gone before that resets it at once.
    if (disconnection === 'reset') {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const run = async (): Promise<StreamingResult> => {
    if (!isStreamingHandler(handler)) throw new Error('the handler is not streamified (awslambda.streamifyResponse)');
    await new Promise<void>((resolve) => runtimeApi.listen(0, '127.0.0.1', resolve));
    const { port } = runtimeApi.address() as AddressInfo;
    const highWaterMark = (handler as Marked)[HANDLER_HIGHWATERMARK];
    const runtime = createResponseStream(port, `/2018-06-01/runtime/invocation/${encodeURIComponent(requestId)}/response`, typeof highWaterMark === 'number' ? highWaterMark : undefined);
    const deadline = Date.now() + timeoutMs;
    let waitForEmptyEventLoop = true;
    const context: StreamingContext = {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value: boolean) {
        waitForEmptyEventLoop = value;
      },
      functionName: options.functionName ?? 'local-function',
      functionVersion: '$LATEST',
      memoryLimitInMB: '1024',
      logGroupName: `/aws/lambda/${options.functionName ?? 'local-function'}`,
      logStreamName: 'local',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${options.functionName ?? 'local-function'}`,
      awsRequestId: requestId,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };

    let failure: unknown;
    const handled = (async () => {
      try {
        const result = (handler as StreamingHandler)(event, runtime.stream, context);
        if (!isPromise(result)) {
          failure = 'Streaming does not support non-async handlers.';
          runtime.fail(failure);
          return;
        }
        await result;
        await runtime.responseDone;
        if (!runtime.stream.writableFinished) {
          failure = 'Response stream is not finished.';
          runtime.fail(failure);
        }
      } catch (error) {
        failure = error;
        runtime.fail(error);
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      handled.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), Math.max(0, timeoutMs));
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) runtime.stream.destroy(new Error('Task timed out'));
    // The trailers are read when the POST's body ends: wait for the server to see it.
    await runtime.responseDone.catch(() => undefined);
    await closeServer();
    const raw = Buffer.concat(rawChunks.map((c) => c.bytes));
    const reported = trailers[TRAILER_NAME_ERROR_BODY.toLowerCase()];
    const error = timedOut
      ? { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` }
      : reported !== undefined
        ? (({ errorType, errorMessage }) => ({ errorType, errorMessage }))(JSON.parse(Buffer.from(reported, 'base64').toString('utf8')) as { errorType: string; errorMessage: string })
        : failure !== undefined
          ? (({ errorType, errorMessage }) => ({ errorType, errorMessage }))(toRapidResponse(failure))
          : undefined;
    const outcome = timedOut ? 'timedOut' : disconnection !== undefined ? 'disconnected' : error !== undefined ? 'failed' : 'completed';
    const prelude = parser.prelude;
    return {
      requestId,
      outcome,
      contentType,
      raw,
      rawChunks,
      undelivered,
      ...(error === undefined ? {} : { error }),
      ...(prelude === undefined
        ? {}
        : {
            http: {
              statusCode: prelude.statusCode ?? 200,
              headers: prelude.headers ?? {},
              cookies: prelude.cookies ?? [],
              body: Buffer.concat(parser.body.map((c) => c.bytes)),
              chunks: parser.body,
            },
          }),
    };
  };

  const closeServer = (): Promise<void> =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      runtimeApi.close(() => resolve());
    });

  const done = run().catch(async (error: unknown) => {
    await closeServer().catch(() => undefined);
    return {
      requestId,
      outcome: 'failed' as const,
      contentType,
      raw: Buffer.alloc(0),
      rawChunks,
      undelivered,
      error: (({ errorType, errorMessage }) => ({ errorType, errorMessage }))(toRapidResponse(error)),
    };
  });

  return {
    requestId,
    done,
    disconnect(mode = 'reset') {
      if (disconnection !== undefined) return;
      disconnection = mode;
      if (mode === 'reset') for (const socket of sockets) socket.destroy();
    },
  };
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
