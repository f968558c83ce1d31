/**
 * Time from the model's first token to that token's frame leaving each front door, model and
 * network excluded: the scripted model timestamps its first text delta just before yielding it,
 * and the frame's first byte is timestamped where it arrives.
 *
 *   lambda      chatHandler under the Lambda streaming shim (cli/lambda-streaming.ts): arrival at
 *               the local Runtime API (what the Lambda service receives; API Gateway's hop excluded)
 *   agentcore   the AgentCore server on 127.0.0.1: arrival at an HTTP client (AgentCore's hop excluded)
 *
 * Both run the real chat turn (runChatTurn) with sessions in a temporary directory; each run is a
 * new session. RUNS runs per front door after WARMUP runs; median, p90, min and max in ms.
 *
 *   npx tsx bench/interactive/front-door-ttfb.ts [runs=30] [warmup=5]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Model, type BaseModelConfig, type ModelStreamEvent } from '@strands-agents/sdk';
import { AgentRuntimeType } from '../../agent/core/errors.js';
import { installStreamingGlobals, invokeStreamingHandler, preciseNow } from '../../cli/lambda-streaming.js';
import { restProxyEvent } from '../../test/agent/helpers/chat-transport.js';
import { agentCoreChat, CALLER_ARN, chatDependencies, lambdaChat, SESSION_HEADER, USER_ID_HEADER } from '../../test/agent/helpers/chat-front-doors.js';

const runs = Number(process.argv[2] ?? 30);
const warmup = Number(process.argv[3] ?? 5);
const FIRST = 'Hello';

/** Answers every call with two deltas, noting when the first one is handed to the agent. */
class TimedModel extends Model<BaseModelConfig> {
  firstTokenAt = 0;
  private config: BaseModelConfig = { modelId: 'timed-model' };
  updateConfig(config: BaseModelConfig): void {
    this.config = { ...this.config, ...config };
  }
  getConfig(): BaseModelConfig {
    return this.config;
  }
  async *stream(): AsyncIterable<ModelStreamEvent> {
    yield { type: 'modelMessageStartEvent', role: 'assistant' };
    yield { type: 'modelContentBlockStartEvent' };
    this.firstTokenAt = preciseNow();
    yield { type: 'modelContentBlockDeltaEvent', delta: { type: 'textDelta', text: FIRST } };
    await new Promise((resolve) => setTimeout(resolve, 20));
    yield { type: 'modelContentBlockDeltaEvent', delta: { type: 'textDelta', text: ' there.' } };
    yield { type: 'modelContentBlockStopEvent' };
    yield { type: 'modelMessageStopEvent', stopReason: 'endTurn' };
  }
}

const FRAME = `"delta":"${FIRST}"`;

/** When the bytes of the first text frame arrived, from timestamped chunks. */
function arrivalOf(chunks: ReadonlyArray<{ bytes: Buffer; at: number }>): number {
  let seen = '';
  for (const chunk of chunks) {
    seen += chunk.bytes.toString('utf8');
    if (seen.includes(FRAME)) return chunk.at;
  }
  throw new Error('no first text frame');
}

function post(base: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunks: Array<{ bytes: Buffer; at: number }> = [];
    const req = request(`${base}/invocations`, { method: 'POST', headers: { 'Content-Type': 'application/json', [USER_ID_HEADER]: CALLER_ARN, [SESSION_HEADER]: `bench-session-${crypto.randomUUID()}` } }, (res) => {
      res.on('data', (bytes: Buffer) => chunks.push({ bytes, at: preciseNow() }));
      res.on('end', () => resolve(arrivalOf(chunks)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function summary(name: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const ms = (v: number) => v.toFixed(2).padStart(7);
  return `${name.padEnd(10)} ${ms(at(0.5))} ${ms(at(0.9))} ${ms(sorted[0]!)} ${ms(sorted.at(-1)!)}   (n=${samples.length})`;
}

const uninstall = installStreamingGlobals();
const dir = await mkdtemp(join(tmpdir(), 'front-door-ttfb-'));
const body = JSON.stringify({ message: 'Hi' });
try {
  const lambdaModel = new TimedModel();
  const handler = lambdaChat(chatDependencies(AgentRuntimeType.LAMBDA, lambdaModel, { directory: join(dir, 'lambda') }));
  const agentCoreModel = new TimedModel();
  const { server, base } = await agentCoreChat(chatDependencies(AgentRuntimeType.AGENTCORE, agentCoreModel, { directory: join(dir, 'agentcore') }));
  const lambda: number[] = [];
  const agentcore: number[] = [];
  try {
    for (let i = 0; i < warmup + runs; i++) {
      const result = await invokeStreamingHandler(handler, restProxyEvent({ body, userArn: CALLER_ARN })).done;
      const lambdaDelay = arrivalOf(result.http?.chunks ?? []) - lambdaModel.firstTokenAt;
      const agentCoreDelay = (await post(base, body)) - agentCoreModel.firstTokenAt;
      if (i >= warmup) {
        lambda.push(lambdaDelay);
        agentcore.push(agentCoreDelay);
      }
    }
  } finally {
    await server.close(0);
  }
  console.log(`first token -> its frame's first byte, ms (${runs} runs after ${warmup} warm-up, Node ${process.version})`);
  console.log(`${'door'.padEnd(10)} ${'median'.padStart(7)} ${'p90'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)}`);
  console.log(summary('lambda', lambda));
  console.log(summary('agentcore', agentcore));
} finally {
  uninstall();
  await rm(dir, { recursive: true, force: true });
}
