/**
 * State machines as `cdk deploy` would deploy them, executed for real on this machine (DESIGN.md
 * decision 7): the synthesized definition, its intrinsics resolved, run by the local States
 * interpreter (runStateMachine), every Task state served by the shipped code started from the
 * staged assets with the environment its template gives it:
 *
 * - a Lambda agent's step: the Lambda bundle's handler in its own process (LambdaSandboxes);
 * - an AgentCore agent's step: the relay bundle's handler, whose real AgentCore client calls the
 *   data-plane stand-in, which forwards to the AgentCore bundle running as a server;
 * - callbacks: the agents' real SFNClient reporting to the Step Functions stand-in, which completes
 *   the harness's task tokens.
 *
 * The system prompt and tools come from the local S3 (the staged assets uploaded), the model from a
 * local Converse endpoint scripted by document (DocumentModel). Each app is synthesized once and each
 * server started once for the file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnElement, Stack } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AgentWorkflowStack } from '../../examples/agent-workflow/stack.js';
import { startConverseEndpoint, type ConverseEndpoint } from '../agent/helpers/converse-endpoint.js';
import { S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from '../agent/helpers/local-aws.js';
import { startOtlpEndpoint, type OtlpEndpoint } from '../agent/helpers/otlp-endpoint.js';
import type { AgentCoreServer } from '../examples/agent-processes.js';
import { synthesizeExample, type SynthesizedExample } from '../examples/assembly.js';
import { EXPECTED_ANSWER, INVOICE_TEXT, TOOL_NAME } from '../examples/invoice-model.js';
import { forward, startAgentCoreDataPlane, throttling, type AgentCoreDataPlane, type CallHandler, type DataPlaneCall } from '../helpers/agentcore-data-plane.js';
import { runStateMachine, TaskTokens, type ExecutionEvent, type LocalExecution, type RunStateMachineOptions } from '../helpers/local-states.js';
import { startSfnStandIn, type SfnStandIn } from '../helpers/sfn-stand-in.js';
import { answerTaskCallbacks } from '../helpers/sfn-task-tokens.js';
import { answerFor, DocumentModel, inlineRequest, USAGE } from './helpers/document-model.js';
import { DOCUMENTS_BUCKET, DOCUMENTS_PREFIX, ExecutionStack, HEARTBEAT_SECONDS, MODEL_ID } from './helpers/execution-stack.js';
import { LocalApp, type LocalCloud } from './helpers/local-app.js';

const RELAY_ID = 'AgenticAiFrameworkAgentCoreRelay';
/** The example's model (its `BedrockModel.crossRegionInferenceProfile`). */
const EXAMPLE_MODEL_ID = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
/** What the relay in this process sees (the Lambda runtime's variables and the data plane's endpoint). */
const RELAY_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXECUTIONTEST',
  AWS_SECRET_ACCESS_KEY: 'execution-test-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
};

interface AgentResponse {
  readonly result: unknown;
  readonly metadata: { readonly executionTime: number; readonly tokensUsed: number; readonly modelId: string };
}
interface Explained {
  readonly error: string;
  readonly message: string;
}

let workDir: string;
let s3: LocalS3;
let bedrock: ConverseEndpoint;
let xray: OtlpEndpoint;
let sfnStandIn: SfnStandIn;
let plane: AgentCoreDataPlane;
let own: LocalApp;
let example: LocalApp;
const assemblies: SynthesizedExample[] = [];
const model = new DocumentModel();
const tokens = new TaskTokens();
const agentUrls = new Map<string, string>();
/** State machines' logical ids. */
const machines: Record<'bothRuntimes' | 'documents' | 'longRuns' | 'invoiceWorkflow', string> = { bothRuntimes: '', documents: '', longRuns: '', invoiceWorkflow: '' };
const savedEnv: Record<string, string | undefined> = {};
/** Faults for the calls about one document: the data plane serves the others as usual. */
const planeFaults = new Map<string, CallHandler[]>();

function logicalId(machine: sfn.StateMachine): string {
  return Stack.of(machine).getLogicalId(machine.node.defaultChild as CfnElement);
}

/** The AgentCore calls about document `id`, as the data plane received them. */
function planeCallsAbout(id: string): DataPlaneCall[] {
  return plane.calls.filter((call) => call.body.includes(`Document ${id}\\n`));
}

function retriesOf(run: LocalExecution, state: string): number {
  return run.events.filter((event: ExecutionEvent) => event.type === 'StateRetried' && 'state' in event && event.state.name === state).length;
}

function withoutTime(response: AgentResponse): unknown {
  return { ...response, metadata: { ...response.metadata, executionTime: 0 } };
}

const answered = (id: string, modelId = MODEL_ID) => ({
  result: answerFor(id),
  metadata: { executionTime: expect.any(Number), tokensUsed: USAGE.inputTokens + USAGE.outputTokens, modelId },
});

function execute(app: LocalApp, machine: string, input: unknown, options: RunStateMachineOptions = {}): Promise<LocalExecution> {
  return runStateMachine(app.definition(machine), input, {
    handlers: app.functions,
    tokens,
    stateMachineArn: app.arnOf(machine),
    timeoutMs: 10_000,
    ...options,
  });
}

/** Sets a variable of this process until the end of the file. */
function setEnv(name: string, value: string): void {
  if (!(name in savedEnv)) savedEnv[name] = process.env[name];
  process.env[name] = value;
}

beforeAll(async () => {
  for (const [name, value] of Object.entries(RELAY_ENV)) setEnv(name, value);
  // The relays' one JSON log line per call would flood the output.
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk, encoding, callback) =>
    String(chunk).includes('"InvokeAgentRuntime') ? true : write(chunk, encoding, callback),
  );

  workDir = await mkdtemp(join(tmpdir(), 'workflow-execution-'));
  [s3, bedrock, xray, sfnStandIn, plane] = await Promise.all([
    startLocalS3([]),
    startConverseEndpoint(model.respond),
    // The AgentCore agents trace (AGENT_OBSERVABILITY_ENABLED): their spans come here.
    startOtlpEndpoint(),
    startSfnStandIn(),
    startAgentCoreDataPlane({ agentUrl: (arn) => agentUrls.get(arn) }),
  ]);
  answerTaskCallbacks(sfnStandIn, tokens);
  setEnv('AWS_ENDPOINT_URL_BEDROCK_AGENTCORE', plane.url);
  plane.fallback = (call, res, p) => {
    const faults = [...planeFaults].find(([id]) => call.body.includes(`Document ${id}\\n`))?.[1];
    return (faults?.shift() ?? forward())(call, res, p);
  };
  const cloud: LocalCloud = {
    s3,
    bedrockUrl: bedrock.url,
    xrayUrl: xray.url,
    sfnUrl: sfnStandIn.url,
    workDir,
    credentials: S3RVER_CREDENTIALS,
    buckets: new Set(),
    agentUrls,
  };

  const relayOf = (stack: Stack) => stack.node.findChild(RELAY_ID);
  const ownApp = await synthesizeExample((app, id, props) => {
    const stack = new ExecutionStack(app, id, props);
    Object.assign(machines, { bothRuntimes: logicalId(stack.bothRuntimes), documents: logicalId(stack.documents), longRuns: logicalId(stack.longRuns) });
    return stack;
  }, { onLambda: (s) => s.onLambda, onAgentCore: (s) => s.onAgentCore, relay: relayOf });
  assemblies.push(ownApp);
  const exampleApp = await synthesizeExample((app, id, props) => {
    const stack = new AgentWorkflowStack(app, id, props);
    machines.invoiceWorkflow = logicalId(stack.stateMachine);
    return stack;
  }, { onLambda: (s) => s.onLambda, onAgentCore: (s) => s.onAgentCore, relay: relayOf });
  assemblies.push(exampleApp);
  const [ownDeployed, exampleDeployed] = await Promise.allSettled([LocalApp.deploy(ownApp, cloud), LocalApp.deploy(exampleApp, cloud)]);
  // Whichever came up is closed in afterAll, even when the other failed.
  if (ownDeployed.status === 'fulfilled') own = ownDeployed.value;
  if (exampleDeployed.status === 'fulfilled') example = exampleDeployed.value;
  for (const deployed of [ownDeployed, exampleDeployed]) if (deployed.status === 'rejected') throw deployed.reason;
  // The long runs invoke the Lambda agent six times at once: environments started now are warm by
  // then, so no cold start (seconds on a loaded machine) eats into their 2-second heartbeat timeout.
  own.lambdaAgent('onLambda').warm(5);
}, 40_000);

afterAll(async () => {
  vi.restoreAllMocks();
  model.releaseAll();
  await Promise.all([own?.close(), example?.close()]);
  await Promise.all([plane?.close(), sfnStandIn?.close(), bedrock?.close(), xray?.close(), s3?.close()]);
  await Promise.all(assemblies.map((assembly) => assembly.dispose()));
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('one agent definition on both runtimes, one step each (BothRuntimes)', () => {
  it('gives the same { result, metadata } on Lambda and on AgentCore: what the model said', async () => {
    const id = 'memo-same';
    const run = await execute(own, machines.bothRuntimes, { request: inlineRequest(id) }, { executionName: 'same-output-0001' });

    expect(run.status, run.error).toBe('SUCCEEDED');
    expect(run.visited).toEqual(['ExtractOnLambda', 'ExtractOnAgentCore', 'Done']);
    const { onLambda, onAgentCore } = run.output as { onLambda: AgentResponse; onAgentCore: AgentResponse };
    expect(onLambda).toEqual(answered(id));
    expect(withoutTime(onAgentCore)).toEqual(withoutTime(onLambda));
    // Each runtime asked the model once, with the same system prompt and message.
    const asked = bedrock.calls.filter((call) => JSON.stringify(call.body.messages).includes(`Document ${id}\\n`));
    expect(asked).toHaveLength(2);
    expect(asked[1]!.body.system).toEqual(asked[0]!.body.system);
    expect(asked[1]!.body.messages).toEqual(asked[0]!.body.messages);
    // The AgentCore step reached the runtime through the data plane, in a session of this execution.
    const [call, ...others] = planeCallsAbout(id);
    expect(others).toEqual([]);
    expect(call).toMatchObject({ agentRuntimeArn: own.agentCore('onAgentCore').runtimeArn, accept: 'text/event-stream', agent: { status: 200 } });
    expect(call!.sessionId).toMatch(/^same-output-0001-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it("a document outside the agent's sources: Agent.BadRequest on both, caught, and States.StringToJson($.failure.Cause).errorMessage is the agent's own message", async () => {
    const request = { documentId: 'elsewhere', contentType: 'file', content: { bucket: 'other-bucket', key: `${DOCUMENTS_PREFIX}a.pdf` } };
    const run = await execute(own, machines.bothRuntimes, { request });

    expect(run.status, run.error).toBe('SUCCEEDED');
    expect(run.visited).toEqual(['ExtractOnLambda', 'LambdaRefused', 'LambdaExplained', 'ExtractOnAgentCore', 'AgentCoreRefused', 'AgentCoreExplained', 'Done']);
    const { onLambda, onAgentCore } = run.output as { onLambda: Explained; onAgentCore: Explained };
    expect(onLambda.error).toBe('Agent.BadRequest');
    expect(onLambda.message).toContain(`s3://other-bucket/${DOCUMENTS_PREFIX}a.pdf is not in a document source of this agent`);
    expect(onLambda.message).toContain(`s3://${DOCUMENTS_BUCKET}/${DOCUMENTS_PREFIX}`);
    expect(onAgentCore).toEqual(onLambda);
    // Refused, not retried.
    expect(retriesOf(run, 'ExtractOnLambda') + retriesOf(run, 'ExtractOnAgentCore')).toBe(0);
  });

  it('throttling is retried by the default Retry until the step succeeds: the model on Lambda, the data plane on AgentCore', async () => {
    const id = 'memo-throttled';
    planeFaults.set(id, [throttling(), throttling()]);
    const run = await execute(own, machines.bothRuntimes, { request: inlineRequest(id, 'throttle-first') });

    expect(run.status, run.error).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ onLambda: answered(id), onAgentCore: answered(id) });
    // Lambda: the model throttled the first attempt (the agent's 503: Agent.Throttled), the second answered.
    const lambdaAttempts = run.invocations.filter((i) => i.invokedFunctionArn === own.functionArn('onLambda'));
    expect(lambdaAttempts).toHaveLength(2);
    expect(await lambdaAttempts[0]!.outcome).toMatchObject({ ok: false, error: { errorType: 'Agent.Throttled' } });
    expect(retriesOf(run, 'ExtractOnLambda')).toBe(1);
    // AgentCore: ThrottlingException twice (never forwarded), then the agent answered.
    const calls = planeCallsAbout(id);
    expect(calls.map((c) => c.agent?.status)).toEqual([undefined, undefined, 200]);
    expect(retriesOf(run, 'ExtractOnAgentCore')).toBe(2);
    expect(new Set(calls.map((c) => c.sessionId)).size).toBe(3);
    expect(model.callsAbout(id)).toBe(3);
  });
});

describe('a Map of documents over an AgentCore step (Documents)', () => {
  it('20 documents: 20 distinct sessions, each of at least 33 characters and named after the execution', async () => {
    const executionName = 'nightly-batch-2025-03-01';
    const ids = Array.from({ length: 20 }, (_, i) => `batch-item-${i}`);
    const run = await execute(own, machines.documents, { documents: ids.map((id) => inlineRequest(id)) }, { executionName });

    expect(run.status, run.error).toBe('SUCCEEDED');
    expect(run.output).toEqual(ids.map((id) => answered(id)));
    const sessions = ids.map((id) => {
      const calls = planeCallsAbout(id);
      expect(calls).toHaveLength(1);
      return calls[0]!.sessionId;
    });
    expect(new Set(sessions).size).toBe(20);
    for (const session of sessions) {
      expect(session.length).toBeGreaterThanOrEqual(33);
      expect(session.startsWith(`${executionName}-`)).toBe(true);
    }
  });
});

describe('long runs: both agents with the task token (LongRuns, heartbeatTimeout 2 s)', () => {
  const reportsOf = (run: LocalExecution, action: 'SendTaskSuccess' | 'SendTaskFailure' | 'SendTaskHeartbeat') =>
    tokens.calls.filter(({ call, answer }) => call.action === action && answer.ok && run.taskTokens.includes(call.taskToken));

  it.concurrent('success: each agent reports what a synchronous step returns', async () => {
    const id = 'memo-long';
    const [run, sync] = await Promise.all([
      execute(own, machines.longRuns, { request: inlineRequest(id) }, { executionName: 'long-run-0001' }),
      execute(own, machines.bothRuntimes, { request: inlineRequest(id) }),
    ]);

    expect(run.status, run.error).toBe('SUCCEEDED');
    expect(sync.status, sync.error).toBe('SUCCEEDED');
    expect(run.output).toEqual([answered(id), answered(id)]);
    const [onLambda, onAgentCore] = run.output as [AgentResponse, AgentResponse];
    const { onLambda: syncLambda, onAgentCore: syncAgentCore } = sync.output as { onLambda: AgentResponse; onAgentCore: AgentResponse };
    expect(withoutTime(onLambda)).toEqual(withoutTime(syncLambda));
    expect(withoutTime(onAgentCore)).toEqual(withoutTime(syncAgentCore));
    expect(reportsOf(run, 'SendTaskSuccess')).toHaveLength(2);
    // Lambda: an asynchronous invocation with the envelope. AgentCore: the relay returned the agent's acceptance.
    const lambda = run.invocations.find((i) => i.invokedFunctionArn === own.functionArn('onLambda'));
    expect(lambda).toMatchObject({ invocationType: 'Event', event: { taskToken: expect.any(String), heartbeatSeconds: HEARTBEAT_SECONDS, request: inlineRequest(id) } });
    const relay = run.invocations.find((i) => i.invokedFunctionArn === own.functionArn('relay'));
    expect(await relay!.outcome).toMatchObject({ ok: true, payload: { status: 'accepted', sessionId: expect.stringMatching(/^long-run-0001-/) } });
  });

  it.concurrent.each([
    ['the model fails', 'Agent.Failed', inlineRequest('memo-refused', 'fail'), 'The model refused document memo-refused', 2],
    ['a document outside its sources', 'Agent.BadRequest', { contentType: 'file', content: { bucket: 'other-bucket', key: 'x.pdf' } }, 's3://other-bucket/x.pdf is not in a document source', 1],
  ] as const)('failure (%s): the step fails with %s, caught, with the agent\'s message on both', async (_what, name, request, message, reports) => {
    const run = await execute(own, machines.longRuns, { request });

    expect(run.status, run.error).toBe('SUCCEEDED');
    const [onLambda, onAgentCore] = run.output as [Explained, Explained];
    for (const explained of [onLambda, onAgentCore]) {
      expect(explained.error).toBe(name);
      expect(explained.message).toContain(message);
    }
    // The same words on both runtimes, so a Choice on the message carries over.
    expect(onAgentCore.message).toBe(onLambda.message);
    // Reported by the agents (a bad request on AgentCore is refused at once, through the relay, instead).
    expect(reportsOf(run, 'SendTaskFailure')).toHaveLength(reports);
  });

  it.concurrent('a run longer than heartbeatTimeout is kept alive by heartbeats at a third of it', async () => {
    const id = 'memo-slow';
    const delayMs = HEARTBEAT_SECONDS * 1000 + 1_000;
    const run = await execute(own, machines.longRuns, { request: inlineRequest(id, { delayMs }) });

    expect(run.status, run.error).toBe('SUCCEEDED');
    expect(run.output).toEqual([answered(id), answered(id)]);
    expect(run.durationMs).toBeGreaterThan(delayMs);
    const interval = (HEARTBEAT_SECONDS * 1000) / 3;
    for (const token of run.taskTokens) {
      const beats = sfnStandIn.callsOf('SendTaskHeartbeat').filter((c) => c.input.taskToken === token).map((c) => c.at);
      expect(beats.length).toBeGreaterThanOrEqual(Math.floor(delayMs / interval) - 1);
      // Each a timer of `interval` after the previous one was answered: the mean gap is the interval and a round trip.
      const meanGap = (beats.at(-1)! - beats[0]!) / (beats.length - 1);
      expect(meanGap).toBeGreaterThan(interval - 50);
      expect(meanGap).toBeLessThan(interval + 300);
    }
  });

  it.concurrent('an agent that dies mid-run (its process killed) fails the step with States.HeartbeatTimeout', async () => {
    const id = 'memo-doomed';
    const about = (event: unknown) => JSON.stringify(event).includes(`Document ${id}\\n`);
    // The AgentCore call goes to a container of its own, which this test kills.
    const doomed: AgentCoreServer = await own.startContainer('onAgentCore');
    const doomedPlane = { ...plane, agentUrlOf: () => doomed.base };
    planeFaults.set(id, [(call, res) => forward()(call, res, doomedPlane)]);
    // Lambda's retry comes after the step has timed out (the service waits about a minute).
    const retryDelayMs = HEARTBEAT_SECONDS * 1000 + 1_000;
    const started = Date.now();
    const running = execute(own, machines.longRuns, { request: inlineRequest(id, { delayMs: 60_000 }) }, { asyncRetryDelayMs: retryDelayMs });

    // Both agents are at work and have heartbeated; then their processes die.
    const lambdaAgent = own.lambdaAgent('onLambda');
    const tokenOf = (envelope: unknown) => (envelope as { taskToken: string }).taskToken;
    await vi.waitFor(() => expect(planeCallsAbout(id).length + lambdaAgent.inProgress().filter(about).length).toBe(2), { timeout: 5_000 });
    const taskTokens = [tokenOf(JSON.parse(planeCallsAbout(id)[0]!.body)), tokenOf(lambdaAgent.inProgress().find(about))];
    const beats = (token: string) => sfnStandIn.callsOf('SendTaskHeartbeat').filter((c) => c.input.taskToken === token);
    await sfnStandIn.waitFor(() => taskTokens.every((token) => beats(token).length > 0), 5_000, 'a heartbeat of each agent');
    await doomed.kill();
    expect(lambdaAgent.kill(about)).toBe(true);
    const killedAt = Date.now();
    const run = await running;
    const endedAt = Date.now();

    expect(run.status, run.error).toBe('SUCCEEDED');
    expect(run.output).toEqual([{ error: 'States.HeartbeatTimeout' }, { error: 'States.HeartbeatTimeout' }]);
    expect(new Set(run.taskTokens)).toEqual(new Set(taskTokens));
    // Within heartbeatTimeout of the last heartbeat, and nothing from the agents meanwhile.
    expect(endedAt - killedAt).toBeLessThan(HEARTBEAT_SECONDS * 1000 + 1_000);
    expect(endedAt - started).toBeGreaterThan(HEARTBEAT_SECONDS * 1000);
    expect(taskTokens.flatMap(beats).filter((c) => c.at > killedAt)).toEqual([]);
    expect(reportsOf(run, 'SendTaskSuccess').length + reportsOf(run, 'SendTaskFailure').length).toBe(0);
    // Lambda retries the crashed event (Runtime.ExitError); the new run finds the task closed and gives up.
    const lambda = () => run.invocations.filter((i) => i.invokedFunctionArn === own.functionArn('onLambda'));
    expect(await lambda()[0]!.outcome).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
    await vi.waitFor(() => expect(lambda()).toHaveLength(2), { timeout: retryDelayMs + 1_000 });
    expect(await lambda()[1]!.outcome).toEqual({ ok: true, payload: { status: 'abandoned', reason: 'TaskTimedOut' } });
  });
});

describe('the example agent-workflow (AgentWorkflowStack), end to end', () => {
  const request = { documentId: 'inv-2025-0042', contentType: 'data', content: { data: INVOICE_TEXT } };

  it('an invoice: ExtractOnLambda → ExtractOnAgentCore → ReviewOnAgentCore (callback) → Done, the same answer thrice', async () => {
    const before = bedrock.calls.length;
    const run = await execute(example, machines.invoiceWorkflow, { request }, { executionName: 'inv-2025-0042-execution' });

    expect(run.status, run.error).toBe('SUCCEEDED');
    expect(run.visited).toEqual(['ExtractOnLambda', 'ExtractOnAgentCore', 'ReviewOnAgentCore', 'Done']);
    const extracted = { result: EXPECTED_ANSWER, metadata: { executionTime: expect.any(Number), tokensUsed: expect.any(Number), modelId: EXAMPLE_MODEL_ID } };
    expect(run.output).toEqual({ request, onLambda: extracted, onAgentCore: extracted, review: extracted });
    // Each step ran the agent: the example's tool called, then the answer (two model calls a step).
    const calls = bedrock.calls.slice(before);
    expect(calls).toHaveLength(6);
    expect(calls.filter((c) => c.body.toolConfig?.tools.some((t) => t.toolSpec.name === TOOL_NAME))).toHaveLength(6);
    expect(tokens.calls.filter(({ call }) => call.action === 'SendTaskSuccess' && call.taskToken === run.taskTokens[0])).toHaveLength(1);
  });

  it('an invalid request: Agent.BadRequest on the first step, Rejected with the agent\'s message as the cause', async () => {
    const run = await execute(example, machines.invoiceWorkflow, { request: { contentType: 'data', content: {} } });

    expect(run).toMatchObject({ status: 'FAILED', error: 'InvoiceRejected' });
    expect(run.visited).toEqual(['ExtractOnLambda', 'Rejected']);
    expect(JSON.parse(run.cause!)).toMatchObject({ errorType: 'Agent.BadRequest', errorMessage: expect.stringContaining('content.data') });
  });
});
