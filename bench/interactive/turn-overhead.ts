/**
 * What durable sessions cost a chat turn, model time excluded: the scripted model answers at once,
 * so what is measured is the turn's own work around it. Three ways, the same conversation each:
 *
 *   no sessions       a Strands Agent streamed directly (the floor: the agent loop itself)
 *   lambda            runChatTurn with the DynamoDB index (dynalite) and S3 history (s3rver)
 *                     through the real SDK clients: create or read the session, take the lock,
 *                     restore the history from S3, stream, save the snapshot, record the turn,
 *                     release the lock (every turn restores: a Lambda container keeps nothing)
 *   agentcore         the same, with the session's agent kept in memory between turns (the microVM)
 *
 * One conversation of TURNS turns, RUNS times after a warm-up conversation; median and p90 per turn
 * (first turns and continuing turns apart), and the overhead over the floor.
 *
 *   npx tsx bench/interactive/turn-overhead.ts [turns=10] [runs=5]
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { Agent } from '@strands-agents/sdk';
import { runChatTurn } from '../../agent/chat/turn.js';
import { ScriptedModel, type Turn } from '../../test/agent/helpers/scripted-model.js';
import { chatDependencies } from '../../test/agent/chat/helpers/chat-deps.js';
import { startAwsBackend, userKeyOf } from '../../test/agent/chat/helpers/session-stores.js';

// AWS calls a turn makes, counted where they arrive (dynalite and s3rver run in this process).
const calls = new Map<string, number>();
subscribe('http.server.request.start', (message) => {
  const request = (message as { request: IncomingMessage }).request;
  const target = request.headers['x-amz-target'];
  const name = typeof target === 'string' ? `dynamodb:${target.split('.')[1]}` : `s3:${request.method}`;
  calls.set(name, (calls.get(name) ?? 0) + 1);
});

const TURNS = Number(process.argv[2] ?? 10);
const RUNS = Number(process.argv[3] ?? 5);
const USAGE = { inputTokens: 100, outputTokens: 20, totalTokens: 120 };

function answers(count: number): Turn[] {
  return Array.from({ length: count }, (_, i) => ({ text: ['Answer ', `number ${i}.`], usage: USAGE }));
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function summary(label: string, first: number[], next: number[], floor?: { first: number; next: number }): void {
  const fmt = (values: number[], base?: number): string => {
    const median = percentile(values, 0.5);
    const over = base === undefined ? '' : ` (+${(median - base).toFixed(2)} ms over the floor)`;
    return `median ${median.toFixed(2)} ms, p90 ${percentile(values, 0.9).toFixed(2)} ms${over}`;
  };
  console.log(`${label.padEnd(12)} first turn: ${fmt(first, floor?.first)}; next turns: ${fmt(next, floor?.next)}`);
}

async function floor(): Promise<{ first: number[]; next: number[] }> {
  const first: number[] = [];
  const next: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const agent = new Agent({ model: new ScriptedModel(answers(TURNS)), printer: false, systemPrompt: 'You are helpful.' });
    for (let turn = 0; turn < TURNS; turn++) {
      const started = performance.now();
      for await (const _ of agent.stream(`Question ${turn}`)) void _;
      if (run > 0) (turn === 0 ? first : next).push(performance.now() - started);
    }
  }
  return { first, next };
}

async function sessions(cacheAgents: boolean): Promise<{ first: number[]; next: number[] }> {
  const backend = await startAwsBackend();
  calls.clear();
  const first: number[] = [];
  const next: number[] = [];
  try {
    for (let run = 0; run <= RUNS; run++) {
      const deps = chatDependencies(backend, new ScriptedModel(answers(TURNS)), { cacheAgents });
      const caller = { userKey: userKeyOf(`user-${run}`) };
      let sessionId: string | undefined;
      for (let turn = 0; turn < TURNS; turn++) {
        const started = performance.now();
        let failed: unknown;
        await runChatTurn({ message: `Question ${turn}`, ...(sessionId === undefined ? {} : { sessionId }) }, caller, deps, (event) => {
          if (event.type === 'session') sessionId = event.sessionId;
          if (event.type === 'error') failed = event;
        });
        if (failed !== undefined) throw new Error(`turn failed: ${JSON.stringify(failed)}`);
        if (run > 0) (turn === 0 ? first : next).push(performance.now() - started);
      }
    }
  } finally {
    await backend.close();
  }
  const turns = (RUNS + 1) * TURNS;
  console.log(`  AWS calls per turn (${cacheAgents ? 'agent kept in memory' : 'restored each turn'}): ${[...calls].map(([name, count]) => `${name} ${(count / turns).toFixed(1)}`).join(', ')}`);
  return { first, next };
}

const base = await floor();
const baseMedians = { first: percentile(base.first, 0.5), next: percentile(base.next, 0.5) };
console.log(`${TURNS} turns per conversation, ${RUNS} conversations (after one warm-up), Node ${process.version}`);
summary('no sessions', base.first, base.next);
const lambda = await sessions(false);
summary('lambda', lambda.first, lambda.next, baseMedians);
const agentcore = await sessions(true);
summary('agentcore', agentcore.first, agentcore.next, baseMedians);
