import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  checkRequest,
  heartbeatIntervalMs,
  isCallbackEnvelope,
  MAX_OUTPUT_BYTES,
  parseCallbackEnvelope,
  runWithCallback,
  type CallbackEnvelope,
  type TaskReporter,
} from '../../agent/core/callback.js';
import { readConfig } from '../../agent/core/config.js';
import { AgentRuntimeType, DocumentAccessError, RequestValidationError, RuntimeInvocationError } from '../../agent/core/errors.js';
import type { AgentInvocationResponse } from '../../agent/core/response.js';
import { baseEnv } from './helpers/deps.js';
import { memoryLogger } from './helpers/memory.js';

const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf0ExampleTaskToken';
const REQUEST = { contentType: 'data', content: { data: 'INVOICE 7' } };
const RESPONSE: AgentInvocationResponse = { result: { total: 42.5 }, metadata: { executionTime: 12, tokensUsed: 30, modelId: 'm' } };

/** A reporter recording its calls; each method's behaviour can be replaced. */
function fakeReporter() {
  const calls: Array<{ op: 'success' | 'failure' | 'heartbeat'; args: string[] }> = [];
  const behaviour = {
    success: async (): Promise<void> => undefined,
    failure: async (): Promise<void> => undefined,
    heartbeat: async (): Promise<void> => undefined,
  };
  const reporter: TaskReporter = {
    sendSuccess: (token, output) => (calls.push({ op: 'success', args: [token, output] }), behaviour.success()),
    sendFailure: (token, error, cause) => (calls.push({ op: 'failure', args: [token, error, cause] }), behaviour.failure()),
    sendHeartbeat: (token) => (calls.push({ op: 'heartbeat', args: [token] }), behaviour.heartbeat()),
  };
  return { reporter, calls, behaviour, ops: () => calls.map((c) => c.op) };
}

const serviceError = (name: string, message = name) => Object.assign(new Error(message), { name });

/** A run the test ends: resolve or reject it, and see the signal it was given. */
function controlledRun() {
  let resolve!: (value: AgentInvocationResponse) => void;
  let reject!: (error: unknown) => void;
  let signal: AbortSignal | undefined;
  const run = (s: AbortSignal) => {
    signal = s;
    return new Promise<AgentInvocationResponse>((res, rej) => {
      resolve = res;
      reject = rej;
      // As invokeAgent does: an aborted signal ends the run with its reason.
      s.addEventListener('abort', () => rej(s.reason), { once: true });
    });
  };
  return { run, resolve: (v: AgentInvocationResponse) => resolve(v), reject: (e: unknown) => reject(e), signal: () => signal };
}

describe('the callback envelope', () => {
  it.each([
    [{ taskToken: TOKEN, request: REQUEST }, true],
    [{ taskToken: TOKEN, heartbeatSeconds: 30, request: REQUEST }, true],
    // `request` present but null: still an envelope (the request check refuses it later).
    [{ taskToken: TOKEN, request: null }, true],
    [{ taskToken: '', request: REQUEST }, false],
    [{ taskToken: 42, request: REQUEST }, false],
    [{ taskToken: TOKEN }, false],
    [{ ...REQUEST, taskToken: TOKEN }, false],
    [[{ taskToken: TOKEN, request: REQUEST }], false],
    [null, false],
    ['{"taskToken":"x","request":{}}', false],
  ])('recognizes %j: %s', (payload, expected) => {
    expect(isCallbackEnvelope(payload)).toBe(expected);
  });

  it('keeps the token, the heartbeat and the request', () => {
    expect(parseCallbackEnvelope({ taskToken: TOKEN, heartbeatSeconds: 300, request: REQUEST } as { taskToken: string; request: unknown })).toEqual({
      taskToken: TOKEN,
      heartbeatSeconds: 300,
      request: REQUEST,
    });
    expect(parseCallbackEnvelope({ taskToken: TOKEN, request: REQUEST })).toEqual({ taskToken: TOKEN, request: REQUEST });
  });

  it('refuses any other top-level field by name', () => {
    const envelope = { taskToken: TOKEN, request: REQUEST, heartbeat: 30, documentId: 'd' };
    const error = (() => {
      try {
        parseCallbackEnvelope(envelope);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).fields).toEqual(['heartbeat', 'documentId']);
    expect((error as Error).message).toContain('takes only taskToken, heartbeatSeconds, request');
  });

  it.each([0, -5, 1.5, '300', null])('refuses heartbeatSeconds %j', (heartbeatSeconds) => {
    expect(() => parseCallbackEnvelope({ taskToken: TOKEN, heartbeatSeconds, request: REQUEST } as { taskToken: string; request: unknown })).toThrow(
      /heartbeatSeconds \(must be a positive integer/,
    );
  });

  it('heartbeats three times per heartbeat timeout, every minute without one', () => {
    expect(heartbeatIntervalMs(undefined)).toBe(60_000);
    expect(heartbeatIntervalMs(300)).toBe(100_000);
    expect(heartbeatIntervalMs(3)).toBe(1_000);
    expect(heartbeatIntervalMs(1)).toBeCloseTo(333.33, 1);
  });

  it('checks the request and the document policy before anything runs', () => {
    const config = readConfig(baseEnv({ DOCUMENT_SOURCES: JSON.stringify([{ bucketName: 'docs', prefix: 'in/' }]) }));
    expect(() => checkRequest(REQUEST, config)).not.toThrow();
    expect(() => checkRequest({ contentType: 'file', content: { bucket: 'docs', key: 'in/a.pdf' } }, config)).not.toThrow();
    expect(() => checkRequest({ contentType: 'file', content: { bucket: 'docs', key: 'out/a.pdf' } }, config)).toThrow(DocumentAccessError);
    expect(() => checkRequest({ contentType: 'file', content: { bucket: 'docs' } }, config)).toThrow(RequestValidationError);
    expect(() => checkRequest(null, config)).toThrow(RequestValidationError);
  });
});

describe('runWithCallback', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const envelope: CallbackEnvelope = { taskToken: TOKEN, heartbeatSeconds: 30, request: REQUEST };

  it('heartbeats every third of the heartbeat timeout while the run lasts, then reports the response it returns', async () => {
    const sfn = fakeReporter();
    const run = controlledRun();
    const outcome = runWithCallback(envelope, run.run, { reporter: sfn.reporter, logger: memoryLogger() });

    await vi.advanceTimersByTimeAsync(9_999);
    expect(sfn.ops()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sfn.ops()).toEqual(['heartbeat']);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(sfn.ops()).toEqual(['heartbeat', 'heartbeat', 'heartbeat']);
    expect(sfn.calls[0]?.args).toEqual([TOKEN]);

    run.resolve(RESPONSE);
    expect(await outcome).toEqual({ status: 'reported', outcome: 'success' });
    expect(sfn.calls.at(-1)).toEqual({ op: 'success', args: [TOKEN, JSON.stringify(RESPONSE)] });
    // No heartbeat after the report.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sfn.ops()).toEqual(['heartbeat', 'heartbeat', 'heartbeat', 'success']);
  });

  it('heartbeats every minute when the task has no heartbeat timeout', async () => {
    const sfn = fakeReporter();
    const run = controlledRun();
    const outcome = runWithCallback({ taskToken: TOKEN, request: REQUEST }, run.run, { reporter: sfn.reporter, logger: memoryLogger() });
    await vi.advanceTimersByTimeAsync(59_999);
    expect(sfn.ops()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sfn.ops()).toEqual(['heartbeat']);
    run.resolve(RESPONSE);
    await outcome;
  });

  it.each([
    ['an invalid request', new RequestValidationError('Invalid request', [{ field: 'content.data', message: 'must be a non-empty string' }]), 'Agent.BadRequest', 'Invalid request: content.data (must be a non-empty string)'],
    ['a model that kept throttling', new RuntimeInvocationError(AgentRuntimeType.AGENTCORE, 503, serviceError('ThrottlingException', 'Rate exceeded')), 'Agent.Throttled', 'Agent invocation failed: Rate exceeded'],
    ['a model failure', new RuntimeInvocationError(AgentRuntimeType.AGENTCORE, 502, new Error('boom')), 'Agent.Failed', 'Agent invocation failed: boom'],
  ])('reports %s as SendTaskFailure with its Agent.* name and a Lambda-shaped cause', async (_what, error, name, message) => {
    const sfn = fakeReporter();
    const outcome = await runWithCallback(envelope, () => Promise.reject(error), { reporter: sfn.reporter, logger: memoryLogger() });
    expect(outcome).toEqual({ status: 'reported', outcome: 'failure' });
    expect(sfn.ops()).toEqual(['failure']);
    const [token, errorName, cause] = sfn.calls[0]?.args ?? [];
    expect([token, errorName]).toEqual([TOKEN, name]);
    expect(JSON.parse(cause ?? '')).toEqual({ errorType: name, errorMessage: message });
  });

  it('stops the run and reports nothing once a heartbeat says the task is over', async () => {
    const sfn = fakeReporter();
    sfn.behaviour.heartbeat = () => Promise.reject(serviceError('TaskTimedOut', 'Task Timed Out'));
    const logger = memoryLogger();
    const run = controlledRun();
    const outcome = runWithCallback(envelope, run.run, { reporter: sfn.reporter, logger });

    await vi.advanceTimersByTimeAsync(10_000);
    expect(await outcome).toEqual({ status: 'abandoned', reason: 'TaskTimedOut' });
    expect(run.signal()?.aborted).toBe(true);
    expect(sfn.ops()).toEqual(['heartbeat']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sfn.ops()).toEqual(['heartbeat']);
    expect(logger.lines.find((l) => l.message.includes('no longer waits'))).toMatchObject({ level: 'warn', taskToken: TOKEN.slice(0, 16) });
  });

  it.each(['InvalidToken', 'TaskDoesNotExist'])('also stops on %s', async (name) => {
    const sfn = fakeReporter();
    sfn.behaviour.heartbeat = () => Promise.reject(serviceError(name));
    const run = controlledRun();
    const outcome = runWithCallback(envelope, run.run, { reporter: sfn.reporter, logger: memoryLogger() });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await outcome).toEqual({ status: 'abandoned', reason: name });
  });

  it('goes on after a heartbeat that failed for another reason', async () => {
    const sfn = fakeReporter();
    sfn.behaviour.heartbeat = () => Promise.reject(serviceError('InternalFailure'));
    const logger = memoryLogger();
    const run = controlledRun();
    const outcome = runWithCallback(envelope, run.run, { reporter: sfn.reporter, logger });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(run.signal()?.aborted).toBe(false);
    run.resolve(RESPONSE);
    expect(await outcome).toEqual({ status: 'reported', outcome: 'success' });
    expect(sfn.ops()).toEqual(['heartbeat', 'heartbeat', 'success']);
    expect(logger.lines.filter((l) => l.message === 'SendTaskHeartbeat failed')).toHaveLength(2);
  });

  it('reports the reason of an outside abort (the Lambda deadline) as the failure', async () => {
    const sfn = fakeReporter();
    const deadline = new AbortController();
    const run = controlledRun();
    const outcome = runWithCallback(envelope, run.run, { reporter: sfn.reporter, logger: memoryLogger(), signal: deadline.signal });
    deadline.abort(new RuntimeInvocationError(AgentRuntimeType.LAMBDA, 504, new Error('stopped before the deadline')));
    expect(await outcome).toEqual({ status: 'reported', outcome: 'failure' });
    expect(sfn.calls[0]?.args[1]).toBe('Agent.Timeout');
  });

  it('logs a report that fails, with the start of the token only, and never throws', async () => {
    const sfn = fakeReporter();
    sfn.behaviour.success = () => Promise.reject(serviceError('TaskTimedOut', 'Task Timed Out'));
    const logger = memoryLogger();
    expect(await runWithCallback(envelope, async () => RESPONSE, { reporter: sfn.reporter, logger })).toEqual({ status: 'reported', outcome: 'success' });
    const line = logger.lines.find((l) => l.level === 'error');
    expect(line).toMatchObject({ message: expect.stringContaining('SendTaskSuccess failed'), taskToken: TOKEN.slice(0, 16) });
    expect(JSON.stringify(logger.lines)).not.toContain(TOKEN);
  });

  it('fails the task at once when the response is over the task output limit, without sending it', async () => {
    const sfn = fakeReporter();
    const big: AgentInvocationResponse = { ...RESPONSE, result: 'x'.repeat(MAX_OUTPUT_BYTES) };
    expect(await runWithCallback(envelope, async () => big, { reporter: sfn.reporter, logger: memoryLogger() })).toEqual({ status: 'reported', outcome: 'failure' });
    expect(sfn.ops()).toEqual(['failure']);
    expect(sfn.calls[0]?.args[1]).toBe('Agent.Failed');
    expect(JSON.parse(sfn.calls[0]?.args[2] ?? '').errorMessage).toMatch(/over the 262144-byte limit/);
  });

  it('fails the task when Step Functions refuses the output', async () => {
    const sfn = fakeReporter();
    sfn.behaviour.success = () => Promise.reject(serviceError('InvalidOutput', 'Invalid Output'));
    expect(await runWithCallback(envelope, async () => RESPONSE, { reporter: sfn.reporter, logger: memoryLogger() })).toEqual({ status: 'reported', outcome: 'failure' });
    expect(sfn.ops()).toEqual(['success', 'failure']);
    expect(sfn.calls[1]?.args[1]).toBe('Agent.Failed');
  });

  it('keeps a failure cause within the 32768 characters SendTaskFailure takes, still JSON', async () => {
    const sfn = fakeReporter();
    // Quotes double in JSON: the cut must account for escaping.
    const error = new RequestValidationError(`"${'"'.repeat(40_000)}`);
    await runWithCallback(envelope, () => Promise.reject(error), { reporter: sfn.reporter, logger: memoryLogger() });
    const cause = sfn.calls[0]?.args[2] ?? '';
    expect(cause.length).toBeLessThanOrEqual(32_768);
    // As much of the message as fits, not a token of it.
    expect(cause.length).toBeGreaterThan(32_700);
    expect(JSON.parse(cause)).toMatchObject({ errorType: 'Agent.BadRequest', errorMessage: expect.stringMatching(/^""+…$/) });
  });
});
