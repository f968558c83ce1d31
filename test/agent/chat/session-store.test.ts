import { randomUUID } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Agent } from '@strands-agents/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatError } from '../../../agent/chat/protocol.js';
import { storedSessionId } from '../../../agent/chat/session-history.js';
import { titleOf, type SessionStore } from '../../../agent/chat/session-store.js';
import { ScriptedModel } from '../helpers/scripted-model.js';
import { BACKENDS, SESSION_TABLE, startAwsBackend, TTL_SECONDS, userKeyOf, type SessionBackend } from './helpers/session-stores.js';

const ALICE = userKeyOf('alice');
const BOB = userKeyOf('bob');

/** The ChatError code `promise` rejects with; fails the test on success or another error. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ChatError)) throw new Error(`expected a ChatError, got ${String(error)}`);
  return error.code;
}

/** A session with one saved exchange, written as a turn writes it (Strands agent + SessionManager). */
async function saveExchange(store: SessionStore, userKey: string, sessionId: string, question: string, answer: string): Promise<void> {
  const sessionManager = store.sessionManager(userKey, sessionId);
  const agent = new Agent({ id: 'chat', model: new ScriptedModel([{ text: answer }]), printer: false, sessionManager });
  await agent.invoke(question);
  await sessionManager.saveSnapshot({ target: agent, isLatest: true });
}

/** A clock the test moves. */
function manualClock(start = Date.parse('2030-01-01T00:00:00Z')): { now: () => number; advance(ms: number): void } {
  let at = start;
  return { now: () => at, advance: (ms) => (at += ms) };
}

describe.each(BACKENDS)('session store on %s', (_name, start) => {
  let backend: SessionBackend;
  beforeAll(async () => {
    backend = await start();
  });
  afterAll(async () => {
    await backend.close();
  });

  it('creates a session once, with its title, times and no turns', async () => {
    const clock = manualClock();
    const store = backend.open(clock.now);
    const id = randomUUID();
    const created = await store.create(ALICE, id, 'What is the invoice total?');
    expect(created).toEqual({
      sessionId: id,
      title: 'What is the invoice total?',
      createdAt: '2030-01-01T00:00:00.000Z',
      updatedAt: '2030-01-01T00:00:00.000Z',
      expiresAt: clock.now() / 1000 + TTL_SECONDS,
      turns: 0,
    });
    expect(await store.get(ALICE, id)).toEqual(created);
    expect(await codeOf(store.create(ALICE, id, 'again'))).toBe('SessionExists');
    // The same id is another session for another user.
    await store.create(BOB, id, 'Bob');
    expect((await store.get(ALICE, id)).title).toBe('What is the invoice total?');
  });

  it('locks a session for one owner; another gets SessionBusy until the lease expires, then takes over', async () => {
    const clock = manualClock();
    const store = backend.open(clock.now);
    const id = randomUUID();
    await store.create(ALICE, id, 'lock me');
    expect((await store.acquireLock(ALICE, id, 'turn-1', 60)).sessionId).toBe(id);
    expect(await codeOf(store.acquireLock(ALICE, id, 'turn-2', 60))).toBe('SessionBusy');
    clock.advance(60_000);
    // At the lease's last millisecond it is still held.
    expect(await codeOf(store.acquireLock(ALICE, id, 'turn-2', 60))).toBe('SessionBusy');
    clock.advance(1);
    await store.acquireLock(ALICE, id, 'turn-2', 60);
    // The first owner lost it: its release changes nothing.
    expect(await store.releaseLock(ALICE, id, 'turn-1')).toBe(false);
    expect(await codeOf(store.acquireLock(ALICE, id, 'turn-3', 60))).toBe('SessionBusy');
    expect(await store.releaseLock(ALICE, id, 'turn-2')).toBe(true);
    await store.acquireLock(ALICE, id, 'turn-3', 60);
  });

  it('exactly one of many concurrent lock attempts wins', async () => {
    const store = backend.open();
    const id = randomUUID();
    await store.create(ALICE, id, 'race');
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.acquireLock(ALICE, id, `turn-${i}`, 60).then(() => 'won', (e: unknown) => (e as ChatError).code)),
    );
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'SessionBusy')).toHaveLength(7);
  });

  it('records a turn: updatedAt now, expiresAt now + TTL, turns + 1', async () => {
    const clock = manualClock();
    const store = backend.open(clock.now);
    const id = randomUUID();
    await store.create(ALICE, id, 'count me');
    clock.advance(90_500);
    const after = await store.recordTurn(ALICE, id);
    expect(after).toMatchObject({ updatedAt: '2030-01-01T00:01:30.500Z', expiresAt: Math.floor(clock.now() / 1000) + TTL_SECONDS, turns: 1 });
    expect((await store.recordTurn(ALICE, id)).turns).toBe(2);
    expect(await store.get(ALICE, id)).toMatchObject({ turns: 2, createdAt: '2030-01-01T00:00:00.000Z' });
    expect(await codeOf(store.recordTurn(ALICE, randomUUID()))).toBe('SessionNotFound');
  });

  it("answers SessionNotFound for another user's session, exactly as for an unknown one, and leaves it alone", async () => {
    const store = backend.open();
    const id = randomUUID();
    await store.create(ALICE, id, 'private');
    await saveExchange(store, ALICE, id, 'my secret question', 'my secret answer');
    for (const user of [BOB, ALICE]) {
      const missing = user === BOB ? id : randomUUID();
      const errors = await Promise.all([
        store.get(user, missing).catch((e: unknown) => e),
        store.acquireLock(user, missing, 'x', 60).catch((e: unknown) => e),
        store.recordTurn(user, missing).catch((e: unknown) => e),
        store.delete(user, missing).catch((e: unknown) => e),
      ]);
      for (const error of errors) {
        expect(error).toBeInstanceOf(ChatError);
        expect(error).toMatchObject({ code: 'SessionNotFound', message: `Session ${missing} does not exist` });
      }
    }
    expect(await store.messages(BOB, id)).toEqual([]);
    expect(await store.get(ALICE, id)).toMatchObject({ turns: 0, title: 'private' });
    expect(await store.messages(ALICE, id)).toEqual([
      { role: 'user', text: 'my secret question' },
      { role: 'assistant', text: 'my secret answer' },
    ]);
  });

  it('deletes the index row and every history object of the session, and nothing else', async () => {
    const store = backend.open();
    const [gone, kept] = [randomUUID(), randomUUID()];
    for (const id of [gone, kept]) {
      await store.create(ALICE, id, id);
      await saveExchange(store, ALICE, id, `question ${id}`, `answer ${id}`);
    }
    const latest = (id: string): string => `sessions/${ALICE}/${id}/scopes/agent/chat/snapshots/snapshot_latest.json`;
    expect(await backend.historyKeys()).toEqual(expect.arrayContaining([latest(gone), latest(kept)]));
    await store.delete(ALICE, gone);
    expect(await codeOf(store.get(ALICE, gone))).toBe('SessionNotFound');
    expect(await store.messages(ALICE, gone)).toEqual([]);
    const keys = await backend.historyKeys();
    expect(keys.filter((k) => k.startsWith(`sessions/${ALICE}/${gone}/`))).toEqual([]);
    expect(keys).toContain(latest(kept));
    expect(await store.messages(ALICE, kept)).toHaveLength(2);
    expect(await codeOf(store.delete(ALICE, gone))).toBe('SessionNotFound');
  });

  it('refuses to delete a session while a turn holds its lock (SessionBusy), deleting nothing; a released or expired lock does not stop it', async () => {
    const clock = manualClock();
    const store = backend.open(clock.now);
    const [busy, stale] = [randomUUID(), randomUUID()];
    for (const id of [busy, stale]) {
      await store.create(ALICE, id, id);
      await saveExchange(store, ALICE, id, `question ${id}`, `answer ${id}`);
    }
    const historyOf = async (id: string) => (await backend.historyKeys()).filter((k) => k.startsWith(`sessions/${ALICE}/${id}/`));

    await store.acquireLock(ALICE, busy, 'turn-1', 60);
    expect(await codeOf(store.delete(ALICE, busy))).toBe('SessionBusy');
    // Another user learns nothing: the session is not theirs, busy or not.
    expect(await codeOf(store.delete(BOB, busy))).toBe('SessionNotFound');
    expect(await store.get(ALICE, busy)).toMatchObject({ title: busy });
    expect(await store.messages(ALICE, busy)).toHaveLength(2);
    expect(await historyOf(busy)).not.toEqual([]);
    // The turn still holds its lock and ends normally.
    expect(await store.releaseLock(ALICE, busy, 'turn-1')).toBe(true);
    await store.delete(ALICE, busy);
    expect(await codeOf(store.get(ALICE, busy))).toBe('SessionNotFound');
    expect(await historyOf(busy)).toEqual([]);

    // A crashed turn's lock holds the session until its lease ends, then no longer.
    await store.acquireLock(ALICE, stale, 'crashed-turn', 60);
    clock.advance(60_000);
    expect(await codeOf(store.delete(ALICE, stale))).toBe('SessionBusy');
    clock.advance(1);
    await store.delete(ALICE, stale);
    expect(await codeOf(store.get(ALICE, stale))).toBe('SessionNotFound');
    expect(await historyOf(stale)).toEqual([]);
  });

  it('keeps session ids with upper case and underscores apart (Strands ids are lower case)', async () => {
    const store = backend.open();
    const base = 'Session_' + 'x'.repeat(30);
    const other = 'session__' + 'x'.repeat(29);
    expect(storedSessionId(base)).not.toBe(storedSessionId(other));
    for (const id of [base, other]) {
      await store.create(ALICE, id, id);
      await saveExchange(store, ALICE, id, `q ${id}`, `a ${id}`);
    }
    expect(await store.messages(ALICE, base)).toEqual([{ role: 'user', text: `q ${base}` }, { role: 'assistant', text: `a ${base}` }]);
    expect(await store.messages(ALICE, other)).toEqual([{ role: 'user', text: `q ${other}` }, { role: 'assistant', text: `a ${other}` }]);
  });

  it('lists a user\'s live sessions most recently updated first, a page at a time', async () => {
    const clock = manualClock();
    const store = backend.open(clock.now);
    const user = userKeyOf(`lister-${backend.name}`);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = `${i}`.repeat(40);
      ids.push(id);
      await store.create(user, id, `session ${i}`);
      clock.advance(1000);
    }
    // Session 1 is the latest used; session 0 has expired.
    await store.recordTurn(user, ids[1]!);
    await store.create(userKeyOf('someone-else'), randomUUID(), 'not listed');
    clock.advance((TTL_SECONDS - 4) * 1000);
    const first = await store.list(user, 2);
    expect(first.sessions.map((s) => s.title)).toEqual(['session 1', 'session 4']);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await store.list(user, 2, first.nextToken);
    expect(second.sessions.map((s) => s.title)).toEqual(['session 3', 'session 2']);
    expect(second.nextToken).toBeUndefined();
    expect(await codeOf(store.get(user, ids[0]!))).toBe('SessionNotFound');
    expect((await store.list(user, 100)).sessions).toHaveLength(4);
    expect(await codeOf(store.list(user, 0))).toBe('BadRequest');
    expect(await codeOf(store.list(user, 101))).toBe('BadRequest');
    expect(await codeOf(store.list(user, 10, 'not-a-token'))).toBe('BadRequest');
  });

  it('refuses a user key that is not 32 hex characters before touching storage', async () => {
    const store = backend.open();
    for (const bad of ['../' + ALICE.slice(3), ALICE.toUpperCase(), `${ALICE}/x`, '']) {
      await expect(store.get(bad, randomUUID())).rejects.toThrow('is not 32 lower-case hex characters');
      await expect(store.messages(bad, randomUUID())).rejects.toThrow('is not 32 lower-case hex characters');
      expect(() => store.sessionManager(bad, randomUUID())).toThrow('is not 32 lower-case hex characters');
    }
  });

  it('is the same store after a restart (a new instance over the same storage)', async () => {
    const id = randomUUID();
    const before = backend.open();
    await before.create(ALICE, id, 'durable');
    await saveExchange(before, ALICE, id, 'remember me', 'I will');
    await before.acquireLock(ALICE, id, 'turn-before-restart', 60);
    const after = backend.open();
    expect(await after.get(ALICE, id)).toMatchObject({ title: 'durable' });
    expect(await after.messages(ALICE, id)).toEqual([{ role: 'user', text: 'remember me' }, { role: 'assistant', text: 'I will' }]);
    expect(await codeOf(after.acquireLock(ALICE, id, 'turn-after-restart', 60))).toBe('SessionBusy');
  });
});

describe('DynamoDB session index layout', () => {
  it('writes the attributes and types of the contract, and the lock as lockOwner + lockExpiresAt (epoch ms)', async () => {
    const backend = await startAwsBackend();
    try {
      const clock = manualClock();
      const store = backend.open(clock.now);
      const id = randomUUID();
      await store.create(ALICE, id, titleOf('é'.repeat(100)));
      await store.acquireLock(ALICE, id, 'turn-1', 30);
      const { Item: locked } = await backend.dynamoDb.send(new GetItemCommand({ TableName: SESSION_TABLE, Key: { userKey: { S: ALICE }, sessionId: { S: id } } }));
      expect(locked).toEqual({
        userKey: { S: ALICE },
        sessionId: { S: id },
        title: { S: 'é'.repeat(80) },
        createdAt: { S: '2030-01-01T00:00:00.000Z' },
        updatedAt: { S: '2030-01-01T00:00:00.000Z' },
        expiresAt: { N: String(clock.now() / 1000 + TTL_SECONDS) },
        turns: { N: '0' },
        lockOwner: { S: 'turn-1' },
        lockExpiresAt: { N: String(clock.now() + 30_000) },
      });
      await store.releaseLock(ALICE, id, 'turn-1');
      const { Item: released } = await backend.dynamoDb.send(new GetItemCommand({ TableName: SESSION_TABLE, Key: { userKey: { S: ALICE }, sessionId: { S: id } } }));
      expect(Object.keys(released ?? {}).sort()).toEqual(['createdAt', 'expiresAt', 'sessionId', 'title', 'turns', 'updatedAt', 'userKey']);
    } finally {
      await backend.close();
    }
  });
});

describe('titleOf', () => {
  it('keeps the first 80 code points, never half a surrogate pair', () => {
    expect(titleOf('short')).toBe('short');
    expect(titleOf('😀'.repeat(81))).toBe('😀'.repeat(80));
    expect(titleOf('a'.repeat(200))).toHaveLength(80);
  });
});
