import { SESSION_ID_MAX, SESSION_ID_MIN } from '../cli/session-id.js';
import { AGENT_BAD_REQUEST, AgentTaskError } from '../agent/core/task-errors.js';

/** The relay's event: the Parameters of the Step Functions task. */
export interface RelayEvent {
  readonly agentRuntimeArn: string;
  readonly qualifier: string;
  readonly sessionId: string;
  /** Any JSON: an AgentInvocationRequest or a callback envelope, sent to the agent as is. */
  readonly payload: unknown;
}

/** The endpoint AgentCore uses when none is named. */
export const DEFAULT_QUALIFIER = 'DEFAULT';

// arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<id>; a runtime id is its name
// (letters, digits, underscores) and a generated suffix after a hyphen. The first group is the Region.
export const RUNTIME_ARN = /^arn:aws[a-z-]*:bedrock-agentcore:([a-z0-9-]+):\d{12}:runtime\/[a-zA-Z][a-zA-Z0-9_]{0,47}-[a-zA-Z0-9]+$/;
// An endpoint name (the same rule as runtime names), or a version number.
export const QUALIFIER = /^(?:[a-zA-Z][a-zA-Z0-9_]{0,47}|[1-9]\d{0,9})$/;
const FIELDS = new Set(['agentRuntimeArn', 'qualifier', 'sessionId', 'payload']);

function badRequest(message: string): AgentTaskError {
  return new AgentTaskError(AGENT_BAD_REQUEST, `Relay event: ${message}`, { statusCode: 400 });
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/**
 * Checks the event before any call, so a state machine written wrong fails at once with
 * `Agent.BadRequest` naming the field (a call would be refused by AgentCore anyway, or worse, reach
 * the wrong runtime).
 */
export function parseRelayEvent(event: unknown): RelayEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw badRequest(`expected an object {agentRuntimeArn, qualifier, sessionId, payload}, got ${shown(event)}`);
  }
  const record = event as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) {
    throw badRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the fields are ${[...FIELDS].join(', ')}`);
  }
  const { agentRuntimeArn, qualifier = DEFAULT_QUALIFIER, sessionId, payload } = record;
  if (typeof agentRuntimeArn !== 'string' || !RUNTIME_ARN.test(agentRuntimeArn)) {
    throw badRequest(
      `agentRuntimeArn must be an AgentCore runtime ARN (arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<runtime id>), got ${shown(agentRuntimeArn)}`,
    );
  }
  if (typeof qualifier !== 'string' || !QUALIFIER.test(qualifier)) {
    throw badRequest(`qualifier must be an endpoint name such as ${DEFAULT_QUALIFIER} (or a version number), got ${shown(qualifier)}`);
  }
  if (typeof sessionId !== 'string') throw badRequest(`sessionId must be a string of ${SESSION_ID_MIN} to ${SESSION_ID_MAX} characters, got ${shown(sessionId)}`);
  if (sessionId.length < SESSION_ID_MIN || sessionId.length > SESSION_ID_MAX) {
    throw badRequest(`sessionId is ${sessionId.length} characters; AgentCore needs ${SESSION_ID_MIN} to ${SESSION_ID_MAX}: ${shown(sessionId)}`);
  }
  if (payload === undefined) throw badRequest('payload is missing: the agent request (or callback envelope) to send');
  return { agentRuntimeArn, qualifier, sessionId, payload };
}
