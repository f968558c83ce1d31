import { createServer, type Http2ServerRequest, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { converseEventFrame as frame } from '../agent/helpers/converse-endpoint.js';

/**
 * A Bedrock ConverseStream stand-in for chat tests (cleartext HTTP/2 on 127.0.0.1, as the Bedrock
 * Runtime client speaks): a model with a memory only as long as the conversation it is sent. It
 * answers word by word, `paceMs` apart, so a client can see the text arrive in parts:
 *
 *   "My name is Ada."   → "Nice to meet you, Ada."
 *   "What is my name?"  → "Your name is Ada." (from an earlier user message), or "I do not know your name."
 *   anything else       → "You said: <message>"
 *
 * A message with the word "slowly" is answered five times slower.
 */

export interface ChatModelCall {
  readonly path: string;
  /** The conversation as sent: role and the text of each message. */
  readonly messages: ReadonlyArray<{ readonly role: string; readonly text: string }>;
}

export interface ChatModel {
  readonly url: string;
  readonly calls: ChatModelCall[];
  close(): Promise<void>;
}

/** The model's answer to the conversation so far. */
export function chatModelReply(messages: ChatModelCall['messages']): string {
  const users = messages.filter((m) => m.role === 'user').map((m) => m.text);
  const last = users.at(-1) ?? '';
  const named = (text: string): string | undefined => /my name is (\w+)/i.exec(text)?.[1];
  const name = named(last);
  if (name !== undefined) return `Nice to meet you, ${name}.`;
  if (/what is my name/i.test(last)) {
    const earlier = users.slice(0, -1).map(named).filter((n) => n !== undefined).at(-1);
    return earlier === undefined ? 'I do not know your name.' : `Your name is ${earlier}.`;
  }
  return `You said: ${last}`;
}

async function readBody(req: Http2ServerRequest): Promise<{ messages?: Array<{ role: string; content: Array<{ text?: string }> }> }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages?: Array<{ role: string; content: Array<{ text?: string }> }> };
}

export async function startChatModel(paceMs = 60): Promise<ChatModel> {
  const calls: ChatModelCall[] = [];
  const sessions = new Set<Http2Session>();
  const server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      const path = decodeURIComponent(req.url ?? '/');
      const messages = (body.messages ?? []).map((m) => ({ role: m.role, text: m.content.map((c) => c.text ?? '').join('') }));
      calls.push({ path, messages });
      if (!path.endsWith('/converse-stream')) {
        res.writeHead(404, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'UnknownOperationException' });
        res.end(JSON.stringify({ message: `ConverseStream only, not ${path}` }));
        return;
      }
      const words = chatModelReply(messages).split(/(?<= )/);
      const pace = /\bslowly\b/i.test(messages.at(-1)?.text ?? '') ? paceMs * 5 : paceMs;
      res.writeHead(200, { 'Content-Type': 'application/vnd.amazon.eventstream' });
      res.write(frame('messageStart', { role: 'assistant' }));
      for (const word of words) {
        if (res.stream.destroyed) return;
        res.write(frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: word } }));
        await new Promise((resolve) => setTimeout(resolve, pace));
      }
      res.write(frame('contentBlockStop', { contentBlockIndex: 0 }));
      res.write(frame('messageStop', { stopReason: 'end_turn' }));
      res.end(frame('metadata', { usage: { inputTokens: 12, outputTokens: words.length, totalTokens: 12 + words.length }, metrics: { latencyMs: 1 } }));
    });
  });
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
