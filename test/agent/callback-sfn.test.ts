import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkRequest, type TaskReporter } from '../../agent/core/callback.js';
import { invokeAgent } from '../../agent/core/invoke.js';
import { createSfnTaskReporter } from '../../agent/core/task-reporter.js';
import { createLambdaHandler } from '../../agent/lambda-handler.js';
import { createAgentServer, type AgentServer } from '../../agent/server.js';
import { sfnError, startSfnStandIn, type SfnCall, type SfnStandIn } from '../helpers/sfn-stand-in.js';
import { testDependencies, type TestDependencies } from './helpers/deps.js';
import { httpRequest } from './helpers/http.js';
import { memoryLogger } from './helpers/memory.js';
import { ScriptedModel, SwitchableModel, type Turn } from './helpers/scripted-model.js';

const SESSION_ID = 'callback-session-0123456789-0123456789';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAcallback-test-token';
const REQUEST = { documentId: 'doc-7', contentType: 'data', content: { data: 'INVOICE 7\nTotal 42.50 EUR' } };
const ANSWER: Turn = { text: '{"total": 42.5}', usage: { inputTokens: 20, outputTokens: 5, totalTokens: 25 } };
const FAKE_CREDENTIALS = { accessKeyId: 'AKIDCALLBACKTEST', secretAccessKey: 'callback-test-secret' };

/** A promise and the function that settles it, to hold the model's answer for as long as a test needs. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const reportsOf = (calls: readonly SfnCall[]) => calls.filter((c) => c.operation === 'SendTaskSuccess' || c.operation === 'SendTaskFailure');
const causeOf = (call: SfnCall | undefined) => JSON.parse(String(call?.input.cause)) as { errorType: string; errorMessage: string };

let sfn: SfnStandIn;
let reporter: TaskReporter;

beforeAll(async () => {
  sfn = await startSfnStandIn();
  // The real SDK client, as the agent builds it, with fake credentials and the stand-in's endpoint.
  reporter = createSfnTaskReporter({ endpoint: sfn.url, region: 'us-east-1', credentials: FAKE_CREDENTIALS });
});

afterAll(async () => {
  await sfn?.close();
});

afterEach(() => {
  sfn.calls.length = 0;
  for (const op of ['SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat']) sfn.answer(op, undefined);
  vi.unstubAllEnvs();
});

describe('the Step Functions reporter on the real SDK client', () => {
  it('sends SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat in the AWS JSON 1.0 protocol, signed', async () => {
    await reporter.sendHeartbeat(TOKEN);
    await reporter.sendSuccess(TOKEN, '{"result":1}');
    await reporter.sendFailure(TOKEN, 'Agent.Failed', '{"errorType":"Agent.Failed","errorMessage":"x"}');
    expect(sfn.calls.map((c) => [c.operation, c.input])).toEqual([
      ['SendTaskHeartbeat', { taskToken: TOKEN }],
      ['SendTaskSuccess', { taskToken: TOKEN, output: '{"result":1}' }],
      ['SendTaskFailure', { taskToken: TOKEN, error: 'Agent.Failed', cause: '{"errorType":"Agent.Failed","errorMessage":"x"}' }],
    ]);
    const { headers } = sfn.calls[0]!;
    expect(headers['x-amz-target']).toBe('AWSStepFunctions.SendTaskHeartbeat');
    expect(headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(headers.authorization).toMatch(`Credential=${FAKE_CREDENTIALS.accessKeyId}/`);
    expect(headers.authorization).toMatch('/us-east-1/states/aws4_request');
  });

  it.each(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist', 'InvalidOutput'])('surfaces the service error %s under its name, as the callback runner matches it', async (name) => {
    sfn.answer('SendTaskHeartbeat', () => sfnError(name, `${name}: from the stand-in`));
    const failure = await reporter.sendHeartbeat(TOKEN).catch((e: unknown) => e);
    expect(failure).toMatchObject({ name, message: `${name}: from the stand-in`, $metadata: { httpStatusCode: 400 } });
    // A client error is not retried by the SDK.
    expect(sfn.callsOf('SendTaskHeartbeat')).toHaveLength(1);
  });

  it('with the default configuration, takes its endpoint from AWS_ENDPOINT_URL_SFN and its Region and credentials from the environment', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_SFN', sfn.url);
    vi.stubEnv('AWS_REGION', 'eu-west-3');
    vi.stubEnv('AWS_ACCESS_KEY_ID', FAKE_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', FAKE_CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    await createSfnTaskReporter().sendHeartbeat(TOKEN);
    expect(sfn.callsOf('SendTaskHeartbeat')[0]?.headers.authorization).toMatch('/eu-west-3/states/aws4_request');
  });
});

describe('AgentCore server in callback mode', () => {
  const model = new SwitchableModel(new ScriptedModel([]));
  let deps: TestDependencies;
  let agentServer: AgentServer;
  let base: string;
  const logger = memoryLogger();

  beforeAll(async () => {
    deps = testDependencies({ model, env: { EXPECT_JSON: 'true', MODEL_MAX_ATTEMPTS: '1', DOCUMENT_SOURCES: JSON.stringify([{ bucketName: 'docs', prefix: 'in/' }]) } });
    // The wiring of agent/agentcore.ts, with the reporter pointed at the stand-in.
    agentServer = createAgentServer({
      invoke: (payload, options) => invokeAgent(payload, deps, options),
      logger,
      callback: { reporter, check: (request) => checkRequest(request, deps.config) },
    });
    base = `http://127.0.0.1:${(await agentServer.listen(0, '127.0.0.1')).port}`;
  });

  afterAll(async () => {
    await agentServer?.close(0);
  });

  const post = (body: unknown) =>
    httpRequest(`${base}/invocations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id': SESSION_ID },
      body: JSON.stringify(body),
    });
  const ping = async () => (await httpRequest(`${base}/ping`)).json() as { status: string };

  it('answers 200 at once, is HealthyBusy while it runs, heartbeats at the interval, and reports what a synchronous call returns', async () => {
    model.current = new ScriptedModel([ANSWER]);
    const sync = await post(REQUEST);
    expect(sync.status).toBe(200);

    const held = gate();
    model.current = new ScriptedModel([{ ...ANSWER, text: ['{"total": ', '42.5}'], holdUntil: held.promise }]);
    const started = Date.now();
    const accepted = await post({ taskToken: TOKEN, heartbeatSeconds: 1, request: REQUEST });
    expect(accepted.status).toBe(200);
    expect(accepted.json()).toEqual({ status: 'accepted', sessionId: SESSION_ID });
    expect(accepted.headers['x-amzn-bedrock-agentcore-runtime-session-id']).toBe(SESSION_ID);
    expect(Date.now() - started).toBeLessThan(300);
    expect(await ping()).toMatchObject({ status: 'HealthyBusy' });

    // heartbeatSeconds 1: a heartbeat every 333 ms.
    await sfn.waitFor((calls) => calls.filter((c) => c.operation === 'SendTaskHeartbeat').length >= 2, 2_000, 'two heartbeats');
    const beats = sfn.callsOf('SendTaskHeartbeat');
    expect(beats.every((c) => c.input.taskToken === TOKEN)).toBe(true);
    expect(beats[0]!.at - started).toBeGreaterThanOrEqual(300);
    expect(beats[1]!.at - beats[0]!.at).toBeGreaterThanOrEqual(300);
    expect(beats[1]!.at - beats[0]!.at).toBeLessThan(700);
    expect(reportsOf(sfn.calls)).toEqual([]);
    expect(await ping()).toMatchObject({ status: 'HealthyBusy' });

    held.open();
    await sfn.waitFor((calls) => reportsOf(calls).length > 0, 2_000, 'SendTaskSuccess');
    const [report] = reportsOf(sfn.calls);
    expect(report?.operation).toBe('SendTaskSuccess');
    expect(report?.input.taskToken).toBe(TOKEN);
    const output = JSON.parse(String(report?.input.output)) as unknown;
    expect(output).toEqual({ ...(sync.json() as object), metadata: { ...(sync.json() as { metadata: object }).metadata, executionTime: expect.any(Number) } });
    expect(output).toEqual({ result: { total: 42.5 }, metadata: { executionTime: expect.any(Number), tokensUsed: 25, modelId: deps.config.modelId } });

    // Healthy again once reported, and no heartbeat after the report.
    for (let i = 0; i < 50 && (await ping()).status !== 'Healthy'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await ping()).toMatchObject({ status: 'Healthy' });
    const beatsAtReport = sfn.callsOf('SendTaskHeartbeat').length;
    await new Promise((r) => setTimeout(r, 400));
    expect(sfn.callsOf('SendTaskHeartbeat')).toHaveLength(beatsAtReport);
  });

  it.each([
    ['a model failure', { error: new Error('model exploded') }, 'Agent.Failed', /model exploded/],
    ['a model that kept throttling', { error: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }) }, 'Agent.Throttled', /Rate exceeded/],
  ] as const)('reports %s with SendTaskFailure named %s', async (_what, turn, name, message) => {
    model.current = new ScriptedModel([turn]);
    expect((await post({ taskToken: TOKEN, request: REQUEST })).status).toBe(200);
    await sfn.waitFor((calls) => reportsOf(calls).length > 0, 2_000, 'SendTaskFailure');
    const [report] = reportsOf(sfn.calls);
    expect(report?.operation).toBe('SendTaskFailure');
    expect(report?.input.error).toBe(name);
    expect(causeOf(report)).toEqual({ errorType: name, errorMessage: expect.stringMatching(message) });
  });

  it('stops the run when a heartbeat answers TaskTimedOut, and reports nothing', async () => {
    sfn.answer('SendTaskHeartbeat', () => sfnError('TaskTimedOut', 'Task Timed Out'));
    const scripted = new ScriptedModel([{ text: ['thinking', ' forever'], holdUntil: new Promise(() => undefined) }]);
    model.current = scripted;
    expect((await post({ taskToken: TOKEN, heartbeatSeconds: 1, request: REQUEST })).status).toBe(200);
    await sfn.waitFor((calls) => calls.some((c) => c.operation === 'SendTaskHeartbeat'), 2_000, 'a heartbeat');
    for (let i = 0; i < 100 && (await ping()).status !== 'Healthy'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await ping()).toMatchObject({ status: 'Healthy' });
    expect(scripted.cancelled).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(reportsOf(sfn.calls)).toEqual([]);
    expect(sfn.callsOf('SendTaskHeartbeat')).toHaveLength(1);
  });

  it.each([
    ['an invalid request', { taskToken: TOKEN, request: { contentType: 'data', content: {} } }, 400, /content\.data/],
    ['a document outside the document sources', { taskToken: TOKEN, request: { contentType: 'file', content: { bucket: 'docs', key: 'out/a.pdf' } } }, 403, /s3:\/\/docs\/out\/a\.pdf/],
    ['an envelope with a field it does not take', { taskToken: TOKEN, request: REQUEST, heartbeat: 30 }, 400, /heartbeat \(is not allowed in a callback envelope/],
  ])('refuses %s at once, with no task report', async (_what, envelope, status, message) => {
    model.current = new ScriptedModel([]);
    const answer = await post(envelope);
    expect(answer.status).toBe(status);
    expect((answer.json() as { error: string }).error).toMatch(message);
    expect(sfn.calls).toEqual([]);
    expect(await ping()).toMatchObject({ status: 'Healthy' });
  });
});

describe('AgentCore server shutdown with a callback run in progress', () => {
  it('waits for the run through its grace, then stops it and reports Agent.Unavailable', async () => {
    const deps = testDependencies({ model: new ScriptedModel([{ text: ['a', 'b'], holdUntil: new Promise(() => undefined) }]) });
    const server = createAgentServer({
      invoke: (payload, options) => invokeAgent(payload, deps, options),
      logger: memoryLogger(),
      callback: { reporter, check: (request) => checkRequest(request, deps.config) },
    });
    const base = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
    const accepted = await httpRequest(`${base}/invocations`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ taskToken: TOKEN, request: REQUEST }) });
    expect(accepted.json()).toEqual({ status: 'accepted', sessionId: null });
    expect(server.inFlight).toBe(1);

    const started = Date.now();
    await server.close(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(server.inFlight).toBe(0);
    const [report] = reportsOf(sfn.calls);
    expect(report?.input.error).toBe('Agent.Unavailable');
    expect(causeOf(report).errorMessage).toMatch(/shut down/);
  });
});

describe('Lambda handler in callback mode', () => {
  const event = (request: unknown = REQUEST) => ({ taskToken: TOKEN, heartbeatSeconds: 60, request });

  it('runs the request, reports SendTaskSuccess with the synchronous response and returns the outcome', async () => {
    const deps = testDependencies({ model: new ScriptedModel([ANSWER, ANSWER]), env: { EXPECT_JSON: 'true' } });
    const handler = createLambdaHandler(() => deps, undefined, reporter);
    const sync = await handler(REQUEST, { awsRequestId: 'sync-1' });
    expect(await handler(event(), { awsRequestId: 'cb-1' })).toEqual({ status: 'reported', outcome: 'success' });
    const [report] = reportsOf(sfn.calls);
    expect(report?.operation).toBe('SendTaskSuccess');
    expect(JSON.parse(String(report?.input.output))).toEqual({ ...sync, metadata: { ...(sync as { metadata: object }).metadata, executionTime: expect.any(Number) } });
  });

  it.each([
    ['an invalid request', event({ contentType: 'data' }), 'Agent.BadRequest', /content/],
    ['an envelope with a field it does not take', { ...event(), retries: 2 }, 'Agent.BadRequest', /retries/],
  ])('reports %s as SendTaskFailure and returns without throwing', async (_what, payload, name, message) => {
    const deps = testDependencies({ model: new ScriptedModel([]) });
    expect(await createLambdaHandler(() => deps, undefined, reporter)(payload)).toEqual({ status: 'reported', outcome: 'failure' });
    const [report] = reportsOf(sfn.calls);
    expect(report?.input.error).toBe(name);
    expect(causeOf(report).errorMessage).toMatch(message);
  });

  it('reports a bad environment as Agent.Failed instead of throwing', async () => {
    const handler = createLambdaHandler(
      () => {
        throw new (class extends Error {
          override name = 'AgentConfigError';
        })('MODEL_ID: is required but unset or empty');
      },
      undefined,
      reporter,
    );
    expect(await handler(event())).toEqual({ status: 'reported', outcome: 'failure' });
    expect(reportsOf(sfn.calls)[0]?.input.error).toBe('Agent.Failed');
  });

  it('reports Agent.Timeout before the function deadline when the run would outlast it', async () => {
    const deps = testDependencies({ model: new ScriptedModel([{ text: ['a', 'b'], holdUntil: new Promise(() => undefined) }]) });
    const deadline = Date.now() + 1_400;
    const context = { awsRequestId: 'cb-deadline', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
    expect(await createLambdaHandler(() => deps, undefined, reporter)(event(), context)).toEqual({ status: 'reported', outcome: 'failure' });
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    const [report] = reportsOf(sfn.calls);
    expect(report?.input.error).toBe('Agent.Timeout');
    expect(causeOf(report).errorMessage).toMatch(/Lambda function times out/);
    expect(deps.logger.lines.find((l) => l.message === 'Invocation stopped before the Lambda deadline')).toMatchObject({ level: 'error', requestId: 'cb-deadline' });
  });
});
