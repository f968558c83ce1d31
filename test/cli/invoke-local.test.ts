/**
 * `invoke --local` against a stand-in on 127.0.0.1 that answers what a broken agent might: the tool
 * reports it on stderr with a non-zero exit, never a crash and never an empty success.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-process.js';

/** What the stand-in answers next. */
let answer: (res: ServerResponse) => void = (res) => res.end();
/** The session id header of each request. */
const sessions: Array<string | undefined> = [];
let server: Server;
let port: number;
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NODE_NO_WARNINGS: '1' };

beforeAll(async () => {
  server = createServer((req, res) => {
    sessions.push(req.headers['x-amzn-bedrock-agentcore-runtime-session-id'] as string | undefined);
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
});

const invoke = (...flags: string[]) => runCli(['invoke', '--local', '--port', String(port), '--payload', '{"prompt":"hi"}', ...flags], env);

/** An event stream written in `chunks`, each flushed on its own. */
function stream(chunks: readonly string[]): (res: ServerResponse) => void {
  return (res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    let i = 0;
    const next = (): void => {
      if (i === chunks.length) {
        res.end();
        return;
      }
      res.write(chunks[i++]);
      setTimeout(next, 20);
    };
    next();
  };
}

describe('invoke --local: what the agent answers', () => {
  it('a 200 body that is not JSON: an error, not a crash', async () => {
    answer = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('<html>not json</html>');
    };
    for (const flags of [[], ['--stream']]) {
      const run = await invoke(...flags);
      expect(run, run.stderr).toMatchObject({ code: 1, stdout: '' });
      expect(run.stderr).toContain("the agent's answer is not JSON");
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a result event that is not JSON: an error, not a crash', async () => {
    answer = stream(['event: result\ndata: {oops\n\n']);
    for (const flags of [[], ['--stream']]) {
      const run = await invoke(...flags);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('the result event is not JSON');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('an event stream that ends without a result event: a non-zero exit', async () => {
    answer = stream(['event: text\ndata: {"text":"partial"}\n\n']);
    const plain = await invoke();
    expect(plain).toMatchObject({ code: 1, stdout: '' });
    expect(plain.stderr).toContain('the event stream ended without a result event');
    const streamed = await invoke('--stream');
    expect(streamed.code).toBe(1);
    expect(streamed.stderr).toContain('the event stream ended without a result event');
  });

  it('the session id: a new one as for a deployed agent; a given one checked as AgentCore does', async () => {
    answer = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"result":1}');
    };
    sessions.length = 0;
    expect((await invoke()).code).toBe(0);
    expect(sessions).toEqual([expect.stringMatching(/^agentic-cli-[0-9a-f]{32}$/)]);
    const short = await invoke('--session-id', 'too-short');
    expect(short).toMatchObject({ code: 2, stdout: '' });
    expect(short.stderr).toContain('--session-id: session id "too-short" is 9 characters; AgentCore needs 33 to 256');
    expect(sessions).toHaveLength(1);
  });

  it('CRLF line ends split across chunks: the result is read', async () => {
    answer = stream(['event: text\r\ndata: {"text":"a"}\r\n\r\nevent: result\r', '\ndata: {"result":{"n":1}}\r', '\n\r', '\n']);
    const run = await invoke();
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ result: { n: 1 } });
  });
});
