/**
 * A stand-in for the Amazon Bedrock AgentCore data plane's InvokeAgentRuntime, on 127.0.0.1, that
 * the real `BedrockAgentCoreClient` talks to and that forwards each invocation to a real agent
 * HTTP server (the AgentCore contract: `POST /invocations`), as the service does.
 *
 *   const plane = await startAgentCoreDataPlane({ agentUrl: 'http://127.0.0.1:<agent port>' });
 *   process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE = plane.url;   // or the client's `endpoint`
 *   plane.next(throttling(), hang());   // the next two calls fail so; later ones are forwarded
 *   plane.calls[0].sessionId            // every call as the service received it
 *   await plane.close();
 *
 * The request, as the SDK sends it (REST-JSON): `POST /runtimes/<url-encoded ARN>/invocations
 * ?qualifier=<endpoint>`, the payload as the raw body, `Content-Type`, `Accept` and the session id
 * in `X-Amzn-Bedrock-AgentCore-Runtime-Session-Id` (33–256 characters, else ValidationException;
 * a new one when absent). It is forwarded to `<agentUrl>/invocations` with the body, the content
 * type, the accept, the session header, a fresh `X-Amzn-Bedrock-AgentCore-Runtime-Request-Id`
 * and any trace headers.
 *
 * The agent's answer comes back as the real service returns it:
 * - a 2xx: the same status (the SDK output's `statusCode`), the agent's `Content-Type`, the session
 *   header, and the body streamed through as it arrives (so an event stream stays a stream);
 * - a 4xx/5xx: HTTP 424 `RuntimeClientError` "Received error (<status>) from runtime. Please check
 *   your CloudWatch logs for more information." — the agent's body is dropped. This is what the
 *   AgentCore developer guide ("Troubleshoot AgentCore Runtime", "I need help understanding HTTP
 *   error codes") documents, and what users report from live runtimes.
 * - not reachable (refused, reset before an answer): 424 `RuntimeClientError` without a status
 *   (an approximation: the service's exact answer to a dead container is not documented; it
 *   reports a container that never started as "Runtime initialization time exceeded...");
 *   reset in the middle of the body: the caller's connection is reset too.
 * A runtime ARN that `agentUrl` does not resolve is a 404 `ResourceNotFoundException`.
 *
 * Faults: `next(...handlers)` queues one handler per coming call (`throttling()`,
 * `serviceQuotaExceeded()`, `internalServerError()`, `serviceError(...)`, `hang()`, `reset()`,
 * `agentAnswers(...)`, `forward({ accept })`); `fallback` serves every call once the queue is empty
 * (default `forward()`), and may be replaced with any CallHandler (e.g. one that picks by session id
 * when calls arrive concurrently). Sockets are destroyed on `close()`, hung calls included.
 */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const SESSION_HEADER = 'x-amzn-bedrock-agentcore-runtime-session-id';
const REQUEST_ID_HEADER = 'x-amzn-bedrock-agentcore-runtime-request-id';
/** Headers the service passes on to the agent besides body, content type, accept and session. */
const TRACE_HEADERS = ['x-amzn-trace-id', 'traceparent', 'tracestate', 'baggage'] as const;

/** One InvokeAgentRuntime call as the stand-in received it. */
export interface DataPlaneCall {
  /** The runtime ARN, decoded from the path. */
  readonly agentRuntimeArn: string;
  /** The `qualifier` query parameter as sent (undefined when absent; the service then uses DEFAULT). */
  readonly qualifier: string | undefined;
  /** The session header as sent (when absent, one the stand-in made, as the service does). */
  readonly sessionId: string;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** The payload, as text. */
  readonly body: string;
  /** The Region of the SigV4 credential scope. */
  readonly signedRegion: string | undefined;
  /** What the agent answered, when the call was forwarded and the agent answered. */
  agent?: { status: number; contentType: string | undefined; body: string };
}

/** Answers one call: writes to `res` (or leaves it open: a hang). */
export type CallHandler = (call: DataPlaneCall, res: ServerResponse, plane: AgentCoreDataPlane) => void | Promise<void>;

export interface AgentCoreDataPlane {
  /** The endpoint: `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE` or the client's `endpoint`. */
  readonly url: string;
  /** Every InvokeAgentRuntime call received, in order. */
  readonly calls: DataPlaneCall[];
  /** Queues handlers for the next calls, one each. */
  next(...handlers: CallHandler[]): void;
  /** Serves the calls the queue does not; `forward()` by default. */
  fallback: CallHandler;
  /** Where a runtime ARN's agent listens (undefined: no such runtime). */
  agentUrlOf(agentRuntimeArn: string, qualifier: string): string | undefined;
  close(): Promise<void>;
}

export interface DataPlaneOptions {
  /** The agent server's base URL, for every runtime, or per runtime (undefined: ResourceNotFoundException). */
  readonly agentUrl?: string | ((agentRuntimeArn: string, qualifier: string) => string | undefined);
}

/** A REST-JSON service error as AgentCore sends it. */
export function sendServiceError(res: ServerResponse, status: number, type: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'x-amzn-ErrorType': type, 'x-amzn-RequestId': randomUUID() });
  res.end(body);
}

/** The service's answer to an agent's error status: the status in a RuntimeClientError, the body dropped. */
function sendRuntimeClientError(res: ServerResponse, status: number): void {
  sendServiceError(res, 424, 'RuntimeClientError', `Received error (${status}) from runtime. Please check your CloudWatch logs for more information.`);
}

export function serviceError(status: number, type: string, message: string): CallHandler {
  return (_call, res) => sendServiceError(res, status, type, message);
}

export const throttling = (message = 'Rate exceeded'): CallHandler => serviceError(429, 'ThrottlingException', message);
export const serviceQuotaExceeded = (message = 'Maximum number of concurrent sessions (maxVms) reached'): CallHandler =>
  serviceError(402, 'ServiceQuotaExceededException', message);
export const internalServerError = (message = 'Internal server error'): CallHandler => serviceError(500, 'InternalServerException', message);

/** Never answers; the call stays open until the client gives up or the stand-in closes. */
export const hang = (): CallHandler => () => undefined;

/** Resets the caller's connection (TCP RST) without an answer. */
export const reset = (): CallHandler => (_call, res) => {
  res.socket?.resetAndDestroy();
};

/**
 * Answers as if the agent had answered `status`, `contentType` and `body`: a 2xx passes through, an
 * error status becomes the service's RuntimeClientError (the same rules as a forwarded answer).
 */
export function agentAnswers(status: number, contentType: string, body: string): CallHandler {
  return (call, res) => {
    call.agent = { status, contentType, body };
    if (status >= 300) {
      sendRuntimeClientError(res, status);
      return;
    }
    res.writeHead(status, { 'Content-Type': contentType, 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id': call.sessionId });
    res.end(body);
  };
}

/** Forwards the call to the runtime's agent server (`accept` replaces the caller's Accept). */
export function forward(options: { readonly accept?: string } = {}): CallHandler {
  return (call, res, plane) => {
    const base = plane.agentUrlOf(call.agentRuntimeArn, call.qualifier ?? 'DEFAULT');
    if (base === undefined) {
      sendServiceError(res, 404, 'ResourceNotFoundException', `No endpoint or agent found with qualifier '${call.qualifier ?? 'DEFAULT'}' for agent '${call.agentRuntimeArn}'`);
      return;
    }
    const accept = options.accept ?? call.accept;
    const headers: Record<string, string> = {
      'Content-Type': call.contentType ?? 'application/json',
      'Content-Length': String(Buffer.byteLength(call.body)),
      [SESSION_HEADER]: call.sessionId,
      [REQUEST_ID_HEADER]: randomUUID(),
      ...(accept === undefined ? {} : { Accept: accept }),
    };
    for (const name of TRACE_HEADERS) {
      const value = call.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return new Promise<void>((done) => {
      const upstream = request(new URL('/invocations', base), { method: 'POST', headers, agent: agentOf(plane) }, (answer: IncomingMessage) => {
        const status = answer.statusCode ?? 502;
        const contentType = answer.headers['content-type'];
        const chunks: Buffer[] = [];
        const recorded = { status, contentType, body: '' };
        call.agent = recorded;
        answer.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          recorded.body = Buffer.concat(chunks).toString('utf8');
        });
        if (status >= 300) {
          // The agent's error body is read and dropped, as the service does.
          answer.on('end', () => {
            sendRuntimeClientError(res, status);
            done();
          });
          answer.on('error', () => {
            sendRuntimeClientError(res, status);
            done();
          });
          return;
        }
        res.writeHead(status, {
          'Content-Type': contentType ?? 'application/json',
          'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id': call.sessionId,
          'x-amzn-RequestId': randomUUID(),
        });
        answer.on('data', (chunk: Buffer) => res.write(chunk));
        answer.on('end', () => {
          res.end();
          done();
        });
        // Cut in the middle of the body: the caller's connection is cut too.
        answer.on('error', () => {
          res.socket?.resetAndDestroy();
          done();
        });
      });
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        if (!res.headersSent) {
          sendServiceError(res, 424, 'RuntimeClientError', `The runtime could not be reached (stand-in: ${error.code ?? error.message})`);
        }
        done();
      });
      // The caller gave up (its deadline): the agent's request is cut too (an assumption: whether
      // the service cancels the container's request when its caller disconnects is not documented).
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.end(call.body);
    });
  };
}

const agents = new WeakMap<AgentCoreDataPlane, Agent>();
function agentOf(plane: AgentCoreDataPlane): Agent {
  let agent = agents.get(plane);
  if (agent === undefined) {
    agent = new Agent({ keepAlive: true });
    agents.set(plane, agent);
  }
  return agent;
}

const INVOCATIONS_PATH = /^\/runtimes\/([^/]+)\/invocations$/;

export async function startAgentCoreDataPlane(options: DataPlaneOptions = {}): Promise<AgentCoreDataPlane> {
  const calls: DataPlaneCall[] = [];
  const queue: CallHandler[] = [];
  const sockets = new Set<Socket>();
  const resolveAgent = options.agentUrl;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const match = INVOCATIONS_PATH.exec(url.pathname);
      if (req.method !== 'POST' || match === null) {
        sendServiceError(res, 404, 'UnknownOperationException', `stand-in: no operation for ${req.method} ${url.pathname}`);
        return;
      }
      const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '');
      const call: DataPlaneCall = {
        agentRuntimeArn: decodeURIComponent(match[1] ?? ''),
        qualifier: url.searchParams.get('qualifier') ?? undefined,
        // The service makes a session id when the caller gives none.
        sessionId: first(req.headers[SESSION_HEADER]) ?? randomUUID(),
        contentType: first(req.headers['content-type']),
        accept: first(req.headers.accept),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        signedRegion: scope?.[1],
      };
      calls.push(call);
      if (call.sessionId.length < 33 || call.sessionId.length > 256) {
        sendServiceError(res, 400, 'ValidationException', "1 validation error detected: Value at 'runtimeSessionId' failed to satisfy constraint: Member must have length between 33 and 256");
        return;
      }
      const handler = queue.shift() ?? plane.fallback;
      Promise.resolve(handler(call, res, plane)).catch((error: unknown) => sendServiceError(res, 500, 'InternalServerException', `stand-in: ${String(error)}`));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const plane: AgentCoreDataPlane = {
    url: `http://127.0.0.1:${port}`,
    calls,
    fallback: forward(),
    next: (...handlers) => void queue.push(...handlers),
    agentUrlOf: (arn, qualifier) => (typeof resolveAgent === 'function' ? resolveAgent(arn, qualifier) : resolveAgent),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      agents.get(plane)?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return plane;
}
