/**
 * Lambda response streaming, through the `awslambda` global the Node.js runtime defines before it
 * loads the handler. The global is looked up when used, never at import, so the module loads
 * without it (bundle checks, unit tests); a missing global is an error only when a stream is opened.
 */

/** The status and headers of a streamed HTTP answer (API Gateway's integration response prelude). */
export interface ResponseMetadata {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * What the runtime hands a streaming handler: not a Node Writable, but an object with the Writable
 * methods of its HTTP request to the Runtime API. Its `end` passes one argument on, so a last chunk
 * given to `end` would skip the HTTP prelude: write, then `end()` bare.
 */
export interface ResponseStream {
  write(chunk: string | Uint8Array): boolean;
  end(callback?: () => void): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  readonly destroyed: boolean;
  readonly writableNeedDrain: boolean;
}

/** The part of the Lambda context a streaming handler uses. */
export interface StreamingContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

export type StreamingHandler = (event: unknown, responseStream: ResponseStream, context?: StreamingContext) => Promise<void>;

interface AwsLambdaGlobal {
  streamifyResponse(handler: StreamingHandler): StreamingHandler;
  readonly HttpResponseStream: { from(stream: ResponseStream, metadata: ResponseMetadata): ResponseStream };
}

/**
 * The runtime's global, when it is there. Checked by its functions: the AWS SDK (its invoke store)
 * sets `globalThis.awslambda = {}` wherever it loads, Lambda or not.
 */
function awslambda(): AwsLambdaGlobal | undefined {
  const candidate = (globalThis as { awslambda?: Partial<AwsLambdaGlobal> }).awslambda;
  if (typeof candidate?.streamifyResponse !== 'function' || typeof candidate.HttpResponseStream?.from !== 'function') return undefined;
  return candidate as AwsLambdaGlobal;
}

/** `handler` marked as a streaming handler when the runtime's global exists, else as is. */
export function streamified(handler: StreamingHandler): StreamingHandler {
  return awslambda()?.streamifyResponse(handler) ?? handler;
}

/** The stream an HTTP answer is written to: the runtime sends `metadata` before the first bytes. */
export function httpResponseStream(stream: ResponseStream, metadata: ResponseMetadata): ResponseStream {
  const runtime = awslambda();
  if (runtime === undefined) throw new Error('awslambda.HttpResponseStream is not defined: this handler runs in the Lambda Node.js runtime (or its shim)');
  return runtime.HttpResponseStream.from(stream, metadata);
}

/** Writes `body` as the whole answer and ends the stream. */
export async function writeWhole(out: ResponseStream, body: string): Promise<void> {
  out.write(body);
  await new Promise<void>((resolve) => out.end(() => resolve()));
}
