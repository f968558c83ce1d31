// A golden stand-in for the chat front doors, on 127.0.0.1: the REST API (`POST /chat`, the
// Sessions API) and an AgentCore runtime's `POST /runtimes/<arn>/invocations`, speaking the wire
// protocol byte for byte as CONTRACT.md writes it. Each request is recorded; a test can script the
// answer of the next chat requests (raw chunks, statuses, held-open streams) or refuse requests
// (401) through `authorize`.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatEvent } from '../../../sdk/chat-types';

export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{32,255}$/;
export const HEARTBEAT_FRAME = ': heartbeat\n\n';
const SESSION_HEADER = 'x-amzn-bedrock-agentcore-runtime-session-id';

/** A frame as the contract writes it: `type` first, then the fields in the contract's order. */
export function goldenFrame(event: ChatEvent): string {
  let data: Record<string, unknown>;
  switch (event.type) {
    case 'session':
      data = { type: 'session', sessionId: event.sessionId };
      break;
    case 'text':
      data = { type: 'text', delta: event.delta };
      break;
    case 'tool':
      data = { type: 'tool', phase: event.phase, name: event.name, id: event.id };
      break;
    case 'error':
      data = { type: 'error', code: event.code, message: event.message };
      break;
    case 'done':
      data = {
        type: 'done',
        stopReason: event.stopReason,
        usage: { inputTokens: event.usage.inputTokens, outputTokens: event.usage.outputTokens, totalTokens: event.usage.totalTokens },
      };
      break;
  }
  return `event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path and query as received (still percent-encoded). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** True once the client closed the connection before the answer was complete. */
  disconnected: boolean;
  /** Resolves when the exchange is over (answer sent or connection closed). */
  readonly closed: Promise<void>;
}

/** A scripted answer to a chat request. */
export interface RawReply {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** Written one by one, each after the previous was flushed and a turn of the event loop. */
  readonly chunks?: ReadonlyArray<string | Uint8Array>;
  /** Wait this long between chunks. */
  readonly gapMs?: number;
  /** Wait this long before sending the status line. */
  readonly delayMs?: number;
  /** Keep the connection open after the chunks (until the client or the stand-in closes it). */
  readonly hold?: boolean;
}

export interface StoredSession {
  readonly sessionId: string;
  readonly title: string;
  readonly createdAt: string;
  updatedAt: string;
  readonly expiresAt: number;
  readonly messages: Array<{ role: 'user' | 'assistant'; text: string }>;
}

export interface ChatStandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly sessions: Map<string, StoredSession>;
  /** Answers chat requests with this script instead of the golden turn, while it returns one. */
  script(reply: ((request: RecordedRequest) => RawReply | undefined) | undefined): void;
  /** Refuses (HTTP 401) the requests for which it returns (or resolves to) false. */
  authorize(check: ((request: RecordedRequest) => boolean | Promise<boolean>) | undefined): void;
  close(): Promise<void>;
}

export const STREAM_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

/** The golden turn's answer to `message`: two text deltas and a tool call. */
export function goldenTurn(sessionId: string, message: string): ChatEvent[] {
  return [
    { type: 'session', sessionId },
    { type: 'text', delta: 'You said: ' },
    { type: 'tool', phase: 'start', name: 'echo', id: 'tool-1' },
    { type: 'tool', phase: 'end', name: 'echo', id: 'tool-1' },
    { type: 'text', delta: message },
    { type: 'done', stopReason: 'end_turn', usage: { inputTokens: message.length, outputTokens: 10 + message.length, totalTokens: 10 + 2 * message.length } },
  ];
}

export async function startChatStandIn(): Promise<ChatStandIn> {
  const requests: RecordedRequest[] = [];
  const sessions = new Map<string, StoredSession>();
  let scripted: ((request: RecordedRequest) => RawReply | undefined) | undefined;
  let authorized: ((request: RecordedRequest) => boolean | Promise<boolean>) | undefined;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let markClosed = (): void => undefined;
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        disconnected: false,
        closed: new Promise<void>((resolve) => (markClosed = resolve)),
      };
      res.on('close', () => {
        if (!res.writableFinished) recorded.disconnected = true;
        markClosed();
      });
      requests.push(recorded);
      void answer(recorded, res).catch((error: unknown) => {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  });

  async function answer(request: RecordedRequest, res: ServerResponse): Promise<void> {
    if (authorized !== undefined && !(await authorized(request))) {
      json(res, 401, { code: 'Unauthorized', message: 'The token was refused' });
      return;
    }
    const path = request.url.split('?')[0]!;
    if (request.method === 'POST' && (path === '/chat' || /^\/runtimes\/[^/]+\/invocations$/.test(path))) {
      const reply = scripted?.(request);
      if (reply !== undefined) await sendRaw(res, reply);
      else await goldenChat(request, res, path !== '/chat');
      return;
    }
    const match = /^\/sessions(?:\/([^/]+))?$/.exec(path);
    if (match !== null) {
      sessionsApi(request, res, match[1] === undefined ? undefined : decodeURIComponent(match[1]));
      return;
    }
    json(res, 404, { message: 'Not Found' });
  }

  async function goldenChat(request: RecordedRequest, res: ServerResponse, agentCore: boolean): Promise<void> {
    res.writeHead(200, STREAM_HEADERS);
    const fail = (code: string, message: string): void => {
      res.end(`event: error\ndata: ${JSON.stringify({ type: 'error', code, message })}\n\n`);
    };
    let body: { message?: unknown; sessionId?: unknown };
    try {
      body = JSON.parse(request.body) as typeof body;
    } catch {
      return fail('BadRequest', 'The body is not JSON');
    }
    if (typeof body.message !== 'string' || body.message.length < 1 || body.message.length > 100_000) return fail('BadRequest', 'Invalid message');
    if (body.sessionId !== undefined && (typeof body.sessionId !== 'string' || !SESSION_ID_PATTERN.test(body.sessionId))) return fail('BadRequest', 'Invalid sessionId');
    const header = request.headers[SESSION_HEADER];
    if (agentCore && (typeof header !== 'string' || !SESSION_ID_PATTERN.test(header))) return fail('BadRequest', 'Missing session header');
    if (agentCore && body.sessionId !== undefined && body.sessionId !== header) return fail('BadRequest', 'The sessionId differs from the session header');
    const now = new Date().toISOString();
    let session: StoredSession | undefined;
    if (body.sessionId === undefined) {
      const sessionId = agentCore ? String(header) : randomUUID();
      session = { sessionId, title: body.message.slice(0, 80), createdAt: now, updatedAt: now, expiresAt: Math.floor(Date.parse(now) / 1000) + 30 * 86400, messages: [] };
      sessions.set(sessionId, session);
    } else {
      session = sessions.get(body.sessionId);
      if (session === undefined) return fail('SessionNotFound', 'No such session');
    }
    for (const event of goldenTurn(session.sessionId, body.message)) res.write(goldenFrame(event));
    session.messages.push({ role: 'user', text: body.message }, { role: 'assistant', text: `You said: ${body.message}` });
    session.updatedAt = now;
    res.end();
  }

  function sessionsApi(request: RecordedRequest, res: ServerResponse, sessionId: string | undefined): void {
    if (sessionId === undefined && request.method === 'GET') {
      const query = new URL(request.url, 'http://stand-in').searchParams;
      const limit = Number(query.get('limit') ?? '50');
      const start = Number(query.get('nextToken') ?? '0');
      const all = [...sessions.values()].reverse().map(({ messages: _messages, ...summary }) => summary);
      const page = all.slice(start, start + limit);
      json(res, 200, start + limit < all.length ? { sessions: page, nextToken: String(start + limit) } : { sessions: page });
      return;
    }
    const session = sessionId === undefined ? undefined : sessions.get(sessionId);
    if (session === undefined) {
      json(res, 404, { code: 'SessionNotFound', message: 'No such session' });
      return;
    }
    if (request.method === 'GET') json(res, 200, session);
    else if (request.method === 'DELETE') {
      sessions.delete(session.sessionId);
      res.writeHead(204).end();
    } else json(res, 405, { message: 'Method Not Allowed' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sessions,
    script: (reply) => (scripted = reply),
    authorize: (check) => (authorized = check),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function sendRaw(res: ServerResponse, reply: RawReply): Promise<void> {
  if (reply.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
  if (res.destroyed) return;
  res.writeHead(reply.status ?? 200, reply.headers ?? STREAM_HEADERS);
  res.flushHeaders();
  for (const chunk of reply.chunks ?? []) {
    if (res.destroyed) return;
    await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
    await new Promise((resolve) => (reply.gapMs === undefined ? setImmediate(resolve) : setTimeout(resolve, reply.gapMs)));
  }
  if (!reply.hold) res.end();
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

/** `promise`, or a rejection after `ms` (a broken client must fail a test, not hang it). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
