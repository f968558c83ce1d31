import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFromApiGatewayEvent, UnauthorizedError, userKeyOf, type Caller } from '../../agent/chat/auth.js';
import { createChatHandler, type ChatLambdaDependencies } from '../../agent/chat-lambda.js';
import type { ChatTurn } from '../../agent/chat-http/turn-stream.js';
import { installStreamingGlobals, invokeStreamingHandler, isStreamingHandler, preciseNow } from '../../cli/lambda-streaming.js';
import { eventsOf, framesOf, isHeartbeat, restProxyEvent, scriptedTurn } from './helpers/chat-transport.js';
import { memoryLogger } from './helpers/memory.js';

const USER_ARN = 'arn:aws:sts::123456789012:assumed-role/chat-user/alice';
const ORIGIN = 'https://app.example.com';
const BODY = JSON.stringify({ message: 'hello' });

function deps(turn: ChatTurn, overrides: Partial<ChatLambdaDependencies> = {}): ChatLambdaDependencies & { logger: ReturnType<typeof memoryLogger> } {
  return {
    turn,
    callerOf: (event) => callerFromApiGatewayEvent(event, { mode: 'IAM' }),
    allowedOrigins: [ORIGIN],
    heartbeatSeconds: 15,
    logger: memoryLogger(),
    ...overrides,
  } as ChatLambdaDependencies & { logger: ReturnType<typeof memoryLogger> };
}

/** The chat handler on Lambda (agent/chat-lambda.ts), run by the runtime shim with API Gateway REST proxy events. */
describe('chat handler on Lambda (response streaming)', () => {
  let uninstall: () => void;
  beforeAll(() => {
    uninstall = installStreamingGlobals();
  });
  afterAll(() => uninstall());

  it('answers 200 text/event-stream in the prelude, CORS for an allowed Origin, and the frames exactly', async () => {
    const { turn, seen } = scriptedTurn({ deltas: ['Hel', 'lo'], sessionId: 's'.repeat(36) });
    const handler = createChatHandler(() => deps(turn));
    const result = await invokeStreamingHandler(handler, restProxyEvent({ body: BODY, userArn: USER_ARN, headers: { origin: ORIGIN } })).done;

    expect(result.outcome).toBe('completed');
    const prelude = JSON.stringify({
      statusCode: 200,
      headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'Access-Control-Allow-Origin': ORIGIN, Vary: 'Origin' },
    });
    const body =
      `event: session\ndata: {"type":"session","sessionId":"${'s'.repeat(36)}"}\n\n` +
      'event: text\ndata: {"type":"text","delta":"Hel"}\n\n' +
      'event: text\ndata: {"type":"text","delta":"lo"}\n\n' +
      'event: done\ndata: {"type":"done","stopReason":"endTurn","usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3}}\n\n';
    expect(result.raw.toString('latin1')).toBe(`${prelude}${'\0'.repeat(8)}${body}`);
    // The user is the IAM caller API Gateway authenticated; the body goes to the turn as sent.
    expect(seen.caller).toEqual({ issuer: 'aws-iam', subject: USER_ARN, userKey: userKeyOf('aws-iam', USER_ARN) } satisfies Caller);
    expect(seen.body).toBe(BODY);
  });

  it('adds no CORS headers for an Origin not in CORS_ALLOWED_ORIGINS; decodes a base64 body', async () => {
    const { turn, seen } = scriptedTurn({ deltas: [] });
    const event = restProxyEvent({ body: Buffer.from(BODY).toString('base64'), isBase64Encoded: true, userArn: USER_ARN, headers: { Origin: 'https://evil.example' } });
    const result = await invokeStreamingHandler(createChatHandler(() => deps(turn)), event).done;
    expect(result.http?.headers).toEqual({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
    expect(seen.body).toBe(BODY);
  });

  it('answers 401 JSON, not a stream, when no caller can be named', async () => {
    const { turn, seen } = scriptedTurn({ deltas: ['x'] });
    const result = await invokeStreamingHandler(createChatHandler(() => deps(turn)), restProxyEvent({ body: BODY, headers: { origin: ORIGIN } })).done;
    expect(result.http?.statusCode).toBe(401);
    expect(result.http?.headers).toEqual({ 'Access-Control-Allow-Origin': ORIGIN, Vary: 'Origin', 'Content-Type': 'application/json' });
    expect(JSON.parse(result.http?.body.toString() ?? '')).toEqual({ code: 'Unauthorized', message: 'no IAM caller on the request' });
    expect(seen.caller).toBeUndefined();
  });

  it('answers 500 JSON when its configuration is invalid', async () => {
    const handler = createChatHandler(() => {
      throw new Error('SESSION_TABLE is required');
    });
    const result = await invokeStreamingHandler(handler, restProxyEvent({ body: BODY, userArn: USER_ARN })).done;
    expect(result.http?.statusCode).toBe(500);
    expect(JSON.parse(result.http?.body.toString() ?? '')).toEqual({ code: 'Internal', message: 'The agent is misconfigured' });
  });

  it('streams each delta as the turn produces it, not at its end', async () => {
    const { turn } = scriptedTurn({ deltas: ['one', 'two', 'three'], gapMs: 150 });
    const emitted: number[] = [];
    const timed: ChatTurn = (body, caller, emit, options) =>
      turn(body, caller, (event) => {
        if (event.type === 'text') emitted.push(preciseNow());
        emit(event);
      }, options);
    const result = await invokeStreamingHandler(createChatHandler(() => deps(timed)), restProxyEvent({ body: BODY, userArn: USER_ARN })).done;
    const arrivals = (result.http?.chunks ?? []).filter((c) => c.bytes.toString().includes('"type":"text"')).map((c) => c.at);
    expect(arrivals).toHaveLength(3);
    // Each text frame reached the runtime within a few ms of its event, long before the next one.
    arrivals.forEach((at, i) => expect(at - emitted[i]!).toBeLessThan(50));
    expect(arrivals[0]!).toBeLessThan(arrivals[2]! - 200);
  });

  it('writes heartbeats while the turn is silent (a slow tool)', async () => {
    const { turn } = scriptedTurn({ deltas: ['a'], silentMs: 2_500 });
    const result = await invokeStreamingHandler(createChatHandler(() => deps(turn, { heartbeatSeconds: 1 })), restProxyEvent({ body: BODY, userArn: USER_ARN })).done;
    const frames = framesOf(result.http?.body.toString() ?? '');
    const toolStart = frames.findIndex((f) => f.includes('"phase":"start"'));
    const toolEnd = frames.findIndex((f) => f.includes('"phase":"end"'));
    expect(frames.slice(toolStart + 1, toolEnd).filter(isHeartbeat).length).toBeGreaterThanOrEqual(2);
    expect(eventsOf(result.http?.body.toString() ?? '').at(-1)?.type).toBe('done');
  });

  it('stops the turn when the client goes away (the response stream is reset)', async () => {
    const { turn, seen } = scriptedTurn({ deltas: ['a', 'b', 'c', 'd'], gapMs: 200 });
    const logger = memoryLogger();
    // The client leaves once the first text frame has arrived (a bounded wait, not a sleep).
    let received = '';
    let firstText!: () => void;
    const textArrived = new Promise<void>((resolve) => (firstText = resolve));
    const invocation = invokeStreamingHandler(createChatHandler(() => deps(turn, { logger })), restProxyEvent({ body: BODY, userArn: USER_ARN }), {
      onBody: (bytes) => {
        received += bytes.toString('utf8');
        if (received.includes('event: text')) firstText();
      },
    });
    await Promise.race([textArrived, new Promise((_, reject) => setTimeout(() => reject(new Error('no text frame within 5 s')), 5_000).unref())]);
    invocation.disconnect();
    const result = await invocation.done;
    expect(result.outcome).toBe('disconnected');
    expect(seen.settled).toBe(true);
    expect(seen.aborted).toMatchObject({ message: expect.stringContaining('client closed the connection') });
    // Four deltas 200 ms apart: the turn was stopped before the rest were written.
    const types = eventsOf(result.http?.body.toString() ?? '').map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(['session', 'text']);
    expect(types.filter((t) => t === 'text').length).toBeLessThan(4);
    expect(types).not.toContain('done');
    expect(logger.lines.map((l) => l.message)).toContain('Chat client went away; stopping the turn');
  });

  it('stops the turn before the function times out, ending the stream with a Timeout error', async () => {
    const { turn, seen } = scriptedTurn({ deltas: ['a'], silentMs: 10_000 });
    // The deadline margin is 3 s: a 3.4 s function stops its turn after about 400 ms.
    const started = Date.now();
    const result = await invokeStreamingHandler(createChatHandler(() => deps(turn)), restProxyEvent({ body: BODY, userArn: USER_ARN }), { timeoutMs: 3_400 }).done;
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(result.outcome).toBe('completed');
    const events = eventsOf(result.http?.body.toString() ?? '');
    expect(events.at(-1)).toEqual({ type: 'error', code: 'Timeout', message: expect.stringContaining("function's time limit") });
    expect(seen.aborted).toBeDefined();
  });

  it('ends the stream with an Internal error when the turn throws, and never writes after the last event', async () => {
    const throwing: ChatTurn = async (_body, _caller, emit) => {
      emit({ type: 'session', sessionId: 'x'.repeat(36) });
      throw new Error('disk on fire');
    };
    const logger = memoryLogger();
    const result = await invokeStreamingHandler(createChatHandler(() => deps(throwing, { logger })), restProxyEvent({ body: BODY, userArn: USER_ARN })).done;
    expect(eventsOf(result.http?.body.toString() ?? '')).toEqual([
      { type: 'session', sessionId: 'x'.repeat(36) },
      { type: 'error', code: 'Internal', message: 'Internal error' },
    ]);
    expect(logger.lines.find((l) => l.message === 'Chat turn failed')).toMatchObject({ level: 'error' });

    const chatty: ChatTurn = async (_body, _caller, emit) => {
      emit({ type: 'error', code: 'SessionBusy', message: 'busy' });
      emit({ type: 'text', delta: 'late' });
    };
    const late = await invokeStreamingHandler(createChatHandler(() => deps(chatty)), restProxyEvent({ body: BODY, userArn: USER_ARN })).done;
    expect(eventsOf(late.http?.body.toString() ?? '')).toEqual([{ type: 'error', code: 'SessionBusy', message: 'busy' }]);
  });

  it("runs the turn in the invocation's X-Ray trace and exports its spans after the stream ended", async () => {
    const { turn, seen } = scriptedTurn({ deltas: ['a'] });
    const calls: string[] = [];
    const telemetry = {
      inTraceContext: <T>(carrier: Readonly<Record<string, string | string[] | undefined>>, fn: () => Promise<T>): Promise<T> => {
        calls.push(`context ${String(carrier['x-amzn-trace-id'])}`);
        return fn();
      },
      flush: async () => {
        calls.push(`flush after the turn: ${seen.settled}`);
        throw new Error('X-Ray unreachable');
      },
    };
    const traceId = 'Root=1-6759e988-0d862e3fe1be46a994272793;Parent=63995c3f42cd8ad8;Sampled=1';
    const saved = process.env._X_AMZN_TRACE_ID;
    process.env._X_AMZN_TRACE_ID = traceId;
    const logger = memoryLogger();
    try {
      const result = await invokeStreamingHandler(createChatHandler(() => deps(turn, { telemetry, logger })), restProxyEvent({ body: BODY, userArn: USER_ARN })).done;
      // A failed export is logged; the answer is unaffected.
      expect(result.outcome).toBe('completed');
      expect(eventsOf(result.http?.body.toString() ?? '').at(-1)?.type).toBe('done');
    } finally {
      if (saved === undefined) delete process.env._X_AMZN_TRACE_ID;
      else process.env._X_AMZN_TRACE_ID = saved;
    }
    expect(calls).toEqual([`context ${traceId}`, 'flush after the turn: true']);
    expect(logger.lines.find((l) => l.message === 'Exporting the turn spans failed')).toMatchObject({ level: 'warn' });
  });

  it('is a streaming handler even when loaded without the awslambda global; it refuses an unauthorized caller from any resolver', async () => {
    const holder = globalThis as { awslambda?: unknown };
    const saved = holder.awslambda;
    // As the AWS SDK leaves it outside Lambda: an object without the runtime's functions.
    holder.awslambda = {};
    let handler;
    try {
      handler = createChatHandler(() => deps(scriptedTurn({ deltas: [] }).turn, { callerOf: () => Promise.reject(new UnauthorizedError('token expired')) }));
    } finally {
      holder.awslambda = saved;
    }
    expect(isStreamingHandler(handler)).toBe(true);
    const result = await invokeStreamingHandler(handler, restProxyEvent({ body: BODY })).done;
    expect(result.http?.statusCode).toBe(401);
    expect(JSON.parse(result.http?.body.toString() ?? '')).toEqual({ code: 'Unauthorized', message: 'token expired' });
  });
});
