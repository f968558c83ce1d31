import type { Tool } from '@strands-agents/sdk';
import { cacheAsync } from './cache.js';
import type { AgentConfig } from './config.js';
import type { Logger } from './logger.js';
import type { ObjectStore } from './s3.js';
import { loadTools } from './tools.js';

/** What the agent fetches from S3 once per container: the system prompt and the tools. */
export interface AgentResources {
  readonly systemPrompt: string;
  readonly tools: readonly Tool[];
}

const utf8 = new TextDecoder('utf-8');

/**
 * A loader that fetches the resources on first call and hands the same ones to every later
 * (warm) invocation. A failed load is retried on the next call (see cacheAsync).
 */
export function createResourceLoader(
  config: AgentConfig,
  store: ObjectStore,
  logger: Logger,
  toolsDir?: string,
): () => Promise<AgentResources> {
  return cacheAsync(async () => {
    const started = Date.now();
    const { bucket, key } = config.systemPrompt;
    const [prompt, tools] = await Promise.all([
      store.get(bucket, key),
      loadTools(config.tools, toolsDir === undefined ? { store, logger } : { store, logger, dir: toolsDir }),
    ]);
    const systemPrompt = utf8.decode(prompt.bytes);
    logger.info('Agent resources loaded', {
      systemPromptChars: systemPrompt.length,
      tools: tools.length,
      loadMs: Date.now() - started,
    });
    return { systemPrompt, tools };
  });
}
