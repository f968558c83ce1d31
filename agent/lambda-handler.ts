import { invokeAgent, type AgentDependencies } from './core/invoke.js';
import type { AgentInvocationResponse } from './core/response.js';

/** The part of the Lambda context the agent uses. */
export interface LambdaContext {
  readonly awsRequestId?: string;
}

export type LambdaHandler = (event: unknown, context?: LambdaContext) => Promise<AgentInvocationResponse>;

/**
 * A Lambda handler over `dependencies`, which is called on every invocation and should cache.
 * The Step Functions Lambda task passes the state input as the payload, so the event *is* the
 * AgentInvocationRequest; typed errors are thrown as they are so a Catch can match their name.
 */
export function createLambdaHandler(dependencies: () => AgentDependencies): LambdaHandler {
  // async, so a configuration error rejects the invocation rather than throwing synchronously.
  return async (event, context) => {
    const options = context?.awsRequestId === undefined ? {} : { requestId: context.awsRequestId };
    return invokeAgent(event, dependencies(), options);
  };
}
