// The real agent core with a scripted echo model and an in-memory system prompt (no network),
// for server-throughput.mjs. Bundled on the fly by the bench, like the shipped bundles.
import { readConfig } from '../../agent/core/config.js';
import { AgentRuntimeType } from '../../agent/core/errors.js';
import { invokeAgent, type AgentDependencies, type InvocationOptions } from '../../agent/core/invoke.js';
import { createJsonLogger, type Logger } from '../../agent/core/logger.js';
import { createResourceLoader } from '../../agent/core/resources.js';
import type { AgentInvocationResponse } from '../../agent/core/response.js';
import type { ObjectStore } from '../../agent/core/s3.js';
// The same echo model the server tests use.
import { EchoModel } from '../../test/agent/helpers/scripted-model.js';

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
