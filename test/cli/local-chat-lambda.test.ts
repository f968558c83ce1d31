import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentRuntimeType } from '../../src/index.js';
import type { RunningCli } from './cli-process.js';
import { chatTurn, localToken, offlineEnv, sessionsCall, startChatCli, synthChatApp } from './local-chat-app.js';
import { startChatModel, type ChatModel } from './local-chat-model.js';

/**
 * `agentic-ai-framework local` for an interactive agent on Lambda: the shipped tool serves the chat
 * REST API on 127.0.0.1 with the agent's real `chatHandler` under the response-streaming shim, the
 * package's token authorizer and Sessions API functions in sandboxes, tokens from the tool's own
 * issuer, sessions in a directory kept across runs, and a model stand-in. Nothing reaches AWS.
 */

let work: string;
let appDir: string;
let sessionDir: string;
let env: NodeJS.ProcessEnv;
let model: ChatModel;
let cli: RunningCli;
let base: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'local-chat-lambda-'));
  appDir = synthChatApp(join(work, 'cdk.out'), AgentRuntimeType.LAMBDA);
  sessionDir = join(work, 'sessions');
  env = offlineEnv(work);
  model = await startChatModel(40);
  cli = await startChatCli(appDir, env, model.url, { args: ['--session-directory', sessionDir] });
  base = `http://127.0.0.1:${cli.port}`;
}, 60_000);

afterAll(async () => {
  await cli?.stop();
  await model?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('local <interactive agent on Lambda>', () => {
  it('says how it runs: the local issuer (local only), where sessions go, the Lambda contract', () => {
    const log = cli.stderr();
    expect(log).toContain('LOCAL ONLY');
    expect(log).toMatch(/a token for user developer \(valid 60 min\): eyJ/);
    expect(log).toContain(`sessions: ${sessionDir}`);
    expect(log).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(log).toContain('LAMBDA contract');
  });

  it('refuses a turn without a token, or with a token it did not issue, as API Gateway does (401)', async () => {
    const none = await chatTurn(base, undefined, { message: 'hi' });
    expect(none.status).toBe(401);
    expect(none.text).toBe('{"code":"Unauthorized","message":"Unauthorized"}');
    const forged = await chatTurn(base, 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl', { message: 'hi' });
    expect(forged.status).toBe(401);
    expect(model.calls).toHaveLength(0);
  });

  it('streams a turn, continues the session with its context, and keeps it for the Sessions API', async () => {
    const alice = await localToken(base, 'alice');
    const first = await chatTurn(base, alice, { message: 'My name is Ada.' });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(first.events[0]?.event).toBe('session');
    const sessionId = String(first.events[0]!.data.sessionId);
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.text).toBe('Nice to meet you, Ada.');
    // Streamed: the deltas arrived over time, not in one piece at the end.
    const texts = first.events.filter((e) => e.event === 'text');
    expect(texts.length).toBeGreaterThan(2);
    expect(texts.at(-1)!.at - texts[0]!.at).toBeGreaterThan(50);
    expect(first.events.at(-1)?.event).toBe('done');

    const second = await chatTurn(base, alice, { message: 'What is my name?', sessionId });
    expect(second.events[0]?.data).toEqual({ type: 'session', sessionId });
    expect(second.text).toBe('Your name is Ada.');
    // The model was sent the first turn again: restored from the session's history.
    expect(model.calls.at(-1)?.messages.map((m) => m.text)).toEqual(['My name is Ada.', 'Nice to meet you, Ada.', 'What is my name?']);

    const list = await sessionsCall(base, alice, 'GET', '/sessions');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ sessions: [expect.objectContaining({ sessionId, title: 'My name is Ada.' })] });
    const detail = await sessionsCall(base, alice, 'GET', `/sessions/${sessionId}`);
    expect(detail.body).toMatchObject({
      sessionId,
      messages: [
        { role: 'user', text: 'My name is Ada.' },
        { role: 'assistant', text: 'Nice to meet you, Ada.' },
        { role: 'user', text: 'What is my name?' },
        { role: 'assistant', text: 'Your name is Ada.' },
      ],
    });
    expect(await readdir(sessionDir)).not.toHaveLength(0);

    // Another user sees nothing of it, and cannot continue it.
    const bob = await localToken(base, 'bob');
    expect(await sessionsCall(base, bob, 'GET', '/sessions')).toEqual({ status: 200, body: { sessions: [] } });
    expect((await sessionsCall(base, bob, 'GET', `/sessions/${sessionId}`)).status).toBe(404);
    const intruder = await chatTurn(base, bob, { message: 'What is my name?', sessionId });
    expect(intruder.events.at(-1)?.data).toMatchObject({ type: 'error', code: 'SessionNotFound' });
  });

  it('runs turns side by side, as Lambda scales out: a second turn on a busy session meets its lock', async () => {
    const carol = await localToken(base, 'carol');
    const opened = await chatTurn(base, carol, { message: 'Open a session.' });
    const sessionId = String(opened.events[0]?.data.sessionId);
    // Longer than a second sandbox's cold start.
    const long = 'Tell me slowly a long story about a lighthouse keeper and the sea';
    const [a, b] = await Promise.all([chatTurn(base, carol, { message: long, sessionId }), chatTurn(base, carol, { message: long, sessionId })]);
    const outcomes = [a, b].map((turn) => turn.events.at(-1)?.data);
    expect(outcomes).toContainEqual(expect.objectContaining({ type: 'done' }));
    expect(outcomes).toContainEqual(expect.objectContaining({ type: 'error', code: 'SessionBusy' }));
  });

  it('keeps the sessions across a restart on the same port (the directory and the issuer are the same)', async () => {
    const alice = await localToken(base, 'alice');
    const turn = await chatTurn(base, alice, { message: 'Remember this.' });
    const sessionId = String(turn.events[0]?.data.sessionId);
    const port = cli.port;
    expect(await cli.stop()).toBe(0);
    cli = await startChatCli(appDir, env, model.url, { args: ['--session-directory', sessionDir], port });
    // A new run signs with a new key: the old token is refused, a new one sees the same sessions.
    expect((await sessionsCall(base, alice, 'GET', '/sessions')).status).toBe(401);
    const again = await localToken(base, 'alice');
    const detail = await sessionsCall(base, again, 'GET', `/sessions/${sessionId}`);
    expect(detail).toMatchObject({ status: 200, body: { messages: [{ role: 'user', text: 'Remember this.' }, { role: 'assistant', text: 'You said: Remember this.' }] } });
    expect((await sessionsCall(base, again, 'DELETE', `/sessions/${sessionId}`)).status).toBe(204);
    expect((await sessionsCall(base, again, 'GET', `/sessions/${sessionId}`)).status).toBe(404);
  });
});
