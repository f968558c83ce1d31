import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { userKeyOf } from '../../agent/chat/auth.js';
import type { SessionStore } from '../../agent/chat/session-store.js';
import { createJsonLogger } from '../../agent/core/logger.js';
import { createSessionsHandler, type SessionsHandler } from '../../sessions/handler.js';
import { encodePageToken } from '../../sessions/page-token.js';
import { startAwsBackend, type SessionBackend } from '../agent/chat/helpers/session-stores.js';
import { proxyEvent } from '../chat-proxy/helpers/events.js';
import { chatDependencies, sessionIdOf, turnEvents } from '../agent/chat/helpers/chat-deps.js';
import { until } from '../agent/helpers/faulty-s3.js';
import { ScriptedModel } from '../agent/helpers/scripted-model.js';
import { manualClock, seedSession } from './helpers/seed.js';

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SessionsTest';
const ALICE = { sub: 'alice-0001', iss: ISSUER };
const BOB = { sub: 'bob-0002', iss: ISSUER };
const ALICE_KEY = userKeyOf(ISSUER, ALICE.sub);
const BOB_KEY = userKeyOf(ISSUER, BOB.sub);
const ORIGIN = 'https://app.example.com';
const AUTH_ENV = { AUTH_MODE: 'COGNITO', AUTH_ISSUER: ISSUER, AUTH_CLIENT_IDS: 'client-1', CORS_ALLOWED_ORIGINS: ORIGIN };

interface Answer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly json: Record<string, unknown>;
  readonly body: string;
}

describe('Sessions API (handler against dynalite + s3rver, through the chat store)', () => {
  let backend: SessionBackend;
  let handler: SessionsHandler;
  let seeder: SessionStore;
  const clock = manualClock();
  const logs: Array<Record<string, unknown>> = [];
  /** Alice's sessions, newest first. */
  const aliceSessions: string[] = [];
  let bobSession: string;

  async function call(options: Parameters<typeof proxyEvent>[0], on: SessionsHandler = handler): Promise<Answer> {
    const result = await on(proxyEvent(options), { awsRequestId: 'req-1' });
    return { ...result, json: result.body === '' ? {} : (JSON.parse(result.body) as Record<string, unknown>), body: result.body };
  }
  const list = (caller: Record<string, unknown>, query?: Record<string, string>) => call({ method: 'GET', resource: '/sessions', path: '/sessions', authorizer: caller, ...(query === undefined ? {} : { query }) });
  const session = (method: string, caller: Record<string, unknown> | undefined, sessionId: string, headers?: Record<string, string>) =>
    call({ method, resource: '/sessions/{sessionId}', path: `/sessions/${encodeURIComponent(sessionId)}`, pathParameters: { sessionId }, ...(caller === undefined ? {} : { authorizer: caller }), ...(headers === undefined ? {} : { headers }) });

  beforeAll(async () => {
    backend = await startAwsBackend();
    seeder = backend.open(clock.now);
    handler = createSessionsHandler({
      env: { ...backend.env, ...AUTH_ENV },
      storeOptions: backend.options,
      logger: createJsonLogger({ write: (line) => void logs.push(JSON.parse(line) as Record<string, unknown>) }),
    });
    // Five sessions of Alice, a minute apart (the last one updated last); one of Bob.
    for (let i = 0; i < 5; i++) {
      const id = randomUUID();
      await seedSession(seeder, ALICE_KEY, id, i === 0 ? [['What is 2+2?', 'Four.'], ['And 3+3?', 'Six.']] : [[`Question ${i}`, `Answer ${i}`]]);
      aliceSessions.unshift(id);
      clock.advance(60_000);
    }
    bobSession = randomUUID();
    await seedSession(seeder, BOB_KEY, bobSession, [["Bob's secret plan", 'Noted.']]);
  });

  afterAll(async () => {
    await backend?.close();
  });

  beforeEach(() => {
    logs.length = 0;
  });

  it("lists the caller's own sessions newest first, with exactly the contract's fields", async () => {
    const answer = await list(ALICE);

    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toMatchObject({ 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    const sessions = answer.json.sessions as Array<Record<string, unknown>>;
    expect(sessions.map((s) => s.sessionId)).toEqual(aliceSessions);
    expect(answer.json).not.toHaveProperty('nextToken');
    expect(Object.keys(sessions[4]!)).toEqual(['sessionId', 'title', 'createdAt', 'updatedAt', 'expiresAt']);
    expect(sessions[4]).toMatchObject({ title: 'What is 2+2?', createdAt: '2030-01-01T00:00:00.000Z', expiresAt: expect.any(Number) });
  });

  it('pages with limit and an opaque nextToken, every session once, in order', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    const pages: number[] = [];
    do {
      const answer = await list(ALICE, { limit: '2', ...(token === undefined ? {} : { nextToken: token }) });
      expect(answer.statusCode).toBe(200);
      const ids = (answer.json.sessions as Array<{ sessionId: string }>).map((s) => s.sessionId);
      pages.push(ids.length);
      seen.push(...ids);
      token = answer.json.nextToken as string | undefined;
      if (token !== undefined) {
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        for (const id of ids) expect(token).not.toContain(id);
      }
    } while (token !== undefined && pages.length < 10);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual(aliceSessions);
  });

  it("refuses one user's nextToken from another user (400), and leaves both lists as they were", async () => {
    const first = await list(ALICE, { limit: '2' });
    const aliceToken = first.json.nextToken as string;

    const stolen = await list(BOB, { nextToken: aliceToken });
    expect(stolen.statusCode).toBe(400);
    expect(stolen.json).toMatchObject({ code: 'BadRequest', message: expect.stringContaining('nextToken') });

    // A token forged for Bob around Alice's position is Bob's own token (200), and only pages through
    // Bob's own sessions: a position is a time and an id, and Bob's one session (updated after all of
    // Alice's) comes before it, so the page is empty; nothing of Alice's shows.
    const forged = encodePageToken(BOB_KEY, JSON.parse(Buffer.from(aliceToken, 'base64url').toString()).t as string);
    const bobs = await list(BOB, { nextToken: forged });
    expect(bobs.statusCode).toBe(200);
    expect(bobs.json).toEqual({ sessions: [] });
    expect(((await list(BOB)).json.sessions as Array<{ sessionId: string }>).map((s) => s.sessionId)).toEqual([bobSession]);
  });

  it.each([
    ['not base64url', 'not a token!'],
    ['base64url of text', Buffer.from('hello').toString('base64url')],
    ['JSON of the wrong shape', Buffer.from('{"v":1,"u":"x"}').toString('base64url')],
    ['too long', 'A'.repeat(5000)],
    ['an inner position that is not one', encodePageToken(ALICE_KEY, 'garbage')],
  ])('a nextToken that is %s is 400 naming nextToken', async (_name, nextToken) => {
    const answer = await list(ALICE, { nextToken });
    expect(answer.statusCode).toBe(400);
    expect(answer.json).toMatchObject({ code: 'BadRequest', message: expect.stringContaining('nextToken') });
  });

  it.each(['0', '101', 'ten', '1.5', '-1', '', '1e1', '00000000001'])('limit=%j is 400 naming limit', async (limit) => {
    const answer = await list(ALICE, { limit });
    expect(answer.statusCode).toBe(400);
    expect(answer.json).toMatchObject({ code: 'BadRequest', message: expect.stringContaining('limit') });
  });

  it('limit=1 and limit=100 are accepted', async () => {
    expect(((await list(ALICE, { limit: '1' })).json.sessions as unknown[]).length).toBe(1);
    expect(((await list(ALICE, { limit: '100' })).json.sessions as unknown[]).length).toBe(5);
  });

  it('gets a session with its messages, oldest first, tool-free text only', async () => {
    const oldest = aliceSessions[4]!;
    const answer = await session('GET', ALICE, oldest);

    expect(answer.statusCode).toBe(200);
    expect(Object.keys(answer.json)).toEqual(['sessionId', 'title', 'createdAt', 'updatedAt', 'expiresAt', 'messages']);
    expect(answer.json).toMatchObject({ sessionId: oldest, title: 'What is 2+2?' });
    expect(answer.json.messages).toEqual([
      { role: 'user', text: 'What is 2+2?' },
      { role: 'assistant', text: 'Four.' },
      { role: 'user', text: 'And 3+3?' },
      { role: 'assistant', text: 'Six.' },
    ]);
  });

  it('a session without a saved turn has no messages', async () => {
    const id = randomUUID();
    await seeder.create(ALICE_KEY, id, 'just created');
    try {
      expect((await session('GET', ALICE, id)).json).toMatchObject({ sessionId: id, title: 'just created', messages: [] });
    } finally {
      await seeder.delete(ALICE_KEY, id);
    }
  });

  it("another user's session is 404 SessionNotFound on get and delete, exactly as an unknown one, and stays intact", async () => {
    const unknown = randomUUID();
    const probes = [await session('GET', BOB, aliceSessions[0]!), await session('DELETE', BOB, aliceSessions[0]!), await session('GET', BOB, unknown), await session('DELETE', BOB, unknown)];

    for (const probe of probes) {
      expect(probe.statusCode).toBe(404);
      expect(probe.json.code).toBe('SessionNotFound');
    }
    const [getOther, , getUnknown] = probes;
    expect(String(getOther!.json.message).replace(aliceSessions[0]!, '<id>')).toBe(String(getUnknown!.json.message).replace(unknown, '<id>'));
    expect(((await list(ALICE)).json.sessions as Array<{ sessionId: string }>).map((s) => s.sessionId)).toEqual(aliceSessions);
    expect(((await session('GET', ALICE, aliceSessions[0]!)).json.messages as unknown[]).length).toBe(2);
  });

  it("deletes the caller's session: 204 with no body, then 404, its history gone, the others untouched", async () => {
    const id = randomUUID();
    await seedSession(seeder, ALICE_KEY, id, [['to be deleted', 'ok']]);
    expect((await backend.historyKeys()).some((key) => key.includes(id))).toBe(true);

    const deleted = await session('DELETE', ALICE, id, { origin: ORIGIN });
    expect(deleted).toMatchObject({ statusCode: 204, body: '' });
    expect(deleted.headers).toEqual({ 'Access-Control-Allow-Origin': ORIGIN, Vary: 'Origin' });
    expect((await session('GET', ALICE, id)).statusCode).toBe(404);
    expect((await session('DELETE', ALICE, id)).statusCode).toBe(404);
    expect((await backend.historyKeys()).some((key) => key.includes(id))).toBe(false);
    expect(((await list(ALICE)).json.sessions as Array<{ sessionId: string }>).map((s) => s.sessionId)).toEqual(aliceSessions);
  });

  it('DELETE while a turn runs is 409 SessionBusy and deletes nothing; the turn is saved, and a DELETE after it removes every trace', async () => {
    const frank = { sub: 'frank-0006', iss: ISSUER };
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const model = new ScriptedModel([{ text: 'First answer.' }, { text: ['Second', ' answer.'], holdUntil: gate }]);
    const deps = chatDependencies(backend, model);
    const id = sessionIdOf(await turnEvents(deps, userKeyOf(ISSUER, frank.sub), { message: 'First question' }));
    const running = turnEvents(deps, userKeyOf(ISSUER, frank.sub), { message: 'Second question', sessionId: id });
    try {
      // The lock is taken before the model is called.
      await until(() => model.calls.length === 2, 'the second turn to reach the model');
      const refused = await session('DELETE', frank, id);
      expect(refused.statusCode).toBe(409);
      expect(refused.json).toEqual({ code: 'SessionBusy', message: expect.stringContaining(id) });
    } finally {
      open();
    }
    expect((await running).at(-1)).toMatchObject({ type: 'done' });
    expect(((await session('GET', frank, id)).json.messages as unknown[]).length).toBe(4);

    expect((await session('DELETE', frank, id)).statusCode).toBe(204);
    expect((await session('GET', frank, id)).statusCode).toBe(404);
    expect((await backend.historyKeys()).filter((key) => key.includes(id))).toEqual([]);
  });

  it.each([
    ['too short', 'abc'],
    ['with a space', `${'a'.repeat(33)} b`],
    ['starting with a hyphen', `-${'a'.repeat(40)}`],
    ['too long', 'a'.repeat(257)],
  ])('a session id %s is 400 naming sessionId, on get and delete', async (_name, sessionId) => {
    for (const method of ['GET', 'DELETE']) {
      const answer = await session(method, ALICE, sessionId);
      expect(answer.statusCode).toBe(400);
      expect(answer.json).toMatchObject({ code: 'BadRequest', message: expect.stringContaining('sessionId') });
    }
  });

  it('CORS headers only for an allowed origin, on answers and errors alike', async () => {
    const allowed = await session('GET', ALICE, randomUUID(), { Origin: ORIGIN });
    expect(allowed.statusCode).toBe(404);
    expect(allowed.headers).toMatchObject({ 'Access-Control-Allow-Origin': ORIGIN, Vary: 'Origin' });
    const other = await call({ method: 'GET', resource: '/sessions', path: '/sessions', authorizer: ALICE, headers: { Origin: 'https://evil.example.com' } });
    expect(other.statusCode).toBe(200);
    expect(other.headers).not.toHaveProperty('Access-Control-Allow-Origin');
  });

  it('a request without the authorizer context (or with another issuer) is 401 Unauthorized', async () => {
    const none = await session('GET', undefined, aliceSessions[0]!);
    expect(none.statusCode).toBe(401);
    expect(none.json).toMatchObject({ code: 'Unauthorized' });
    const otherIssuer = await list({ sub: ALICE.sub, iss: 'https://evil.example.com' });
    expect(otherIssuer.statusCode).toBe(401);
  });

  it('a method the route does not have is 405, an unknown route 404, never 500', async () => {
    expect((await call({ method: 'POST', resource: '/sessions', path: '/sessions', authorizer: ALICE })).statusCode).toBe(405);
    expect((await session('PUT', ALICE, aliceSessions[0]!)).statusCode).toBe(405);
    expect((await call({ method: 'GET', resource: '/other', path: '/other', authorizer: ALICE })).statusCode).toBe(404);
    expect((await handler('not an event')).statusCode).toBe(401);
  });

  it('IAM: the caller is the signing principal', async () => {
    const arn = 'arn:aws:sts::123456789012:assumed-role/ChatUsers/carol';
    const id = randomUUID();
    await seedSession(seeder, userKeyOf('aws-iam', arn), id, [['from IAM', 'hello']]);
    const iam = createSessionsHandler({ env: { ...backend.env, AUTH_MODE: 'IAM' }, storeOptions: backend.options, logger: createJsonLogger({ write: () => undefined }) });

    const mine = await call({ method: 'GET', resource: '/sessions', path: '/sessions', userArn: arn }, iam);
    expect((mine.json.sessions as Array<{ sessionId: string }>).map((s) => s.sessionId)).toEqual([id]);
    expect((await call({ method: 'GET', resource: '/sessions', path: '/sessions' }, iam)).statusCode).toBe(401);
  });

  it('IAM with Cognito identity pool credentials: users sharing the role ARN see only their own sessions', async () => {
    const poolArn = 'arn:aws:sts::123456789012:assumed-role/ChatAuthRole/CognitoIdentityCredentials';
    const [dave, erin] = ['us-east-1:11111111-1111-4111-8111-111111111111', 'us-east-1:22222222-2222-4222-8222-222222222222'];
    const daves = randomUUID();
    await seedSession(seeder, userKeyOf('aws-iam', dave), daves, [["Dave's question", "Dave's answer"]]);
    const iam = createSessionsHandler({ env: { ...backend.env, AUTH_MODE: 'IAM' }, storeOptions: backend.options, logger: createJsonLogger({ write: () => undefined }) });
    const as = (cognitoIdentityId: string, method: string, sessionId?: string) =>
      call(
        sessionId === undefined
          ? { method, resource: '/sessions', path: '/sessions', userArn: poolArn, cognitoIdentityId }
          : { method, resource: '/sessions/{sessionId}', path: `/sessions/${sessionId}`, pathParameters: { sessionId }, userArn: poolArn, cognitoIdentityId },
        iam,
      );

    expect(((await as(dave, 'GET')).json.sessions as Array<{ sessionId: string }>).map((s) => s.sessionId)).toEqual([daves]);
    expect((await as(erin, 'GET')).json.sessions).toEqual([]);
    expect(await as(erin, 'GET', daves)).toMatchObject({ statusCode: 404, json: { code: 'SessionNotFound' } });
    expect(await as(erin, 'DELETE', daves)).toMatchObject({ statusCode: 404, json: { code: 'SessionNotFound' } });
    expect(((await as(dave, 'GET', daves)).json.messages as unknown[]).length).toBe(2);
  });

  it('a store that fails is 500 Internal (logged), and a misconfigured function 500 naming nothing secret', async () => {
    const broken = createSessionsHandler({
      env: { ...backend.env, SESSION_TABLE: 'no-such-table', ...AUTH_ENV },
      storeOptions: backend.options,
      logger: createJsonLogger({ write: (line) => void logs.push(JSON.parse(line) as Record<string, unknown>) }),
    });
    const answer = await call({ method: 'GET', resource: '/sessions', path: '/sessions', authorizer: ALICE }, broken);
    expect(answer.statusCode).toBe(500);
    expect(answer.json).toEqual({ code: 'Internal', message: 'The session store failed; try again' });
    expect(logs.at(-1)).toMatchObject({ level: 'error', statusCode: 500 });

    const misconfigured = createSessionsHandler({ env: { AUTH_MODE: 'COGNITO' }, logger: createJsonLogger({ write: (line) => void logs.push(JSON.parse(line) as Record<string, unknown>) }) });
    const refused = await call({ method: 'GET', resource: '/sessions', path: '/sessions', authorizer: ALICE }, misconfigured);
    expect(refused.statusCode).toBe(500);
    expect(refused.json).toEqual({ code: 'Internal', message: 'The Sessions API is misconfigured' });
    expect(JSON.stringify(logs.at(-1))).toContain('AUTH_ISSUER');
  });
});
