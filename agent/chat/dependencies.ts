import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { createDependencies, type DependencyOverrides } from '../core/dependencies.js';
import { AgentConfigError, AgentRuntimeType } from '../core/errors.js';
import type { AgentDependencies } from '../core/invoke.js';
import { AgentCache } from './chat-agent.js';
import { readChatConfig, type ChatConfig } from './config.js';
import { createSessionStore } from './session-store-factory.js';
import type { SessionStore } from './session-store.js';

/** Everything a chat turn needs: the agent core's dependencies, the chat settings and the session store. */
export interface ChatDependencies extends AgentDependencies {
  readonly chatConfig: ChatConfig;
  readonly sessions: SessionStore;
  /**
   * Keep each session's agent in memory between turns (AgentCore: a microVM serves one runtime
   * session); otherwise every turn restores it from storage (Lambda).
   */
  readonly cacheAgents: boolean;
  readonly agentCache: AgentCache;
}

export interface ChatDependencyOverrides extends DependencyOverrides {
  /** Replaces the store SESSION_* names (its `s3ClientConfig` also reaches the session bucket otherwise). */
  readonly sessions?: SessionStore;
  /** Added to the DynamoDB client's configuration (tests: a local endpoint). */
  readonly dynamoDbClientConfig?: DynamoDBClientConfig;
  /** Defaults to true on AgentCore, false on Lambda. */
  readonly cacheAgents?: boolean;
  /** Epoch milliseconds for the session index; tests move it. */
  readonly now?: () => number;
}

/**
 * The agent core's production wiring (createDependencies) plus the chat configuration and the
 * session store, for an agent with INVOKE_TYPE=interactive. Throws AgentConfigError naming the
 * first wrong variable.
 */
export function createChatDependencies(
  runtimeType: AgentRuntimeType,
  env: Readonly<Record<string, string | undefined>>,
  overrides: ChatDependencyOverrides = {},
): ChatDependencies {
  const core = createDependencies(runtimeType, env, overrides);
  if (core.config.invokeType !== 'interactive') {
    throw new AgentConfigError('INVOKE_TYPE', `must be "interactive" for a chat agent, got ${JSON.stringify(core.config.invokeType)}`);
  }
  const chatConfig = readChatConfig(env);
  const sessions =
    overrides.sessions ??
    createSessionStore(chatConfig, {
      ...(overrides.s3ClientConfig === undefined ? {} : { s3ClientConfig: overrides.s3ClientConfig }),
      ...(overrides.dynamoDbClientConfig === undefined ? {} : { dynamoDbClientConfig: overrides.dynamoDbClientConfig }),
      ...(overrides.now === undefined ? {} : { now: overrides.now }),
    });
  return {
    ...core,
    chatConfig,
    sessions,
    cacheAgents: overrides.cacheAgents ?? runtimeType === AgentRuntimeType.AGENTCORE,
    agentCache: new AgentCache(),
  };
}
