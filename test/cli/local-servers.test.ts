/**
 * The tool's own servers on 127.0.0.1 (the local S3 endpoint and the Lambda contract's endpoint),
 * driven directly: a malformed request answers 4xx and the server keeps serving; a web page (a
 * foreign Host, an Origin header) is refused; the Lambda endpoint's limits and its sandbox lifecycle.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_BYTES, startLambdaEndpoint, type LambdaEndpoint } from '../../cli/lambda-endpoint.js';
import { startLocalS3Server, type LocalS3Server } from '../../cli/s3-server.js';
import { bounded, freePort } from './cli-process.js';

interface RawResponse {
  readonly status: number;
  readonly text: string;
}

/** Sends `head` as written (no client-side checks) and reads the whole answer (bounded). */
function raw(port: number, head: string, body = ''): Promise<RawResponse> {
  return bounded(
    new Promise<RawResponse>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
      socket.on('error', reject);
      socket.write(`${head.replace(/\n/g, '\r\n')}Connection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    }),
    10_000,
    head.split('\n')[0]!,
  );
}

/** POSTs `body` with Node's client (Host 127.0.0.1:<port>); resolves to status and body. */
function post(port: number, path: string, body: string | Buffer): Promise<{ status: number; json: Record<string, unknown>; headers: Record<string, unknown> }> {
  return bounded(
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, headers: res.headers }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    }),
    20_000,
    `POST ${path}`,
  );
}

let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'cli-servers-'));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe('the local S3 endpoint', () => {
  let s3: LocalS3Server;
  let port: number;

  beforeAll(async () => {
    const file = join(workDir, 'prompt.txt');
    writeFileSync(file, 'You extract invoices.');
    s3 = await startLocalS3Server([{ hash: 'h', sourcePath: file, packaging: 'file', destinations: [{ bucketName: 'b', objectKey: 'prompt.txt' }] }]);
    port = Number(new URL(s3.url).port);
  });

  afterAll(async () => {
    await s3?.close();
  });

  const get = (target: string, extra = '') => raw(port, `GET ${target} HTTP/1.1\nHost: 127.0.0.1:${port}\n${extra}`);

  it('serves a staged asset to 127.0.0.1:<port> and localhost:<port>', async () => {
    expect(await get('/b/prompt.txt')).toMatchObject({ status: 200, text: expect.stringContaining('You extract invoices.') });
    expect((await raw(port, `GET /b/prompt.txt HTTP/1.1\nHost: localhost:${port}\n`)).status).toBe(200);
  });

  it('a malformed percent-escape or request target: 400 InvalidURI, and it keeps serving', async () => {
    for (const target of ['/b/%E0%A4%A', 'http://[x/ping']) {
      const answer = await get(target);
      expect(answer.status, target).toBe(400);
      expect(answer.text).toContain('<Code>InvalidURI</Code>');
    }
    expect((await raw(port, 'GET /b/prompt.txt HTTP/1.1 junk\n')).status).toBe(400);
    expect((await get('/b/prompt.txt')).status).toBe(200);
  });

  it('a web page is refused: a foreign Host (DNS rebinding), an Origin header', async () => {
    const rebound = await raw(port, `GET /b/prompt.txt HTTP/1.1\nHost: attacker.example:${port}\n`);
    expect(rebound.status).toBe(403);
    expect(rebound.text).toContain('<Code>AccessDenied</Code>');
    expect(rebound.text).not.toContain('You extract invoices.');
    expect((await get('/b/prompt.txt', 'Origin: http://attacker.example\n')).status).toBe(403);
    expect((await raw(port, `GET /b/prompt.txt HTTP/1.1\nHost: 127.0.0.1:${port + 1}\n`)).status).toBe(403);
  });
});

/** A stand-in runner speaking the line protocol: `hang` never answers, `garbage` answers a non-JSON line. */
const RUNNER = `
const { createWriteStream } = require('node:fs');
const { createInterface } = require('node:readline');
const results = createWriteStream('', { fd: 3 });
createInterface({ input: process.stdin }).on('line', (line) => {
  const request = JSON.parse(line);
  if (request.event.hang) return;
  if (request.event.garbage) return void results.write('this is not JSON\\n');
  results.write(JSON.stringify({ id: request.id, ok: true, response: { pid: process.pid, event: request.event } }) + '\\n');
});
`;

describe('the Lambda contract endpoint', () => {
  let endpoint: LambdaEndpoint;
  let port: number;
  const logs: string[] = [];

  beforeAll(async () => {
    const runner = join(workDir, 'runner.cjs');
    writeFileSync(runner, RUNNER);
    port = await freePort();
    endpoint = await startLambdaEndpoint(port, {
      sandbox: { command: process.execPath, args: [runner], cwd: workDir, env: { PATH: process.env.PATH } },
      timeoutSeconds: 2,
      context: { functionName: 'fn', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn', memoryLimitInMB: '128', logGroupName: '/aws/lambda/fn', logStreamName: 'local' },
      log: (line) => logs.push(line),
    });
  });

  afterAll(async () => {
    await endpoint?.close();
  });

  it('invokes the handler', async () => {
    const answer = await post(port, '/invocations', '{"n":1}');
    expect(answer).toMatchObject({ status: 200, json: { event: { n: 1 } } });
  });

  it('a request target that is not a URL: 400, and it keeps serving', async () => {
    expect((await raw(port, `GET http://[x/ping HTTP/1.1\nHost: 127.0.0.1:${port}\n`)).status).toBe(400);
    expect((await raw(port, `GET /%E0%A4%A HTTP/1.1\nHost: 127.0.0.1:${port}\n`)).status).toBe(400);
    expect((await raw(port, `GET /ping HTTP/1.1\nHost: 127.0.0.1:${port}\n`)).status).toBe(200);
  });

  it('a web page is refused: a foreign Host (DNS rebinding), an Origin header', async () => {
    const body = '{"n":2}';
    expect((await raw(port, `POST /invocations HTTP/1.1\nHost: attacker.example:${port}\n`, body)).status).toBe(403);
    expect((await raw(port, `POST /invocations HTTP/1.1\nHost: 127.0.0.1:${port}\nOrigin: http://attacker.example\n`, body)).status).toBe(403);
    expect((await raw(port, `POST /invocations HTTP/1.1\nHost: localhost:${port}\n`, body)).status).toBe(200);
  });

  it('POST /ping: 405', async () => {
    const answer = await raw(port, `POST /ping HTTP/1.1\nHost: 127.0.0.1:${port}\n`);
    expect(answer.status).toBe(405);
    expect(answer.text).toMatch(/Allow: GET, HEAD/i);
  });

  it('a body over 6 MB: 413 RequestEntityTooLargeException, as Lambda', async () => {
    const answer = await post(port, '/invocations', Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x20));
    expect(answer.status).toBe(413);
    expect(answer.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
  });

  it('a result line that is not JSON fails the invocation at once, not at the timeout', async () => {
    const started = Date.now();
    const answer = await post(port, '/invocations', '{"garbage":true}');
    expect(answer).toMatchObject({ status: 200, headers: { 'x-amz-function-error': 'Unhandled' }, json: { errorType: 'Runtime.MarshalError' } });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('after a timeout, the next queued invocation runs in a fresh sandbox, not the dying one', async () => {
    const first = await post(port, '/invocations', '{"n":3}');
    const hung = post(port, '/invocations', '{"hang":true}');
    const queued = post(port, '/invocations', '{"n":4}');
    expect(await hung).toMatchObject({ status: 200, json: { errorType: 'Sandbox.Timedout' } });
    const next = await queued;
    expect(next, JSON.stringify(next.json)).toMatchObject({ status: 200, json: { event: { n: 4 } } });
    expect(next.json.pid).not.toBe(first.json.pid);
  });
});
