import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCode, AgentCoreDeploymentMethod, AgentRuntimeType, BatchAgent, BedrockModel } from '../../src/index.js';
import { BatchAgentAgentCoreStack } from '../../examples/batch-agent-agentcore-runtime/stack.js';
import { BatchAgentLambdaStack } from '../../examples/batch-agent-lambda/stack.js';
import { startConverseEndpoint, type ConverseEndpoint } from '../agent/helpers/converse-endpoint.js';
import { httpRequest } from '../agent/helpers/http.js';
import { startOtlpEndpoint, type OtlpEndpoint } from '../agent/helpers/otlp-endpoint.js';
import { EXPECTED_ANSWER, INVOICE_TEXT, invoiceModel, TOOL_OUTPUT, TOOL_USE_ID } from '../examples/invoice-model.js';
import { TEST_ENV } from '../helpers/test-app.js';
import { bounded, freePort, runCli, startLocalCli, type RunningCli } from './cli-process.js';

/**
 * The shipped command-line tool (assets/cli/index.mjs) run as a user runs it, against a cloud
 * assembly synthesized here from the examples: `local` starts an agent under its own runtime's
 * contract and under the other one (--runtime), `invoke --local` calls it, and the answer on stdout
 * is the agent's, the example's tool having been called through a local Bedrock stand-in. Nothing
 * reaches AWS: fake credentials, no instance metadata, every other AWS endpoint a dead local port.
 */

const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures');
const HAS_PYTHON = spawnSync('python3', ['--version'], { timeout: 10_000 }).status === 0;
const MODEL_ID = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const REQUEST = { contentType: 'data', content: { data: INVOICE_TEXT } };

let appDir: string;
/** Agents the tool cannot run locally as they are. */
let edgeDir: string;
let workDir: string;
let bedrock: ConverseEndpoint;
let xray: OtlpEndpoint;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'cli-test-'));
  appDir = join(workDir, 'cdk.out');
  const app = new App({ outdir: appDir });
  new BatchAgentLambdaStack(app, 'Lambda', { env: TEST_ENV });
  new BatchAgentAgentCoreStack(app, 'AgentCore', { env: TEST_ENV });
  const python = new Stack(app, 'Python', { env: TEST_ENV });
  new BatchAgent(python, 'PyAgent', {
    agentName: 'py-agent',
    code: AgentCode.fromPythonDirectory(join(FIXTURES, 'python-agent')),
    agentDefinition: {
      bedrockModel: BedrockModel.foundationModel('anthropic.claude-sonnet-4-20250514-v1:0'),
      systemPrompt: new s3Assets.Asset(python, 'Prompt', { path: resolve(import.meta.dirname, '..', '..', 'examples', 'batch-agent-lambda', 'prompt.txt') }),
    },
    prompt: 'Extract the invoice fields as JSON.',
    expectJson: true,
    runtime: { type: AgentRuntimeType.LAMBDA },
  });
  const node = new Stack(app, 'Node', { env: TEST_ENV });
  new BatchAgent(node, 'NodeAgent', {
    agentName: 'node-agent',
    code: AgentCode.fromNodejsDirectory(join(FIXTURES, 'node-agent')),
    agentDefinition: {
      bedrockModel: BedrockModel.foundationModel('anthropic.claude-sonnet-4-20250514-v1:0'),
      systemPrompt: new s3Assets.Asset(node, 'Prompt', { path: resolve(import.meta.dirname, '..', '..', 'examples', 'batch-agent-lambda', 'prompt.txt') }),
    },
    prompt: 'Extract the invoice fields as JSON.',
    expectJson: true,
    runtime: { type: AgentRuntimeType.AGENTCORE },
  });
  app.synth();

  edgeDir = join(workDir, 'edge.out');
  const edgeApp = new App({ outdir: edgeDir });
  const edge = new Stack(edgeApp, 'Edge', { env: TEST_ENV });
  const definition = () => ({
    bedrockModel: BedrockModel.foundationModel('anthropic.claude-sonnet-4-20250514-v1:0'),
    systemPrompt: new s3Assets.Asset(edge, `Prompt${edge.node.children.length}`, { path: join(FIXTURES, 'python-agent', 'main.py') }),
  });
  new BatchAgent(edge, 'Image', {
    agentName: 'image-agent',
    code: AgentCode.fromEcrImage(new ecr.Repository(edge, 'Repo'), 'v1'),
    agentDefinition: definition(),
    prompt: 'Summarise the document.',
    runtime: { type: AgentRuntimeType.AGENTCORE, config: { deploymentMethod: AgentCoreDeploymentMethod.CONTAINER } },
  });
  new BatchAgent(edge, 'Queued', {
    agentName: 'queued-agent',
    agentDefinition: definition(),
    prompt: 'Summarise the document.',
    // Known only once deployed: a queue's ARN (Fn::GetAtt).
    environment: { RESULT_QUEUE_ARN: new sqs.Queue(edge, 'Results', { enforceSSL: true }).queueArn },
  });
  new BatchAgent(edge, 'LambdaOnly', {
    agentName: 'lambda-only-agent',
    code: AgentCode.fromTypeScriptEntry({ lambdaEntry: join(FIXTURES, 'ts-agent', 'lambda.ts') }),
    agentDefinition: definition(),
    prompt: 'Summarise the document.',
  });
  edgeApp.synth();

  bedrock = await startConverseEndpoint(invoiceModel);
  // The AgentCore agent traces (AGENT_OBSERVABILITY_ENABLED): its spans come here.
  xray = await startOtlpEndpoint();
  env = {
    PATH: process.env.PATH,
    HOME: workDir,
    AWS_ACCESS_KEY_ID: 'AKIAFAKELOCALTEST000',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-for-local-tests',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(workDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'no-aws-credentials'),
    // Any AWS endpoint not set explicitly goes nowhere.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_XRAY: xray.url,
    NODE_NO_WARNINGS: '1',
  };
}, 60_000);

afterAll(async () => {
  await xray?.close();
  await bedrock?.close();
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

function cliArgs(...args: string[]): string[] {
  return [...args, '--app', appDir];
}

/** Runs `invoke --local` against the running agent; returns stdout, failing on a non-zero exit. */
async function invokeLocal(running: RunningCli, ...extra: string[]): Promise<{ stdout: string; stderr: string }> {
  const run = await runCli(['invoke', '--local', '--port', String(running.port), '--payload', JSON.stringify(REQUEST), ...extra], env, 30_000);
  expect(run.code, `invoke failed:\n${run.stderr}\nagent stdout:\n${running.stdout()}\nagent stderr:\n${running.stderr()}`).toBe(0);
  return run;
}

/** The Converse calls since `first`: the tool offered, called, and its real output sent back. */
function expectToolCalled(first: number): void {
  const calls = bedrock.calls.slice(first);
  expect(calls).toHaveLength(2);
  expect(calls[0]!.path).toBe(`/model/${MODEL_ID}/converse-stream`);
  const toolResult = calls[1]!.body.messages.at(-1)?.content.find((block) => 'toolResult' in block);
  expect(toolResult).toEqual({ toolResult: { toolUseId: TOOL_USE_ID, status: 'success', content: [{ json: TOOL_OUTPUT }] } });
}

const EXPECTED_RESPONSE = { result: EXPECTED_ANSWER, metadata: { executionTime: expect.any(Number), tokensUsed: expect.any(Number), modelId: MODEL_ID } };

describe.each([
  { agent: '/Lambda/InvoiceAgent/RuntimeLambda', runtime: undefined, contract: 'LAMBDA' },
  { agent: 'Lambda/InvoiceAgent', runtime: 'agentcore', contract: 'AGENTCORE' },
  { agent: 'AgentCore/InvoiceAgent', runtime: undefined, contract: 'AGENTCORE' },
  { agent: '/AgentCore/InvoiceAgent/RuntimeAgentCore', runtime: 'lambda', contract: 'LAMBDA' },
])('local $agent --runtime $runtime', ({ agent, runtime, contract }) => {
  let running: RunningCli;

  beforeAll(async () => {
    const port = await freePort();
    running = await startLocalCli(
      cliArgs(agent, '--port', String(port), '--model-endpoint', bedrock.url, ...(runtime === undefined ? [] : ['--runtime', runtime])),
      env,
    );
  });

  afterAll(async () => {
    const code = await running?.stop();
    expect(code, running?.stderr()).toBe(0);
    expect(running.stderr()).toContain('stopped');
  });

  it(`serves the ${contract} contract on 127.0.0.1 and says so on stderr`, async () => {
    expect(running.stderr()).toContain(`agent invoice-extractor (${contract} contract`);
    expect(running.stderr()).toContain(`--model-endpoint`);
    const ping = await bounded(httpRequest(`http://127.0.0.1:${running.port}/ping`), 5_000, 'GET /ping');
    expect(ping.status).toBe(200);
    expect(ping.json()).toMatchObject({ status: 'Healthy' });
  });

  it('invoke --local prints the agent\'s answer as JSON on stdout; the tool was called', async () => {
    const first = bedrock.calls.length;
    const { stdout } = await invokeLocal(running);
    expect(JSON.parse(stdout)).toEqual(EXPECTED_RESPONSE);
    expectToolCalled(first);
    // The agent read its prompt and tool from the staged assets through the local S3 endpoint.
    expect(bedrock.calls[first]!.body.toolConfig?.tools.map((t) => t.toolSpec.name)).toEqual(['currency_lookup']);
  });

  it('invoke --local --stream prints each event as one JSON line, ending with the result', async () => {
    const first = bedrock.calls.length;
    const { stdout, stderr } = await invokeLocal(running, '--stream', '--session-id', 'cli-test-session-0123456789abcdef01234');
    const events = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.at(-1)).toEqual({ type: 'result', ...EXPECTED_RESPONSE });
    if (contract === 'AGENTCORE') {
      const text = events.filter((e) => e.type === 'text').map((e) => String(e.text)).join('');
      expect(JSON.parse(text)).toEqual(EXPECTED_ANSWER);
    } else {
      expect(events).toHaveLength(1);
      expect(stderr).toContain('the Lambda contract does not stream');
    }
    expectToolCalled(first);
  });
});

describe.skipIf(!HAS_PYTHON)('a Python agent (AgentCode.fromPythonDirectory)', () => {
  it.each([undefined, 'agentcore'])('runs under --runtime %s and answers', async (runtime) => {
    const port = await freePort();
    const running = await startLocalCli(cliArgs('py-agent', '--port', String(port), ...(runtime === undefined ? [] : ['--runtime', runtime])), env);
    try {
      expect(running.stderr()).toContain(`(${runtime === undefined ? 'LAMBDA' : 'AGENTCORE'} contract`);
      const { stdout } = await invokeLocal(running);
      expect(JSON.parse(stdout)).toMatchObject({
        result: { firstLine: INVOICE_TEXT.split('\n')[0], characters: INVOICE_TEXT.length, modelId: 'anthropic.claude-sonnet-4-20250514-v1:0' },
      });
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });
});

describe('the Node.js agent of docs/bring-your-own-agent.md (AgentCode.fromNodejsDirectory)', () => {
  it.each([undefined, 'lambda'])('runs under --runtime %s and answers', async (runtime) => {
    const port = await freePort();
    const running = await startLocalCli(cliArgs('node-agent', '--port', String(port), ...(runtime === undefined ? [] : ['--runtime', runtime])), env);
    try {
      expect(running.stderr()).toContain(`(${runtime === undefined ? 'AGENTCORE' : 'LAMBDA'} contract`);
      const { stdout } = await invokeLocal(running);
      expect(JSON.parse(stdout)).toMatchObject({
        result: { firstLine: INVOICE_TEXT.split('\n')[0], characters: INVOICE_TEXT.length, modelId: 'anthropic.claude-sonnet-4-20250514-v1:0' },
      });
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });
});

describe('temporary files and signals', () => {
  let tmpCount = 0;
  /** A fresh TMPDIR for the tool (and, unless it sets its own, the agent). */
  function tmpEnv(): { dir: string; env: NodeJS.ProcessEnv } {
    const dir = join(workDir, `tmp-${tmpCount++}`);
    mkdirSync(dir);
    return { dir, env: { ...env, TMPDIR: dir } };
  }

  it.each(['lambda', 'agentcore'])('--runtime %s: the agent\'s temporary files (the tools\' dirs) are gone after Ctrl-C', async (runtime) => {
    const { dir, env: tmpdirEnv } = tmpEnv();
    const port = await freePort();
    const running = await startLocalCli(cliArgs('AgentCore/InvoiceAgent', '--port', String(port), '--model-endpoint', bedrock.url, '--runtime', runtime), tmpdirEnv);
    try {
      await invokeLocal(running);
    } finally {
      expect(await running.stop()).toBe(0);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('SIGHUP stops it as Ctrl-C does', async () => {
    const { dir, env: tmpdirEnv } = tmpEnv();
    const port = await freePort();
    const running = await startLocalCli(cliArgs('AgentCore/InvoiceAgent', '--port', String(port), '--model-endpoint', bedrock.url), tmpdirEnv);
    running.signal('SIGHUP');
    expect(await running.exit()).toBe(0);
    expect(running.stderr()).toContain('SIGHUP: stopping agent');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a second Ctrl-C does not wait for a running invocation: the agent is killed, exit 130, nothing left', async () => {
    const { dir, env: tmpdirEnv } = tmpEnv();
    // A model that never answers: the invocation runs until the agent is killed.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const modelPort = (silent.address() as { port: number }).port;
    try {
      const port = await freePort();
      const running = await startLocalCli(cliArgs('AgentCore/InvoiceAgent', '--port', String(port), '--model-endpoint', `http://127.0.0.1:${modelPort}`), tmpdirEnv);
      const invocation = runCli(['invoke', '--local', '--port', String(port), '--payload', JSON.stringify(REQUEST)], env, 30_000);
      await bounded(
        (async () => {
          while (sockets.size === 0) await new Promise((done) => setTimeout(done, 50));
        })(),
        15_000,
        'the model call',
      );
      const started = Date.now();
      running.signal('SIGINT');
      await new Promise((done) => setTimeout(done, 300));
      running.signal('SIGINT');
      expect(await running.exit(8_000)).toBe(130);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(running.stderr()).toContain('SIGINT again: killing agent');
      expect((await invocation).code).not.toBe(0);
      const ping = await httpRequest(`http://127.0.0.1:${port}/ping`).then(() => 'answered', () => 'refused');
      expect(ping).toBe('refused');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => silent.close(() => done()));
    }
  });
});

describe('errors: a message on stderr, a non-zero exit, nothing on stdout', () => {
  it('no cloud assembly', async () => {
    const run = await runCli(['local', 'InvoiceAgent', '--app', join(workDir, 'missing')], env);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain(`no cloud assembly at ${join(workDir, 'missing')}: run \`cdk synth\` first`);
  });

  it('an agent that is not there: the agents found are listed (path, name, runtime)', async () => {
    const run = await runCli(cliArgs('local', 'NoSuchAgent'), env);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain('agent NoSuchAgent not found');
    expect(run.stderr).toContain('/Lambda/InvoiceAgent/RuntimeLambda  (agent invoice-extractor, AWS Lambda)');
    expect(run.stderr).toContain('/AgentCore/InvoiceAgent/RuntimeAgentCore  (agent invoice-extractor, AgentCore Runtime)');
    expect(run.stderr).toContain('/Python/PyAgent/RuntimeLambda  (agent py-agent, AWS Lambda)');
  });

  it('two agents match: both are listed', async () => {
    for (const query of ['invoice-extractor', 'InvoiceAgent']) {
      const run = await runCli(cliArgs('local', query), env);
      expect(run).toMatchObject({ code: 1, stdout: '' });
      expect(run.stderr).toContain(`2 agents match ${query}`);
      expect(run.stderr).toContain('/Lambda/InvoiceAgent/RuntimeLambda');
      expect(run.stderr).toContain('/AgentCore/InvoiceAgent/RuntimeAgentCore');
    }
  });

  it('the port is in use, under either contract', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      for (const runtime of ['lambda', 'agentcore']) {
        const run = await runCli(cliArgs('local', 'Lambda/InvoiceAgent', '--port', String(port), '--runtime', runtime), env);
        expect(run).toMatchObject({ code: 1, stdout: '' });
        expect(run.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
      }
    } finally {
      await new Promise<void>((done) => blocker.close(() => done()));
    }
  });

  it('a payload that is not JSON (exit 2), and no agent running', async () => {
    const bad = await runCli(['invoke', '--local', '--payload', '{"contentType": data}'], env);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toContain('--payload is not valid JSON');
    const port = await freePort();
    const none = await runCli(['invoke', '--local', '--port', String(port), '--payload', '{}'], env);
    expect(none).toMatchObject({ code: 1, stdout: '' });
    expect(none.stderr).toContain(`nothing listens on http://127.0.0.1:${port}`);
  });

  it('a container image: not supported locally', async () => {
    const run = await runCli(['local', 'image-agent', '--app', edgeDir], env);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain('agent image-agent is a container image: not supported locally: build and run the image yourself');
  });

  it('a variable known only once deployed: named, unless given with --env', async () => {
    const port = await freePort();
    const run = await runCli(['local', 'queued-agent', '--app', edgeDir, '--port', String(port)], env);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(/cannot resolve environment variable RESULT_QUEUE_ARN = .*Fn::GetAtt.*--env RESULT_QUEUE_ARN=<value>/);
    const running = await startLocalCli(['queued-agent', '--app', edgeDir, '--port', String(port), '--env', 'RESULT_QUEUE_ARN=arn:aws:sqs:us-east-1:123456789012:results'], env);
    expect(await running.stop()).toBe(0);
  });

  it('--runtime for code built for one runtime only: says why', async () => {
    const run = await runCli(['local', 'lambda-only-agent', '--app', edgeDir, '--runtime', 'agentcore'], env);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain('agent lambda-only-agent cannot run under the AGENTCORE contract: its code was built for LAMBDA only');
  });

  it('--help on the tool and on every command', async () => {
    for (const args of [['--help'], ['local', '--help'], ['invoke', '--help'], ['list', '--help']]) {
      const run = await runCli(args, env);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout).toMatch(/^Usage: agentic-ai-framework/);
    }
    const unknown = await runCli(['local', 'x', '--bogus'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--bogus');
  });

  it('list prints the agents as JSON (AgentRecord)', async () => {
    const run = await runCli(cliArgs('list'), env);
    expect(run.code).toBe(0);
    const records = JSON.parse(run.stdout) as Array<{ constructPath: string; runtimeType: string; code: { defaultAgent: boolean; sameFiles: boolean } }>;
    expect(records.map((r) => [r.constructPath, r.runtimeType])).toEqual([
      ['/Lambda/InvoiceAgent/RuntimeLambda', 'LAMBDA'],
      ['/AgentCore/InvoiceAgent/RuntimeAgentCore', 'AGENTCORE'],
      ['/Python/PyAgent/RuntimeLambda', 'LAMBDA'],
      ['/Node/NodeAgent/RuntimeAgentCore', 'AGENTCORE'],
    ]);
    expect(records[2]!.code).toMatchObject({ defaultAgent: false, sameFiles: true });
  });
});
