import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentRuntimeType } from '../../agent/core/errors.js';
import { installStreamingGlobals, invokeStreamingHandler } from '../../cli/lambda-streaming.js';
import { eventsOf, restProxyEvent } from './helpers/chat-transport.js';
import { until, within } from './helpers/faulty-s3.js';
import { CALLER_ARN, chatDependencies, lambdaChat, type TestChatDependencies } from './helpers/chat-front-doors.js';
import { ScriptedModel, SwitchableModel } from './helpers/scripted-model.js';

/** The Lambda chat handler with the real chat turn: stopping a turn rolls it back and frees its session. */
describe('chat handler on Lambda, stopping a turn', () => {
  let uninstall: () => void;
  let dir: string;
  let deps: TestChatDependencies;
  const model = new SwitchableModel(new ScriptedModel([]));
  const ask = (body: Record<string, unknown>) => restProxyEvent({ body: JSON.stringify(body), userArn: CALLER_ARN });

  beforeAll(async () => {
    uninstall = installStreamingGlobals();
    dir = await mkdtemp(join(tmpdir(), 'chat-lambda-turn-'));
    deps = chatDependencies(AgentRuntimeType.LAMBDA, model, { directory: dir });
  });
  afterAll(async () => {
    uninstall();
    await rm(dir, { recursive: true, force: true });
  });

  it('the client going away cancels the model; the turn is rolled back and the session free for the next one', async () => {
    const holding = new ScriptedModel([{ text: ['thinking', ' forever'], holdUntil: new Promise(() => undefined) }, { text: 'Fresh start.' }]);
    model.current = holding;
    const handler = lambdaChat(deps);
    let received = '';
    const invocation = invokeStreamingHandler(handler, ask({ message: 'take your time' }), { onBody: (bytes) => (received += bytes.toString('utf8')) });
    // The client leaves once the first text frame has arrived (a bounded wait, not a sleep).
    await until(() => received.includes('event: text'), 'the first text frame', 5_000);
    expect(holding.calls.length).toBe(1);
    invocation.disconnect();
    // Stopped by the disconnection, not by the turn's own deadline (TURN_TIMEOUT_SECONDS, a minute here).
    const stopped = await within(3_000, 'end of the stopped turn', invocation.done);
    expect(stopped.outcome).toBe('disconnected');
    const events = eventsOf(stopped.http?.body.toString('utf8') ?? '');
    expect(events.map((e) => e.type)).toEqual(['session', 'text']);
    expect(holding.cancelled).toBe(1);
    expect(deps.logger.lines.map((l) => l.message)).toContain('Turn cancelled and rolled back');

    const sessionId = events[0]?.type === 'session' ? events[0].sessionId : '';
    const next = await invokeStreamingHandler(handler, ask({ message: 'hello again', sessionId })).done;
    expect(eventsOf(next.http?.body.toString('utf8') ?? '')).toEqual([
      { type: 'session', sessionId },
      { type: 'text', delta: 'Fresh start.' },
      { type: 'done', stopReason: 'endTurn', usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } },
    ]);
    // Nothing of the stopped turn was kept: the model saw only the new message.
    expect(holding.calls.at(-1)?.messages.map((m) => m.role)).toEqual(['user']);
  });

  it('a client gone without the runtime saying so (what Lambda does today): the turn runs to its end and is saved', async () => {
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const answering = new ScriptedModel([{ text: ['partly', ' answered'], holdUntil: gate }, { text: 'Next.' }]);
    model.current = answering;
    const handler = lambdaChat(deps);
    let received = '';
    const invocation = invokeStreamingHandler(handler, ask({ message: 'go on' }), { onBody: (bytes) => (received += bytes.toString('utf8')) });
    await until(() => received.includes('event: text'), 'the first text frame', 5_000);
    expect(answering.calls.length).toBe(1);
    invocation.disconnect('silent');
    open();
    const result = await within(3_000, 'end of the turn', invocation.done);
    expect(result.outcome).toBe('disconnected');
    // The rest of the answer went nowhere, but the turn completed and was kept.
    expect(result.undelivered).toBeGreaterThan(0);
    expect(answering.cancelled).toBe(0);
    const sessionId = /"sessionId":"([^"]+)"/.exec(result.http?.body.toString('utf8') ?? '')?.[1];
    const next = await invokeStreamingHandler(handler, ask({ message: 'and?', sessionId })).done;
    expect(eventsOf(next.http?.body.toString('utf8') ?? '').map((e) => e.type)).toEqual(['session', 'text', 'done']);
    expect(answering.calls.at(-1)?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it("near the function's timeout: a Timeout error ends the stream, the turn is rolled back and the session free", async () => {
    const holding = new ScriptedModel([{ text: ['thinking', ' forever'], holdUntil: new Promise(() => undefined) }, { text: 'Made it.' }]);
    model.current = holding;
    const handler = lambdaChat(deps);
    // The handler stops its turn 3 s before the function's timeout: here after about 500 ms.
    const timedOut = await within(3_000, 'end of the turn', invokeStreamingHandler(handler, ask({ message: 'take your time' }), { timeoutMs: 3_500 }).done);
    expect(timedOut.outcome).toBe('completed');
    const events = eventsOf(timedOut.http?.body.toString('utf8') ?? '');
    expect(events.map((e) => e.type)).toEqual(['session', 'text', 'error']);
    expect(events.at(-1)).toMatchObject({ code: 'Timeout' });
    expect(holding.cancelled).toBe(1);

    const sessionId = events[0]?.type === 'session' ? events[0].sessionId : '';
    const next = await invokeStreamingHandler(handler, ask({ message: 'again', sessionId })).done;
    expect(eventsOf(next.http?.body.toString('utf8') ?? '').map((e) => e.type)).toEqual(['session', 'text', 'done']);
  });
});
