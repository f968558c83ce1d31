import { settleWithin } from './core/abort.js';
import {
  isCallbackEnvelope,
  parseCallbackEnvelope,
  reportFailure,
  runWithCallback,
  type CallbackEnvelope,
  type CallbackOutcome,
  type TaskReporter,
} from './core/callback.js';
import { AgentRuntimeType, RuntimeInvocationError } from './core/errors.js';
import { invokeAgent, type AgentDependencies, type InvocationOptions } from './core/invoke.js';
import { createJsonLogger } from './core/logger.js';
import type { AgentInvocationResponse } from './core/response.js';
import { containerTaskReporter } from './core/task-reporter.js';
import type { Telemetry } from './core/telemetry.js';
import { toAgentTaskError } from './http/http-error.js';

/** The part of the Lambda context the agent uses. */
export interface LambdaContext {
  readonly awsRequestId?: string;
  /** Milliseconds left before Lambda stops the function (the Node.js runtime's context method). */
  getRemainingTimeInMillis?(): number;
}

/** The response of a synchronous invocation; the outcome of a callback one (which nobody reads). */
export type LambdaHandler = (event: unknown, context?: LambdaContext) => Promise<AgentInvocationResponse | CallbackOutcome>;

/**
 * How long before the function's timeout the handler gives up, so that it fails with its own
 * error (and exports its spans) instead of being killed without a word.
 */
export const LAMBDA_DEADLINE_MARGIN_MS = 1_000;
/** Time kept, after the spans' flush, for the handler to return. */
const FLUSH_MARGIN_MS = 100;

function deadlineError(budgetMs: number): RuntimeInvocationError {
  const cause = Object.assign(
    new Error(
      `The invocation was stopped after ${budgetMs} ms, ${LAMBDA_DEADLINE_MARGIN_MS} ms before the Lambda function times out; ` +
        "raise the function's timeout or see the log for what was still running",
    ),
    { name: 'TimeoutError' },
  );
  return new RuntimeInvocationError(AgentRuntimeType.LAMBDA, 504, cause);
}

/** For the one report made when the agent's own logger could not be built (a bad environment). */
const bootLogger = () => createJsonLogger({ fields: { runtime: AgentRuntimeType.LAMBDA } });

/** A callback envelope, or the reason it is not a valid one. */
function envelopeOf(event: { taskToken: string; request: unknown }): { envelope: CallbackEnvelope } | { invalid: unknown } {
  try {
    return { envelope: parseCallbackEnvelope(event) };
  } catch (error) {
    return { invalid: error };
  }
}

/**
 * A Lambda handler over `dependencies`, which is called on every invocation and should cache.
 * With `telemetry`, the agent's spans join the invocation's X-Ray trace (`_X_AMZN_TRACE_ID`) and
 * are exported before the handler returns, since Lambda freezes the process afterwards.
 *
 * - Synchronous (a Step Functions Lambda task passes the state input as the payload, so the event
 *   *is* the AgentInvocationRequest): returns the AgentInvocationResponse; a failure is thrown as
 *   an AgentTaskError named `Agent.BadRequest`, `Agent.Throttled`, `Agent.Timeout` or
 *   `Agent.Failed` (after the status the HTTP server would answer), which Lambda reports as the
 *   `errorType` a Catch matches.
 * - Callback envelope (`{taskToken, heartbeatSeconds?, request}`, invoked asynchronously): runs
 *   the request, heartbeats, reports through `reporter` and returns the outcome; it never throws,
 *   since Lambda would retry the event and run the agent again.
 *
 * When the context gives the remaining time, the invocation is ended LAMBDA_DEADLINE_MARGIN_MS
 * before the function's timeout: its S3 reads and the agent are cancelled and it fails with
 * `Agent.Timeout` (thrown, or reported).
 */
export function createLambdaHandler(
  dependencies: () => AgentDependencies,
  telemetry?: () => Telemetry,
  reporter: TaskReporter = containerTaskReporter,
): LambdaHandler {
  // async, so a configuration error rejects the invocation rather than throwing synchronously.
  return async (event, context) => {
    const callback = isCallbackEnvelope(event) ? envelopeOf(event) : undefined;
    let deps: AgentDependencies;
    let tracing: Telemetry | undefined;
    try {
      deps = dependencies();
      tracing = telemetry?.();
    } catch (error) {
      if (callback === undefined) throw toAgentTaskError(error);
      // A bad environment fails the task now rather than at its timeout.
      return reportFailure((event as { taskToken: string }).taskToken, error, { reporter, logger: bootLogger() });
    }
    const remaining = (): number | undefined => context?.getRemainingTimeInMillis?.();
    const startRemaining = remaining();
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    if (startRemaining !== undefined) {
      const budget = Math.max(0, startRemaining - LAMBDA_DEADLINE_MARGIN_MS);
      timer = setTimeout(() => deadline.abort(deadlineError(budget)), budget);
    }
    const requestId = context?.awsRequestId;
    const logger = requestId === undefined ? deps.logger : deps.logger.child({ requestId });
    const inTrace = <T>(work: () => Promise<T>): Promise<T> =>
      tracing === undefined ? work() : tracing.inTraceContext({ 'x-amzn-trace-id': process.env._X_AMZN_TRACE_ID }, work);
    const logDeadline = (error: unknown): void => {
      if (deadline.signal.aborted && error === deadline.signal.reason) {
        deps.logger.error('Invocation stopped before the Lambda deadline', { requestId, error });
      }
    };
    try {
      if (callback !== undefined) {
        const options = { reporter, logger, signal: deadline.signal };
        if ('invalid' in callback) return await reportFailure((event as { taskToken: string }).taskToken, callback.invalid, options);
        const { request } = callback.envelope;
        return await inTrace(() =>
          runWithCallback(
            callback.envelope,
            (signal) =>
              invokeAgent(request, deps, { ...(requestId === undefined ? {} : { requestId }), signal }).catch((error: unknown) => {
                logDeadline(error);
                throw error;
              }),
            options,
          ),
        );
      }
      const options: InvocationOptions = {
        ...(requestId === undefined ? {} : { requestId }),
        ...(startRemaining === undefined ? {} : { signal: deadline.signal }),
      };
      return await inTrace(() => invokeAgent(event, deps, options));
    } catch (error) {
      logDeadline(error);
      throw toAgentTaskError(error);
    } finally {
      clearTimeout(timer);
      if (tracing !== undefined) {
        const left = remaining();
        await (left === undefined ? tracing.flush() : settleWithin(tracing.flush(), left - FLUSH_MARGIN_MS));
      }
    }
  };
}
