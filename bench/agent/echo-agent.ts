// The real agent core with a scripted echo model and an in-memory system prompt (no network),
// for server-throughput.mjs. Bundled on the fly by the bench, like the shipped bundles.
import { Model, type BaseModelConfig, type Message, type ModelStreamEvent } from '@strands-agents/sdk';
import { readConfig } from '../../agent/core/config.js';
import { AgentRuntimeType } from '../../agent/core/errors.js';
import { invokeAgent, type AgentDependencies, type InvocationOptions } from '../../agent/core/invoke.js';
import { createJsonLogger, type Logger } from '../../agent/core/logger.js';
import { createResourceLoader } from '../../agent/core/resources.js';
import type { AgentInvocationResponse } from '../../agent/core/response.js';
import type { ObjectStore } from '../../agent/core/s3.js';

/** Answers every call with the text of the last user message. */
class EchoModel extends Model<BaseModelConfig> {
  private config: BaseModelConfig = { modelId: 'echo' };

  updateConfig(config: BaseModelConfig): void {
    this.config = { ...this.config, ...config };
  }

  getConfig(): BaseModelConfig {
    return this.config;
  }

  async *stream(messages: Message[]): AsyncIterable<ModelStreamEvent> {
    const last = messages[messages.length - 1];
    const text = (last?.content ?? []).flatMap((b) => (b.type === 'textBlock' ? [b.text] : [])).join('');
    yield { type: 'modelMessageStartEvent', role: 'assistant' };
    yield { type: 'modelContentBlockDeltaEvent', delta: { type: 'textDelta', text } };
    yield { type: 'modelContentBlockStopEvent' };
    yield { type: 'modelMessageStopEvent', stopReason: 'endTurn' };
    yield { type: 'modelMetadataEvent', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } };
  }
}

const config = readConfig({
  SYSTEM_PROMPT_S3_BUCKET_NAME: 'bench',
  SYSTEM_PROMPT_S3_KEY: 'system.txt',
  MODEL_ID: 'echo',
  PROMPT: 'Echo the document.',
});
const systemPrompt = new TextEncoder().encode('You echo documents.');
const store: ObjectStore = { get: async () => ({ bytes: systemPrompt }) };
// Log lines are written as in production (one per invocation) and discarded by the bench.
export const logger: Logger = createJsonLogger({ level: config.logLevel });
const deps: AgentDependencies = {
  runtimeType: AgentRuntimeType.AGENTCORE,
  config,
  store,
  resources: createResourceLoader(config, store, logger),
  model: new EchoModel(),
  logger,
};

/** One invocation through the agent core, exactly as both entrypoints run it. */
export function invoke(payload: unknown, options: InvocationOptions = {}): Promise<AgentInvocationResponse> {
  return invokeAgent(payload, deps, options);
}
