import { BedrockModel, type Model } from '@strands-agents/sdk';
import type { BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';

/** Makes the model for a model id; production builds a BedrockModel, tests a scripted one. */
export type ModelFactory = (modelId: string) => Model;

export interface BedrockModelFactoryOptions {
  /** Extra client settings (endpoint, credentials...); the standard SDK environment applies otherwise. */
  readonly clientConfig?: BedrockRuntimeClientConfig;
  /** ConverseStream (true, the default, which streams text to AgentCore clients) or Converse. */
  readonly stream?: boolean;
}

/**
 * Bedrock through Strands. `MODEL_ID` may be a foundation model id or an inference profile id
 * (`us.anthropic.claude-...`): both go to Converse as `modelId`. Client retries are off because
 * ThrottlingRetryStrategy owns retrying.
 */
export function bedrockModelFactory(options: BedrockModelFactoryOptions = {}): ModelFactory {
  return (modelId) =>
    new BedrockModel({
      modelId,
      stream: options.stream ?? true,
      clientConfig: { maxAttempts: 1, ...options.clientConfig },
    });
}
