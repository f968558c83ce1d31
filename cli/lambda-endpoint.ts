import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LambdaContextFields } from './lambda-protocol.js';
import { createLocalFunction, type SandboxCommand } from './lambda-sandbox.js';
import { answerClientErrors, refusedReason, requestPath } from './local-http.js';

export type { SandboxCommand } from './lambda-sandbox.js';

/**
 * The Lambda contract on 127.0.0.1: an HTTP endpoint that runs the handler as Lambda would. The
 * handler lives in a runner process (the sandbox), initialised once and reused while it is warm;
 * invocations run one at a time, as in one Lambda execution environment. An invocation past the
 * function's timeout kills the sandbox (the next one starts a fresh one), as Lambda does.
 *
 *   POST /2015-03-31/functions/<name>/invocations   the Lambda Invoke API path (as Lambda's runtime
 *   POST /invocations                                interface emulator serves it); body = event
 *   GET  /ping                                       200 once the endpoint is up (a local convenience)
 *
 * As Lambda, a request body over 6 MB answers 413 (RequestEntityTooLargeException). Only a Host of
 * 127.0.0.1:<port> or localhost:<port> is served, and no request with an Origin (cli/local-http.ts).
 *
 * A handler error answers 200 with `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage,
 * trace}`, as Lambda's Invoke does.
 */

/** The response header that tells `invoke --local` it talks to the Lambda contract (no streaming). */
export const CONTRACT_HEADER = 'x-agentic-ai-framework-contract';

export interface LambdaEndpointOptions {
  readonly sandbox: SandboxCommand;
  readonly timeoutSeconds: number;
  readonly context: Omit<LambdaContextFields, 'awsRequestId'>;
  readonly log: (line: string) => void;
}

/** Lambda's limit on a synchronous invocation's request payload. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

class TooLarge extends Error {}

/** The body as text; rejects with TooLarge past MAX_REQUEST_BYTES (the rest is read and dropped). */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number(req.headers['content-length'] ?? 0) > MAX_REQUEST_BYTES;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > MAX_REQUEST_BYTES) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => (over ? reject(new TooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), [CONTRACT_HEADER]: 'LAMBDA', ...headers });
  res.end(text);
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/[^/]+\/invocations$/;

export interface LambdaEndpoint {
  readonly server: Server;
  close(): Promise<void>;
  /** SIGKILL the sandbox now, synchronously (the tool is exiting). */
  killNow(): void;
}

/** Starts the endpoint on 127.0.0.1:`port` (rejects with the listen error, e.g. EADDRINUSE). */
export async function startLambdaEndpoint(port: number, options: LambdaEndpointOptions): Promise<LambdaEndpoint> {
  // One execution environment: invocations run one at a time, as the tool always has.
  const fn = createLocalFunction({ ...options, concurrency: 1 });
  let boundPort = port;
  const server = createServer((req, res) => {
    const refused = refusedReason(req, boundPort);
    if (refused !== undefined) {
      send(res, 403, { message: refused });
      return;
    }
    const path = requestPath(req);
    if (path === undefined) {
      send(res, 400, { message: `cannot parse the request target ${JSON.stringify(req.url ?? '')}` });
      return;
    }
    if (path === '/ping') {
      if (req.method === 'GET' || req.method === 'HEAD') send(res, 200, { status: 'Healthy', time_of_last_update: Math.floor(Date.now() / 1000) });
      else send(res, 405, { message: 'GET /ping' }, { Allow: 'GET, HEAD' });
      return;
    }
    if (path !== '/invocations' && !INVOKE_PATH.test(path)) {
      send(res, 404, { message: `no route ${path}: POST /invocations or /2015-03-31/functions/<name>/invocations` });
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { message: 'POST the event' }, { Allow: 'POST' });
      return;
    }
    void readBody(req).then(async (text) => {
      let event: unknown;
      try {
        event = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
      } catch (error) {
        send(res, 400, { Type: 'User', message: `Could not parse request body into json: ${error instanceof Error ? error.message : String(error)}` }, {
          'X-Amzn-ErrorType': 'InvalidRequestContentException',
        });
        return;
      }
      const { requestId, outcome } = await fn.invoke(event);
      const headers = { 'X-Amzn-RequestId': requestId, 'X-Amz-Executed-Version': '$LATEST' };
      if (outcome.ok) send(res, 200, outcome.response, headers);
      else send(res, 200, outcome.error, { ...headers, 'X-Amz-Function-Error': 'Unhandled' });
    }, (error: unknown) => {
      if (error instanceof TooLarge) {
        send(res, 413, { Type: 'User', message: `Request must be smaller than ${MAX_REQUEST_BYTES} bytes for the InvokeFunction operation` }, {
          'X-Amzn-ErrorType': 'RequestEntityTooLargeException',
        });
      } else send(res, 400, { message: 'cannot read the request body' });
    });
  });
  answerClientErrors(server);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  boundPort = (server.address() as AddressInfo).port;
  // Initialise the sandbox now, as a provisioned function would, so the first invocation is warm.
  fn.warm();
  return {
    server,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await fn.stop();
    },
    killNow: () => fn.killNow(),
  };
}
