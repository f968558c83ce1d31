import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the proxy does with a request for one object:
 * - `pass`: forwards it to the real S3-compatible server behind it;
 * - `hang`: accepts the request and never answers (the socket stays open until the client closes it);
 * - `reset`: resets the connection (TCP RST) without answering;
 * - `{ status, code }`: answers with that S3 error (`403 AccessDenied`, `500 InternalError`...).
 */
export type Fault = 'pass' | 'hang' | 'reset' | { readonly status: number; readonly code: string };

export interface FaultyS3 {
  /** The endpoint to give the S3 client (path-style addressing). */
  readonly endpoint: string;
  /** `bucket/key` → fault; objects without a rule pass. Tests change rules between invocations. */
  readonly rules: Map<string, Fault>;
  /** Every request received, as `METHOD bucket/key`, in order. */
  readonly requests: string[];
  /** Requests for `bucket/key` received so far. */
  count(object: string): number;
  /** Requests for `bucket/key` (all objects when omitted) held by a `hang` rule whose connection is still open. */
  hanging(object?: string): number;
  close(): Promise<void>;
}

function objectOf(req: IncomingMessage): string {
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  return decodeURIComponent(path.slice(1));
}

function s3Error(res: ServerResponse, status: number, code: string, object: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected ${code} for ${object}</Message><RequestId>fault</RequestId></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body), 'x-amz-request-id': 'fault' });
  res.end(body);
}

/**
 * An HTTP proxy on 127.0.0.1 in front of an S3-compatible server (s3rver), injecting faults per
 * object, so the agent's real S3 client meets hangs, S3 errors and resets. Forwarded requests keep
 * their headers (the SigV4 signature covers Host), so s3rver verifies them as sent.
 */
export async function startFaultyS3(upstream: string): Promise<FaultyS3> {
  const rules = new Map<string, Fault>();
  const requests: string[] = [];
  const held = new Map<Socket, string>();
  const sockets = new Set<Socket>();
  const target = new URL(upstream);

  const server = createServer((req, res) => {
    const object = objectOf(req);
    requests.push(`${req.method ?? 'GET'} ${object}`);
    const fault = rules.get(object) ?? 'pass';
    if (fault === 'hang') {
      const { socket } = req;
      held.set(socket, object);
      socket.once('close', () => held.delete(socket));
      return;
    }
    if (fault === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault !== 'pass') {
      s3Error(res, fault.status, fault.code, object);
      return;
    }
    const forward = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    rules,
    requests,
    count: (object) => requests.filter((r) => r.endsWith(` ${object}`)).length,
    hanging: (object) => (object === undefined ? held.size : [...held.values()].filter((o) => o === object).length),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` every 10 ms until it holds, failing after `ms` with what was awaited. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** `promise`, or a rejection naming `what` once `ms` have passed: every wait in a test is bounded. */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
