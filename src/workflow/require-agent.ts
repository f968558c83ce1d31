import type { IAgentRuntime } from '../runtime/agent-runtime';
import { InvalidRuntimeConfigError } from '../runtime/errors';
import { describeValue } from '../runtime/input-checks';
import { AgentRuntimeType } from '../runtime/runtime-type';

/**
 * Throws unless `value` is an agent whose runtime can be a workflow step (plain JavaScript and the
 * other jsii languages check nothing); returns its runtime type, for later errors.
 */
export function requireAgent(field: string, value: unknown): AgentRuntimeType {
  const runtime = (value as { runtime?: Partial<IAgentRuntime> } | undefined)?.runtime;
  if (typeof runtime?.bindStepFunctionsTask !== 'function') {
    throw new InvalidRuntimeConfigError(AgentRuntimeType.LAMBDA, `${field} is ${describeValue(value)}; allowed: an agent (a BaseAgent such as a BatchAgent)`, field);
  }
  return runtime.runtimeType ?? AgentRuntimeType.LAMBDA;
}
