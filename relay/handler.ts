import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore';
import { raceSignal } from '../agent/core/abort.js';
import { createJsonLogger, type Logger } from '../agent/core/logger.js';
import { AGENT_FAILED, AGENT_TIMEOUT, AgentTaskError } from '../agent/core/task-errors.js';
import { readAnswer } from './answer.js';
import { parseRelayEvent, type RelayEvent } from './event.js';
import { sdkErrorToTaskError } from './sdk-errors.js';

/** The part of the Lambda context the relay uses. */
export interface RelayContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

export type RelayHandler = (event: unknown, context?: RelayContext) => Promise<unknown>;

/** The part of the AgentCore client the relay uses. */
export type AgentCoreSender = Pick<BedrockAgentCoreClient, 'send'>;

export interface RelayOptions {
  /** The AgentCore client; by default one is made on the first call and reused while warm. */
  readonly client?: AgentCoreSender;
  /** Clock in milliseconds, for the logged duration. */
  readonly now?: () => number;
  /** Where the per-call log line goes; stdout (CloudWatch Logs) by default. */
  readonly logger?: Logger;
}

/**
 * Time kept before the Lambda function times out: the relay fails with its own `Agent.Timeout`
 * (which a Catch can match) rather than being killed with a bare `States.Timeout`/`Sandbox.Timedout`.
 */
export const DEADLINE_MARGIN_MS = 2_000;
/** The bound without a Lambda context (never in Lambda): Lambda's longest timeout. */
const DEFAULT_REMAINING_MS = 15 * 60_000;
/**
 * What the relay asks the agent for: an event stream, read to its final `result` (or `error`)
 * event. AgentCore turns an agent's non-2xx answer into a RuntimeClientError without its body,
 * so the agent's own error message reaches the relay only inside a 200 stream.
 */
const ACCEPT = 'text/event-stream';

function defaultClient(): BedrockAgentCoreClient {
  // One attempt: a retry after a 5xx, a reset or a timeout could run the agent twice unseen
  // (and pay its model calls twice); the state machine's Retry decides instead.
  return new BedrockAgentCoreClient({ maxAttempts: 1, requestHandler: { connectionTimeout: 10_000 } });
}

function timeoutError(event: RelayEvent, budgetMs: number): AgentTaskError {
  return new AgentTaskError(
    AGENT_TIMEOUT,
    `AgentCore runtime ${event.agentRuntimeArn} (endpoint ${event.qualifier}) did not answer within ${budgetMs} ms: ` +
      `the relay stops ${DEADLINE_MARGIN_MS} ms before its Lambda function times out; ` +
      'for runs longer than a Lambda function may take, use the callback pattern (waitForTaskToken)',
  );
}

function noTimeLeft(remainingMs: number): AgentTaskError {
  return new AgentTaskError(
    AGENT_TIMEOUT,
    `The relay's Lambda function has ${remainingMs} ms left, not more than the ${DEADLINE_MARGIN_MS} ms the relay keeps before its timeout: no call made`,
  );
}

export function destroyBody(body: unknown): void {
  if (typeof body === 'object' && body !== null && 'destroy' in body && typeof body.destroy === 'function') body.destroy();
}

/**
 * The relay's Lambda handler: calls InvokeAgentRuntime with the event's runtime, endpoint and
 * session, sends the payload as JSON, reads the whole answer and returns the agent's JSON
 * unchanged. Every failure is thrown as an AgentTaskError whose `name` is one of the `Agent.*`
 * names, so the Step Functions task's Retry/Catch match the same names as for a Lambda agent.
 */
export function createRelayHandler(options: RelayOptions = {}): RelayHandler {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createJsonLogger();
  let client = options.client;

  return async (event, context) => {
    const started = now();
    let parsed: RelayEvent | undefined;
    let contentType: string | undefined;
    const log = (status: string, extra: Record<string, unknown> = {}): void => {
      const fields = {
        requestId: context?.awsRequestId,
        agentRuntimeArn: parsed?.agentRuntimeArn,
        qualifier: parsed?.qualifier,
        sessionId: parsed?.sessionId,
        status,
        contentType,
        durationMs: now() - started,
        ...extra,
      };
      if (status === 'ok') logger.info('InvokeAgentRuntime', fields);
      else logger.error('InvokeAgentRuntime failed', fields);
    };
    try {
      parsed = parseRelayEvent(event);
      const request = parsed;
      const remainingMs = context?.getRemainingTimeInMillis?.() ?? DEFAULT_REMAINING_MS;
      const budgetMs = remainingMs - DEADLINE_MARGIN_MS;
      if (budgetMs <= 0) throw noTimeLeft(remainingMs);
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(timeoutError(request, budgetMs)), budgetMs);
      try {
        client ??= defaultClient();
        const out = await client.send(
          new InvokeAgentRuntimeCommand({
            agentRuntimeArn: request.agentRuntimeArn,
            qualifier: request.qualifier,
            runtimeSessionId: request.sessionId,
            payload: new TextEncoder().encode(JSON.stringify(request.payload)),
            contentType: 'application/json',
            accept: ACCEPT,
          }),
          { abortSignal: deadline.signal },
        );
        contentType = out.contentType;
        const answer = readAnswer({ statusCode: out.statusCode ?? 200, contentType: out.contentType ?? '', body: out.response });
        // Past the deadline the body is dropped, so its socket does not outlive the relay's answer.
        deadline.signal.addEventListener('abort', () => destroyBody(out.response), { once: true });
        const result = await raceSignal(answer, deadline.signal);
        log('ok', { statusCode: out.statusCode });
        return result;
      } catch (error) {
        if (deadline.signal.aborted) throw deadline.signal.reason as AgentTaskError;
        throw sdkErrorToTaskError(error);
      } finally {
        clearTimeout(timer);
      }
    } catch (error) {
      const failure = error instanceof AgentTaskError ? error : new AgentTaskError(AGENT_FAILED, String(error), { cause: error });
      log(failure.name, { statusCode: failure.statusCode, error: failure.message.slice(0, 500) });
      throw failure;
    }
  };
}
