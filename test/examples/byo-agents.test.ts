import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, type HttpAnswer } from '../agent/helpers/http.js';
import { bounded } from './agent-processes.js';

/**
 * The guide's minimal agents (docs/bring-your-own-agent.md), which are the repository's fixtures
 * test/fixtures/node-agent and test/fixtures/python-agent, run under both contracts as the
 * runtimes run them: the Lambda handler called with an event, the AgentCore entrypoint started as a
 * program on a free 127.0.0.1 port (PORT) and spoken to over HTTP. Every wait is bounded and every
 * process is killed.
 */

const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures');
const NODE_AGENT = join(FIXTURES, 'node-agent');
const PYTHON_AGENT = join(FIXTURES, 'python-agent');
const HAS_PYTHON = spawnSync('python3', ['--version'], { timeout: 10_000 }).status === 0;
const WAIT_MS = 15_000;
const SESSION_HEADER = 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id';

/** The environment the construct sets (the parts these agents read, and a few they ignore). */
const ENV: Record<string, string> = {
  MODEL_ID: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
  PROMPT: 'Extract the invoice fields as JSON.',
  EXPECT_JSON: 'true',
  INVOKE_TYPE: 'batch',
  LOG_LEVEL: 'INFO',
  SYSTEM_PROMPT_S3_BUCKET_NAME: 'cdk-assets',
  SYSTEM_PROMPT_S3_KEY: 'prompt.txt',
  TOOLS_CONFIG: '[]',
  DOCUMENT_SOURCES: JSON.stringify([{ bucketName: 'incoming-docs', prefix: 'incoming/' }]),
};
const INVOICE = 'INVOICE 7\nAcme Paper GmbH\nTotal 42.50 EUR';
const REQUEST = { contentType: 'data', content: { data: INVOICE } };
const RESULT = { firstLine: 'INVOICE 7', characters: INVOICE.length, modelId: ENV.MODEL_ID };
const SESSION_ID = 'byo-agent-session-0123456789abcdef0123';

interface LambdaOutcome {
  readonly response?: { result: unknown; metadata: Record<string, unknown> };
  readonly error?: { readonly name: string; readonly message: string };
}

/** The cases both agents must answer alike on Lambda. */
function lambdaContract(invoke: (event: unknown) => Promise<LambdaOutcome>) {
  it('Lambda: answers an inline data request with { result, metadata }', async () => {
    const { response, error } = await invoke(REQUEST);
    expect(error).toBeUndefined();
    expect(response?.result).toEqual(RESULT);
    expect(response?.metadata).toMatchObject({ modelId: ENV.MODEL_ID, executionTime: expect.any(Number) });
  });

  it('Lambda: takes {"prompt": "..."} as inline data', async () => {
    expect((await invoke({ prompt: INVOICE })).response?.result).toEqual(RESULT);
  });

  it('Lambda: throws errors a Step Functions Catch can match by name, the names the default agent uses', async () => {
    expect((await invoke({ contentType: 'data', content: {} })).error).toMatchObject({ name: 'Agent.BadRequest', message: expect.stringContaining('content.data') });
    expect((await invoke({ contentType: 'file', content: { bucket: 'incoming-docs', key: 'other/a.pdf' } })).error)
      .toMatchObject({ name: 'Agent.BadRequest', message: expect.stringContaining('s3://incoming-docs/other/a.pdf') });
    expect((await invoke({ contentType: 'file', content: { bucket: 'incoming-docs', key: 'incoming/a.pdf' } })).error)
      .toMatchObject({ name: 'Agent.BadRequest', message: expect.stringContaining('reads inline data only') });
  });
}

/** A free port on 127.0.0.1 (bound, read, released). */
async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode);
    else child.once('exit', (code) => done(code));
  });
}

interface RunningServer {
  readonly base: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM, then SIGKILL after a bounded wait; resolves to the exit code. */
  stop(): Promise<number | null>;
}

/** Starts an AgentCore entrypoint as the runtime would (`node index.js`, `python main.py`) and waits for GET /ping. */
async function startEntrypoint(command: string, entrypoint: string, cwd: string): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(command, [entrypoint], {
    cwd,
    // No __pycache__ left in the fixture (it is packaged as an asset by other tests).
    env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', ...ENV, PORT: String(port), AGENT_SERVER_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = exited(child);
  const base = `http://127.0.0.1:${port}`;
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return bounded(exit, 5_000, `${command} ${entrypoint} shutdown`, () => child.kill('SIGKILL'));
  };
  try {
    await bounded((async () => {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`${command} ${entrypoint} exited with ${child.exitCode}:\n${output}`);
        const answer = await httpRequest(`${base}/ping`).catch(() => undefined);
        if (answer?.status === 200) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    })(), WAIT_MS, `${command} ${entrypoint} start`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { base, child, output: () => output, stop };
}

const post = (base: string, body: string, headers: Record<string, string> = {}): Promise<HttpAnswer> =>
  bounded(httpRequest(`${base}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }), WAIT_MS, 'POST /invocations');

/** The cases both agents must answer alike on AgentCore. */
function agentCoreContract(command: string, entrypoint: string, cwd: string) {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startEntrypoint(command, entrypoint, cwd);
  });
  afterAll(async () => {
    if (server) await server.stop().catch(() => server.child.kill('SIGKILL'));
  });

  it('AgentCore: GET /ping answers {"status": "Healthy", "time_of_last_update": <unix s>}', async () => {
    const answer = await bounded(httpRequest(`${server.base}/ping`), WAIT_MS, 'GET /ping');
    expect(answer.status).toBe(200);
    const body = answer.json() as { status: string; time_of_last_update: number };
    expect(body.status).toBe('Healthy');
    expect(Number.isInteger(body.time_of_last_update)).toBe(true);
    expect(Math.abs(body.time_of_last_update - Date.now() / 1000)).toBeLessThan(120);
  });

  it('AgentCore: POST /invocations answers the JSON response and echoes the session header', async () => {
    const answer = await post(server.base, JSON.stringify(REQUEST), { [SESSION_HEADER]: SESSION_ID });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers[SESSION_HEADER.toLowerCase()]).toBe(SESSION_ID);
    expect(answer.json()).toMatchObject({ result: RESULT, metadata: { modelId: ENV.MODEL_ID, sessionId: SESSION_ID } });
  });

  it('AgentCore: bad requests get 4xx with the error and the fields; unknown paths 404', async () => {
    expect((await post(server.base, 'not json')).status).toBe(400);
    const invalid = await post(server.base, JSON.stringify({ contentType: 'pdf' }));
    expect(invalid.status).toBe(400);
    expect(invalid.json()).toMatchObject({ error: expect.any(String), fields: ['contentType'] });
    const refused = await post(server.base, JSON.stringify({ contentType: 'file', content: { bucket: 'elsewhere', key: 'incoming/a.pdf' } }));
    expect(refused.status).toBe(403);
    expect((await bounded(httpRequest(`${server.base}/nowhere`), WAIT_MS, 'GET /nowhere')).status).toBe(404);
    // Still healthy after all that.
    expect((await bounded(httpRequest(`${server.base}/ping`), WAIT_MS, 'GET /ping')).status).toBe(200);
  });

  it('AgentCore: stops on SIGTERM with exit code 0', async () => {
    expect(await server.stop()).toBe(0);
  });
}

describe('node-agent (AgentCode.fromNodejsDirectory defaults: index.handler, index.js)', () => {
  let handler: (event: unknown, context?: unknown) => Promise<LambdaOutcome['response']>;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    for (const [key, value] of Object.entries(ENV)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    ({ handler } = await import(pathToFileURL(join(NODE_AGENT, 'index.js')).href) as { handler: typeof handler });
  });
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  lambdaContract(async (event) => {
    try {
      return { response: await bounded(handler(event, {}), WAIT_MS, 'index.handler') };
    } catch (error) {
      return { error: { name: (error as Error).name, message: (error as Error).message } };
    }
  });
  agentCoreContract(process.execPath, 'index.js', NODE_AGENT);
});

/** Calls `main.handler` in a fresh python3, as Lambda's Python runtime imports it from the code directory. */
async function invokePython(event: unknown): Promise<LambdaOutcome> {
  const runner = [
    'import json, sys',
    'import main',
    'try:',
    '    print("RESULT " + json.dumps({"response": main.handler(json.loads(sys.argv[1]), None)}))',
    'except Exception as error:',
    '    print("RESULT " + json.dumps({"error": {"name": type(error).__name__, "message": str(error)}}))',
  ].join('\n');
  const child = spawn('python3', ['-c', runner, JSON.stringify(event)], {
    cwd: PYTHON_AGENT,
    env: { PATH: process.env.PATH ?? '', PYTHONPATH: PYTHON_AGENT, PYTHONDONTWRITEBYTECODE: '1', ...ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await bounded(exited(child), WAIT_MS, 'python3 main.handler', () => child.kill('SIGKILL'));
  const line = output.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || line === undefined) throw new Error(`python3 exited with ${code}:\n${output}`);
  return JSON.parse(line.slice('RESULT '.length)) as LambdaOutcome;
}

describe.skipIf(!HAS_PYTHON)('python-agent (AgentCode.fromPythonDirectory defaults: main.handler, main.py)', () => {
  lambdaContract(invokePython);
  agentCoreContract('python3', 'main.py', PYTHON_AGENT);
});
