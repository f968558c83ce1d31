import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tool } from '@strands-agents/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AgentRuntimeType } from '../../agent/core/errors.js';
import { installStreamingGlobals, invokeStreamingHandler } from '../../cli/lambda-streaming.js';
import { eventsOf, framesOf, isHeartbeat, restProxyEvent } from './helpers/chat-transport.js';
import { agentCoreChat, CALLER_ARN, chatDependencies, lambdaChat, postInvocation, SESSION_HEADER, USER_ID_HEADER } from './helpers/chat-front-doors.js';
import { ScriptedModel, type Turn } from './helpers/scripted-model.js';

const TOOL_MS = 2_500;
const slowTool = tool({
  name: 'look_up_order',
  description: 'Looks an order up (slowly)',
  inputSchema: z.object({ orderId: z.string() }),
  callback: async ({ orderId }: { orderId: string }) => {
    await new Promise((resolve) => setTimeout(resolve, TOOL_MS));
    return `order ${orderId}: shipped`;
  },
});

/** The same model answers on both front doors: a tool call, then text in three deltas 100 ms apart. */
const script = (): Turn[] => [
  { toolUse: { name: 'look_up_order', input: { orderId: '42' }, id: 'tooluse-1' }, usage: { inputTokens: 20, outputTokens: 5, totalTokens: 25 } },
  { text: ['Your order ', 'has ', 'shipped.'], delayMs: 100, usage: { inputTokens: 40, outputTokens: 6, totalTokens: 46 } },
];
const followUp = (): Turn[] => [{ text: ['Anything ', 'else?'], usage: { inputTokens: 60, outputTokens: 3, totalTokens: 63 } }];

const withoutHeartbeats = (body: string): string => framesOf(body).filter((f) => !isHeartbeat(f)).join('');

/**
 * One wire protocol: the Lambda handler (under the runtime shim) and the AgentCore server, each
 * with its own session directory and the same scripted model, write the same bytes once the
 * transport (Lambda's prelude, HTTP chunking) and the heartbeats are set aside.
 */
describe('chat frames are the same on Lambda and AgentCore', () => {
  let uninstall: () => void;
  const dirs: string[] = [];
  const newDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'chat-frames-'));
    dirs.push(dir);
    return dir;
  };
  beforeAll(() => {
    uninstall = installStreamingGlobals();
  });
  afterAll(async () => {
    uninstall();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** Both front doors, kept for the later cases: the session the first turn created lives on. */
  let doors: { handler: ReturnType<typeof lambdaChat>; base: string; close: () => Promise<void>; sessionId: string } | undefined;
  afterAll(async () => {
    await doors?.close();
  });

  it('a turn with a slow tool: heartbeats while the tool runs, text as the model streams it, byte-identical frames', async () => {
    const env = { HEARTBEAT_SECONDS: '1' };
    const lambdaModel = new ScriptedModel([...script(), ...followUp()]);
    const lambdaDeps = chatDependencies(AgentRuntimeType.LAMBDA, lambdaModel, { directory: await newDir(), env, tools: [slowTool] });
    const handler = lambdaChat(lambdaDeps);
    const onLambda = await invokeStreamingHandler(handler, restProxyEvent({ body: JSON.stringify({ message: 'Where is order 42?' }), userArn: CALLER_ARN })).done;
    expect(onLambda.outcome).toBe('completed');
    const lambdaBody = onLambda.http?.body.toString('utf8') ?? '';
    const events = eventsOf(lambdaBody);
    const sessionId = events[0]?.type === 'session' ? events[0].sessionId : '';
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    // AgentCore names a new session by its header: the same id, so the same bytes.
    const agentCoreModel = new ScriptedModel([...script(), ...followUp()]);
    const agentCoreDeps = chatDependencies(AgentRuntimeType.AGENTCORE, agentCoreModel, { directory: await newDir(), env, tools: [slowTool] });
    const { server, base } = await agentCoreChat(agentCoreDeps);
    doors = { handler, base, sessionId, close: () => server.close(0) };
    const onAgentCore = await postInvocation(base, JSON.stringify({ message: 'Where is order 42?' }), { [SESSION_HEADER]: sessionId, [USER_ID_HEADER]: CALLER_ARN });
    expect(onAgentCore.status).toBe(200);
    expect(onAgentCore.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(onAgentCore.headers['cache-control']).toBe('no-cache');
    expect(onLambda.http?.headers).toMatchObject({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });

    const expected =
      `event: session\ndata: {"type":"session","sessionId":"${sessionId}"}\n\n` +
      'event: tool\ndata: {"type":"tool","phase":"start","name":"look_up_order","id":"tooluse-1"}\n\n' +
      'event: tool\ndata: {"type":"tool","phase":"end","name":"look_up_order","id":"tooluse-1"}\n\n' +
      'event: text\ndata: {"type":"text","delta":"Your order "}\n\n' +
      'event: text\ndata: {"type":"text","delta":"has "}\n\n' +
      'event: text\ndata: {"type":"text","delta":"shipped."}\n\n' +
      'event: done\ndata: {"type":"done","stopReason":"endTurn","usage":{"inputTokens":60,"outputTokens":11,"totalTokens":71}}\n\n';
    expect(withoutHeartbeats(lambdaBody)).toBe(expected);
    expect(withoutHeartbeats(onAgentCore.body)).toBe(expected);

    for (const [door, body] of [['Lambda', lambdaBody], ['AgentCore', onAgentCore.body]] as const) {
      const frames = framesOf(body);
      const start = frames.findIndex((f) => f.includes('"phase":"start"'));
      const end = frames.findIndex((f) => f.includes('"phase":"end"'));
      expect(frames.slice(start + 1, end).filter(isHeartbeat).length, `${door} heartbeats during the tool`).toBeGreaterThanOrEqual(2);
    }
    // The first text left before the model had finished (two more deltas, 100 ms apart, followed).
    for (const chunks of [onLambda.http?.chunks ?? [], onAgentCore.chunks]) {
      const at = (text: string) => chunks.find((c) => c.bytes.toString().includes(text))!.at;
      expect(at('"delta":"shipped."') - at('"delta":"Your order "')).toBeGreaterThan(150);
    }
  });

  it('a bad request: the same error frame', async () => {
    const { handler, base, sessionId } = doors!;
    const bad = JSON.stringify({ message: '', extra: 1 });
    const onLambda = await invokeStreamingHandler(handler, restProxyEvent({ body: bad, userArn: CALLER_ARN })).done;
    const onAgentCore = await postInvocation(base, bad, { [SESSION_HEADER]: sessionId, [USER_ID_HEADER]: CALLER_ARN });
    expect(onAgentCore.status).toBe(200);
    expect(onLambda.http?.body.toString('utf8')).toBe(onAgentCore.body);
    expect(eventsOf(onAgentCore.body)).toEqual([{ type: 'error', code: 'BadRequest', message: expect.stringContaining('unknown field(s) extra') }]);
  });

  // On AgentCore the cached agent serves the session's turns; each done event still reports that
  // turn's own usage (latestAgentInvocation), as on Lambda, which restores a fresh agent.
  it('the next turn of the session (AgentCore reuses its cached agent): the same frames, the usage of that turn', async () => {
    const { handler, base, sessionId } = doors!;
    const next = JSON.stringify({ message: 'Thanks', sessionId });
    const onLambda = await invokeStreamingHandler(handler, restProxyEvent({ body: next, userArn: CALLER_ARN })).done;
    const onAgentCore = await postInvocation(base, next, { [SESSION_HEADER]: sessionId, [USER_ID_HEADER]: CALLER_ARN });
    expect(eventsOf(onAgentCore.body).map((e) => e.type)).toEqual(['session', 'text', 'text', 'done']);
    expect(eventsOf(onLambda.http?.body.toString('utf8') ?? '').at(-1)).toMatchObject({ usage: { inputTokens: 60, outputTokens: 3, totalTokens: 63 } });
    expect(withoutHeartbeats(onLambda.http?.body.toString('utf8') ?? '')).toBe(withoutHeartbeats(onAgentCore.body));
  });
});
