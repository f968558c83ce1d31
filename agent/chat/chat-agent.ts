import { Agent, SlidingWindowConversationManager, type SessionManager } from '@strands-agents/sdk';
import type { AgentDependencies } from '../core/invoke.js';
import { ThrottlingRetryStrategy } from '../core/retry.js';
import { CHAT_AGENT_ID } from './session-history.js';
import type { SessionStore } from './session-store.js';

/** A session's Strands agent with its history restored, and the turn count that history holds. */
export interface SessionAgent {
  readonly agent: Agent;
  readonly sessionManager: SessionManager;
  /** The index's `turns` when this agent's history was last saved or restored. */
  turns: number;
}

/** Sessions' agents kept in memory between turns, least recently used dropped first. */
export class AgentCache {
  private readonly entries = new Map<string, SessionAgent>();

  constructor(private readonly capacity = 16) {}

  get(key: string): SessionAgent | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: SessionAgent): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface SessionAgentOptions {
  readonly conversationWindow: number;
  readonly traceAttributes?: Record<string, string>;
}

/**
 * A new agent for the session, restored from its snapshot_latest (nothing to restore for a new
 * session): the agent core's model, system prompt, tools and retry strategy, and a sliding
 * conversation window.
 */
export async function restoreSessionAgent(
  deps: AgentDependencies,
  sessions: SessionStore,
  userKey: string,
  sessionId: string,
  turns: number,
  options: SessionAgentOptions,
): Promise<SessionAgent> {
  const resources = await deps.resources();
  const sessionManager = sessions.sessionManager(userKey, sessionId);
  const agent = new Agent({
    id: CHAT_AGENT_ID,
    model: deps.model,
    tools: [...resources.tools],
    systemPrompt: resources.systemPrompt,
    printer: false,
    retryStrategy: deps.retryStrategy?.() ?? new ThrottlingRetryStrategy({ maxAttempts: deps.config.modelMaxAttempts }),
    conversationManager: new SlidingWindowConversationManager({ windowSize: options.conversationWindow }),
    sessionManager,
    ...(deps.config.observabilityEnabled && options.traceAttributes !== undefined ? { traceAttributes: options.traceAttributes } : {}),
  });
  // Restores snapshot_latest now, so the turn's rollback point holds the history.
  await agent.initialize();
  // A snapshot carries the system prompt it was saved with; the deployed one wins.
  agent.systemPrompt = resources.systemPrompt;
  return { agent, sessionManager, turns };
}
