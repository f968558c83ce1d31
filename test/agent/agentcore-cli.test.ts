import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bounded, startAgentCoreServer, type AgentCoreServer } from '../examples/agent-processes.js';
import { startConverseEndpoint, type ConverseEndpoint } from './helpers/converse-endpoint.js';
import { agentEnv, BUCKETS, DOCUMENT_TEXT, EXPECTED_RESULT, invoiceModel, seedBuckets } from './helpers/fixtures.js';
import { REGION, S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from './helpers/local-aws.js';

/**
 * The official AgentCore CLI (`@aws/agentcore`, bin `agentcore`) against the shipped AgentCore
 * bundle, both real, offline.
 *
 * `agentcore invoke` only reaches a deployed runtime: it needs a project with deployed state and
 * calls InvokeAgentRuntime on `https://bedrock-agentcore.<region>.amazonaws.com`, an endpoint it
 * sets itself (AWS_ENDPOINT_URL does not move it). Its local path is `agentcore dev "<prompt>"
 * --port <port> [--stream]`, which needs no project: it POSTs
 * `{"prompt": "<prompt>"}` to `http://localhost:<port>/invocations` with `Accept: text/event-stream`
 * and `x-amzn-bedrock-agentcore-runtime-session-id: local-dev-session` (plus any `-H` header), and
 * prints the text of the `data:` events, or the JSON answer's `result`.
 *
 * The CLI is not a dependency of this project: its dependencies `@aws/agent-inspector` and
 * `@aws-sdk/client-s3files@^3.1067.0` are not on the registry this project installs from, so
 * `npm install @aws/agentcore` fails. These tests run where the CLI is present:
 * `AGENTCORE_CLI=<path to @aws/agentcore/dist/cli/index.mjs>` (a global install works), or
 * `@aws/agentcore` installed in this repository's node_modules.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const AGENTCORE_BUNDLE_DIR = join(ROOT, 'assets', 'agent', 'agentcore');
const SESSION_ID = 'local-dev-session';
const CLI_TIMEOUT_MS = 15_000;

function findCli(): string | undefined {
  const fromEnv = process.env.AGENTCORE_CLI;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const installed = join(ROOT, 'node_modules', '@aws', 'agentcore', 'dist', 'cli', 'index.mjs');
  return existsSync(installed) ? installed : undefined;
}

const CLI = findCli();
const TITLE = 'the official AgentCore CLI (agentcore dev) against the shipped AgentCore bundle';
const SKIPPED =
  ' — skipped: @aws/agentcore is not installed (its dependencies are not on the npm registry this project uses); set AGENTCORE_CLI to its dist/cli/index.mjs';

/**
 * Loaded into the CLI's process: refuses any connection that is not to this machine, and says so
 * on stderr, so a stray call to AWS, the CLI's telemetry or its update check fails the test
 * instead of leaving the machine.
 */
const NETWORK_GUARD = `import net from 'node:net';
const connect = net.Socket.prototype.connect;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);
net.Socket.prototype.connect = function (...args) {
  let options = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  if (options !== null && typeof options === 'object') host = options.path === undefined ? (options.host ?? 'localhost') : undefined;
  else if (typeof options === 'number' || /^\\d+$/.test(String(options))) host = typeof args[1] === 'string' ? args[1] : 'localhost';
  if (host !== undefined && !LOOPBACK.has(host)) {
    process.stderr.write('NETWORK-GUARD: refused a connection to ' + host + '\\n');
    throw new Error('network guard: no connection to ' + host);
  }
  return connect.apply(this, args);
};
`;

/** A loopback port nothing listens on: AWS endpoints point here, so any AWS call fails at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((closed) => server.close(() => closed()));
  return port;
}

describe.skipIf(CLI === undefined)(TITLE + (CLI === undefined ? SKIPPED : ''), () => {
  let workDir: string;
  let s3: LocalS3;
  let bedrock: ConverseEndpoint;
  let agent: AgentCoreServer;
  let port: number;
  let cliEnv: Record<string, string>;
  let guard: string;
  const running = new Set<ChildProcess>();

  beforeAll(async () => {
    if (!existsSync(join(AGENTCORE_BUNDLE_DIR, 'index.js'))) {
      throw new Error(`${AGENTCORE_BUNDLE_DIR}/index.js is missing: run npm run bundle:agent (npm test does)`);
    }
    workDir = await mkdtemp(join(tmpdir(), 'agentcore-cli-test-'));
    s3 = await startLocalS3(Object.values(BUCKETS));
    await seedBuckets(s3);
    bedrock = await startConverseEndpoint(invoiceModel);
    agent = await startAgentCoreServer({
      codeDir: AGENTCORE_BUNDLE_DIR,
      entryPoint: ['index.js'],
      env: {
        ...agentEnv(),
        PORT: '0',
        AGENT_SERVER_HOST: '127.0.0.1',
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
      },
      startTimeoutMs: 10_000,
    });
    port = Number(new URL(agent.base).port);

    // The CLI's own state (installation id, update-check cache) in a scratch directory. A fresh
    // update-check entry means the CLI does not ask the npm registry for its latest version.
    const configDir = join(workDir, 'agentcore-config');
    await mkdir(configDir);
    await writeFile(join(configDir, 'update-check.json'), JSON.stringify({ lastCheck: Date.now(), latestVersion: '0.0.0' }));
    guard = join(workDir, 'network-guard.mjs');
    await writeFile(guard, NETWORK_GUARD);
    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    cliEnv = {
      PATH: process.env.PATH ?? '',
      HOME: workDir,
      NO_COLOR: '1',
      AGENTCORE_CONFIG_DIR: configDir,
      AGENTCORE_TELEMETRY_DISABLED: '1',
      AGENTCORE_TELEMETRY_ENDPOINT: nowhere,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'AKIDAGENTCORECLITEST',
      AWS_SECRET_ACCESS_KEY: 'not-a-secret',
      AWS_CONFIG_FILE: join(workDir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL: nowhere,
    };
  });

  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await agent?.stop();
    await bedrock?.close();
    await s3?.close();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  /** Runs `agentcore <args>` (the real CLI, in a scratch directory holding no AgentCore project), bounded in time. */
  async function agentcore(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, ['--import', pathToFileURL(guard).href, CLI!, ...args], {
      cwd: workDir,
      env: cliEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const code = await bounded(
        new Promise<number | null>((exited) => child.once('exit', (c) => exited(c))),
        CLI_TIMEOUT_MS,
        `agentcore ${args[0]}`,
        () => child.kill('SIGKILL'),
      );
      return { code, stdout, stderr };
    } finally {
      running.delete(child);
    }
  }

  /** The model's final text, which the CLI prints: the invoice model's answer after its tool call. */
  const ANSWER = `Here are the fields:\n\`\`\`json\n${JSON.stringify(EXPECTED_RESULT, null, 2)}\n\`\`\``;

  function completedLine(requestId: string): Record<string, unknown> | undefined {
    return agent.logs.find((l) => l.message === 'Invocation completed' && l.requestId === requestId);
  }

  it.each([
    ['waits for the whole answer', [] as string[]],
    ['--stream: prints the text as it arrives', ['--stream']],
  ])('agentcore dev "<prompt>" --port <port> %s: prints the agent\'s answer; the server logs its session and request id', async (_name, flags) => {
    const requestId = `cli-${flags.length === 0 ? 'wait' : 'stream'}-${Date.now()}`;
    const calls = bedrock.calls.length;
    const run = await agentcore(
      'dev',
      DOCUMENT_TEXT,
      '--port',
      String(port),
      ...flags,
      '-H',
      `X-Amzn-Bedrock-AgentCore-Runtime-Request-Id: ${requestId}`,
    );

    expect(run.stderr).not.toContain('NETWORK-GUARD');
    expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
    expect(run.stdout).toBe(`${ANSWER}\n`);
    // The prompt reached the model as the request's inline document, after the configured PROMPT.
    const firstCall = JSON.stringify(bedrock.calls[calls]?.body.messages[0]);
    expect(firstCall).toContain('Extract its fields as JSON.');
    expect(firstCall).toContain(JSON.stringify(DOCUMENT_TEXT).slice(1, -1));
    expect(completedLine(requestId)).toMatchObject({ sessionId: SESSION_ID, tokensUsed: 175 });
  });

  it('agentcore dev "" --port <port>: the CLI fails with the server\'s 400, which names the field', async () => {
    const run = await agentcore('dev', '', '--port', String(port));
    expect(run.stderr).not.toContain('NETWORK-GUARD');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Error: {"error":"Invalid request: prompt (must be a non-empty string)","fields":["prompt"]}');
    expect(agent.logs.filter((l) => l.message === 'Invocation failed').at(-1)).toMatchObject({ statusCode: 400, sessionId: SESSION_ID });
  });
});
