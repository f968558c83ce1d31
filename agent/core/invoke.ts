import { Agent, type AgentResult, type Model, type ModelRetryStrategy } from '@strands-agents/sdk';
import { raceSignal } from './abort.js';
import type { AgentConfig } from './config.js';
import { loadDocument } from './document.js';
import { documentPolicy } from './document-sources.js';
import { AgentRuntimeType, RuntimeInvocationError, toError } from './errors.js';
import type { Logger } from './logger.js';
import { applyClassification, buildUserContent } from './prompt.js';
import { parseRequest } from './request.js';
import type { AgentResources } from './resources.js';
import { resultFor, type AgentInvocationResponse } from './response.js';
import { isThrottlingError, ThrottlingRetryStrategy, unwrapModelError } from './retry.js';
import type { ObjectStore } from './s3.js';

/** Everything an invocation needs; built once per container (see dependencies.ts) or by a test. */
export interface AgentDependencies {
  readonly runtimeType: AgentRuntimeType;
  readonly config: AgentConfig;
  readonly store: ObjectStore;
  /** System prompt and tools, cached for the container's life. */
  readonly resources: () => Promise<AgentResources>;
  /** Shared by all invocations: a BedrockModel holds only its client and configuration. */
  readonly model: Model;
  /** A fresh retry strategy per Agent; ThrottlingRetryStrategy with MODEL_MAX_ATTEMPTS by default. */
  readonly retryStrategy?: () => ModelRetryStrategy;
  readonly logger: Logger;
}

export interface InvocationOptions {
  /** AgentCore session id, logged and attached to traces. */
  readonly sessionId?: string;
  /** Lambda request id, or AgentCore's (`X-Amzn-Bedrock-AgentCore-Runtime-Request-Id`); logged and traced. */
  readonly requestId?: string;
  /** Receives the model's text as it streams (AgentCore `text/event-stream` responses). */
  readonly onText?: (text: string) => void;
  /**
   * Ends the invocation (the client went away, the Lambda deadline is near): it rejects at once
   * with the signal's reason, its S3 reads are cancelled and the agent stops at its next safe point.
   */
  readonly signal?: AbortSignal;
}

/** Status for a model failure after retries: 503 when Bedrock kept throttling, else 502. */
function modelFailure(runtimeType: AgentRuntimeType, error: Error): RuntimeInvocationError {
  return new RuntimeInvocationError(runtimeType, isThrottlingError(error) ? 503 : 502, error);
}

function textOf(result: AgentResult): string {
  return result.lastMessage.content
    .flatMap((block) => (block.type === 'textBlock' ? [block.text] : []))
    .join('\n');
}

async function runAgent(agent: Agent, content: Parameters<Agent['stream']>[0], options: InvocationOptions, invocationState: Record<string, unknown>): Promise<AgentResult> {
  const stream = agent.stream(content, {
    invocationState,
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
  });
  for (let next = await stream.next(); ; next = await stream.next()) {
    if (next.done === true) return next.value;
    const event = next.value;
    if (
      options.onText !== undefined &&
      event.type === 'modelStreamUpdateEvent' &&
      event.event.type === 'modelContentBlockDeltaEvent' &&
      event.event.delta.type === 'textDelta'
    ) {
      options.onText(event.event.delta.text);
    }
  }
}

/**
 * The agent core, identical under both runtimes: validate the request, fetch its document,
 * build the prompt, run a Strands agent with the cached system prompt and tools, and shape the
 * answer into an AgentInvocationResponse.
 *
 * Throws RequestValidationError (bad request), DocumentAccessError (document outside
 * DOCUMENT_SOURCES), DocumentError (document missing or unusable), S3ObjectError (S3 failed or
 * timed out), RuntimeInvocationError (the model failed after retries), or the reason of
 * `options.signal` once it aborts.
 */
export async function invokeAgent(
  payload: unknown,
  deps: AgentDependencies,
  options: InvocationOptions = {},
): Promise<AgentInvocationResponse> {
  const started = performance.now();
  const request = parseRequest(payload);
  const { config } = deps;
  const logger = deps.logger.child({
    ...(options.sessionId === undefined ? {} : { sessionId: options.sessionId }),
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
    ...(request.documentId === undefined ? {} : { documentId: request.documentId }),
  });

  const { signal } = options;
  // A document the agent may not read is refused before anything is loaded.
  const policy = documentPolicy(config);
  if (request.contentType === 'file') policy(request.content.bucket, request.content.key);
  // The resources are shared by every invocation and bounded by S3_READ_TIMEOUT_MS; an invocation
  // that ends stops waiting for them, the load goes on for the next one.
  const [resources, document] = await raceSignal(
    Promise.all([deps.resources(), loadDocument(request, deps.store, { policy, ...(signal === undefined ? {} : { signal }) })]),
    signal,
  );
  const prompt = applyClassification(config.prompt, request.classificationResult?.documentClassification);
  const traceAttributes = {
    ...(options.sessionId === undefined ? {} : { 'session.id': options.sessionId }),
    ...(options.requestId === undefined ? {} : { 'aws.request_id': options.requestId }),
  };
  const agent = new Agent({
    model: deps.model,
    tools: [...resources.tools],
    systemPrompt: resources.systemPrompt,
    printer: false,
    retryStrategy: deps.retryStrategy?.() ?? new ThrottlingRetryStrategy({ maxAttempts: config.modelMaxAttempts }),
    ...(config.observabilityEnabled && Object.keys(traceAttributes).length > 0 ? { traceAttributes } : {}),
  });

  let result: AgentResult;
  try {
    // Tools see the request's metadata and document id through their context's invocationState.
    result = await raceSignal(
      runAgent(agent, buildUserContent(prompt, document), options, {
        metadata: request.metadata ?? {},
        documentId: request.documentId,
      }),
      signal,
    );
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const cause = unwrapModelError(toError(error));
    logger.error('Model invocation failed', { error: cause, modelId: config.modelId });
    throw modelFailure(deps.runtimeType, cause);
  }

  // Cancelled at a safe point before the race noticed: there is no answer to give.
  if (signal?.aborted) throw signal.reason;

  const tokensUsed = result.metrics?.accumulatedUsage.totalTokens;
  const response: AgentInvocationResponse = {
    result: resultFor(textOf(result), config.expectJson, logger),
    metadata: {
      executionTime: Math.round(performance.now() - started),
      ...(tokensUsed === undefined ? {} : { tokensUsed }),
      modelId: config.modelId,
    },
  };
  logger.info('Invocation completed', {
    contentType: request.contentType,
    stopReason: result.stopReason,
    ...response.metadata,
  });
  return response;
}
