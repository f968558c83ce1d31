import { createHash, createHmac } from 'node:crypto';
import { createServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import type { Credentials } from './spec.js';

/**
 * A scripted ConverseStream stand-in that records every request with its headers, so a test can
 * check what the agent's Bedrock Runtime client sent and how it signed it. The script rides in the
 * document: a line `SCRIPT:{"run":..., "calls":[{"name":..., "input":...}]}`; the model makes the
 * calls one per turn, then answers with JSON of every tool result it got back.
 */

export interface ScriptedCall {
  readonly name: string;
  readonly input: unknown;
}

export interface Script {
  readonly run: string;
  readonly calls: readonly ScriptedCall[];
}

export interface ConverseBody {
  readonly system?: Array<{ text?: string }>;
  readonly messages: Array<{ role: string; content: Array<Record<string, unknown>> }>;
  readonly toolConfig?: { tools: Array<{ toolSpec: { name: string; description?: string; inputSchema?: { json?: unknown } } }> };
}

export interface RecordedCall {
  readonly run: string | undefined;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly raw: Buffer;
  readonly body: ConverseBody;
}

export interface RecordingModel {
  readonly url: string;
  readonly port: number;
  /** The calls of one run, in arrival order. */
  callsOf(run: string): RecordedCall[];
  close(): Promise<void>;
}

export const SCRIPT_MARKER = '\nSCRIPT:';

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (t) => new TextEncoder().encode(t),
);

function frame(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: new TextEncoder().encode(JSON.stringify(payload)),
  });
}

/** The script in the first user message's text. */
export function scriptOf(body: ConverseBody): Script | undefined {
  const first = body.messages[0]?.content.find((b) => typeof b.text === 'string')?.text;
  if (typeof first !== 'string') return undefined;
  // The script is the document's last line (the generated text before it may hold anything).
  const at = first.lastIndexOf(SCRIPT_MARKER);
  return at < 0 ? undefined : (JSON.parse(first.slice(at + SCRIPT_MARKER.length)) as Script);
}

/** Every tool result of the conversation so far, as the agent sent it back. */
export function toolResultsOf(body: ConverseBody): unknown[] {
  return body.messages.flatMap((m) => m.content.flatMap((b) => ('toolResult' in b ? [b.toolResult] : [])));
}

function reply(body: ConverseBody): Array<[string, unknown]> {
  const script = scriptOf(body);
  const results = toolResultsOf(body);
  const events: Array<[string, unknown]> = [['messageStart', { role: 'assistant' }]];
  const next = script?.calls[results.length];
  if (next !== undefined) {
    events.push(
      ['contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: `call-${results.length}`, name: next.name } } }],
      ['contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: JSON.stringify(next.input) } } }],
      ['contentBlockStop', { contentBlockIndex: 0 }],
      ['messageStop', { stopReason: 'tool_use' }],
    );
  } else {
    const text = JSON.stringify({ run: script?.run ?? null, results });
    events.push(
      ['contentBlockDelta', { contentBlockIndex: 0, delta: { text } }],
      ['contentBlockStop', { contentBlockIndex: 0 }],
      ['messageStop', { stopReason: 'end_turn' }],
    );
  }
  events.push(['metadata', { usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 }, metrics: { latencyMs: 1 } }]);
  return events;
}

async function readRaw(req: Http2ServerRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function flatHeaders(req: Http2ServerRequest): Record<string, string> {
  return Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v ?? '')]));
}

/** Starts the stand-in on 127.0.0.1 and a random port (cleartext HTTP/2, as the Bedrock Runtime client speaks). */
export async function startRecordingModel(): Promise<RecordingModel> {
  const calls: RecordedCall[] = [];
  const sessions = new Set<Http2Session>();
  const server = createServer((req: Http2ServerRequest, res: Http2ServerResponse) => {
    readRaw(req)
      .then((raw) => {
        const body = JSON.parse(raw.toString('utf8')) as ConverseBody;
        const path = req.url ?? '/';
        calls.push({ run: scriptOf(body)?.run, path, headers: flatHeaders(req), raw, body });
        if (!path.endsWith('/converse-stream')) {
          res.writeHead(404, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'UnknownOperationException' });
          res.end(JSON.stringify({ message: `ConverseStream only, not ${path}` }));
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/vnd.amazon.eventstream' });
        for (const [type, payload] of reply(body)) res.write(frame(type, payload));
        res.end();
      })
      .catch((error: unknown) => {
        res.writeHead(400, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'ValidationException' });
        res.end(JSON.stringify({ message: String(error) }));
      });
  });
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    callsOf: (run) => calls.filter((c) => c.run === run),
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

/** SHA-256 (HMAC-SHA-256 with a secret) as @smithy/signature-v4 wants it. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | Uint8Array | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function toBytes(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

export interface SignatureCheck {
  /** The access key id, date, Region and service of the Authorization header's scope. */
  readonly scope: { accessKeyId: string; region: string; service: string } | undefined;
  readonly sessionToken: string | undefined;
  /** The Authorization header as received, and as `credentials` sign the same request. */
  readonly received: string | undefined;
  readonly expected: string | undefined;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/;

/** Re-signs the recorded request with `credentials` (the signed headers, the body, the signing date) for comparison. */
export async function checkSignature(call: RecordedCall, credentials: Credentials): Promise<SignatureCheck> {
  const received = call.headers.authorization;
  const match = received === undefined ? null : AUTHORIZATION.exec(received);
  if (match === null) return { scope: undefined, sessionToken: call.headers['x-amz-security-token'], received, expected: undefined };
  const [, accessKeyId, , region, service, signedHeaders] = match as unknown as [string, string, string, string, string, string];
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) headers[name] = name === 'host' ? (call.headers[':authority'] ?? '') : (call.headers[name] ?? '');
  const [pathname, query = ''] = call.path.split('?', 2) as [string, string?];
  const request: HttpRequest = {
    method: call.headers[':method'] ?? 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    path: pathname,
    query: Object.fromEntries(new URLSearchParams(query)),
    headers,
    body: call.raw,
  };
  const stamp = call.headers['x-amz-date'] ?? '';
  const signingDate = new Date(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`);
  const signer = new SignatureV4({ credentials, region, service, sha256: NodeSha256 });
  const signed = await signer.sign(request, { signingDate });
  return {
    scope: { accessKeyId, region, service },
    sessionToken: call.headers['x-amz-security-token'],
    received,
    expected: signed.headers.authorization,
  };
}
