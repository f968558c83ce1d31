import type { BackoffContext, Model, Tool } from '@strands-agents/sdk';
import { createChatDependencies, type ChatDependencies } from '../../../../agent/chat/dependencies.js';
import type { ChatEvent } from '../../../../agent/chat/protocol.js';
import { runChatTurn, type ChatTurnOptions } from '../../../../agent/chat/turn.js';
import { AgentRuntimeType } from '../../../../agent/core/errors.js';
import { ThrottlingRetryStrategy } from '../../../../agent/core/retry.js';
import { SYSTEM_PROMPT, SYSTEM_PROMPT_BUCKET, SYSTEM_PROMPT_KEY } from '../../helpers/deps.js';
import { memoryLogger, memoryStore } from '../../helpers/memory.js';
import type { SessionBackend } from './session-stores.js';

/** The environment an InteractiveAgent sets, without the session store's variables. */
export function interactiveEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    SYSTEM_PROMPT_S3_BUCKET_NAME: SYSTEM_PROMPT_BUCKET,
    SYSTEM_PROMPT_S3_KEY: SYSTEM_PROMPT_KEY,
    MODEL_ID: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
    INVOKE_TYPE: 'interactive',
    MODEL_MAX_ATTEMPTS: '3',
    TURN_TIMEOUT_SECONDS: '60',
    ...overrides,
  };
}

export interface TestChatDependencies extends ChatDependencies {
  readonly logger: ReturnType<typeof memoryLogger>;
}

/**
 * createChatDependencies over `backend`, with the system prompt in memory, `model`, `tools`
 * instead of TOOLS_CONFIG, and a retry backoff that never sleeps.
 */
export function chatDependencies(
  backend: SessionBackend,
  model: Model,
  options: { env?: Record<string, string>; tools?: Tool[]; cacheAgents?: boolean; now?: () => number } = {},
): TestChatDependencies {
  const logger = memoryLogger();
  const backoff = { nextDelay: (_ctx: BackoffContext) => 0 };
  const deps = createChatDependencies(AgentRuntimeType.LAMBDA, { ...interactiveEnv(options.env), ...backend.env }, {
    logger,
    store: memoryStore({ [`${SYSTEM_PROMPT_BUCKET}/${SYSTEM_PROMPT_KEY}`]: SYSTEM_PROMPT }),
    modelFactory: () => model,
    retryStrategy: () => new ThrottlingRetryStrategy({ maxAttempts: 3, backoff }),
    ...(backend.options.s3ClientConfig === undefined ? {} : { s3ClientConfig: backend.options.s3ClientConfig }),
    ...(backend.options.dynamoDbClientConfig === undefined ? {} : { dynamoDbClientConfig: backend.options.dynamoDbClientConfig }),
    ...(options.cacheAgents === undefined ? {} : { cacheAgents: options.cacheAgents }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const tools = options.tools;
  return {
    ...deps,
    logger,
    ...(tools === undefined ? {} : { resources: async () => ({ systemPrompt: (await deps.resources()).systemPrompt, tools }) }),
  };
}

/** Runs one turn and answers the events it emitted, in order. */
export async function turnEvents(deps: ChatDependencies, userKey: string, body: unknown, options: ChatTurnOptions = {}): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  await runChatTurn(body, { userKey }, deps, (event) => events.push(event), options);
  return events;
}

/** The session id a turn's `session` event named. */
export function sessionIdOf(events: readonly ChatEvent[]): string {
  const first = events[0];
  if (first?.type !== 'session') throw new Error(`the turn did not start with a session event: ${JSON.stringify(events)}`);
  return first.sessionId;
}
