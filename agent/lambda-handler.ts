import { settleWithin } from './core/abort.js';
import { AgentRuntimeType, RuntimeInvocationError } from './core/errors.js';
import { invokeAgent, type AgentDependencies, type InvocationOptions } from './core/invoke.js';
import type { AgentInvocationResponse } from './core/response.js';
import type { Telemetry } from './core/telemetry.js';

/** The part of the Lambda context the agent uses. */
export interface LambdaContext {
  readonly awsRequestId?: string;
  /** Milliseconds left before Lambda stops the function (the Node.js runtime's context method). */
  getRemainingTimeInMillis?(): number;
}

export type LambdaHandler = (event: unknown, context?: LambdaContext) => Promise<AgentInvocationResponse>;

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

/**
 * A Lambda handler over `dependencies`, which is called on every invocation and should cache.
 * The Step Functions Lambda task passes the state input as the payload, so the event *is* the
 * AgentInvocationRequest; typed errors are thrown as they are so a Catch can match their name.
 * With `telemetry`, the agent's spans join the invocation's X-Ray trace (`_X_AMZN_TRACE_ID`) and
 * are exported before the handler returns, since Lambda freezes the process afterwards.
 *
 * When the context gives the remaining time, the invocation is ended LAMBDA_DEADLINE_MARGIN_MS
 * before the function's timeout: its S3 reads and the agent are cancelled and the handler throws
 * a RuntimeInvocationError (statusCode 504) saying so.
 */
export function createLambdaHandler(dependencies: () => AgentDependencies, telemetry?: () => Telemetry): LambdaHandler {
  // async, so a configuration error rejects the invocation rather than throwing synchronously.
  return async (event, context) => {
    const deps = dependencies();
    const tracing = telemetry?.();
    const remaining = (): number | undefined => context?.getRemainingTimeInMillis?.();
    const startRemaining = remaining();
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    if (startRemaining !== undefined) {
      const budget = Math.max(0, startRemaining - LAMBDA_DEADLINE_MARGIN_MS);
      timer = setTimeout(() => deadline.abort(deadlineError(budget)), budget);
    }
    const options: InvocationOptions = {
      ...(context?.awsRequestId === undefined ? {} : { requestId: context.awsRequestId }),
      ...(startRemaining === undefined ? {} : { signal: deadline.signal }),
    };
    try {
      if (tracing === undefined) return await invokeAgent(event, deps, options);
      return await tracing.inTraceContext({ 'x-amzn-trace-id': process.env._X_AMZN_TRACE_ID }, () => invokeAgent(event, deps, options));
    } catch (error) {
      if (deadline.signal.aborted && error === deadline.signal.reason) {
        deps.logger.error('Invocation stopped before the Lambda deadline', { requestId: context?.awsRequestId, error });
      }
      throw error;
    } finally {
      clearTimeout(timer);
      if (tracing !== undefined) {
        const left = remaining();
        await (left === undefined ? tracing.flush() : settleWithin(tracing.flush(), left - FLUSH_MARGIN_MS));
      }
    }
  };
}
