import { invokeAgent, type AgentDependencies } from './core/invoke.js';
import type { AgentInvocationResponse } from './core/response.js';
import type { Telemetry } from './core/telemetry.js';

/** The part of the Lambda context the agent uses. */
export interface LambdaContext {
  readonly awsRequestId?: string;
}

export type LambdaHandler = (event: unknown, context?: LambdaContext) => Promise<AgentInvocationResponse>;

/**
 * A Lambda handler over `dependencies`, which is called on every invocation and should cache.
 * The Step Functions Lambda task passes the state input as the payload, so the event *is* the
 * AgentInvocationRequest; typed errors are thrown as they are so a Catch can match their name.
 * With `telemetry`, the agent's spans join the invocation's X-Ray trace (`_X_AMZN_TRACE_ID`) and
 * are exported before the handler returns, since Lambda freezes the process afterwards.
 */
export function createLambdaHandler(dependencies: () => AgentDependencies, telemetry?: () => Telemetry): LambdaHandler {
  // async, so a configuration error rejects the invocation rather than throwing synchronously.
  return async (event, context) => {
    const options = context?.awsRequestId === undefined ? {} : { requestId: context.awsRequestId };
    const deps = dependencies();
    const tracing = telemetry?.();
    if (tracing === undefined) return invokeAgent(event, deps, options);
    try {
      return await tracing.inTraceContext({ 'x-amzn-trace-id': process.env._X_AMZN_TRACE_ID }, () => invokeAgent(event, deps, options));
    } finally {
      await tracing.flush();
    }
  };
}
