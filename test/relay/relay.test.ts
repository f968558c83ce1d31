import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Model, type BaseModelConfig, type Message, type ModelStreamEvent } from '@strands-agents/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { S3ObjectError } from '../../agent/core/errors.js';
import { invokeAgent } from '../../agent/core/invoke.js';
import { createAgentServer, type AgentServer } from '../../agent/server.js';
import { testDependencies, type TestDependencies } from '../agent/helpers/deps.js';
import { EchoModel, ScriptedModel } from '../agent/helpers/scripted-model.js';
import {
  agentAnswers,
  forward,
  hang,
  internalServerError,
  reset,
  serviceQuotaExceeded,
  startAgentCoreDataPlane,
  throttling,
  type AgentCoreDataPlane,
  type CallHandler,
} from '../helpers/agentcore-data-plane.js';

/** The relay as shipped (`npm run bundle:functions`, run by `pretest`). */
const BUNDLE = resolve(import.meta.dirname, '..', '..', 'assets', 'relay', 'index.mjs');
/** Sources the bundle is built from; a bundle older than any of them is stale. */
const SOURCES = ['relay/handler.ts', 'relay/answer.ts', 'relay/event.ts', 'relay/sdk-errors.ts', 'relay/index.ts', 'cli/deployed-sse.ts', 'agent/core/task-errors.ts'];

const ARN = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/invoices-AbC123xyZ9';
const UNREACHABLE_ARN = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/gone-Xyz0987654';
const SESSION_ID = 'relay-test-session-0123456789abcdef0123';
const DOCUMENT_TEXT = 'Invoice 7: 42 EUR, confidential';
const request = { documentId: 'doc-1', contentType: 'data', content: { data: DOCUMENT_TEXT }, eventTime: '2025-01-01T00:00:00Z' };
const event = (overrides: Record<string, unknown> = {}) => ({ agentRuntimeArn: ARN, qualifier: 'DEFAULT', sessionId: SESSION_ID, payload: request, ...overrides });

type RelayHandler = (event: unknown, context?: { awsRequestId?: string; getRemainingTimeInMillis?: () => number }) => Promise<unknown>;
interface Failure {
  readonly name: string;
  readonly message: string;
  readonly statusCode?: number;
}

/** A Lambda context with `ms` left. */
function contextWith(ms: number) {
  const deadline = Date.now() + ms;
  return { awsRequestId: 'relay-req-1', getRemainingTimeInMillis: () => deadline - Date.now() };
}

/** A model that streams some text and then fails, as a provider does when a stream breaks. */
class FailingMidStreamModel extends Model<BaseModelConfig> {
  updateConfig(): void {}
  getConfig(): BaseModelConfig {
    return { modelId: 'failing-model' };
  }
  async *stream(_messages: Message[]): AsyncIterable<ModelStreamEvent> {
    yield { type: 'modelMessageStartEvent', role: 'assistant' };
    yield { type: 'modelContentBlockDeltaEvent', delta: { type: 'textDelta', text: 'Vendor: Acme' } };
    throw Object.assign(new Error('The model stream broke off'), { name: 'ModelStreamError' });
  }
}

const ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDRELAYTEST',
  AWS_SECRET_ACCESS_KEY: 'relay-test-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
};

describe('AgentCore relay (the shipped bundle, through a stand-in data plane, to the real agent server)', () => {
  let deps: TestDependencies;
  let agentServer: AgentServer;
  let plane: AgentCoreDataPlane;
  let handler: RelayHandler;
  const savedEnv: Record<string, string | undefined> = {};
  const logLines: Array<Record<string, unknown>> = [];

  /** Swaps the agent's model (and store) for the next calls. */
  function agentWith(options: Parameters<typeof testDependencies>[0]): void {
    deps = testDependencies({ ...options, env: { MODEL_MAX_ATTEMPTS: '1', ...options.env } });
  }

  /** How the relay failed (within 5 s: every case here ends sooner). */
  async function failure(promise: Promise<unknown>): Promise<Failure> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('the relay did not settle within 5 s')), 5_000);
    });
    const outcome = promise.then(
      (value) => {
        throw new Error(`expected the relay to fail, it returned ${JSON.stringify(value)}`);
      },
      (thrown: unknown) => thrown as Failure,
    );
    const error = await Promise.race([outcome, late]).finally(() => clearTimeout(timer));
    return { name: error.name, message: error.message, ...(error.statusCode === undefined ? {} : { statusCode: error.statusCode }) };
  }

  beforeAll(async () => {
    const bundle = await stat(BUNDLE).catch(() => undefined);
    if (bundle === undefined) throw new Error(`${BUNDLE} is missing: run npm run bundle:functions`);
    for (const source of SOURCES) {
      const { mtimeMs } = await stat(resolve(import.meta.dirname, '..', '..', source));
      if (mtimeMs > bundle.mtimeMs) throw new Error(`${BUNDLE} is older than ${source}: run npm run bundle:functions`);
    }
    agentWith({ model: new EchoModel() });
    agentServer = createAgentServer({ invoke: (payload, options) => invokeAgent(payload, deps, options), logger: deps.logger });
    const { port } = await agentServer.listen(0, '127.0.0.1');
    plane = await startAgentCoreDataPlane({
      // Port 9 (discard) on loopback: nothing listens, the connection is refused.
      agentUrl: (arn) => (arn === ARN ? `http://127.0.0.1:${port}` : arn === UNREACHABLE_ARN ? 'http://127.0.0.1:9' : undefined),
    });
    for (const [name, value] of Object.entries({ ...ENV, AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: plane.url })) {
      savedEnv[name] = process.env[name];
      process.env[name] = value;
    }
    // The relay's one JSON log line per call goes to stdout: keep it for the assertions.
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk, encoding, callback) => {
      const text = chunk.toString();
      if (text.includes('"InvokeAgentRuntime')) {
        logLines.push(JSON.parse(text) as Record<string, unknown>);
        return true;
      }
      return write(chunk, encoding, callback);
    });
    ({ handler } = (await import(pathToFileURL(BUNDLE).href)) as { handler: RelayHandler });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await plane?.close();
    await agentServer?.close(0);
  });

  beforeEach(() => {
    agentWith({ model: new EchoModel() });
    plane.calls.length = 0;
    plane.fallback = forward();
    logLines.length = 0;
  });

  it('exports only `handler`', async () => {
    expect(Object.keys(await import(pathToFileURL(BUNDLE).href))).toEqual(['handler']);
  });

  it("returns the agent's JSON answer exactly, having sent the service exactly the request the contract fixes", async () => {
    const out = await handler(event(), contextWith(60_000));

    expect(plane.calls).toHaveLength(1);
    const call = plane.calls[0]!;
    expect(call.agent?.status).toBe(200);
    expect(call.agent?.contentType).toMatch(/^text\/event-stream/);
    expect(out).toEqual({ result: expect.stringContaining(DOCUMENT_TEXT), metadata: { executionTime: expect.any(Number), tokensUsed: 0, modelId: deps.config.modelId } });

    expect(call).toMatchObject({
      agentRuntimeArn: ARN,
      qualifier: 'DEFAULT',
      sessionId: SESSION_ID,
      contentType: 'application/json',
      accept: 'text/event-stream',
      signedRegion: 'us-east-1',
    });
    expect(call.body).toBe(JSON.stringify(request));
    expect(call.headers['x-amzn-bedrock-agentcore-runtime-session-id']).toBe(SESSION_ID);
    expect(call.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDRELAYTEST\/\d{8}\/us-east-1\/bedrock-agentcore\/aws4_request/);
  });

  it('sends the qualifier it is given', async () => {
    await handler(event({ qualifier: 'canary' }), contextWith(60_000));
    expect(plane.calls[0]?.qualifier).toBe('canary');
  });

  it("reads an event-stream answer to its last result event and returns that event's response", async () => {
    agentWith({ model: new ScriptedModel([{ text: ['Vendor: ', 'Acme', ' GmbH'] }]) });

    const out = await handler(event(), contextWith(60_000));

    const answered = plane.calls[0]!.agent!;
    expect(answered.contentType).toMatch(/^text\/event-stream/);
    expect(answered.body.match(/^event: text$/gm)).toHaveLength(3);
    expect(out).toEqual({ result: 'Vendor: Acme GmbH', metadata: { executionTime: expect.any(Number), tokensUsed: 0, modelId: deps.config.modelId } });
  });

  it("an error event in the stream fails with the name of its status and the agent's own message", async () => {
    agentWith({ model: new FailingMidStreamModel() });

    const failed = await failure(handler(event(), contextWith(60_000)));

    expect(plane.calls[0]!.agent!.body).toContain('event: error');
    expect(failed).toMatchObject({ name: 'Agent.Failed', statusCode: 502 });
    expect(failed.message).toContain('The model stream broke off');
  });

  it('passes a 2xx other than 200 through, returning the body unchanged (an accepted callback envelope)', async () => {
    const accepted = { status: 'accepted', sessionId: SESSION_ID };
    plane.next(agentAnswers(202, 'application/json', JSON.stringify(accepted)));
    expect(await handler(event(), contextWith(60_000))).toEqual(accepted);
  });

  // The agent answers a streamed request's failure as a 200 stream with one error event, so its
  // message survives AgentCore, which drops the body of a non-2xx answer.
  it("agent 400 (an invalid request): Agent.BadRequest, with the agent's own message", async () => {
    const failed = await failure(handler(event({ payload: { documentId: 'doc-1' } }), contextWith(60_000)));
    expect(plane.calls[0]!.agent).toMatchObject({ status: 200, body: expect.stringContaining('event: error') });
    expect(failed).toMatchObject({ name: 'Agent.BadRequest', statusCode: 400 });
    expect(failed.message).toContain('Invalid request: contentType');
  });

  it('an agent that answers an error status in JSON: AgentCore drops its body (RuntimeClientError), the name still comes from the status', async () => {
    plane.next(forward({ accept: 'application/json' }));
    const failed = await failure(handler(event({ payload: { documentId: 'doc-1' } }), contextWith(60_000)));
    expect(plane.calls[0]!.agent).toMatchObject({ status: 400, body: expect.stringContaining('contentType') });
    expect(failed).toMatchObject({ name: 'Agent.BadRequest', statusCode: 400 });
    expect(failed.message).toContain('Received error (400) from runtime');
  });

  it("agent 503 (Bedrock kept throttling): Agent.Throttled, with the agent's message", async () => {
    agentWith({ model: new ScriptedModel([{ error: Object.assign(new Error('Too many requests'), { name: 'ThrottlingException' }) }]) });
    const failed = await failure(handler(event(), contextWith(60_000)));
    expect(plane.calls[0]!.agent?.body).toContain('"statusCode":503');
    expect(failed).toMatchObject({ name: 'Agent.Throttled', statusCode: 503 });
    expect(failed.message).toContain('Too many requests');
  });

  it("agent 502 (the model failed): Agent.Failed, with the agent's message", async () => {
    agentWith({ model: new ScriptedModel([{ error: Object.assign(new Error('The provided model identifier is invalid'), { name: 'ValidationException' }) }]) });
    const failed = await failure(handler(event(), contextWith(60_000)));
    expect(plane.calls[0]!.agent?.body).toContain('"statusCode":502');
    expect(failed).toMatchObject({ name: 'Agent.Failed', statusCode: 502 });
    expect(failed.message).toContain('The provided model identifier is invalid');
  });

  it("agent 504 (its S3 bound ran out): Agent.Timeout", async () => {
    const store = {
      get: async (bucket: string, key: string): Promise<never> => {
        throw new S3ObjectError(bucket, key, new Error('slow'), { timeoutMs: 50 });
      },
    };
    agentWith({ model: new EchoModel(), store });
    const failed = await failure(handler(event(), contextWith(60_000)));
    expect(plane.calls[0]!.agent?.body).toContain('"statusCode":504');
    expect(failed).toMatchObject({ name: 'Agent.Timeout', statusCode: 504 });
    expect(failed.message).toContain('timed out after 50 ms');
  });

  it.each<[string, string, () => CallHandler]>([
    ['ThrottlingException', 'Agent.Throttled', () => throttling()],
    ['ServiceQuotaExceededException', 'Agent.Throttled', () => serviceQuotaExceeded()],
    ['InternalServerException', 'Agent.Unavailable', () => internalServerError()],
    ['a connection reset', 'Agent.Unavailable', () => reset()],
  ])('%s: %s, after one attempt (no SDK retry)', async (what, name, fault) => {
    plane.next(fault());
    const failed = await failure(handler(event(), contextWith(60_000)));
    expect(failed.name, failed.message).toBe(name);
    if (what.endsWith('Exception')) expect(failed.message).toContain(what);
    // Give an SDK retry, if there were one, the time to arrive.
    await new Promise((settle) => setTimeout(settle, 100));
    expect(plane.calls).toHaveLength(1);
    expect(plane.calls[0]!.agent).toBeUndefined();
  });

  it('a runtime that does not exist (ResourceNotFoundException): Agent.Failed', async () => {
    const failed = await failure(handler(event({ agentRuntimeArn: ARN.replace('invoices', 'unknown') }), contextWith(60_000)));
    expect(failed.name).toBe('Agent.Failed');
    expect(failed.message).toContain('ResourceNotFoundException');
  });

  it('a runtime the service cannot reach (RuntimeClientError without an agent status): Agent.Unavailable', async () => {
    const failed = await failure(handler(event({ agentRuntimeArn: UNREACHABLE_ARN }), contextWith(60_000)));
    expect(failed.name).toBe('Agent.Unavailable');
    expect(failed.message).toContain('RuntimeClientError');
  });

  it('a hang: Agent.Timeout once the remaining time less 2 s has run out, not later', async () => {
    plane.next(hang());
    const started = Date.now();
    const failed = await failure(handler(event(), contextWith(2_600)));
    const elapsed = Date.now() - started;
    expect(failed.name).toBe('Agent.Timeout');
    expect(failed.message).toMatch(/did not answer within (5\d\d|600) ms/);
    expect(elapsed).toBeGreaterThanOrEqual(500);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('a hang in the middle of an event stream: Agent.Timeout too', async () => {
    const held = new Promise<void>(() => undefined);
    agentWith({ model: new ScriptedModel([{ text: ['Vendor: ', 'never'], holdUntil: held }]) });
    plane.next(forward({ accept: 'text/event-stream' }));
    const started = Date.now();
    const failed = await failure(handler(event(), contextWith(2_500)));
    expect(failed.name).toBe('Agent.Timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(plane.calls[0]!.agent?.body).toContain('event: text');
  });

  it('less than 2 s left: Agent.Timeout without a call', async () => {
    const failed = await failure(handler(event(), contextWith(1_500)));
    expect(failed.name).toBe('Agent.Timeout');
    expect(failed.message).toContain('no call made');
    expect(plane.calls).toHaveLength(0);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a session id under 33 characters', { sessionId: 'too-short-0123456789' }, 'sessionId'],
    ['a session id over 256 characters', { sessionId: 'x'.repeat(257) }, 'sessionId'],
    ['no session id', { sessionId: undefined }, 'sessionId'],
    ['an ARN that is not an AgentCore runtime', { agentRuntimeArn: 'arn:aws:lambda:us-east-1:123456789012:function:agent' }, 'agentRuntimeArn'],
    ['an endpoint ARN', { agentRuntimeArn: `${ARN}/runtime-endpoint/DEFAULT` }, 'agentRuntimeArn'],
    ['a qualifier that is not an endpoint name', { qualifier: 'no such/endpoint' }, 'qualifier'],
    ['no payload', { payload: undefined }, 'payload'],
    ['an unknown field', { Payload: request }, 'Payload'],
  ])('%s: Agent.BadRequest naming the field, and no call', async (_what, overrides, field) => {
    const failed = await failure(handler(event(overrides), contextWith(60_000)));
    expect(failed.name).toBe('Agent.BadRequest');
    expect(failed.message).toContain(field);
    expect(plane.calls).toHaveLength(0);
  });

  it('logs one JSON line per call: runtime, endpoint, session, status and duration, never the payload', async () => {
    await handler(event(), contextWith(60_000));
    plane.next(throttling());
    await failure(handler(event(), contextWith(60_000)));

    expect(logLines).toHaveLength(2);
    expect(logLines[0]).toMatchObject({
      level: 'info',
      message: 'InvokeAgentRuntime',
      requestId: 'relay-req-1',
      agentRuntimeArn: ARN,
      qualifier: 'DEFAULT',
      sessionId: SESSION_ID,
      status: 'ok',
      statusCode: 200,
      durationMs: expect.any(Number),
    });
    expect(logLines[1]).toMatchObject({ level: 'error', agentRuntimeArn: ARN, sessionId: SESSION_ID, status: 'Agent.Throttled', durationMs: expect.any(Number) });
    expect(JSON.stringify(logLines)).not.toContain(DOCUMENT_TEXT);
  });
});
