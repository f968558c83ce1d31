// The Lambda Node.js runtime's response streaming, as the agent code sees it: the `awslambda`
// global (defined by the runtime before it loads the handler's module) and the response stream
// it passes to a streamified handler. The CLI's shim (cli/lambda-streaming.ts) defines the same.
// Used by the chat handler and by the chat proxy (chat-proxy/).

/**
 * The part of the handler's response stream the chat handler and the chat proxy use: not a Node
 * Writable, but an object with the Writable methods of its HTTP request to the Runtime API.
 */
export interface ResponseStream {
  write(chunk: string | Uint8Array): boolean;
  /** Called bare, or with a callback only: the runtime's end(chunk) would skip the HTTP prelude. */
  end(callback?: () => void): void;
  on(event: 'close' | 'error' | 'drain', listener: (error?: unknown) => void): unknown;
  off(event: 'close' | 'error' | 'drain', listener: (error?: unknown) => void): unknown;
  setContentType(contentType: string): void;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  readonly writableNeedDrain: boolean;
}

/** The prelude of an API Gateway / function URL streamed response. */
export interface HttpResponseMetadata {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies?: readonly string[];
}

/** What the runtime gives a streamified handler beyond the event. */
export interface StreamingLambdaContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

export type StreamingLambdaHandler = (event: unknown, responseStream: ResponseStream, context: StreamingLambdaContext) => Promise<void>;

interface AwsLambdaGlobal {
  streamifyResponse<H>(handler: H): H;
  HttpResponseStream: { from(stream: ResponseStream, prelude: HttpResponseMetadata): ResponseStream };
}

/**
 * The runtime's global, when it is there. Its functions are checked: the AWS SDK's invoke store
 * sets `globalThis.awslambda = {}` wherever it loads, Lambda or not.
 */
function awslambda(): AwsLambdaGlobal | undefined {
  const candidate = (globalThis as { awslambda?: Partial<AwsLambdaGlobal> }).awslambda;
  if (typeof candidate?.streamifyResponse !== 'function' || typeof candidate.HttpResponseStream?.from !== 'function') return undefined;
  return candidate as AwsLambdaGlobal;
}

/** The mark the runtime reads to run a handler in streaming mode (what `streamifyResponse` sets). */
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

/**
 * `awslambda.streamifyResponse(handler)` when the global exists. Outside the runtime (the batch
 * handler's tests import the same module) it sets the same mark itself, so loading never fails
 * and the handler stays a streaming one.
 */
export function streamify(handler: StreamingLambdaHandler): StreamingLambdaHandler {
  const runtime = awslambda();
  if (runtime !== undefined) return runtime.streamifyResponse(handler);
  Object.defineProperty(handler, HANDLER_STREAMING, { value: 'response', enumerable: true, writable: true, configurable: true });
  return handler;
}

/** `awslambda.HttpResponseStream.from`, resolved when a response starts. */
export function httpResponseStream(stream: ResponseStream, prelude: HttpResponseMetadata): ResponseStream {
  const runtime = awslambda();
  if (runtime === undefined) {
    throw new Error('awslambda.HttpResponseStream is not defined: run chatHandler in the Lambda Node.js runtime (or under cli/lambda-streaming.ts)');
  }
  return runtime.HttpResponseStream.from(stream, prelude);
}

/** Writes `body` as the whole answer and ends the stream. */
export async function writeWhole(out: ResponseStream, body: string): Promise<void> {
  out.write(body);
  await new Promise<void>((resolve) => out.end(() => resolve()));
}
