/**
 * The heartbeat under a long silent tool call: a turn whose tool works SILENT_S seconds without a
 * word (default 60), on both front doors at once, with the default HEARTBEAT_SECONDS (15). Prints
 * every gap between two consecutive bytes of the stream during the silence, and the longest: an
 * idle timeout shorter than the longest gap would cut the stream (API Gateway REST streaming: 5 min
 * Regional, 30 s edge-optimized).
 *
 *   lambda      chatHandler under the Lambda streaming shim (arrival at the local Runtime API)
 *   agentcore   the AgentCore server on 127.0.0.1 (arrival at an HTTP client)
 *
 *   npx tsx bench/interactive/heartbeat.ts [silentSeconds=60]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tool } from '@strands-agents/sdk';
import { z } from 'zod';
import { AgentRuntimeType } from '../../agent/core/errors.js';
import { installStreamingGlobals, invokeStreamingHandler } from '../../cli/lambda-streaming.js';
import { restProxyEvent } from '../../test/agent/helpers/chat-transport.js';
import { agentCoreChat, CALLER_ARN, chatDependencies, lambdaChat, USER_ID_HEADER, postInvocation, SESSION_HEADER } from '../../test/agent/helpers/chat-front-doors.js';
import { ScriptedModel } from '../../test/agent/helpers/scripted-model.js';

const SILENT_S = Number(process.argv[2] ?? 60);

const slowTool = tool({
  name: 'slow_lookup',
  description: 'Works a long time without output.',
  inputSchema: z.object({}),
  callback: () => new Promise<string>((resolve) => setTimeout(() => resolve('found'), SILENT_S * 1000)),
});

function script(): ScriptedModel {
  return new ScriptedModel([{ toolUse: { name: 'slow_lookup', input: {} } }, { text: 'Done.' }]);
}

/** Gaps (s) between consecutive chunk arrivals, from the first chunk to the last. */
function gaps(arrivals: readonly number[]): number[] {
  return arrivals.slice(1).map((at, i) => (at - arrivals[i]!) / 1000);
}

function report(name: string, arrivals: readonly number[], heartbeats: number): void {
  const all = gaps(arrivals);
  console.log(`${name.padEnd(10)} ${heartbeats} heartbeats; gaps between bytes (s): ${all.map((g) => g.toFixed(2)).join(' ')}; longest ${Math.max(...all).toFixed(2)} s`);
}

const directory = await mkdtemp(join(tmpdir(), 'chat-heartbeat-'));
const restore = installStreamingGlobals();
try {
  const env = { TURN_TIMEOUT_SECONDS: String(SILENT_S + 120) };
  const lambdaDeps = chatDependencies(AgentRuntimeType.LAMBDA, script(), { directory, env, tools: [slowTool] });
  const agentCoreDeps = chatDependencies(AgentRuntimeType.AGENTCORE, script(), { directory, env, tools: [slowTool] });
  const { server, base } = await agentCoreChat(agentCoreDeps);
  try {
    console.log(`a ${SILENT_S} s silent tool call, HEARTBEAT_SECONDS=${lambdaDeps.chatConfig.heartbeatSeconds}, Node ${process.version}`);
    const lambda = invokeStreamingHandler(lambdaChat(lambdaDeps), restProxyEvent({ body: JSON.stringify({ message: 'Look it up' }), userArn: CALLER_ARN }), { timeoutMs: (SILENT_S + 60) * 1000 });
    const agentcore = postInvocation(base, JSON.stringify({ message: 'Look it up' }), {
      Accept: 'text/event-stream',
      [SESSION_HEADER]: `heartbeat-bench-${'0'.repeat(24)}`,
      [USER_ID_HEADER]: CALLER_ARN,
    });
    const [lambdaDone, agentCoreDone] = await Promise.all([lambda.done, agentcore]);
    const lambdaChunks = lambdaDone.http?.chunks ?? [];
    report('lambda', lambdaChunks.map((c) => c.at), lambdaChunks.filter((c) => c.bytes.toString('utf8').includes(': heartbeat')).length);
    report('agentcore', agentCoreDone.chunks.map((c) => c.at), agentCoreDone.chunks.filter((c) => c.bytes.toString('utf8').includes(': heartbeat')).length);
  } finally {
    await server.close(1000);
  }
} finally {
  restore();
  await rm(directory, { recursive: true, force: true });
}
