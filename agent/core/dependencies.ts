import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { configureLogging, type ModelRetryStrategy } from '@strands-agents/sdk';
import { readConfig, type AgentConfig } from './config.js';
import type { AgentRuntimeType } from './errors.js';
import type { AgentDependencies } from './invoke.js';
import { createJsonLogger, type Logger } from './logger.js';
import { bedrockModelFactory, type ModelFactory } from './model.js';
import { createResourceLoader } from './resources.js';
import { createAgentS3Client, createS3ObjectStore, type ObjectStore } from './s3.js';

export interface DependencyOverrides {
  readonly logger?: Logger;
  readonly store?: ObjectStore;
  /** Added to the S3 client's configuration when `store` is not given (endpoint, credentials...). */
  readonly s3ClientConfig?: S3ClientConfig;
  readonly modelFactory?: ModelFactory;
  readonly toolsDir?: string;
  readonly retryStrategy?: () => ModelRetryStrategy;
}

/** Sends the Strands SDK's own warnings through the agent's structured logger. */
export function routeStrandsLogs(logger: Logger): void {
  const line = (args: unknown[]): string => args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  configureLogging({
    debug: (...args: unknown[]) => logger.debug(line(args), { source: 'strands' }),
    info: (...args: unknown[]) => logger.info(line(args), { source: 'strands' }),
    warn: (...args: unknown[]) => logger.warn(line(args), { source: 'strands' }),
    error: (...args: unknown[]) => logger.error(line(args), { source: 'strands' }),
  });
}

/**
 * The production wiring shared by both entrypoints: configuration from the environment, the
 * real S3 client (reads bounded by S3_READ_TIMEOUT_MS) and Bedrock through Strands, all configured
 * by the standard AWS SDK environment (region, credentials, `AWS_ENDPOINT_URL_*`). Overrides let
 * tests swap in local endpoints.
 */
export function createDependencies(
  runtimeType: AgentRuntimeType,
  env: Readonly<Record<string, string | undefined>>,
  overrides: DependencyOverrides = {},
): AgentDependencies {
  const config: AgentConfig = readConfig(env);
  const logger = overrides.logger ?? createJsonLogger({ level: config.logLevel, fields: { runtime: runtimeType } });
  const store =
    overrides.store ??
    createS3ObjectStore(createAgentS3Client(config.s3ReadTimeoutMs, overrides.s3ClientConfig), { timeoutMs: config.s3ReadTimeoutMs });
  const model = (overrides.modelFactory ?? bedrockModelFactory())(config.modelId);
  const resources = createResourceLoader(config, store, logger, overrides.toolsDir);
  return {
    runtimeType,
    config,
    store,
    resources,
    model,
    logger,
    ...(overrides.retryStrategy === undefined ? {} : { retryStrategy: overrides.retryStrategy }),
  };
}
