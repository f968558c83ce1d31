import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatError, type ChatEvent } from '../../../agent/chat/protocol.js';
import { runChatTurn } from '../../../agent/chat/turn.js';
import { until, within } from '../helpers/faulty-s3.js';
import { ScriptedModel, textOfMessage, type Turn } from '../helpers/scripted-model.js';
import { chatDependencies, sessionIdOf, turnEvents } from './helpers/chat-deps.js';
import { BACKENDS, TTL_SECONDS, userKeyOf, type SessionBackend } from './helpers/session-stores.js';

const ALICE = userKeyOf('alice');
const BOB = userKeyOf('bob');

/** A promise and its resolver, to hold a model's answer. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const types = (events: readonly ChatEvent[]): string[] => events.map((e) => (e.type === 'error' ? `error:${e.code}` : e.type));

describe.each(BACKENDS)('chat turns on %s', (_name, start) => {
  let backend: SessionBackend;
  beforeAll(async () => {
    backend = await start();
  });
  afterAll(async () => {
    await backend.close();
  });

  it('keeps the conversation across a restart (new dependencies over the same storage)', async () => {
    const first = await turnEvents(chatDependencies(backend, new ScriptedModel([{ text: 'Noted: blue.' }])), ALICE, { message: 'My favourite colour is blue.' });
    const sessionId = sessionIdOf(first);
    const model = new ScriptedModel([{ text: 'Blue.' }]);
    const second = await turnEvents(chatDependencies(backend, model), ALICE, { message: 'Which colour?', sessionId });
    expect(types(second)).toEqual(['session', 'text', 'done']);
    expect(model.calls[0]?.messages.map(textOfMessage)).toEqual(['My favourite colour is blue.', 'Noted: blue.', 'Which colour?']);
    const store = backend.open();
    expect(await store.get(ALICE, sessionId)).toMatchObject({ title: 'My favourite colour is blue.', turns: 2 });
    expect(await store.messages(ALICE, sessionId)).toEqual([
      { role: 'user', text: 'My favourite colour is blue.' },
      { role: 'assistant', text: 'Noted: blue.' },
      { role: 'user', text: 'Which colour?' },
      { role: 'assistant', text: 'Blue.' },
    ]);
  });

  it('writes expiresAt as now + SESSION_TTL_SECONDS on every turn', async () => {
    const before = Math.floor(Date.now() / 1000);
    const events = await turnEvents(chatDependencies(backend, new ScriptedModel([{ text: 'ok' }])), ALICE, { message: 'hi' });
    const after = Math.ceil(Date.now() / 1000);
    const record = await backend.open().get(ALICE, sessionIdOf(events));
    expect(record.expiresAt).toBeGreaterThanOrEqual(before + TTL_SECONDS);
    expect(record.expiresAt).toBeLessThanOrEqual(after + TTL_SECONDS);
  });

  it.each([false, true])('rolls a failed turn back (cached agents: %s): history and turns unchanged, the next turn sees none of it', async (cacheAgents) => {
    const model = new ScriptedModel([{ text: 'First answer.' }, { error: new Error('model exploded') }, { text: 'Third answer.' }]);
    const deps = chatDependencies(backend, model, { cacheAgents });
    const sessionId = sessionIdOf(await turnEvents(deps, ALICE, { message: 'First question.' }));
    const store = backend.open();
    const saved = await store.messages(ALICE, sessionId);
    const failed = await turnEvents(deps, ALICE, { message: 'Second question.', sessionId });
    expect(types(failed)).toEqual(['session', 'error:ModelError']);
    expect(await store.messages(ALICE, sessionId)).toEqual(saved);
    expect((await store.get(ALICE, sessionId)).turns).toBe(1);
    const third = await turnEvents(deps, ALICE, { message: 'Third question.', sessionId });
    expect(types(third)).toEqual(['session', 'text', 'done']);
    expect(model.calls[2]?.messages.map(textOfMessage)).toEqual(['First question.', 'First answer.', 'Third question.']);
    expect(deps.agentCache.size).toBe(cacheAgents ? 1 : 0);
  });

  it('lets exactly one of two concurrent turns on a session run; the other gets SessionBusy', async () => {
    const hold = gate();
    const model = new ScriptedModel([{ text: 'ok' }, { text: ['slow ', 'answer'], holdUntil: hold.promise }]);
    const deps = chatDependencies(backend, model);
    const sessionId = sessionIdOf(await turnEvents(deps, ALICE, { message: 'start' }));
    const slow = turnEvents(deps, ALICE, { message: 'one', sessionId });
    await until(() => model.calls.length === 2, 'the first turn to reach the model');
    const busy = await turnEvents(deps, ALICE, { message: 'two', sessionId });
    hold.open();
    const outcomes = [types(await within(5_000, 'the slow turn', slow)), types(busy)];
    expect(outcomes).toEqual([['session', 'text', 'text', 'done'], ['session', 'error:SessionBusy']]);
    expect((await backend.open().get(ALICE, sessionId)).turns).toBe(2);
  });

  it('takes over a lock whose lease has expired (a turn that died holding it)', async () => {
    let now = Date.now();
    const deps = chatDependencies(backend, new ScriptedModel([{ text: 'one' }, { text: 'two' }]), { now: () => now });
    const sessionId = sessionIdOf(await turnEvents(deps, ALICE, { message: 'start' }));
    await deps.sessions.acquireLock(ALICE, sessionId, 'crashed-turn', 60);
    expect(types(await turnEvents(deps, ALICE, { message: 'blocked', sessionId }))).toEqual(['session', 'error:SessionBusy']);
    now += 60_001;
    expect(types(await turnEvents(deps, ALICE, { message: 'after the lease', sessionId }))).toEqual(['session', 'text', 'done']);
  });

  it("refuses another user's session as unknown, and leaves its history alone", async () => {
    const deps = chatDependencies(backend, new ScriptedModel([{ text: 'private answer' }]));
    const sessionId = sessionIdOf(await turnEvents(deps, ALICE, { message: 'private question' }));
    const model = new ScriptedModel([]);
    const bob = chatDependencies(backend, model);
    const unknown = randomUUID();
    expect(await turnEvents(bob, BOB, { message: 'let me in', sessionId })).toEqual([
      { type: 'error', code: 'SessionNotFound', message: `Session ${sessionId} does not exist` },
    ]);
    expect(await turnEvents(bob, BOB, { message: 'let me in', sessionId: unknown })).toEqual([
      { type: 'error', code: 'SessionNotFound', message: `Session ${unknown} does not exist` },
    ]);
    expect(model.calls).toHaveLength(0);
    expect(await backend.open().messages(ALICE, sessionId)).toEqual([
      { role: 'user', text: 'private question' },
      { role: 'assistant', text: 'private answer' },
    ]);
  });

  it('rolls back and unlocks when the client goes away mid-answer, and says nothing more', async () => {
    const hold = gate();
    const model = new ScriptedModel([{ text: 'kept' }, { text: ['partial ', 'never sent'], holdUntil: hold.promise }, { text: 'next' }]);
    const deps = chatDependencies(backend, model, { cacheAgents: true });
    const sessionId = sessionIdOf(await turnEvents(deps, ALICE, { message: 'first' }));
    const client = new AbortController();
    const events: ChatEvent[] = [];
    const turn = runChatTurn({ message: 'second', sessionId }, { userKey: ALICE }, deps, (e) => events.push(e), { signal: client.signal });
    await until(() => events.length === 2, 'the first delta');
    client.abort(new Error('client disconnected'));
    await within(5_000, 'the cancelled turn', turn);
    expect(events).toEqual([{ type: 'session', sessionId }, { type: 'text', delta: 'partial ' }]);
    expect(model.cancelled).toBe(1);
    expect((await deps.sessions.get(ALICE, sessionId)).turns).toBe(1);
    const next = await turnEvents(deps, ALICE, { message: 'third', sessionId });
    expect(types(next)).toEqual(['session', 'text', 'done']);
    expect(model.calls[2]?.messages.map(textOfMessage)).toEqual(['first', 'kept', 'third']);
  });

  it('ends a turn at its deadline with Timeout, rolled back and unlocked', async () => {
    const model = new ScriptedModel([{ text: ['never ', 'finished'], holdUntil: new Promise(() => undefined) }, { text: 'ok' }]);
    const deps = chatDependencies(backend, model, { env: { TURN_TIMEOUT_SECONDS: '1' } });
    const started = Date.now();
    const events = await within(5_000, 'the timed-out turn', turnEvents(deps, ALICE, { message: 'take your time' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(850);
    const sessionId = sessionIdOf(events);
    expect(events.slice(1)).toEqual([
      { type: 'text', delta: 'never ' },
      { type: 'error', code: 'Timeout', message: 'The turn did not finish within its 1 s limit and was not saved' },
    ]);
    expect(await deps.sessions.messages(ALICE, sessionId)).toEqual([]);
    expect(types(await turnEvents(deps, ALICE, { message: 'again', sessionId }))).toEqual(['session', 'text', 'done']);
  });
});

describe('chat turn requests', () => {
  let backend: SessionBackend;
  beforeAll(async () => {
    backend = await BACKENDS[1][1]();
  });
  afterAll(async () => {
    await backend.close();
  });

  it('refuses a bad body with BadRequest before anything else', async () => {
    const model = new ScriptedModel([]);
    const deps = chatDependencies(backend, model);
    for (const body of [{ message: '' }, { message: 'hi', sessionId: 'too-short' }, { message: 'hi', user: 'admin' }, 'not json', 42]) {
      const events = await turnEvents(deps, ALICE, body);
      expect(types(events)).toEqual(['error:BadRequest']);
    }
    expect(model.calls).toHaveLength(0);
    expect((await deps.sessions.list(ALICE, 100)).sessions).toEqual([]);
  });

  it('takes a body given as JSON text', async () => {
    const deps = chatDependencies(backend, new ScriptedModel([{ text: 'ok' }]));
    expect(types(await turnEvents(deps, ALICE, JSON.stringify({ message: 'as text' })))).toEqual(['session', 'text', 'done']);
  });

  it('starts a new session under the runtime session header, and continues it only with the same id in the body', async () => {
    const header = `agentcore-session-${randomUUID()}`;
    const model = new ScriptedModel([{ text: 'one' }, { text: 'two' }]);
    const deps = chatDependencies(backend, model);
    expect(sessionIdOf(await turnEvents(deps, ALICE, { message: 'new' }, { headerSessionId: header }))).toBe(header);
    expect(types(await turnEvents(deps, ALICE, { message: 'continue', sessionId: header }, { headerSessionId: header }))).toEqual(['session', 'text', 'done']);
    const other = randomUUID();
    const mismatch = await turnEvents(deps, ALICE, { message: 'continue', sessionId: other }, { headerSessionId: header });
    expect(mismatch).toEqual([
      { type: 'error', code: 'BadRequest', message: `sessionId "${other}" differs from the runtime session header "${header}"; send the same id in both` },
    ]);
    // A new session under an id already taken.
    expect(types(await turnEvents(deps, ALICE, { message: 'new again' }, { headerSessionId: header }))).toEqual(['error:SessionExists']);
    expect(types(await turnEvents(deps, ALICE, { message: 'bad header' }, { headerSessionId: 'short' }))).toEqual(['error:BadRequest']);
  });

  it('keeps CONVERSATION_WINDOW messages in the model context and the saved history', async () => {
    const script: Turn[] = ['a1', 'a2', 'a3', 'a4'].map((text) => ({ text }));
    const model = new ScriptedModel(script);
    const deps = chatDependencies(backend, model, { env: { CONVERSATION_WINDOW: '4' } });
    const sessionId = sessionIdOf(await turnEvents(deps, ALICE, { message: 'u1' }));
    for (const message of ['u2', 'u3', 'u4']) await turnEvents(deps, ALICE, { message, sessionId });
    expect(model.calls[3]?.messages.map(textOfMessage)).toEqual(['u2', 'a2', 'u3', 'a3', 'u4']);
    expect((await deps.sessions.messages(ALICE, sessionId)).map((m) => m.text)).toEqual(['u3', 'a3', 'u4', 'a4']);
  });

  it('does not reuse a cached agent whose session was deleted and started again under the same id', async () => {
    const header = `agentcore-session-${randomUUID()}`;
    const model = new ScriptedModel([{ text: 'old answer' }, { text: 'fresh answer' }]);
    const deps = chatDependencies(backend, model, { cacheAgents: true });
    await turnEvents(deps, ALICE, { message: 'old question' }, { headerSessionId: header });
    await deps.sessions.delete(ALICE, header);
    expect(types(await turnEvents(deps, ALICE, { message: 'new question' }, { headerSessionId: header }))).toEqual(['session', 'text', 'done']);
    expect(model.calls[1]?.messages.map(textOfMessage)).toEqual(['new question']);
  });

  it('restores a cached agent again when another instance has answered turns of its session meanwhile', async () => {
    const model = new ScriptedModel([{ text: 'answer 1' }, { text: 'answer 2' }, { text: 'answer 3' }]);
    const [here, elsewhere] = [chatDependencies(backend, model, { cacheAgents: true }), chatDependencies(backend, model, { cacheAgents: true })];
    const sessionId = sessionIdOf(await turnEvents(here, ALICE, { message: 'question 1' }));
    await turnEvents(elsewhere, ALICE, { message: 'question 2', sessionId });
    expect(types(await turnEvents(here, ALICE, { message: 'question 3', sessionId }))).toEqual(['session', 'text', 'done']);
    expect(model.calls[2]?.messages.map(textOfMessage)).toEqual(['question 1', 'answer 1', 'question 2', 'answer 2', 'question 3']);
  });

  it('emits the ChatError an entrypoint aborts the turn with (its own deadline)', async () => {
    const model = new ScriptedModel([{ text: ['a', 'b'], holdUntil: new Promise(() => undefined) }]);
    const deps = chatDependencies(backend, model);
    const deadline = new AbortController();
    const events: ChatEvent[] = [];
    const turn = runChatTurn({ message: 'hi' }, { userKey: ALICE }, deps, (e) => events.push(e), { signal: deadline.signal });
    await until(() => events.length === 2, 'the first delta');
    deadline.abort(new ChatError('Timeout', 'The Lambda function is about to time out'));
    await within(5_000, 'the aborted turn', turn);
    expect(events.at(-1)).toEqual({ type: 'error', code: 'Timeout', message: 'The Lambda function is about to time out' });
  });

  it('reports a system prompt it cannot read as Internal, and unlocks', async () => {
    const deps = chatDependencies(backend, new ScriptedModel([]));
    const broken = { ...deps, resources: () => Promise.reject(new Error('S3 is down')) };
    const events = await turnEvents(broken, ALICE, { message: 'hi' });
    expect(events.slice(1)).toEqual([{ type: 'error', code: 'Internal', message: 'The turn failed on the server and was not saved; try again' }]);
    const sessionId = sessionIdOf(events);
    await deps.sessions.acquireLock(ALICE, sessionId, 'next', 60);
    expect(deps.logger.lines.some((l) => l.level === 'error' && l.message === 'Session agent unavailable')).toBe(true);
  });
});
