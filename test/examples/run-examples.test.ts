import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { App, Stack, StackProps } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchAgentAgentCoreStack } from '../../examples/batch-agent-agentcore-runtime/stack.js';
import { BatchAgentLambdaStack } from '../../examples/batch-agent-lambda/stack.js';
import { RuntimeComparisonStack } from '../../examples/runtime-comparison/stack.js';
import { startConverseEndpoint, type ConverseCall, type ConverseEndpoint } from '../agent/helpers/converse-endpoint.js';
import { httpRequest } from '../agent/helpers/http.js';
import { S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from '../agent/helpers/local-aws.js';
import { startOtlpEndpoint, type OtlpEndpoint } from '../agent/helpers/otlp-endpoint.js';
import { TEST_ENV } from '../helpers/test-app.js';
import { bounded, handlerModule, invokeLambdaHandler, startAgentCoreServer } from './agent-processes.js';
import { assetAt, publishAssets, synthesizeExample, type SynthesizedExample } from './assembly.js';
import { resolveEnvironment, resolveString } from '../../cli/intrinsics.js';
import { EXPECTED_ANSWER, INVOICE_TEXT, invoiceModel, TOOL_NAME, TOOL_OUTPUT, TOOL_USE_ID } from './invoice-model.js';

/**
 * Each example's agents, run end to end offline from what `cdk deploy` would deploy: the
 * environment exactly as synthesized in the template, the prompt and tool objects uploaded from
 * the staged assets to a local S3, the staged agent bundle run as Lambda or AgentCore would run
 * it, and a scripted Bedrock (ConverseStream) that calls the example's tool before answering.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const BUILT_BUNDLES: Record<string, string> = {
  'AWS::Lambda::Function': join(ROOT, 'assets', 'agent', 'lambda', 'index.js'),
  'AWS::BedrockAgentCore::Runtime': join(ROOT, 'assets', 'agent', 'agentcore', 'index.js'),
};
const INVOCATION_TIMEOUT_MS = 30_000;
const SESSION_HEADER = 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id';

/** The request a caller (or a Step Functions task) sends: an invoice inline. */
const REQUEST = { documentId: 'inv-2025-0042', contentType: 'data', content: { data: INVOICE_TEXT } };

interface ExampleCase {
  readonly name: string;
  readonly agents: readonly string[];
  synthesize(): Promise<SynthesizedExample>;
}

function example<S extends Stack>(
  name: string,
  build: (app: App, id: string, props: StackProps) => S,
  agents: Record<string, (stack: S) => IConstruct>,
): ExampleCase {
  return { name, agents: Object.keys(agents), synthesize: () => synthesizeExample(build, agents) };
}

const EXAMPLES: readonly ExampleCase[] = [
  example('batch-agent-lambda', (app, id, props) => new BatchAgentLambdaStack(app, id, props), { agent: (s) => s.agent }),
  example('batch-agent-agentcore-runtime', (app, id, props) => new BatchAgentAgentCoreStack(app, id, props), { agent: (s) => s.agent }),
  example('runtime-comparison', (app, id, props) => new RuntimeComparisonStack(app, id, props), {
    onLambda: (s) => s.onLambda,
    onAgentCore: (s) => s.onAgentCore,
  }),
];

let s3: LocalS3;
let bedrock: ConverseEndpoint;
let xray: OtlpEndpoint;
let workDir: string;
const buckets = new Set<string>();

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'run-examples-'));
  s3 = await startLocalS3([]);
  bedrock = await startConverseEndpoint(invoiceModel);
  // AgentCore agents trace (AGENT_OBSERVABILITY_ENABLED): their spans go here, not to AWS.
  xray = await startOtlpEndpoint();
});

afterAll(async () => {
  await xray?.close();
  await bedrock?.close();
  await s3?.close();
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

/** A fresh temporary directory for one agent process (Lambda's /tmp), removed with `workDir`. */
async function sandboxTmp(): Promise<string> {
  const dir = join(workDir, `tmp-${randomUUID()}`);
  await mkdir(dir);
  return dir;
}

/**
 * What the runtime adds to the template's variables: the Region, credentials, a temporary directory
 * and, here, local endpoints.
 */
async function withRuntimeEnv(templateEnv: Record<string, string>, provided: Record<string, string>): Promise<Record<string, string>> {
  const local = {
    TMPDIR: await sandboxTmp(),
    AWS_REGION: TEST_ENV.region,
    AWS_DEFAULT_REGION: TEST_ENV.region,
    // s3rver accepts only its own key; fake credentials for the other stand-ins.
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
    AWS_ENDPOINT_URL_XRAY: xray.url,
    ...provided,
  };
  const overridden = Object.keys(local).filter((name) => name in templateEnv);
  if (overridden.length > 0) throw new Error(`the template sets ${overridden.join(', ')}, which the runtime (or this test) provides`);
  return { ...templateEnv, ...local };
}

/** Fails unless the staged entry file is the bundle `npm run bundle:agent` built for this runtime. */
async function expectBuiltBundle(stagedEntry: string, resourceType: string): Promise<void> {
  const built = BUILT_BUNDLES[resourceType]!;
  const [staged, expected] = await Promise.all([readFile(stagedEntry), readFile(built)]);
  expect(staged.equals(expected), `${stagedEntry} is not ${built}`).toBe(true);
}

interface AgentRun {
  readonly env: Record<string, string>;
  readonly response: unknown;
  /** The agent's log lines at WARN or above, to explain a failure. */
  readonly warnings: string[];
}

function warningsIn(entries: ReadonlyArray<Record<string, unknown>>): string[] {
  return entries.filter((e) => e.level === 'warn' || e.level === 'error').map((e) => JSON.stringify(e));
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text.split('\n').flatMap((line) => {
    try {
      const entry: unknown = JSON.parse(line);
      return typeof entry === 'object' && entry !== null ? [entry as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

/** Invokes a Lambda agent's handler, from its staged code, with the event Lambda passes. */
async function runLambdaAgent(ex: SynthesizedExample, logicalId: string): Promise<AgentRun> {
  const props = ex.template.Resources![logicalId]!.Properties ?? {};
  const variables = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const env = resolveEnvironment(logicalId, variables, ex.target);
  const code = props.Code as { S3Bucket: unknown; S3Key: unknown };
  const codeDir = assetAt(ex, resolveString(code.S3Bucket, ex.target), resolveString(code.S3Key, ex.target)).sourcePath;
  expect(props.Runtime).toMatch(/^nodejs/);
  const handler = String(props.Handler);
  await expectBuiltBundle(handlerModule(codeDir, handler).file, 'AWS::Lambda::Function');

  const functionName = resolveString({ Ref: logicalId }, ex.target);
  const memory = String(props.MemorySize ?? 128);
  const run = await invokeLambdaHandler({
    codeDir,
    handler,
    env: await withRuntimeEnv(env, {
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory,
      AWS_EXECUTION_ENV: `AWS_Lambda_${String(props.Runtime)}`,
      LAMBDA_TASK_ROOT: codeDir,
      _HANDLER: handler,
    }),
    event: REQUEST,
    context: {
      awsRequestId: randomUUID(),
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${ex.target.region}:${ex.target.account}:function:${functionName}`,
      memoryLimitInMB: memory,
    },
    timeoutMs: INVOCATION_TIMEOUT_MS,
    workDir,
  });
  if (run.error !== undefined) throw new Error(`the handler failed with ${run.error.name}: ${run.error.message}\n${run.stdout}${run.stderr}`);
  return { env, response: run.response, warnings: warningsIn(jsonLines(run.stdout)) };
}

/** Starts an AgentCore agent's staged direct code and POSTs one invocation, as AgentCore does. */
async function runAgentCoreAgent(ex: SynthesizedExample, logicalId: string): Promise<AgentRun> {
  const props = ex.template.Resources![logicalId]!.Properties ?? {};
  const env = resolveEnvironment(logicalId, (props.EnvironmentVariables as Record<string, unknown> | undefined) ?? {}, ex.target);
  const artifact = props.AgentRuntimeArtifact as {
    CodeConfiguration?: { Code: { S3: { Bucket: unknown; Prefix: unknown } }; EntryPoint: string[]; Runtime: string };
  };
  const codeConfig = artifact.CodeConfiguration;
  if (codeConfig === undefined) throw new Error(`${logicalId} is not a direct-code runtime; this test runs only those`);
  expect(codeConfig.Runtime).toMatch(/^NODE_/);
  const codeDir = assetAt(ex, resolveString(codeConfig.Code.S3.Bucket, ex.target), resolveString(codeConfig.Code.S3.Prefix, ex.target)).sourcePath;
  expect((await stat(codeDir)).isDirectory()).toBe(true);
  await expectBuiltBundle(join(codeDir, codeConfig.EntryPoint[0] ?? ''), 'AWS::BedrockAgentCore::Runtime');

  const server = await startAgentCoreServer({
    codeDir,
    entryPoint: codeConfig.EntryPoint,
    // The contract's port is 8080 on 0.0.0.0; here a free port on loopback.
    env: await withRuntimeEnv(env, { PORT: '0', AGENT_SERVER_HOST: '127.0.0.1' }),
    startTimeoutMs: INVOCATION_TIMEOUT_MS,
  });
  try {
    const sessionId = `example-session-${randomUUID()}`;
    const answer = await bounded(
      httpRequest(`${server.base}/invocations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', [SESSION_HEADER]: sessionId },
        body: JSON.stringify(REQUEST),
      }),
      INVOCATION_TIMEOUT_MS,
      'POST /invocations',
      () => void server.stop(1_000).catch(() => undefined),
    );
    expect(answer.status, `${answer.text}\n${server.stderr()}`).toBe(200);
    expect(answer.headers[SESSION_HEADER.toLowerCase()]).toBe(sessionId);
    return { env, response: answer.json(), warnings: warningsIn(server.logs) };
  } finally {
    await server.stop();
  }
}

function textOf(blocks: ReadonlyArray<{ text?: unknown }> | undefined): string {
  return (blocks ?? []).map((b) => (typeof b.text === 'string' ? b.text : '')).join('\n');
}

describe.each(EXAMPLES)('example $name', (exampleCase) => {
  let ex: SynthesizedExample;

  beforeAll(async () => {
    ex = await exampleCase.synthesize();
    await publishAssets(ex, s3, buckets);
  });

  afterAll(async () => {
    await ex?.dispose();
  });

  it.each(exampleCase.agents)('%s offers the example tool to the model, calls it and answers, from the synthesized template and staged assets', async (agent) => {
    const logicalId = ex.agentResources[agent]!;
    const type = ex.template.Resources![logicalId]!.Type;
    const first = bedrock.calls.length;
    const { env, response, warnings } = type === 'AWS::Lambda::Function' ? await runLambdaAgent(ex, logicalId) : await runAgentCoreAgent(ex, logicalId);
    const calls: ConverseCall[] = bedrock.calls.slice(first);

    // The model was called as configured, with the example's system prompt and the request.
    expect(calls.length, 'Converse calls').toBeGreaterThan(0);
    const [offer, followUp] = calls;
    expect(offer!.path).toBe(`/model/${env.MODEL_ID}/converse-stream`);
    const prompt = await readFile(join(ROOT, 'examples', exampleCase.name, 'prompt.txt'), 'utf8');
    expect(textOf(offer!.body.system)).toContain(prompt.trim());
    const userText = textOf(offer!.body.messages[0]?.content);
    expect(userText).toContain(INVOICE_TEXT);
    expect(userText).toContain(env.PROMPT);

    // The tool was offered to the model...
    expect(offer!.body.toolConfig?.tools.map((t) => t.toolSpec.name) ?? [], `tools offered to the model; the agent warned:\n${warnings.join('\n')}`).toContain(TOOL_NAME);
    // ...and called: the follow-up carries its real output.
    expect(calls).toHaveLength(2);
    const toolResult = followUp!.body.messages.at(-1)?.content.find((block) => 'toolResult' in block);
    expect(toolResult).toEqual({ toolResult: { toolUseId: TOOL_USE_ID, status: 'success', content: [{ json: TOOL_OUTPUT }] } });

    // The invocation returned the model's final answer (parsed, with EXPECT_JSON).
    const expectJson = ['true', 'True', '1'].includes(env.EXPECT_JSON ?? '');
    expect(response).toEqual({
      result: expectJson ? EXPECTED_ANSWER : JSON.stringify(EXPECTED_ANSWER),
      metadata: { executionTime: expect.any(Number), tokensUsed: expect.any(Number), modelId: env.MODEL_ID },
    });
  });
});
