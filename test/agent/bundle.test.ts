import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConverseEndpoint, type ConverseEndpoint } from './helpers/converse-endpoint.js';
import { startFaultyS3, within, type FaultyS3 } from './helpers/faulty-s3.js';
import { agentEnv, BUCKETS, EXPECTED_RESULT, invoiceModel, MODEL_ID, seedBuckets, stepFunctionsEvent, SYSTEM_PROMPT_KEY } from './helpers/fixtures.js';
import { httpRequest } from './helpers/http.js';
import { REGION, S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from './helpers/local-aws.js';
import { startOtlpEndpoint } from './helpers/otlp-endpoint.js';
import { startSfnStandIn } from '../helpers/sfn-stand-in.js';

const BUNDLE_BUDGET_BYTES = 1.5 * 1024 * 1024;
const bundleScript = pathToFileURL(resolve(import.meta.dirname, '../../scripts/bundle-agent.mjs')).href;

type BundleAgent = (options: { outdir: string }) => Promise<Record<'lambda' | 'agentcore', { outfile: string }>>;

/**
 * The shipped artifacts, built by the real bundle script into a temporary directory and run by
 * plain Node in child processes, away from this repository's node_modules: what Lambda and
 * AgentCore would run, with the standard AWS SDK environment pointing at local endpoints.
 */
describe('agent bundles', () => {
  let outdir: string;
  let bundles: Awaited<ReturnType<BundleAgent>>;
  let s3: LocalS3;
  let bedrock: ConverseEndpoint;
  let faulty: FaultyS3;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'agent-bundle-test-'));
    const { bundleAgent } = (await import(bundleScript)) as { bundleAgent: BundleAgent };
    bundles = await bundleAgent({ outdir });
    s3 = await startLocalS3(Object.values(BUCKETS));
    await seedBuckets(s3);
    bedrock = await startConverseEndpoint(invoiceModel);
    faulty = await startFaultyS3(s3.endpoint);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await bedrock?.close();
    await faulty?.close();
    await s3?.close();
    if (outdir !== undefined) await rm(outdir, { recursive: true, force: true });
  });

  /** Only what a runtime would set: the agent's variables and the standard AWS SDK ones. */
  function runtimeEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      ...agentEnv(),
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
      ...extra,
    };
  }

  it('writes one ESM file per entrypoint, within the size budget, marked as a module', async () => {
    for (const name of ['lambda', 'agentcore'] as const) {
      const { size } = await stat(bundles[name].outfile);
      expect(size).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
      expect(JSON.parse(await readFile(join(outdir, name, 'package.json'), 'utf8'))).toEqual({ type: 'module' });
    }
  });

  /**
   * Runs the Lambda bundle's handler once in a fresh process that exits the moment the handler
   * returns, as a frozen Lambda sandbox would stop: whatever the handler left pending is lost.
   */
  async function runLambdaBundle(extraEnv: Record<string, string> = {}, event: unknown = stepFunctionsEvent()) {
    const runner = join(outdir, 'run-lambda.mjs');
    await writeFile(
      runner,
      `const m = await import(${JSON.stringify(pathToFileURL(bundles.lambda.outfile).href)});
const response = await m.handler(${JSON.stringify(event)}, { awsRequestId: 'bundle-req-1' });
process.stdout.write('RESULT ' + JSON.stringify({ exports: Object.keys(m), response }) + '\\n', () => process.exit(0));`,
    );
    const child = spawn(process.execPath, [runner], { cwd: outdir, env: runtimeEnv(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolveExit) => child.on('exit', resolveExit));
    expect(code, stderr).toBe(0);
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    const { exports, response } = JSON.parse(line?.slice(7) ?? '{}') as { exports: string[]; response: unknown };
    return { exports, response, logs: stdout.split('\n').filter((l) => l.startsWith('{')) };
  }

  it('runs the Lambda bundle on a Step Functions event, exporting `handler` (and `chatHandler`, for interactive agents)', async () => {
    const { exports, response, logs } = await runLambdaBundle();
    expect(exports).toEqual(['chatHandler', 'handler']);
    expect(response).toEqual({ result: EXPECTED_RESULT, metadata: { executionTime: expect.any(Number), tokensUsed: 175, modelId: MODEL_ID } });
    // Every log line is structured JSON.
    expect(logs.map((l) => (JSON.parse(l) as { message: string }).message)).toContain('Invocation completed');
  });

  it('the Lambda bundle answers a callback envelope through Step Functions: SendTaskSuccess with the response, SendTaskFailure Agent.BadRequest for a bad request, and returns', async () => {
    const sfn = await startSfnStandIn();
    try {
      const taskToken = 'AQCEAAAAKgAAAAMAAAAAAAAAAbundle-callback-token';
      const succeeded = await runLambdaBundle({ AWS_ENDPOINT_URL_SFN: sfn.url }, { taskToken, heartbeatSeconds: 300, request: stepFunctionsEvent() });
      expect(succeeded.response).toEqual({ status: 'reported', outcome: 'success' });
      const [success] = sfn.callsOf('SendTaskSuccess');
      expect(success?.input.taskToken).toBe(taskToken);
      expect(success?.headers.authorization).toMatch(`Credential=${S3RVER_CREDENTIALS.accessKeyId}/`);
      expect(JSON.parse(String(success?.input.output))).toEqual({ result: EXPECTED_RESULT, metadata: { executionTime: expect.any(Number), tokensUsed: 175, modelId: MODEL_ID } });

      const refused = await runLambdaBundle({ AWS_ENDPOINT_URL_SFN: sfn.url }, { taskToken, request: { contentType: 'file', content: { bucket: BUCKETS.docs } } });
      expect(refused.response).toEqual({ status: 'reported', outcome: 'failure' });
      const [failure] = sfn.callsOf('SendTaskFailure');
      expect(failure?.input.error).toBe('Agent.BadRequest');
      expect(JSON.parse(String(failure?.input.cause))).toEqual({ errorType: 'Agent.BadRequest', errorMessage: expect.stringContaining('content.key') });
      expect(sfn.calls.map((c) => c.operation)).toEqual(['SendTaskSuccess', 'SendTaskFailure']);
    } finally {
      await sfn.close();
    }
  });

  it('with AGENT_OBSERVABILITY_ENABLED, the Lambda bundle has exported its spans, in the invocation trace, when the handler returns', async () => {
    const otlp = await startOtlpEndpoint();
    try {
      const { response } = await runLambdaBundle({
        AGENT_OBSERVABILITY_ENABLED: 'true',
        AWS_ENDPOINT_URL_XRAY: otlp.url,
        _X_AMZN_TRACE_ID: 'Root=1-6759e988-0d862e3fe1be46a994272793;Parent=63995c3f42cd8ad8;Sampled=1',
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      });
      expect(response).toMatchObject({ result: EXPECTED_RESULT });
      const spans = otlp.spans();
      expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['chat', 'execute_tool lookup_vendor']));
      expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set(['6759e9880d862e3fe1be46a994272793']));
    } finally {
      await otlp.close();
    }
  });

  /** Starts the AgentCore bundle on a free 127.0.0.1 port and collects its JSON log lines. */
  async function startAgentCoreBundle(extraEnv: Record<string, string> = {}) {
    const child = spawn(process.execPath, [bundles.agentcore.outfile], {
      cwd: outdir,
      env: runtimeEnv({ PORT: '0', AGENT_SERVER_HOST: '127.0.0.1', ...extraEnv }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const messages: Array<Record<string, unknown>> = [];
    const exited = new Promise<number | null>((resolveExit) => child.on('exit', resolveExit));
    const port = await new Promise<number>((resolvePort, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        messages.push(entry);
        if (entry.message === 'AgentCore server listening') resolvePort(Number(entry.port));
      });
      child.on('exit', (code) => reject(new Error(`the server exited early with ${code}`)));
    });
    const stop = async () => {
      child.kill('SIGTERM');
      return exited;
    };
    return { base: `http://127.0.0.1:${port}`, messages, stop };
  }

  it('serves the AgentCore contract from the AgentCore bundle and exits cleanly on SIGTERM', async () => {
    const { base, messages, stop } = await startAgentCoreBundle();

    expect((await httpRequest(`${base}/ping`)).json()).toMatchObject({ status: 'Healthy' });
    const answer = await httpRequest(`${base}/invocations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(stepFunctionsEvent()),
    });
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ result: EXPECTED_RESULT, metadata: { tokensUsed: 175, modelId: MODEL_ID } });
    expect((await httpRequest(`${base}/invocations`, { method: 'POST', body: '{oops' })).status).toBe(400);

    expect(await stop()).toBe(0);
    expect(messages.map((m) => m.message)).toEqual(expect.arrayContaining(['Shutting down', 'Server closed']));
    expect(messages.find((m) => m.message === 'AgentCore server listening')).toMatchObject({ tracing: false });
  });

  it('the AgentCore bundle accepts a callback envelope with a 200 at once and reports the response with SendTaskSuccess', async () => {
    const sfn = await startSfnStandIn();
    try {
      const { base, stop } = await startAgentCoreBundle({ AWS_ENDPOINT_URL_SFN: sfn.url });
      const taskToken = 'AQCEAAAAKgAAAAMAAAAAAAAAAbundle-agentcore-token';
      const accepted = await httpRequest(`${base}/invocations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ taskToken, request: stepFunctionsEvent() }),
      });
      expect(accepted.status).toBe(200);
      await sfn.waitFor((calls) => calls.some((c) => c.operation === 'SendTaskSuccess'), 4_000, 'SendTaskSuccess from the AgentCore bundle');
      const [success] = sfn.callsOf('SendTaskSuccess');
      expect(JSON.parse(String(success?.input.output))).toMatchObject({ result: EXPECTED_RESULT, metadata: { tokensUsed: 175, modelId: MODEL_ID } });
      expect(await stop()).toBe(0);
    } finally {
      await sfn.close();
    }
  });

  it('with AGENT_OBSERVABILITY_ENABLED, the AgentCore bundle exports the agent spans to X-Ray, the last ones on SIGTERM', async () => {
    const otlp = await startOtlpEndpoint();
    try {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const { base, stop } = await startAgentCoreBundle({
        AGENT_OBSERVABILITY_ENABLED: 'true',
        AWS_ENDPOINT_URL_XRAY: otlp.url,
        OTEL_SERVICE_NAME: 'invoices',
        // Longer than the test: only the shutdown flush can deliver the spans.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      });
      const answer = await httpRequest(`${base}/invocations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', traceparent: `00-${traceId}-b7ad6b7169203331-01` },
        body: JSON.stringify(stepFunctionsEvent()),
      });
      expect(answer.status).toBe(200);
      expect(otlp.requests).toEqual([]);

      expect(await stop()).toBe(0);
      const spans = otlp.spans();
      expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['chat', 'execute_tool lookup_vendor']));
      expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
      expect(spans[0]?.resource['service.name']).toBe('invoices');
      expect(otlp.requests[0]?.headers.authorization).toMatch(`Credential=${S3RVER_CREDENTIALS.accessKeyId}/`);
    } finally {
      await otlp.close();
    }
  });

  it('AgentCore bundle: a hung system prompt read fails that invocation with a 504 in time, /ping is Healthy again, and the next invocation loads it', async () => {
    const promptObject = `${BUCKETS.config}/${SYSTEM_PROMPT_KEY}`;
    faulty.rules.set(promptObject, 'hang');
    try {
      const { base, messages, stop } = await startAgentCoreBundle({ AWS_ENDPOINT_URL_S3: faulty.endpoint, S3_READ_TIMEOUT_MS: '500' });
      const invoke = () =>
        httpRequest(`${base}/invocations`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Amzn-Bedrock-AgentCore-Runtime-Request-Id': 'bundle-hang-1' },
          body: JSON.stringify(stepFunctionsEvent()),
        });

      const failed = await within(4_000, 'answer while the prompt read hangs', invoke());
      expect(failed.status).toBe(504);
      expect((failed.json() as { error: string }).error).toContain(`s3://${promptObject}`);
      expect((await httpRequest(`${base}/ping`)).json()).toMatchObject({ status: 'Healthy' });
      expect(messages.find((m) => m.message === 'Invocation failed')).toMatchObject({ level: 'error', statusCode: 504, requestId: 'bundle-hang-1' });

      faulty.rules.delete(promptObject);
      const recovered = await within(4_000, 'answer after S3 recovered', invoke());
      expect(recovered.status).toBe(200);
      expect(recovered.json()).toMatchObject({ result: EXPECTED_RESULT });
      expect(await stop()).toBe(0);
    } finally {
      faulty.rules.clear();
    }
  });

  it('Lambda bundle: ends before the function deadline with Agent.Timeout when S3 hangs', async () => {
    faulty.rules.set(`${BUCKETS.config}/${SYSTEM_PROMPT_KEY}`, 'hang');
    try {
      const runner = join(outdir, 'run-lambda-deadline.mjs');
      await writeFile(
        runner,
        `const m = await import(${JSON.stringify(pathToFileURL(bundles.lambda.outfile).href)});
const deadline = Date.now() + 1500;
const context = { awsRequestId: 'bundle-deadline-1', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
const outcome = await m.handler(${JSON.stringify(stepFunctionsEvent())}, context).then(
  (response) => ({ response }),
  (error) => ({ error: { name: error.name, message: error.message, statusCode: error.statusCode } }),
);
process.stdout.write('RESULT ' + JSON.stringify({ ...outcome, remaining: context.getRemainingTimeInMillis() }) + '\\n', () => process.exit(0));`,
      );
      const child = spawn(process.execPath, [runner], {
        cwd: outdir,
        env: runtimeEnv({ AWS_ENDPOINT_URL_S3: faulty.endpoint, S3_READ_TIMEOUT_MS: '60000' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<number | null>((resolveExit) => child.on('exit', resolveExit));
      expect(await within(5_000, 'exit of the Lambda runner', exited)).toBe(0);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      const outcome = JSON.parse(line?.slice(7) ?? '{}') as { error?: { name: string; message: string; statusCode: number }; remaining: number };
      expect(outcome.error).toMatchObject({ name: 'Agent.Timeout', statusCode: 504, message: expect.stringMatching(/Lambda function times out/) });
      expect(outcome.remaining).toBeGreaterThan(0);
    } finally {
      faulty.rules.clear();
    }
  });
});
