import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentRuntimeType } from '../../src/index.js';
import type { RunningCli } from './cli-process.js';
import { chatTurn, localToken, offlineEnv, sessionsCall, startChatCli, synthChatApp } from './local-chat-app.js';
import { startChatModel, type ChatModel } from './local-chat-model.js';

/**
 * `agentic-ai-framework local` for an interactive agent on AgentCore: the agent's server process
 * behind the package's chat proxy (in a streaming Lambda sandbox, as deployed), which calls a local
 * InvokeAgentRuntime that forwards to the server with the session header and the caller's token;
 * the same REST API, tokens and session directory as on Lambda. Nothing reaches AWS.
 */

let work: string;
let sessionDir: string;
let model: ChatModel;
let cli: RunningCli;
let base: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'local-chat-agentcore-'));
  const appDir = synthChatApp(join(work, 'cdk.out'), AgentRuntimeType.AGENTCORE);
  sessionDir = join(work, 'sessions');
  model = await startChatModel(40);
  cli = await startChatCli(appDir, offlineEnv(work), model.url, { args: ['--session-directory', sessionDir] });
  base = `http://127.0.0.1:${cli.port}`;
}, 60_000);

afterAll(async () => {
  await cli?.stop();
  await model?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('local <interactive agent on AgentCore>', () => {
  it('runs the server process behind the chat proxy', () => {
    expect(cli.stderr()).toMatch(/its server on 127\.0\.0\.1:\d+ \(AGENTCORE contract\), behind the chat proxy/);
  });

  it('refuses a turn without a token before it reaches the proxy (401)', async () => {
    const none = await chatTurn(base, undefined, { message: 'hi' });
    expect(none.status).toBe(401);
    expect(model.calls).toHaveLength(0);
  });

  it('streams turns through the proxy, with the session and its context, and the Sessions API sees them', async () => {
    const alice = await localToken(base, 'alice');
    const first = await chatTurn(base, alice, { message: 'My name is Ada.' });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(first.events[0]?.event).toBe('session');
    const sessionId = String(first.events[0]!.data.sessionId);
    expect(first.text).toBe('Nice to meet you, Ada.');
    const texts = first.events.filter((e) => e.event === 'text');
    expect(texts.length).toBeGreaterThan(2);
    expect(texts.at(-1)!.at - texts[0]!.at).toBeGreaterThan(50);
    expect(first.events.at(-1)?.event).toBe('done');

    const second = await chatTurn(base, alice, { message: 'What is my name?', sessionId });
    expect(second.text).toBe('Your name is Ada.');
    expect(model.calls.at(-1)?.messages.map((m) => m.text)).toEqual(['My name is Ada.', 'Nice to meet you, Ada.', 'What is my name?']);

    const detail = await sessionsCall(base, alice, 'GET', `/sessions/${sessionId}`);
    expect(detail).toMatchObject({ status: 200, body: { sessionId, title: 'My name is Ada.', messages: { length: 4 } } });
    const bob = await localToken(base, 'bob');
    expect((await sessionsCall(base, bob, 'GET', `/sessions/${sessionId}`)).status).toBe(404);
    const intruder = await chatTurn(base, bob, { message: 'What is my name?', sessionId });
    expect(intruder.events.at(-1)?.data).toMatchObject({ type: 'error', code: 'SessionNotFound' });
  });
});
