import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userKeyOf } from '../../agent/chat/auth.js';
import { createRuntimeSessionOwners } from '../../agent/chat-http/agentcore-chat.js';
import { AgentRuntimeType } from '../../agent/core/errors.js';
import type { AgentServer } from '../../agent/server.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/local-issuer.js';
import { eventsOf } from './helpers/chat-transport.js';
import { until } from './helpers/faulty-s3.js';
import { agentCoreChat, CALLER_ARN, chatDependencies, postInvocation, SESSION_HEADER, USER_ID_HEADER, type TestChatDependencies } from './helpers/chat-front-doors.js';
import { httpRequest } from './helpers/http.js';
import { ScriptedModel, SwitchableModel } from './helpers/scripted-model.js';

const SESSION = 'chat-server-session-0123456789abcdef';
const IAM_HEADERS = { [USER_ID_HEADER]: CALLER_ARN };

/** The AgentCore server with INVOKE_TYPE=interactive: POST /invocations is a chat turn. */
describe('AgentCore server, interactive', () => {
  const model = new SwitchableModel(new ScriptedModel([]));
  let dir: string;
  let deps: TestChatDependencies;
  let server: AgentServer;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chat-server-'));
    deps = chatDependencies(AgentRuntimeType.AGENTCORE, model, { directory: dir });
    ({ server, base } = await agentCoreChat(deps));
  });
  afterAll(async () => {
    await server?.close(0);
    await rm(dir, { recursive: true, force: true });
  });

  const turn = (body: unknown, headers: Record<string, string> = {}) =>
    postInvocation(base, JSON.stringify(body), { [SESSION_HEADER]: SESSION, ...IAM_HEADERS, ...headers });

  it('answers 401 JSON when the caller cannot be named (IAM: no runtime user id)', async () => {
    const answer = await postInvocation(base, JSON.stringify({ message: 'hi' }), { [SESSION_HEADER]: SESSION });
    expect(answer.status).toBe(401);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({ code: 'Unauthorized', message: 'no x-amzn-bedrock-agentcore-runtime-user-id header' });
  });

  it('starts the session named by the header, keeps its agent in memory, and continues it', async () => {
    model.current = new ScriptedModel([{ text: ['Hello', '!'] }, { text: 'Again.' }]);
    const first = await turn({ message: 'hi' });
    expect(first.headers['x-amzn-bedrock-agentcore-runtime-session-id']).toBe(SESSION);
    expect(eventsOf(first.body).map((e) => e.type)).toEqual(['session', 'text', 'text', 'done']);
    const key = `${userKeyOf('aws-iam', CALLER_ARN)}/${SESSION}`;
    const cached = deps.agentCache.get(key);
    expect(cached).toBeDefined();

    const second = await turn({ message: 'and again', sessionId: SESSION });
    expect(eventsOf(second.body)).toEqual([
      { type: 'session', sessionId: SESSION },
      { type: 'text', delta: 'Again.' },
      { type: 'done', stopReason: 'endTurn', usage: expect.any(Object) },
    ]);
    expect(deps.agentCache.get(key)).toBe(cached);
  });

  it('refuses a body session id that differs from the header, as an event', async () => {
    const answer = await turn({ message: 'hi', sessionId: 'another-session-0123456789abcdef0123' });
    expect(answer.status).toBe(200);
    expect(eventsOf(answer.body)).toEqual([{ type: 'error', code: 'BadRequest', message: expect.stringContaining('differs from the runtime session header') }]);
  });
});

/**
 * AgentCore does not tie a runtime session id to a user, and a microVM serves one runtime session
 * id: another user sending the same id would run in the owner's microVM. The server refuses them.
 */
describe('AgentCore server, interactive: a runtime session id stays with its first user', () => {
  const OTHER_ARN = 'arn:aws:sts::123456789012:assumed-role/chat-user/mallory';
  const model = new SwitchableModel(new ScriptedModel([]));
  let dir: string;
  let deps: TestChatDependencies;
  let server: AgentServer;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chat-server-owner-'));
    deps = chatDependencies(AgentRuntimeType.AGENTCORE, model, { directory: dir });
    ({ server, base } = await agentCoreChat(deps));
  });
  afterAll(async () => {
    await server?.close(0);
    await rm(dir, { recursive: true, force: true });
  });

  const post = (userArn: string, header: string, body: Record<string, unknown>) =>
    postInvocation(base, JSON.stringify(body), { [SESSION_HEADER]: header, [USER_ID_HEADER]: userArn });

  it("another user's turn on a runtime session id is SessionNotFound, never run; the owner's session goes on", async () => {
    const session = `owned-${randomUUID()}`;
    const scripted = new ScriptedModel([{ text: 'Hello Alice.' }, { text: 'Still yours.' }, { text: 'Hello Mallory.' }]);
    model.current = scripted;
    const first = await post(CALLER_ARN, session, { message: 'my secret plan' });
    expect(eventsOf(first.body).map((e) => e.type)).toEqual(['session', 'text', 'done']);

    // A "new" session under Alice's runtime session id, and a continuation of it: both refused alike.
    const unknown = `unknown-${randomUUID()}`;
    const asUnknown = eventsOf((await post(OTHER_ARN, unknown, { message: 'hi', sessionId: unknown })).body);
    for (const body of [{ message: 'what is in this microVM?' }, { message: 'what was the plan?', sessionId: session }]) {
      const intrusion = await post(OTHER_ARN, session, body);
      expect(intrusion.status).toBe(200);
      expect(eventsOf(intrusion.body)).toEqual([{ type: 'error', code: 'SessionNotFound', message: `Session ${session} does not exist` }]);
      expect(eventsOf(intrusion.body)).toEqual(JSON.parse(JSON.stringify(asUnknown).replaceAll(unknown, session)));
    }
    expect(scripted.calls).toHaveLength(1);
    expect((await deps.sessions.list(userKeyOf('aws-iam', OTHER_ARN), 10)).sessions).toEqual([]);

    // Alice's session is untouched: her next turn sees only her own exchange.
    const next = await post(CALLER_ARN, session, { message: 'still there?', sessionId: session });
    expect(eventsOf(next.body).map((e) => e.type)).toEqual(['session', 'text', 'done']);
    expect(scripted.calls.at(-1)?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    await expect(deps.sessions.get(userKeyOf('aws-iam', CALLER_ARN), session)).resolves.toMatchObject({ turns: 2 });

    // Mallory under a runtime session id of her own is served.
    const own = `mallory-${randomUUID()}`;
    expect(eventsOf((await post(OTHER_ARN, own, { message: 'hello' })).body).map((e) => e.type)).toEqual(['session', 'text', 'done']);
  });
});

describe('createRuntimeSessionOwners', () => {
  it('keeps the first user of each id, forgetting the least recently used id past its capacity', () => {
    const owners = createRuntimeSessionOwners(2);
    expect(owners.claim('s1', 'alice')).toBe(true);
    expect(owners.claim('s1', 'alice')).toBe(true);
    expect(owners.claim('s1', 'bob')).toBe(false);
    expect(owners.claim('s2', 'bob')).toBe(true);
    // s1 used again, so s2 is the least recently used when s3 arrives.
    expect(owners.claim('s1', 'alice')).toBe(true);
    expect(owners.claim('s3', 'carol')).toBe(true);
    expect(owners.claim('s1', 'bob')).toBe(false);
    expect(owners.claim('s3', 'bob')).toBe(false);
    expect(owners.claim('s2', 'alice')).toBe(true);
  });
});

describe('AgentCore server, interactive: disconnection and /ping', () => {
  let dir: string;
  let deps: TestChatDependencies;
  let server: AgentServer;
  let base: string;
  const model = new SwitchableModel(new ScriptedModel([]));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chat-server-ping-'));
    deps = chatDependencies(AgentRuntimeType.AGENTCORE, model, { directory: dir });
    ({ server, base } = await agentCoreChat(deps));
  });
  afterAll(async () => {
    await server?.close(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('is HealthyBusy while the turn streams; a client going away cancels the model, rolls back and releases the lock', async () => {
    const holding = new ScriptedModel([{ text: ['thinking', ' forever'], holdUntil: new Promise(() => undefined) }, { text: 'Fresh start.' }]);
    model.current = holding;
    const ping = async () => (await httpRequest(`${base}/ping`)).json() as { status: string };
    expect((await ping()).status).toBe('Healthy');

    let busyWhileStreaming: string | undefined;
    const answer = await postInvocation(base, JSON.stringify({ message: 'take your time' }), { [SESSION_HEADER]: SESSION, ...IAM_HEADERS }, {
      abortWhen: (received) => received.includes('"delta":"thinking"'),
    });
    expect(answer.aborted).toBe(true);
    expect(eventsOf(answer.body).map((e) => e.type)).toEqual(['session', 'text']);
    // The model was cancelled and the server is idle again.
    await until(() => holding.cancelled === 1, 'the model call to be cancelled');
    await until(async () => (await ping()).status === 'Healthy', '/ping Healthy again');
    expect(deps.logger.lines.map((l) => l.message)).toEqual(expect.arrayContaining(['Chat client went away; stopping the turn', 'Turn cancelled and rolled back']));

    // The lock is free and nothing of the stopped turn was kept: the next turn runs, with only its own message.
    const next = await postInvocation(base, JSON.stringify({ message: 'hello again', sessionId: SESSION }), { [SESSION_HEADER]: SESSION, ...IAM_HEADERS });
    expect(eventsOf(next.body).map((e) => e.type)).toEqual(['session', 'text', 'done']);
    const lastCall = holding.calls.at(-1);
    expect(lastCall?.messages.map((m) => m.role)).toEqual(['user']);

    // /ping during a turn.
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    model.current = new ScriptedModel([{ text: ['wait', ' for it'], holdUntil: gate }]);
    const streaming = postInvocation(base, JSON.stringify({ message: 'slowly', sessionId: SESSION }), { [SESSION_HEADER]: SESSION, ...IAM_HEADERS });
    await until(async () => (busyWhileStreaming = (await ping()).status) === 'HealthyBusy', '/ping HealthyBusy');
    open();
    expect(eventsOf((await streaming).body).at(-1)?.type).toBe('done');
    expect(busyWhileStreaming).toBe('HealthyBusy');
    expect((await ping()).status).toBe('Healthy');
  });
});

describe('AgentCore server, interactive, JWT mode', () => {
  let issuer: LocalIssuer;
  let dir: string;
  let server: AgentServer;
  let base: string;

  beforeAll(async () => {
    issuer = await startLocalIssuer();
    dir = await mkdtemp(join(tmpdir(), 'chat-server-jwt-'));
    const deps = chatDependencies(AgentRuntimeType.AGENTCORE, new ScriptedModel([{ text: 'Hi Alice.' }]), { directory: dir, env: issuer.authEnv() });
    ({ server, base } = await agentCoreChat(deps, { mode: 'COGNITO', issuer: issuer.url, clientIds: [issuer.clientId], audiences: [], tokenUse: 'access' }));
  });
  afterAll(async () => {
    await server?.close(0);
    await issuer?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('verifies the bearer token AgentCore passes on: 401 JSON without one or with a bad one, a stream with a good one', async () => {
    const body = JSON.stringify({ message: 'hi' });
    const missing = await postInvocation(base, body, { [SESSION_HEADER]: SESSION });
    expect([missing.status, JSON.parse(missing.body)]).toEqual([401, { code: 'Unauthorized', message: 'missing Authorization header' }]);
    const expired = await issuer.mint({ sub: 'alice', exp: Math.floor(Date.now() / 1000) - 60 });
    const refused = await postInvocation(base, body, { [SESSION_HEADER]: SESSION, Authorization: `Bearer ${expired}` });
    expect([refused.status, JSON.parse(refused.body)]).toEqual([401, { code: 'Unauthorized', message: 'token expired' }]);

    const token = await issuer.mint({ sub: 'alice' });
    const answer = await postInvocation(base, body, { [SESSION_HEADER]: SESSION, Authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
    expect(eventsOf(answer.body)).toEqual([
      { type: 'session', sessionId: SESSION },
      { type: 'text', delta: 'Hi Alice.' },
      { type: 'done', stopReason: 'endTurn', usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } },
    ]);
  });
});
