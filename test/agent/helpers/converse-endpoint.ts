import { createServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/core/event-streams';

/** What the endpoint answers to one Converse call. */
export type ConverseReply =
  | { readonly text: string; readonly usage?: { inputTokens: number; outputTokens: number } }
  | { readonly toolUse: { readonly name: string; readonly input: unknown; readonly id: string } }
  | { readonly throttle: true };

/** One request as received: the path (model id inside) and the parsed JSON body. */
export interface ConverseCall {
  readonly path: string;
  readonly body: ConverseRequestBody;
}

/** The parts of a Converse request body the tests look at. */
export interface ConverseRequestBody {
  readonly system?: Array<{ text?: string }>;
  readonly messages: Array<{ role: string; content: Array<Record<string, unknown>> }>;
  readonly toolConfig?: { tools: Array<{ toolSpec: { name: string } }> };
}

export interface ConverseEndpoint {
  readonly url: string;
  readonly calls: ConverseCall[];
  close(): Promise<void>;
}

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);

/** One ConverseStream event as Bedrock frames it (AWS event stream encoding). */
export function converseEventFrame(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: new TextEncoder().encode(JSON.stringify(payload)),
  });
}

/** The ConverseStream events for a reply, in Bedrock's order. */
function streamEvents(reply: Exclude<ConverseReply, { throttle: true }>): Array<[string, unknown]> {
  const events: Array<[string, unknown]> = [['messageStart', { role: 'assistant' }]];
  if ('toolUse' in reply) {
    const { id, name, input } = reply.toolUse;
    events.push(
      ['contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: id, name } } }],
      ['contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: JSON.stringify(input) } } }],
      ['contentBlockStop', { contentBlockIndex: 0 }],
      ['messageStop', { stopReason: 'tool_use' }],
    );
  } else {
    // Two deltas, so streaming clients see the text arrive in parts.
    const half = Math.ceil(reply.text.length / 2);
    events.push(
      ['contentBlockDelta', { contentBlockIndex: 0, delta: { text: reply.text.slice(0, half) } }],
      ['contentBlockDelta', { contentBlockIndex: 0, delta: { text: reply.text.slice(half) } }],
      ['contentBlockStop', { contentBlockIndex: 0 }],
      ['messageStop', { stopReason: 'end_turn' }],
    );
  }
  const usage = 'text' in reply ? (reply.usage ?? { inputTokens: 10, outputTokens: 5 }) : { inputTokens: 10, outputTokens: 5 };
  events.push(['metadata', { usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens }, metrics: { latencyMs: 1 } }]);
  return events;
}

async function readJson(req: Http2ServerRequest): Promise<ConverseRequestBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as ConverseRequestBody;
}

function answer(res: Http2ServerResponse, path: string, reply: ConverseReply): void {
  if ('throttle' in reply) {
    res.writeHead(429, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'ThrottlingException' });
    res.end(JSON.stringify({ message: 'Too many requests, please wait before trying again.' }));
    return;
  }
  if (path.endsWith('/converse-stream')) {
    res.writeHead(200, { 'Content-Type': 'application/vnd.amazon.eventstream' });
    for (const [type, payload] of streamEvents(reply)) res.write(converseEventFrame(type, payload));
    res.end();
    return;
  }
  res.writeHead(404, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'UnknownOperationException' });
  res.end(JSON.stringify({ message: `this test endpoint serves ConverseStream only, not ${path}` }));
}

/**
 * A local stand-in for the Bedrock Runtime ConverseStream API (binary event-stream framing), on
 * 127.0.0.1 and a random port. It speaks cleartext HTTP/2 because the Bedrock Runtime client's
 * default request handler is HTTP/2. `respond` picks the reply for each call from its body; it
 * may answer later (a slow model) and may throw (answered as a ValidationException).
 */
export async function startConverseEndpoint(
  respond: (body: ConverseRequestBody, index: number) => ConverseReply | Promise<ConverseReply>,
): Promise<ConverseEndpoint> {
  const calls: ConverseCall[] = [];
  const sessions = new Set<Http2Session>();
  const server = createServer((req, res) => {
    readJson(req)
      .then(async (body) => {
        const path = decodeURIComponent(req.url ?? '/');
        calls.push({ path, body });
        const reply = await respond(body, calls.length - 1);
        // A caller that gave up meanwhile (its run was stopped) gets no answer.
        if (!res.stream.destroyed) answer(res, path, reply);
      })
      .catch((error: unknown) => {
        if (res.stream.destroyed) return;
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
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
