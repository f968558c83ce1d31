import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { LambdaError, RunnerDisconnect, RunnerRequest, RunnerResult, RunnerStreamMessage } from './lambda-protocol.js';
import { installStreamingGlobals, invokeStreamingHandler, type StreamingInvocation } from './lambda-streaming.js';

/**
 * The Node.js side of a local Lambda: runs in a child process (`agentic-ai-framework
 * __lambda-runner <module file> <export>`, working directory the code, environment the function's),
 * imports the handler once as Lambda's runtime does at init, then calls it for each request line on
 * stdin, one at a time, answering on fd 3. As the Node.js runtime, it defines the `awslambda` global
 * first; a request with `stream: true` runs a streamified handler with response streaming, its
 * prelude and body chunks sent as they are written, and a disconnect line ends its client.
 */

type Handler = (event: unknown, context: object, callback?: (error: unknown, result?: unknown) => void) => unknown;

function lambdaError(error: unknown, fallbackType = 'Error'): LambdaError {
  if (error instanceof Error) {
    return { errorType: error.name || fallbackType, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: fallbackType, errorMessage: typeof error === 'string' ? error : JSON.stringify(error) };
}

function call(handler: Handler, request: RunnerRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const context = {
      ...request.context,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, request.deadlineMs - Date.now()),
      done: (error: unknown, result?: unknown) => (error ? reject(error) : resolve(result)),
      succeed: (result: unknown) => resolve(result),
      fail: (error: unknown) => reject(error),
    };
    const callback = (error: unknown, result?: unknown): void => (error ? reject(error) : resolve(result));
    try {
      const returned = handler(request.event, context, callback);
      // An async handler (or one returning a promise) answers with its value; a callback-style one
      // (three parameters) answers through the callback.
      if (returned !== undefined && typeof (returned as Promise<unknown>).then === 'function') (returned as Promise<unknown>).then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

export async function runLambdaRunner(moduleFile: string, exportName: string): Promise<void> {
  // Ctrl-C reaches the whole process group: the tool stops this sandbox by closing stdin.
  process.on('SIGINT', () => undefined);
  const results = createWriteStream('', { fd: 3 });
  const answer = (result: RunnerResult | RunnerStreamMessage): Promise<void> =>
    new Promise((resolve) => results.write(`${JSON.stringify(result)}\n`, () => resolve()));
  installStreamingGlobals();
  const streaming = new Map<string, StreamingInvocation>();

  let handler: Handler | undefined;
  let initError: LambdaError | undefined;
  try {
    const mod = (await import(pathToFileURL(moduleFile).href)) as Record<string, unknown>;
    const exported = mod[exportName] ?? (mod.default as Record<string, unknown> | undefined)?.[exportName];
    if (typeof exported === 'function') handler = exported as Handler;
    else initError = { errorType: 'Runtime.HandlerNotFound', errorMessage: `${moduleFile} does not export a function ${exportName}` };
  } catch (error) {
    initError = { ...lambdaError(error), errorType: 'Runtime.ImportModuleError' };
  }

  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const message = JSON.parse(line) as RunnerRequest | RunnerDisconnect;
    if ('disconnect' in message) {
      streaming.get(message.id)?.disconnect(message.disconnect);
      continue;
    }
    const request = message;
    if (handler === undefined) {
      if (request.stream === true) await answer({ id: request.id, streamed: { outcome: 'failed', error: initError! } });
      else await answer({ id: request.id, ok: false, error: initError! });
      continue;
    }
    if (request.stream === true) {
      // Not awaited: disconnect lines for it must be read while it runs.
      const { id } = request;
      const invocation = invokeStreamingHandler(handler, request.event, {
        timeoutMs: request.deadlineMs - Date.now(),
        functionName: request.context.functionName,
        awsRequestId: request.context.awsRequestId,
        onPrelude: (prelude) => void answer({ id, prelude }),
        onBody: (bytes) => void answer({ id, body: bytes.toString('base64') }),
      });
      streaming.set(id, invocation);
      void invocation.done.then(async (result) => {
        streaming.delete(id);
        await answer({ id, streamed: { outcome: result.outcome, ...(result.error === undefined ? {} : { error: result.error }) } });
      });
      continue;
    }
    try {
      const response = await call(handler, request);
      await answer({ id: request.id, ok: true, response: response === undefined ? null : response });
    } catch (error) {
      await answer({ id: request.id, ok: false, error: lambdaError(error) });
    }
  }
  // stdin closed: the endpoint is stopping this sandbox.
  process.exit(0);
}
