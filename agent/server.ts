// The AgentCore HTTP contract on plain node:http: the `bedrock-agentcore` npm SDK's app server
// does not bundle with esbuild and answers some bad requests with an empty 500, and the contract
// is two routes, so a small server we control end to end is the simpler, faster choice.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isCallbackEnvelope, parseCallbackEnvelope, runWithCallback, type CallbackEnvelope, type TaskReporter } from './core/callback.js';
import type { InvocationOptions } from './core/invoke.js';
import type { Logger } from './core/logger.js';
import type { AgentInvocationResponse } from './core/response.js';
import { AGENT_UNAVAILABLE, AgentTaskError } from './core/task-errors.js';
import type { Telemetry } from './core/telemetry.js';
import { serveChatInvocation, type ChatServerSupport } from './chat-http/agentcore-chat.js';
import { HttpError, toErrorResponse } from './http/http-error.js';
import { readBody } from './http/read-body.js';
import { sendJson } from './http/send-json.js';
import { SseWriter, wantsEventStream } from './http/sse.js';

export const SESSION_HEADER = 'x-amzn-bedrock-agentcore-runtime-session-id';
/** AgentCore's id of one invocation; the agent logs and traces it as the request id. */
export const REQUEST_ID_HEADER = 'x-amzn-bedrock-agentcore-runtime-request-id';
/** AgentCore's payload limit. */
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024;

export type Invoke = (payload: unknown, options: InvocationOptions) => Promise<AgentInvocationResponse>;

/** What the server needs to take callback envelopes (`{taskToken, heartbeatSeconds?, request}`). */
export interface CallbackSupport {
  /** Reports the outcome to Step Functions. */
  readonly reporter: TaskReporter;
  /** Throws when the request cannot run (bad shape, document not allowed), so it is refused before the acceptance. */
  check(request: unknown): void;
}

interface ServerOptions {
  readonly logger: Logger;
  readonly maxBodyBytes?: number;
  /** Clock in milliseconds, for `/ping`'s `time_of_last_update`. */
  readonly now?: () => number;
  /** Runs each invocation in the trace its request headers continue. */
  readonly telemetry?: Pick<Telemetry, 'inTraceContext'>;
  /** Without it, a callback envelope is answered 501. */
  readonly callback?: CallbackSupport;
}

/**
 * A batch agent's server (`invoke`: one invocation per request; production passes the agent core,
 * tests a stand-in), or an interactive agent's (`chat`: each POST /invocations is a chat turn).
 */
export type AgentServerOptions = ServerOptions & ({ readonly invoke: Invoke; readonly chat?: undefined } | { readonly chat: ChatServerSupport; readonly invoke?: undefined });

export interface AgentServer {
  readonly server: Server;
  /** Invocations currently running, callback runs included (`/ping` reports HealthyBusy while this is above zero). */
  readonly inFlight: number;
  listen(port: number, host: string): Promise<AddressInfo>;
  /**
   * Stops accepting connections, lets running invocations (and callback runs) finish for up to
   * `graceMs`, then closes. Callback runs still going are stopped and report `Agent.Unavailable`.
   */
  close(graceMs?: number): Promise<void>;
}

/** Time a stopped callback run gets to report its failure while the server closes. */
const REPORT_GRACE_MS = 3_000;

const ROUTES: Record<string, readonly string[]> = {
  '/invocations': ['POST'],
  '/ping': ['GET', 'HEAD'],
};

function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new HttpError(400, 'Request body is empty; expected a JSON object');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `Request body is not valid JSON: ${(error as Error).message}`);
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** AgentCore's request id when the header holds a plausible one (visible ASCII, at most 256 characters). */
export function requestIdFrom(value: string | string[] | undefined): string | undefined {
  const id = firstHeader(value)?.trim();
  return id !== undefined && /^[\x21-\x7e]{1,256}$/.test(id) ? id : undefined;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** A request from a local program: no browser Origin, and a Host naming the loopback interface. */
function isLocalClient(req: IncomingMessage): boolean {
  if (req.headers.origin !== undefined) return false;
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return LOOPBACK_HOSTS.has(host);
}

export function createAgentServer(options: AgentServerOptions): AgentServer {
  const { logger, telemetry, callback } = options;
  const invoke: Invoke = options.invoke ?? (() => Promise.reject(new HttpError(501, 'This agent serves chat turns only')));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const now = options.now ?? Date.now;
  let inFlight = 0;
  let lastStatusChange = Math.floor(now() / 1000);
  const idleWaiters: Array<() => void> = [];
  /** Callback runs in the background: their abort, and their end. */
  const background = new Map<AbortController, Promise<unknown>>();

  const setInFlight = (value: number): void => {
    if ((inFlight === 0) !== (value === 0)) lastStatusChange = Math.floor(now() / 1000);
    inFlight = value;
    if (inFlight === 0) idleWaiters.splice(0).forEach((wake) => wake());
  };

  const ping = (res: ServerResponse): void => {
    sendJson(res, 200, { status: inFlight > 0 ? 'HealthyBusy' : 'Healthy', time_of_last_update: lastStatusChange });
  };

  const invocation = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const sessionId = firstHeader(req.headers[SESSION_HEADER]);
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]) ?? randomUUID();
    const echo: Record<string, string> = sessionId === undefined ? {} : { 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id': sessionId };
    if (options.chat !== undefined) {
      const chat = options.chat;
      // Busy (HealthyBusy on /ping) for as long as the turn streams.
      setInFlight(inFlight + 1);
      const serve = () => serveChatInvocation(req, res, chat, { requestId, sessionId, echo, logger });
      try {
        await (telemetry === undefined ? serve() : telemetry.inTraceContext(req.headers, serve));
      } finally {
        setInFlight(inFlight - 1);
      }
      return;
    }
    const streaming = wantsEventStream(req.headers.accept);
    const aborter = new AbortController();
    // The client went away before the answer was complete: end the invocation now (it no longer
    // counts as busy), cancel its S3 reads and stop the agent at its next safe point.
    res.on('close', () => {
      if (!res.writableFinished) aborter.abort(new HttpError(499, 'The client closed the connection before the answer was complete'));
    });
    let sse: SseWriter | undefined;
    setInFlight(inFlight + 1);
    try {
      const payload = parseJson(await readBody(req, maxBodyBytes));
      if (isCallbackEnvelope(payload)) {
        accept(parseCallbackEnvelope(payload), { requestId, sessionId, headers: req.headers });
        // 200, not 202: what AgentCore passes on of other 2xx answers is not documented.
        sendJson(res, 200, { status: 'accepted', sessionId: sessionId ?? null }, echo);
        return;
      }
      const run = () =>
        invoke(payload, {
          requestId,
          signal: aborter.signal,
          ...(sessionId === undefined ? {} : { sessionId }),
          ...(streaming ? { onText: (text: string) => (sse ??= new SseWriter(res, echo)).send('text', { text }) } : {}),
        });
      const response = await (telemetry === undefined ? run() : telemetry.inTraceContext(req.headers, run));
      if (streaming) {
        sse ??= new SseWriter(res, echo);
        sse.send('result', { ...response });
        sse.end();
      } else {
        sendJson(res, 200, response, echo);
      }
    } catch (error) {
      const answer = toErrorResponse(error);
      const level = answer.statusCode >= 500 ? 'error' : 'warn';
      logger[level]('Invocation failed', { requestId, sessionId, statusCode: answer.statusCode, error });
      if (streaming && !res.headersSent) sse ??= new SseWriter(res, echo);
      if (sse !== undefined) {
        // A streaming client learns of the failure from the stream's last event, even before any
        // text: AgentCore replaces a non-2xx answer with its own RuntimeClientError and drops the
        // body, so the agent's message would otherwise never reach the caller.
        sse.send('error', { statusCode: answer.statusCode, ...answer.body });
        sse.end();
      } else {
        sendJson(res, answer.statusCode, answer.body, { ...echo, ...answer.headers });
      }
    } finally {
      setInFlight(inFlight - 1);
    }
  };

  /**
   * Starts a callback run in the background once its request passed the checks (which throw, so
   * the caller answers 4xx at once). It counts as in flight until it has reported.
   */
  const accept = (envelope: CallbackEnvelope, context: { requestId: string; sessionId: string | undefined; headers: IncomingMessage['headers'] }): void => {
    if (callback === undefined) throw new HttpError(501, 'This agent server does not take callback envelopes ({taskToken, request})');
    callback.check(envelope.request);
    const { requestId, sessionId } = context;
    const stopper = new AbortController();
    const runLogger = logger.child({ requestId, ...(sessionId === undefined ? {} : { sessionId }) });
    const invokeWith = (signal: AbortSignal) => () => invoke(envelope.request, { requestId, signal, ...(sessionId === undefined ? {} : { sessionId }) });
    setInFlight(inFlight + 1);
    runLogger.info('Callback run accepted', { taskToken: envelope.taskToken.slice(0, 16), heartbeatSeconds: envelope.heartbeatSeconds });
    const done = runWithCallback(
      envelope,
      (signal) => (telemetry === undefined ? invokeWith(signal)() : telemetry.inTraceContext(context.headers, invokeWith(signal))),
      { reporter: callback.reporter, logger: runLogger, signal: stopper.signal },
    ).finally(() => {
      background.delete(stopper);
      setInFlight(inFlight - 1);
    });
    background.set(stopper, done);
  };

  // Set when the server listens on a loopback address (a local run, with the user's credentials).
  let localOnly = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (localOnly && !isLocalClient(req)) {
      // A web page (Origin) or a DNS-rebound name (Host) must not drive an agent holding local credentials.
      sendJson(res, 403, { error: 'Refused: a locally run agent answers local clients only (no Origin header; Host 127.0.0.1, localhost or [::1])' });
      return;
    }
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const methods = ROUTES[path];
    if (methods === undefined) {
      sendJson(res, 404, { error: `Not found: ${path}; routes are POST /invocations and GET /ping` });
      return;
    }
    const method = req.method ?? 'GET';
    if (!methods.includes(method)) {
      sendJson(res, 405, { error: `Method ${method} not allowed on ${path}; use ${methods.join(' or ')}` }, { Allow: methods.join(', ') });
      return;
    }
    if (path === '/ping') {
      ping(res);
    } else {
      await invocation(req, res);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Last line of defence: nothing a request does may take the process down.
      logger.error('Unhandled error while serving a request', { error });
      if (!res.writableEnded) sendJson(res, 500, { error: 'Internal error' });
    });
  });

  // Requests Node cannot even parse (bad request line, oversized headers): answer, then close.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const [status, reason] =
      error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout']
          : [400, 'Bad Request'];
    const body = JSON.stringify({ error: `${reason}: ${error.code ?? error.message}` });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  return {
    server,
    get inFlight() {
      return inFlight;
    },
    listen(port, host) {
      localOnly = LOOPBACK_HOSTS.has(host);
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => idleWaiters.push(resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      if (background.size > 0) {
        // The process ends after this: tell Step Functions now rather than at the task's timeout.
        const stopped = new AgentTaskError(AGENT_UNAVAILABLE, `The agent server shut down (grace of ${graceMs} ms over) before the run finished; retry the task`);
        for (const stopper of background.keys()) stopper.abort(stopped);
        await Promise.race([
          Promise.allSettled(background.values()),
          new Promise<void>((resolve) => setTimeout(resolve, REPORT_GRACE_MS).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
