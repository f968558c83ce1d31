import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { invokeAgent } from '../../agent/core/invoke.js';
import { createAgentServer, type AgentServer } from '../../agent/server.js';
import { testDependencies, type TestDependencies } from './helpers/deps.js';
import { httpRequest, parseEventStream, parseRawResponse, rawRequest } from './helpers/http.js';
import { memoryLogger } from './helpers/memory.js';
import { EchoModel, ScriptedModel, SwitchableModel } from './helpers/scripted-model.js';

const SESSION_ID = 'session-0123456789-0123456789-0123456789';
const MAX_BODY = 16 * 1024;
const valid = { documentId: 'doc-1', contentType: 'data', content: { data: 'Invoice 7: 42 EUR' }, eventTime: '2025-01-01T00:00:00Z' };

/** A promise and the function that settles it, to hold an invocation open for as long as a test needs. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Polls until `check` holds: for states the server reaches asynchronously. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('AgentCore server', () => {
  const model = new SwitchableModel(new EchoModel());
  let clock = 1_700_000_000_000;
  let deps: TestDependencies;
  let agentServer: AgentServer;
  let base: string;
  let port: number;
  const serverLogger = memoryLogger();

  beforeAll(async () => {
    deps = testDependencies({ model, objects: { 'docs/present.txt': 'hello' } });
    agentServer = createAgentServer({
      invoke: (payload, options) => invokeAgent(payload, deps, options),
      logger: serverLogger,
      maxBodyBytes: MAX_BODY,
      now: () => clock,
    });
    const address = await agentServer.listen(0, '127.0.0.1');
    port = address.port;
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await agentServer.close(0);
  });

  beforeEach(() => {
    model.current = new EchoModel();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    httpRequest(`${base}/invocations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers GET /ping with Healthy and the time of the last status change in unix seconds', async () => {
    const answer = await httpRequest(`${base}/ping`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.json()).toEqual({ status: 'Healthy', time_of_last_update: Math.floor(clock / 1000) });
  });

  it('listening on loopback (a local run), refuses browser pages and DNS-rebound names; local clients pass', async () => {
    const fromPage = await post({ contentType: 'data', content: { data: 'x' } }, { Origin: 'https://evil.example' });
    expect(fromPage.status).toBe(403);
    const rebound = await httpRequest(`${base}/ping`, { headers: { Host: `attacker.example:${port}` } });
    expect(rebound.status).toBe(403);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      expect((await httpRequest(`${base}/ping`, { headers: { Host: host } })).status).toBe(200);
    }
  });

  it('listening on all interfaces (AgentCore), takes any Host: the service fronts it', async () => {
    const open = createAgentServer({ invoke: async () => ({ result: 'ok', metadata: { executionTime: 0, modelId: 'm' } }), logger: memoryLogger() });
    const { port: openPort } = await open.listen(0, '0.0.0.0');
    try {
      const answer = await httpRequest(`http://127.0.0.1:${openPort}/ping`, { headers: { Host: 'bedrock-agentcore.internal' } });
      expect(answer.status).toBe(200);
    } finally {
      await open.close(0);
    }
  });

  it('answers HEAD /ping without a body', async () => {
    const answer = await httpRequest(`${base}/ping`, { method: 'HEAD' });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
  });

  it('runs an invocation and answers the AgentInvocationResponse as JSON, echoing the session id', async () => {
    const answer = await post(valid, { 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id': SESSION_ID });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-amzn-bedrock-agentcore-runtime-session-id']).toBe(SESSION_ID);
    const body = answer.json() as { result: string; metadata: Record<string, unknown> };
    // The echo model answers with the user message: the prompt followed by the document.
    expect(body.result).toContain('Extract the invoice fields.');
    expect(body.result).toContain('Invoice 7: 42 EUR');
    // The echo model reports no usage, so no tokens are counted.
    expect(body.metadata).toEqual({ executionTime: expect.any(Number), tokensUsed: 0, modelId: deps.config.modelId });
  });

  it('accepts a query string on /invocations', async () => {
    const answer = await httpRequest(`${base}/invocations?qualifier=DEFAULT`, { method: 'POST', body: JSON.stringify(valid) });
    expect(answer.status).toBe(200);
  });

  it('streams the model text and a final result event when the client asks for text/event-stream', async () => {
    model.current = new ScriptedModel([{ text: ['The total ', 'is ', '42 EUR.'] }]);
    const answer = await post(valid, { Accept: 'text/event-stream' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const events = parseEventStream(answer.text);
    expect(events.map((e) => e.event)).toEqual(['text', 'text', 'text', 'result']);
    expect(events.slice(0, 3).map((e) => e.data)).toEqual([
      { type: 'text', text: 'The total ' },
      { type: 'text', text: 'is ' },
      { type: 'text', text: '42 EUR.' },
    ]);
    expect(events[3]?.data).toMatchObject({ type: 'result', result: 'The total is 42 EUR.', metadata: { modelId: deps.config.modelId } });
  });

  it('answers a streamed request that fails validation with a stream whose only event is the 400 error (AgentCore drops non-2xx bodies)', async () => {
    const answer = await post({ contentType: 'data' }, { Accept: 'text/event-stream' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const events = parseEventStream(answer.text);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: 'error', data: { type: 'error', statusCode: 400, fields: ['content'] } });
  });

  it('still answers a JSON request that fails validation with a plain 400', async () => {
    const answer = await post({ contentType: 'data' }, { Accept: 'application/json' });
    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({ fields: ['content'] });
  });

  it('ends a stream with an error event when the model fails after text was sent', async () => {
    const reset = Promise.reject(new Error('connection reset by Bedrock'));
    reset.catch(() => undefined); // handled when the model awaits it
    model.current = new ScriptedModel([{ text: ['partial ', 'never'], holdUntil: reset }]);
    const answer = await post(valid, { Accept: 'text/event-stream' });
    const events = parseEventStream(answer.text);
    expect(events[0]).toEqual({ event: 'text', data: { type: 'text', text: 'partial ' } });
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { type: 'error', statusCode: 502, cause: 'connection reset by Bedrock' } });
  });

  it.each([
    ['malformed JSON', '{"contentType": "data",', 'Request body is not valid JSON'],
    ['an empty body', '', 'Request body is empty'],
  ])('answers 400 to %s', async (_name, body, message) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect((answer.json() as { error: string }).error).toContain(message);
  });

  it('answers 400 naming every missing or invalid field', async () => {
    const answer = await post({ contentType: 'file', content: { bucket: '', location: 'ftp' } });
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({
      error: expect.stringContaining('Invalid request'),
      fields: ['content.bucket', 'content.key', 'content.location'],
    });
  });

  it('answers 400 to JSON that is not an object', async () => {
    const answer = await post('[1,2,3]');
    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({ fields: ['(body)'] });
  });

  it('answers 413 to a body over the limit, declared or streamed in chunks', async () => {
    const big = JSON.stringify({ ...valid, content: { data: 'x'.repeat(MAX_BODY) } });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(declared.json()).toEqual({ error: `Request body exceeds the limit of ${MAX_BODY} bytes` });
    const chunked = await httpRequest(`${base}/invocations`, {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked' },
      chunks: [big.slice(0, 10_000), big.slice(10_000)],
    });
    expect(chunked.status).toBe(413);
  });

  it('answers 404 to an unknown route', async () => {
    const answer = await httpRequest(`${base}/invoke`, { method: 'POST', body: '{}' });
    expect(answer.status).toBe(404);
    expect((answer.json() as { error: string }).error).toContain('/invoke');
  });

  it.each([
    ['GET', '/invocations', 'POST'],
    ['PUT', '/invocations', 'POST'],
    ['POST', '/ping', 'GET, HEAD'],
  ])('answers 405 to %s %s with an Allow header', async (method, path, allow) => {
    const answer = await httpRequest(`${base}${path}`, { method });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe(allow);
    expect((answer.json() as { error: string }).error).toContain(`Method ${method} not allowed`);
  });

  it('answers 400 to a request Node cannot parse and keeps serving', async () => {
    const reply = await rawRequest(port, 'BREW /invocations HTCPCP/1.0\r\n\r\n');
    expect(reply.startsWith('HTTP/1.1 400 Bad Request')).toBe(true);
    expect(reply).toContain('"error"');
    expect((await httpRequest(`${base}/ping`)).status).toBe(200);
  });

  it('answers 431 to oversized headers and keeps serving', async () => {
    const reply = await rawRequest(port, `GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(reply.startsWith('HTTP/1.1 431 Request Header Fields Too Large')).toBe(true);
    expect((await httpRequest(`${base}/ping`)).status).toBe(200);
  });

  it('answers 422 when the document does not exist and 502 when the model fails', async () => {
    const missing = await post({ contentType: 'file', content: { bucket: 'docs', key: 'absent.pdf' } });
    expect(missing.status).toBe(422);
    expect(missing.json()).toEqual({ error: 's3://docs/absent.pdf does not exist', fields: ['content'] });

    model.current = new ScriptedModel([{ error: Object.assign(new Error('Malformed input request'), { name: 'ValidationException' }) }]);
    const failed = await post(valid);
    expect(failed.status).toBe(502);
    expect(failed.json()).toEqual({
      error: 'Agent invocation failed: Malformed input request',
      cause: 'Malformed input request',
    });
  });

  it('reports HealthyBusy on /ping while an invocation runs, and Healthy again after', async () => {
    const hold = gate();
    model.current = new ScriptedModel([{ text: ['working', ' done'], holdUntil: hold.promise }]);
    clock += 5_000;
    const running = post(valid);
    await until(() => agentServer.inFlight === 1, 'the invocation to start');

    const busy = await httpRequest(`${base}/ping`);
    expect(busy.json()).toEqual({ status: 'HealthyBusy', time_of_last_update: Math.floor(clock / 1000) });

    clock += 7_000;
    hold.open();
    expect((await running).status).toBe(200);
    const idle = await httpRequest(`${base}/ping`);
    expect(idle.json()).toEqual({ status: 'Healthy', time_of_last_update: Math.floor(clock / 1000) });
  });

  it('serves concurrent invocations independently', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => post({ contentType: 'data', content: { data: `document number ${i}` } })),
    );
    answers.forEach((answer, i) => {
      expect(answer.status).toBe(200);
      expect((answer.json() as { result: string }).result).toContain(`document number ${i}`);
    });
  });

  it('ends the invocation when the client disconnects, cancels the agent, and recovers', async () => {
    // The model holds its answer until the agent cancels the call, as Bedrock's client does on abort.
    const slow = new ScriptedModel([{ text: ['first', ' never sent'], holdUntil: new Promise(() => undefined) }]);
    model.current = slow;
    const running = httpRequest(`${base}/invocations`, { method: 'POST', body: JSON.stringify(valid), headers: { Accept: 'text/event-stream' } });
    await until(() => slow.calls.length === 1, 'the model to be called');
    // Cut the connection mid-answer, as a client that goes away would.
    agentServer.server.closeAllConnections();
    await running.catch(() => undefined);
    await until(() => agentServer.inFlight === 0, 'the invocation to end');
    expect(serverLogger.lines.filter((l) => l.message === 'Invocation failed').at(-1)).toMatchObject({
      level: 'warn',
      statusCode: 499,
      error: { message: 'The client closed the connection before the answer was complete' },
    });
    await until(() => slow.cancelled === 1, 'the model call to be cancelled');
    expect((await httpRequest(`${base}/ping`)).json()).toMatchObject({ status: 'Healthy' });
  });
});

/**
 * The request `agentcore dev "<prompt>" --port <port>` (the official AgentCore CLI, `@aws/agentcore`
 * 0.30.0, on Node 20) writes on the wire, byte for byte as captured from the CLI: its local invoke is
 * a `fetch` with `Accept: text/event-stream`, the fixed session id `local-dev-session` and the
 * prompt wrapped as `{"prompt": ...}` (`--stream` sends the same request; it only prints as the
 * events arrive). The CLI prints the `text` of each `data:` line that is a JSON object with one,
 * stops at the first with an `error`, and ignores the others (our `result` event).
 * test/agent/agentcore-cli.test.ts runs the CLI itself, where it is installed.
 */
function agentcoreDevRequest(port: number, prompt: string, extraHeaders: readonly string[] = []): string {
  const body = JSON.stringify({ prompt });
  return [
    'POST /invocations HTTP/1.1',
    `host: localhost:${port}`,
    'connection: keep-alive',
    'Content-Type: application/json',
    'Accept: text/event-stream',
    'x-amzn-bedrock-agentcore-runtime-session-id: local-dev-session',
    ...extraHeaders,
    'accept-language: *',
    'sec-fetch-mode: cors',
    'user-agent: node',
    'accept-encoding: gzip, deflate',
    `content-length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** What `agentcore dev` prints for an event-stream answer (the CLI's parseSSE, for an answer without errors). */
function printedByAgentcoreDev(eventStream: string): string {
  const parts: string[] = [];
  for (const line of eventStream.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const data = JSON.parse(line.slice(6)) as unknown;
    if (typeof data === 'string') parts.push(data);
    else if (data !== null && typeof data === 'object' && 'error' in data) return `Error: ${String(data.error)}`;
    else if (data !== null && typeof data === 'object' && 'text' in data) parts.push(String(data.text));
  }
  return parts.length > 0 ? parts.join('') : eventStream;
}

/** Sends raw bytes on a keep-alive connection and returns the response once its chunked body has ended. */
function rawKeepAliveExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const headEnd = text.indexOf('\r\n\r\n');
      const chunked = /\r\ntransfer-encoding: chunked\r\n/i.test(text.slice(0, headEnd));
      const length = /\r\ncontent-length: (\d+)\r\n/i.exec(text.slice(0, headEnd))?.[1];
      const done = headEnd !== -1 && (chunked ? text.endsWith('\r\n0\r\n\r\n') : Buffer.byteLength(text.slice(headEnd + 4)) >= Number(length ?? 0));
      if (done) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`the connection closed before the answer was complete:\n${text}`)));
  });
}

describe('AgentCore server, as the AgentCore CLI and SDKs call it (raw HTTP)', () => {
  const model = new SwitchableModel(new EchoModel());
  let deps: TestDependencies;
  let agentServer: AgentServer;
  let port: number;

  beforeAll(async () => {
    deps = testDependencies({ model });
    agentServer = createAgentServer({ invoke: (payload, options) => invokeAgent(payload, deps, options), logger: memoryLogger() });
    port = (await agentServer.listen(0, '127.0.0.1')).port;
  });

  afterAll(async () => {
    await agentServer.close(0);
  });

  beforeEach(() => {
    model.current = new EchoModel();
  });

  /** One request as the CLI writes it on the wire, `Connection: close` so the answer ends the exchange. */
  async function raw(body: string, headers: Record<string, string> = {}) {
    const lines = [
      'POST /invocations HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Content-Type: application/json',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '',
      body,
    ];
    return parseRawResponse(await rawRequest(port, lines.join('\r\n')));
  }

  /**
   * `agentcore invoke` (a deployed agent) calls InvokeAgentRuntime with `accept: "application/json,
   * text/event-stream"` and a `{"prompt": ...}` payload; AgentCore forwards them with the session id.
   */
  const CLI_HEADERS = {
    Accept: 'application/json, text/event-stream',
    'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id': SESSION_ID,
  };

  it('answers JSON to agentcore invoke, which accepts both and lists JSON first', async () => {
    const answer = await raw(JSON.stringify(valid), CLI_HEADERS);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect((JSON.parse(answer.body) as { result: string }).result).toContain('Invoice 7: 42 EUR');
  });

  it('streams to agentcore dev (its exact request), and what the CLI prints of the stream is the model\'s text', async () => {
    model.current = new ScriptedModel([{ text: ['The total ', 'is 42 EUR.'] }]);
    const reply = await rawKeepAliveExchange(port, agentcoreDevRequest(port, 'What is the total of invoice 7?'));
    const answer = parseRawResponse(reply);
    expect(answer.status, answer.body).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(answer.headers['x-amzn-bedrock-agentcore-runtime-session-id']).toBe('local-dev-session');
    expect(parseEventStream(answer.body).map((e) => e.event)).toEqual(['text', 'text', 'result']);
    expect(printedByAgentcoreDev(answer.body)).toBe('The total is 42 EUR.');
    const done = deps.logger.lines.filter((l) => l.message === 'Invocation completed').at(-1);
    expect(done).toMatchObject({ sessionId: 'local-dev-session' });
  });

  it('agentcore dev -H "X-Amzn-Bedrock-AgentCore-Runtime-Request-Id: ..." (a header the CLI forwards as given): the id is logged', async () => {
    const requestId = 'dev-0123-4567';
    await rawKeepAliveExchange(port, agentcoreDevRequest(port, 'Invoice 7', [`X-Amzn-Bedrock-AgentCore-Runtime-Request-Id: ${requestId}`]));
    const done = deps.logger.lines.filter((l) => l.message === 'Invocation completed').at(-1);
    expect(done).toMatchObject({ requestId, sessionId: 'local-dev-session' });
  });

  it('agentcore dev with an empty prompt: a 400 error event the CLI prints as its error, naming the field', async () => {
    const answer = parseRawResponse(await rawKeepAliveExchange(port, agentcoreDevRequest(port, '')));
    expect(answer.status).toBe(200);
    expect(parseEventStream(answer.body)).toEqual([{
      event: 'error',
      data: { type: 'error', statusCode: 400, error: 'Invalid request: prompt (must be a non-empty string)', fields: ['prompt'] },
    }]);
    expect(printedByAgentcoreDev(answer.body)).toBe('Error: Invalid request: prompt (must be a non-empty string)');
  });

  it('streams to a client that prefers text/event-stream', async () => {
    model.current = new ScriptedModel([{ text: ['a', 'b'] }]);
    const answer = await raw(JSON.stringify(valid), { Accept: 'application/json;q=0.5, text/event-stream' });
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(parseEventStream(answer.body).map((e) => e.event)).toEqual(['text', 'text', 'result']);
  });

  it('takes {"prompt": "..."} as inline data', async () => {
    const answer = await raw(JSON.stringify({ prompt: 'What is the total of invoice 7?' }), CLI_HEADERS);
    expect(answer.status, answer.body).toBe(200);
    const result = (JSON.parse(answer.body) as { result: string }).result;
    expect(result).toContain('Extract the invoice fields.');
    expect(result).toContain('(inline data) is as follows:\nWhat is the total of invoice 7?');
  });

  it.each([
    ['an empty prompt', { prompt: '' }, ['prompt']],
    ['a prompt that is not a string', { prompt: 7 }, ['prompt']],
    ['a prompt next to contentType', { prompt: 'x', contentType: 'data', content: { data: 'y' } }, ['prompt']],
    ['a prompt with an unknown field', { prompt: 'x', input: 'y' }, ['input']],
  ])('answers 400 to %s, naming the field', async (_name, body, fields) => {
    const answer = await raw(JSON.stringify(body), CLI_HEADERS);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ fields });
  });

  it('logs the request id AgentCore sends, on success and on failure', async () => {
    await raw(JSON.stringify(valid), { ...CLI_HEADERS, 'X-Amzn-Bedrock-AgentCore-Runtime-Request-Id': 'c0ffee00-1111-2222-3333-444455556666' });
    const done = deps.logger.lines.filter((l) => l.message === 'Invocation completed').at(-1);
    expect(done).toMatchObject({ requestId: 'c0ffee00-1111-2222-3333-444455556666', sessionId: SESSION_ID });

    const logger = memoryLogger();
    const failing = createAgentServer({ invoke: (payload, options) => invokeAgent(payload, deps, options), logger });
    const failingPort = (await failing.listen(0, '127.0.0.1')).port;
    try {
      const reply = await rawRequest(
        failingPort,
        `POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amzn-Bedrock-AgentCore-Runtime-Request-Id: req-bad-1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      );
      expect(parseRawResponse(reply).status).toBe(400);
      expect(logger.lines.find((l) => l.message === 'Invocation failed')).toMatchObject({ requestId: 'req-bad-1' });
    } finally {
      await failing.close(0);
    }
  });

  it('falls back to a random request id without the header', async () => {
    await raw(JSON.stringify(valid));
    const done = deps.logger.lines.filter((l) => l.message === 'Invocation completed').at(-1);
    expect(String(done?.requestId)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('AgentCore server shutdown', () => {
  it('lets a running invocation finish, then closes', async () => {
    const hold = gate();
    const deps = testDependencies({ model: new ScriptedModel([{ text: ['almost', ' there'], holdUntil: hold.promise }]) });
    const agentServer = createAgentServer({ invoke: (p, o) => invokeAgent(p, deps, o), logger: memoryLogger() });
    const { port } = await agentServer.listen(0, '127.0.0.1');
    const running = httpRequest(`http://127.0.0.1:${port}/invocations`, { method: 'POST', body: JSON.stringify(valid) });
    await until(() => agentServer.inFlight === 1, 'the invocation to start');

    const closing = agentServer.close(30_000);
    await expect(httpRequest(`http://127.0.0.1:${port}/ping`)).rejects.toThrow(/ECONNREFUSED/);
    hold.open();
    const answer = await running;
    expect(answer.status).toBe(200);
    expect((answer.json() as { result: string }).result).toBe('almost there');
    await closing;
    expect(agentServer.server.listening).toBe(false);
  });
});
