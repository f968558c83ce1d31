/** Sessions written as the chat agent writes them: an index row, and a saved Strands exchange. */
import { Agent } from '@strands-agents/sdk';
import type { SessionStore } from '../../../agent/chat/session-store.js';
import { ScriptedModel } from '../../agent/helpers/scripted-model.js';

/** A clock the test moves. */
export function manualClock(start = Date.parse('2030-01-01T00:00:00Z')): { now: () => number; advance(ms: number): void } {
  let at = start;
  return { now: () => at, advance: (ms) => (at += ms) };
}

/** Creates the session, and for each question a turn answered with its answer (saved, recorded). */
export async function seedSession(
  store: SessionStore,
  userKey: string,
  sessionId: string,
  exchanges: ReadonlyArray<readonly [question: string, answer: string]>,
  title = exchanges[0]?.[0] ?? 'untitled',
): Promise<void> {
  await store.create(userKey, sessionId, title);
  if (exchanges.length === 0) return;
  const sessionManager = store.sessionManager(userKey, sessionId);
  const agent = new Agent({ id: 'chat', model: new ScriptedModel(exchanges.map(([, answer]) => ({ text: answer }))), printer: false, sessionManager });
  for (const [question] of exchanges) {
    await agent.invoke(question);
    await sessionManager.saveSnapshot({ target: agent, isLatest: true });
    await store.recordTurn(userKey, sessionId);
  }
}
