import type { BackoffContext, Model, Tool } from '@strands-agents/sdk';
import { readConfig } from '../../../agent/core/config.js';
import { AgentRuntimeType } from '../../../agent/core/errors.js';
import type { AgentDependencies } from '../../../agent/core/invoke.js';
import { createResourceLoader } from '../../../agent/core/resources.js';
import { ThrottlingRetryStrategy } from '../../../agent/core/retry.js';
import type { ObjectStore } from '../../../agent/core/s3.js';
import { memoryLogger, memoryStore } from './memory.js';

export const SYSTEM_PROMPT_BUCKET = 'config-bucket';
export const SYSTEM_PROMPT_KEY = 'prompts/system.txt';
export const SYSTEM_PROMPT = 'You are a meticulous invoice analyst.';

/** The environment a BatchAgent would set, for the tests to override. */
export function baseEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    SYSTEM_PROMPT_S3_BUCKET_NAME: SYSTEM_PROMPT_BUCKET,
    SYSTEM_PROMPT_S3_KEY: SYSTEM_PROMPT_KEY,
    MODEL_ID: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
    INVOKE_TYPE: 'batch',
    PROMPT: 'Extract the invoice fields.',
    EXPECT_JSON: '',
    TOOLS_CONFIG: '[]',
    // The buckets the tests' documents live in, whole.
    DOCUMENT_SOURCES: JSON.stringify([{ bucketName: 'docs', prefix: '' }, { bucketName: 'incoming-docs', prefix: '' }]),
    ...overrides,
  };
}

export interface TestDependencies extends AgentDependencies {
  readonly logger: ReturnType<typeof memoryLogger>;
  /** Attempt numbers the retry backoff was asked about (it never sleeps). */
  readonly backoffAttempts: number[];
}

/**
 * Dependencies over an in-memory store holding the system prompt and `objects`, a given model,
 * and a retry strategy whose backoff records attempts and waits 0 ms.
 */
export function testDependencies(options: {
  model: Model;
  env?: Record<string, string>;
  objects?: Record<string, string | Uint8Array>;
  store?: ObjectStore;
  tools?: Tool[];
  toolsDir?: string;
}): TestDependencies {
  const config = readConfig(baseEnv(options.env));
  const store = options.store ?? memoryStore({ [`${SYSTEM_PROMPT_BUCKET}/${SYSTEM_PROMPT_KEY}`]: SYSTEM_PROMPT, ...options.objects });
  const logger = memoryLogger();
  const backoffAttempts: number[] = [];
  const backoff = {
    nextDelay(ctx: BackoffContext): number {
      backoffAttempts.push(ctx.attempt);
      return 0;
    },
  };
  const loader = createResourceLoader(config, store, logger, options.toolsDir);
  const resources =
    options.tools === undefined
      ? loader
      : async () => ({ systemPrompt: (await loader()).systemPrompt, tools: options.tools ?? [] });
  return {
    runtimeType: AgentRuntimeType.LAMBDA,
    config,
    store,
    resources,
    model: options.model,
    logger,
    backoffAttempts,
    retryStrategy: () => new ThrottlingRetryStrategy({ maxAttempts: config.modelMaxAttempts, backoff }),
  };
}
