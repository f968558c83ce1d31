import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HEARTBEAT_FRAME } from '../../agent/chat/protocol.js';
import { streamify } from '../../agent/chat-http/lambda-stream.js';
import { createJsonLogger } from '../../agent/core/logger.js';
import { createChatProxyHandler, DEADLINE_MARGIN_MS, type ChatProxyOptions } from '../../chat-proxy/handler.js';
import { SseParser, type SseEvent } from '../../cli/deployed-sse.js';
import { installStreamingGlobals, invokeStreamingHandler, type StreamingResult } from '../../cli/lambda-streaming.js';
import {
  agentAnswers,
  hang,
  internalServerError,
  reset,
  serviceError,
  startAgentCoreDataPlane,
  throttling,
  type AgentCoreDataPlane,
} from '../helpers/agentcore-data-plane.js';
import { proxyEvent } from './helpers/events.js';
import { DONE_FRAME, scriptedAnswer, sessionFrame, signal, textFrame } from './helpers/scripted-agent.js';

const ARN = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/chat_agent-AbC123xyZ9';
const SESSION_ID = 'chat-proxy-test-session-0123456789abcdef';
const TOKEN = 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLWEifQ.c2lnbmF0dXJl';
const CALLER_ARN = 'arn:aws:sts::123456789012:assumed-role/ChatUsers/alice';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ORIGIN = 'https://app.example.com';

/** The proxy's bounds in the tests of them, and the time every failure must end within. */
const FAST = { answerTimeoutMs: 300, idleTimeoutMs: 300 } as const;
const FAILURE_BOUND_MS = 2_000;

interface Turn {
  readonly result: StreamingResult;
  readonly body: string;
  readonly frames: readonly SseEvent[];
  readonly durationMs: number;
}

function framesOf(body: string): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(body), ...parser.end()];
}

describe('chat proxy (streaming handler under the Lambda streaming shim, against the AgentCore data-plane stand-in)', () => {
  let plane: AgentCoreDataPlane;
  let restoreGlobals: () => void;
  const logs: Array<Record<string, unknown>> = [];

  function envFor(mode: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      AGENT_RUNTIME_ARN: ARN,
      AGENT_QUALIFIER: 'live',
      AUTH_MODE: mode,
      HEARTBEAT_SECONDS: '15',
      CORS_ALLOWED_ORIGINS: `${ORIGIN}, https://other.example.com`,
      AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: plane.url,
      ...extra,
    };
  }

  function proxy(mode: string, options: Partial<ChatProxyOptions> & { env?: Record<string, string> } = {}) {
    return streamify(
      createChatProxyHandler({
        logger: createJsonLogger({ write: (line) => void logs.push(JSON.parse(line) as Record<string, unknown>) }),
        // Generous by default; the tests of the bounds use FAST.
        answerTimeoutMs: 5_000,
        idleTimeoutMs: 5_000,
        ...options,
        env: { ...envFor(mode), ...options.env },
      }),
    );
  }

  async function turn(handler: unknown, event: unknown, options: { timeoutMs?: number; onBody?: (bytes: Buffer) => void } = {}): Promise<Turn> {
    const started = Date.now();
    const invocation = invokeStreamingHandler(handler, event, { timeoutMs: options.timeoutMs ?? 30_000, onBody: (bytes) => options.onBody?.(bytes) });
    const result = await invocation.done;
    const body = result.http?.body.toString('utf8') ?? '';
    return { result, body, frames: framesOf(body), durationMs: Date.now() - started };
  }

  const chatEvent = (body: unknown, headers: Record<string, string> = { Authorization: TOKEN }, extra: { userArn?: string; cognitoIdentityId?: string } = {}) =>
    proxyEvent({ body: typeof body === 'string' ? body : JSON.stringify(body), headers, ...extra });

  /** The one error frame a failed turn ends with, and nothing before it but `before`. */
  function expectOneErrorFrame(outcome: Turn, code: string, before = ''): { message: string } {
    expect(outcome.result.outcome).toBe('completed');
    expect(outcome.result.http?.statusCode).toBe(200);
    expect(outcome.body.startsWith(before)).toBe(true);
    const own = framesOf(outcome.body.slice(before.length));
    expect(own).toHaveLength(1);
    expect(own[0]!.event).toBe('error');
    const data = JSON.parse(own[0]!.data) as { type: string; code: string; message: string };
    expect(Object.keys(data)).toEqual(['type', 'code', 'message']);
    expect(data.code).toBe(code);
    return data;
  }

  beforeAll(async () => {
    restoreGlobals = installStreamingGlobals();
    plane = await startAgentCoreDataPlane();
  });

  afterAll(async () => {
    restoreGlobals?.();
    await plane?.close();
  });

  beforeEach(() => {
    plane.calls.length = 0;
    plane.fallback = hang();
    logs.length = 0;
  });

  it('JWT mode: forwards the bearer token (no SigV4) with a new session id, and passes the bytes through unchanged as they arrive', async () => {
    const firstArrived = signal();
    let arrivedBeforeEnd = false;
    const agentBytes = [sessionFrame('placeholder'), textFrame('Hello, '), textFrame('wörld 👋'), DONE_FRAME];
    const answer = scriptedAnswer([
      agentBytes[0]!,
      { until: Promise.race([firstArrived.promise.then(() => (arrivedBeforeEnd = true)), new Promise((resolve) => setTimeout(resolve, 3_000))]) },
      agentBytes[1]!,
      agentBytes[2]!,
      agentBytes[3]!,
    ]);
    plane.next(answer.handler);
    const payload = JSON.stringify({ message: 'Hi there' });

    const outcome = await turn(proxy('COGNITO'), chatEvent(payload), { onBody: () => firstArrived.fire() });

    expect(arrivedBeforeEnd).toBe(true);
    expect(outcome.result.outcome).toBe('completed');
    expect(outcome.result.http?.statusCode).toBe(200);
    expect(outcome.result.http?.headers).toEqual({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
    expect(outcome.body).toBe(agentBytes.join(''));
    expect(plane.calls).toHaveLength(1);
    const call = plane.calls[0]!;
    expect(call).toMatchObject({ agentRuntimeArn: ARN, qualifier: 'live', contentType: 'application/json', accept: 'text/event-stream', body: payload });
    expect(call.headers.authorization).toBe(TOKEN);
    expect(call.signedRegion).toBeUndefined();
    expect(call.headers['x-amz-date']).toBeUndefined();
    expect(call.sessionId).toMatch(UUID);
    expect(call.headers['x-amzn-bedrock-agentcore-runtime-session-id']).toBe(call.sessionId);
    expect(logs.at(-1)).toMatchObject({ message: 'Chat turn relayed', outcome: 'done', newSession: true, sessionId: call.sessionId, authMode: 'COGNITO' });
    expect(JSON.stringify(logs)).not.toContain('eyJ');
  });

  it('continues a session: its id goes in the session header, the body is sent as is', async () => {
    plane.next(scriptedAnswer([sessionFrame(SESSION_ID), DONE_FRAME]).handler);
    const payload = `{"sessionId":"${SESSION_ID}", "message":"again"}`;

    const outcome = await turn(proxy('OIDC'), chatEvent(payload, { authorization: TOKEN }));

    expect(outcome.frames.map((frame) => frame.event)).toEqual(['session', 'done']);
    expect(plane.calls[0]!.sessionId).toBe(SESSION_ID);
    expect(plane.calls[0]!.body).toBe(payload);
  });

  it('IAM mode: signs with the function role (SigV4) and names the caller in runtimeUserId', async () => {
    plane.next(scriptedAnswer([sessionFrame(SESSION_ID), DONE_FRAME]).handler);
    const client = new BedrockAgentCoreClient({
      region: 'us-east-1',
      endpoint: plane.url,
      credentials: { accessKeyId: 'AKIDCHATPROXY', secretAccessKey: 'chat-proxy-secret' },
      maxAttempts: 1,
    });
    try {
      const outcome = await turn(proxy('IAM', { client }), chatEvent({ message: 'Hi', sessionId: SESSION_ID }, { Origin: ORIGIN }, { userArn: CALLER_ARN }));

      expect(outcome.body).toBe(sessionFrame(SESSION_ID) + DONE_FRAME);
      expect(outcome.result.http?.headers).toMatchObject({ 'Access-Control-Allow-Origin': ORIGIN, Vary: 'Origin' });
      const call = plane.calls[0]!;
      expect(call.signedRegion).toBe('us-east-1');
      expect(call.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDCHATPROXY\/\d{8}\/us-east-1\/bedrock-agentcore\/aws4_request/);
      expect(call.headers['x-amzn-bedrock-agentcore-runtime-user-id']).toBe(CALLER_ARN);
      expect(call).toMatchObject({ sessionId: SESSION_ID, qualifier: 'live', accept: 'text/event-stream' });
    } finally {
      client.destroy();
    }
  });

  it('IAM mode with Cognito identity pool credentials: names the caller by its identity id, not the role ARN all users share', async () => {
    const poolArn = 'arn:aws:sts::123456789012:assumed-role/ChatAuthRole/CognitoIdentityCredentials';
    const identities = ['us-east-1:11111111-1111-4111-8111-111111111111', 'us-east-1:22222222-2222-4222-8222-222222222222'];
    const client = new BedrockAgentCoreClient({ region: 'us-east-1', endpoint: plane.url, credentials: { accessKeyId: 'AKIDPOOL', secretAccessKey: 's' }, maxAttempts: 1 });
    try {
      for (const cognitoIdentityId of identities) {
        plane.next(scriptedAnswer([sessionFrame(SESSION_ID), DONE_FRAME]).handler);
        const outcome = await turn(proxy('IAM', { client }), chatEvent({ message: 'Hi', sessionId: SESSION_ID }, {}, { userArn: poolArn, cognitoIdentityId }));
        expect(outcome.frames.map((frame) => frame.event)).toEqual(['session', 'done']);
      }
      expect(plane.calls.map((call) => call.headers['x-amzn-bedrock-agentcore-runtime-user-id'])).toEqual(identities);
    } finally {
      client.destroy();
    }
  });

  it('NONE mode: signs with the function role and names no user', async () => {
    plane.next(scriptedAnswer([sessionFrame(SESSION_ID), DONE_FRAME]).handler);
    const client = new BedrockAgentCoreClient({ region: 'us-east-1', endpoint: plane.url, credentials: { accessKeyId: 'AKIDNONE', secretAccessKey: 's' }, maxAttempts: 1 });
    try {
      const outcome = await turn(proxy('NONE', { client }), chatEvent({ message: 'Hi' }, {}));
      expect(outcome.frames.map((frame) => frame.event)).toEqual(['session', 'done']);
      expect(plane.calls[0]!.signedRegion).toBe('us-east-1');
      expect(plane.calls[0]!.headers['x-amzn-bedrock-agentcore-runtime-user-id']).toBeUndefined();
    } finally {
      client.destroy();
    }
  });

  it('writes heartbeats while the agent is silent, before its answer and between its frames, never inside a frame', async () => {
    const text = textFrame('slow');
    const cut = text.indexOf('"delta"');
    plane.next(scriptedAnswer([sessionFrame(SESSION_ID), { pause: 1_250 }, text.slice(0, cut), { pause: 1_250 }, text.slice(cut), DONE_FRAME], { delayHeadersUntil: new Promise((resolve) => setTimeout(resolve, 1_250)) }).handler);

    const outcome = await turn(proxy('COGNITO', { env: { HEARTBEAT_SECONDS: '1' } }), chatEvent({ message: 'Hi', sessionId: SESSION_ID }));

    // Before the answer: one; after the session frame: one; while half a frame is held: none.
    expect(outcome.body).toBe(HEARTBEAT_FRAME + sessionFrame(SESSION_ID) + HEARTBEAT_FRAME + text + DONE_FRAME);
  });

  it('stops the call to the agent when the client goes away', async () => {
    const answer = scriptedAnswer([sessionFrame(SESSION_ID), { pause: 10_000 }, DONE_FRAME]);
    plane.next(answer.handler);
    const handler = proxy('COGNITO', { idleTimeoutMs: 20_000 });
    const started = Date.now();
    const invocation = invokeStreamingHandler(handler, chatEvent({ message: 'Hi', sessionId: SESSION_ID }), { timeoutMs: 30_000, onBody: () => invocation.disconnect('reset') });

    const hungUpAt = await Promise.race([answer.hungUp, new Promise<number>((_resolve, reject) => setTimeout(() => reject(new Error('the agent call was not stopped within 2 s')), 2_000))]);
    const result = await invocation.done;

    expect(hungUpAt - started).toBeLessThan(FAILURE_BOUND_MS);
    expect(answer.finished()).toBe(false);
    expect(result.outcome).toBe('disconnected');
    await expect.poll(() => logs.at(-1)?.outcome).toBe('client-gone');
  });

  it.each([
    { name: '500 InternalServerException', fault: internalServerError(), code: 'Internal', message: /AgentCore failed/ },
    { name: '503 ServiceUnavailable', fault: serviceError(503, 'ServiceUnavailableException', 'Service unavailable'), code: 'Internal', message: /AgentCore failed/ },
    { name: 'a reset connection', fault: reset(), code: 'Internal', message: /connection to the agent broke/ },
    { name: 'no answer (hang)', fault: hang(), code: 'Internal', message: /did not answer within 0.3 s/ },
    { name: '429 ThrottlingException', fault: throttling(), code: 'Throttled', message: /too many requests/ },
    { name: '402 ServiceQuotaExceededException', fault: serviceError(402, 'ServiceQuotaExceededException', 'maxVms'), code: 'Throttled', message: /too many requests/ },
    { name: '401 from the runtime authorizer', fault: serviceError(401, 'AccessDeniedException', 'Invalid bearer token'), code: 'Unauthorized', message: /Not authorized/ },
    { name: '403 AccessDeniedException', fault: serviceError(403, 'AccessDeniedException', 'no'), code: 'Unauthorized', message: /Not authorized/ },
    { name: '404 ResourceNotFoundException', fault: serviceError(404, 'ResourceNotFoundException', 'No agent'), code: 'Internal', message: /agent not found/ },
    { name: "the agent's own 401 (424 RuntimeClientError)", fault: agentAnswers(401, 'application/json', '{"code":"Unauthorized"}'), code: 'Unauthorized', message: /refused the caller/ },
    { name: "the agent's 500 (424 RuntimeClientError)", fault: agentAnswers(500, 'application/json', '{}'), code: 'Internal', message: /agent failed \(status 500\)/ },
  ])('AgentCore answering $name is one $code error frame, within the bound', async ({ fault, code, message }) => {
    plane.next(fault);

    const outcome = await turn(proxy('COGNITO', FAST), chatEvent({ message: 'Hi', sessionId: SESSION_ID }));

    expect(expectOneErrorFrame(outcome, code).message).toMatch(message);
    expect(outcome.durationMs).toBeLessThan(FAILURE_BOUND_MS);
    expect(logs.at(-1)).toMatchObject({ message: 'Chat turn failed', outcome: code });
  });

  it('the same faults through the SDK (IAM) end the same way', async () => {
    const client = new BedrockAgentCoreClient({ region: 'us-east-1', endpoint: plane.url, credentials: { accessKeyId: 'AKIDIAM', secretAccessKey: 's' }, maxAttempts: 1 });
    try {
      const handler = proxy('IAM', { client, ...FAST });
      const event = chatEvent({ message: 'Hi', sessionId: SESSION_ID }, {}, { userArn: CALLER_ARN });
      for (const [fault, code] of [
        [throttling(), 'Throttled'],
        [internalServerError(), 'Internal'],
        [reset(), 'Internal'],
        [serviceError(403, 'AccessDeniedException', 'not allowed: InvokeAgentRuntimeForUser'), 'Unauthorized'],
        [hang(), 'Internal'],
      ] as const) {
        plane.next(fault);
        const outcome = await turn(handler, event);
        expectOneErrorFrame(outcome, code);
        expect(outcome.durationMs).toBeLessThan(FAILURE_BOUND_MS);
      }
    } finally {
      client.destroy();
    }
  });

  it('a stream that breaks off or stalls mid-turn keeps what was sent and adds one error frame', async () => {
    const before = sessionFrame(SESSION_ID) + textFrame('partial');
    const handler = proxy('COGNITO', FAST);
    const event = chatEvent({ message: 'Hi', sessionId: SESSION_ID });

    plane.next(scriptedAnswer([before, textFrame('cut').slice(0, 12), { pause: 50 }, { reset: true }]).handler);
    expect(expectOneErrorFrame(await turn(handler, event), 'Internal', before).message).toMatch(/connection to the agent broke|call to the agent failed/);

    plane.next(scriptedAnswer([before, { pause: 5_000 }, DONE_FRAME]).handler);
    const stalled = await turn(handler, event);
    expect(expectOneErrorFrame(stalled, 'Internal', before).message).toMatch(/went silent for 0.3 s/);
    expect(stalled.durationMs).toBeLessThan(FAILURE_BOUND_MS);

    plane.next(scriptedAnswer([before, 'event: text\ndata: {"type":"te']).handler);
    expect(expectOneErrorFrame(await turn(handler, event), 'Internal', before).message).toMatch(/ended before the turn was done/);
  });

  it("passes the agent's own error frame through as the turn's end, adding nothing", async () => {
    const agentError = 'event: error\ndata: {"type":"error","code":"SessionBusy","message":"busy"}\n\n';
    plane.next(scriptedAnswer([sessionFrame(SESSION_ID), agentError]).handler);

    const outcome = await turn(proxy('COGNITO'), chatEvent({ message: 'Hi', sessionId: SESSION_ID }));

    expect(outcome.body).toBe(sessionFrame(SESSION_ID) + agentError);
  });

  it('an answer that is not an event stream is an Internal error frame', async () => {
    plane.next(agentAnswers(200, 'application/json', '{"result":"x"}'));
    expectOneErrorFrame(await turn(proxy('COGNITO'), chatEvent({ message: 'Hi', sessionId: SESSION_ID })), 'Internal');
  });

  it('stops before the function times out, with a Timeout frame', async () => {
    plane.next(hang());
    const outcome = await turn(proxy('COGNITO', { answerTimeoutMs: 10_000 }), chatEvent({ message: 'Hi', sessionId: SESSION_ID }), { timeoutMs: DEADLINE_MARGIN_MS + 400 });
    expectOneErrorFrame(outcome, 'Timeout');
    expect(outcome.durationMs).toBeLessThan(DEADLINE_MARGIN_MS);
  });

  it.each([
    ['not JSON', 'hello', /JSON object/],
    ['a JSON array', '[1]', /JSON object/],
    ['no body', '', /JSON object/],
    ['a session id too short', JSON.stringify({ message: 'Hi', sessionId: 'short' }), /sessionId/],
    ['a session id not a string', JSON.stringify({ message: 'Hi', sessionId: 42 }), /sessionId/],
    ['a session id with a line break', JSON.stringify({ message: 'Hi', sessionId: `${SESSION_ID}\r\nX-Injected: 1` }), /sessionId/],
  ])('a body with %s is one BadRequest frame, and AgentCore is not called', async (_name, body, message) => {
    const outcome = await turn(proxy('COGNITO'), chatEvent(body, { Authorization: TOKEN, origin: ORIGIN }));
    expect(expectOneErrorFrame(outcome, 'BadRequest').message).toMatch(message);
    expect(outcome.result.http?.headers).toMatchObject({ 'Access-Control-Allow-Origin': ORIGIN });
    expect(plane.calls).toHaveLength(0);
  });

  it('CORS headers only for an allowed origin', async () => {
    plane.fallback = scriptedAnswer([sessionFrame(SESSION_ID), DONE_FRAME]).handler;
    const handler = proxy('COGNITO');
    const headersFor = async (origin: string) =>
      (await turn(handler, chatEvent({ message: 'Hi', sessionId: SESSION_ID }, { Authorization: TOKEN, Origin: origin }))).result.http?.headers;

    expect(await headersFor('https://other.example.com')).toMatchObject({ 'Access-Control-Allow-Origin': 'https://other.example.com', Vary: 'Origin' });
    expect(await headersFor('https://evil.example.com')).not.toHaveProperty('Access-Control-Allow-Origin');
  });

  it('a caller API Gateway did not authenticate is HTTP 401 JSON, and AgentCore is not called', async () => {
    const jwt = await turn(proxy('COGNITO'), chatEvent({ message: 'Hi' }, {}));
    expect(jwt.result.http?.statusCode).toBe(401);
    expect(JSON.parse(jwt.body)).toEqual({ code: 'Unauthorized', message: 'missing Authorization header' });

    const iam = await turn(proxy('IAM'), chatEvent({ message: 'Hi' }, {}));
    expect(iam.result.http?.statusCode).toBe(401);
    expect(JSON.parse(iam.body)).toMatchObject({ code: 'Unauthorized' });
    expect(plane.calls).toHaveLength(0);
  });

  it('a misconfigured function says so in one Internal frame and logs the variable', async () => {
    const outcome = await turn(proxy('COGNITO', { env: { AGENT_RUNTIME_ARN: 'not-an-arn' } }), chatEvent({ message: 'Hi' }));
    expectOneErrorFrame(outcome, 'Internal');
    expect(JSON.stringify(logs)).toContain('AGENT_RUNTIME_ARN');
  });
});
