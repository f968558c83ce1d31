import type { Tool } from '@strands-agents/sdk';
import { cacheAsync } from './cache.js';
import type { AgentConfig } from './config.js';
import type { Logger } from './logger.js';
import type { ObjectStore } from './s3.js';
import { createToolLoader } from './tools.js';

/** What the agent fetches from S3 once per container: the system prompt and the tools. */
export interface AgentResources {
  readonly systemPrompt: string;
  readonly tools: readonly Tool[];
}

const utf8 = new TextDecoder('utf-8');

/**
 * A loader that fetches the resources on first call and hands the same ones to every later
 * (warm) invocation. The system prompt and each tool location are cached separately once loaded;
 * a read that failed or timed out (each is bounded by S3_READ_TIMEOUT_MS) is not, so the next call
 * retries just that one, and meanwhile the call rejects with the S3ObjectError naming the object.
 * No call can wait on a read forever.
 */
export function createResourceLoader(
  config: AgentConfig,
  store: ObjectStore,
  logger: Logger,
  toolsDir?: string,
): () => Promise<AgentResources> {
  const { bucket, key } = config.systemPrompt;
  const systemPrompt = cacheAsync(async () => utf8.decode((await store.get(bucket, key, { label: 'system prompt' })).bytes));
  const tools = createToolLoader(config.tools, toolsDir === undefined ? { store, logger } : { store, logger, dir: toolsDir });
  return cacheAsync(async () => {
    const started = Date.now();
    const [prompt, loaded] = await Promise.all([systemPrompt(), tools()]);
    logger.info('Agent resources loaded', {
      systemPromptChars: prompt.length,
      tools: loaded.length,
      loadMs: Date.now() - started,
    });
    return { systemPrompt: prompt, tools: loaded };
  });
}
