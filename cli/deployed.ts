/**
 * `invoke <agent>` against the deployed agent: find its resource in the agent's CloudFormation
 * stack, then call it — Lambda `Invoke`, or AgentCore `InvokeAgentRuntime` — with the caller's
 * own AWS credentials (the SDK's default chain).
 *
 * Every AWS client takes its endpoint from the standard configuration, so
 * `AWS_ENDPOINT_URL_CLOUDFORMATION`, `AWS_ENDPOINT_URL_LAMBDA` and
 * `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE` point it elsewhere (the tests use local stand-ins).
 */
import type { AgentRecord } from './agent-record.js';
import { checkSessionId, invokeAgentCore } from './deployed-agentcore.js';
import { invokeLambda } from './deployed-lambda.js';
import { findDeployedResource } from './deployed-resource.js';

export { DeployedInvokeError } from './deployed-errors.js';

export interface DeployedInvokeOptions {
  readonly agent: AgentRecord;
  readonly payload: unknown;
  /** AgentCore only: 33–256 characters. A new one is made when absent. */
  readonly sessionId?: string;
  /** AgentCore only: ask for `text/event-stream`. Lambda answers once; the flag is ignored there (logged). */
  readonly stream: boolean;
  readonly onStreamEvent?: (event: string, data: string) => void;
  /** Progress lines (stderr). */
  readonly log: (line: string) => void;
}

/** Resolves to the agent's AgentInvocationResponse; throws Error with a clear, actionable message on failure. */
export async function invokeDeployed(options: DeployedInvokeOptions): Promise<unknown> {
  // A bad session id is refused before any AWS call.
  if (options.agent.runtimeType === 'AGENTCORE' && options.sessionId !== undefined) checkSessionId(options.sessionId);
  const resource = await findDeployedResource(options.agent, options.log);
  if (options.agent.runtimeType === 'LAMBDA') {
    return invokeLambda({ ...options, resource });
  }
  return invokeAgentCore({ ...options, resource });
}
