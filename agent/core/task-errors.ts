// The error names a state machine sees when an agent step fails, the same on every path (Lambda
// agent, AgentCore relay, callback reports), so a Retry/Catch is written once. Shared by the agent
// and the relay: keep this file free of dependencies.

/** The request cannot succeed as sent (4xx other than 408/429): fix the input, do not retry. */
export const AGENT_BAD_REQUEST = 'Agent.BadRequest';
/** The agent or the model service is throttling (429, 503): retry with backoff. */
export const AGENT_THROTTLED = 'Agent.Throttled';
/** A deadline ran out (504, 408): the agent's S3 bound, the Lambda deadline, the relay's bound. */
export const AGENT_TIMEOUT = 'Agent.Timeout';
/** The agent failed (any other 5xx): model failed after retries, misconfiguration. */
export const AGENT_FAILED = 'Agent.Failed';
/** The runtime could not be reached, or its service failed transiently. */
export const AGENT_UNAVAILABLE = 'Agent.Unavailable';

export type AgentTaskErrorName =
  | typeof AGENT_BAD_REQUEST
  | typeof AGENT_THROTTLED
  | typeof AGENT_TIMEOUT
  | typeof AGENT_FAILED
  | typeof AGENT_UNAVAILABLE;

/** Every name, for documentation and checks. */
export const AGENT_TASK_ERROR_NAMES: readonly AgentTaskErrorName[] = [
  AGENT_BAD_REQUEST,
  AGENT_THROTTLED,
  AGENT_TIMEOUT,
  AGENT_FAILED,
  AGENT_UNAVAILABLE,
];

/**
 * The name for an error status the agent answered. A status that is not an error status (below 400
 * or not HTTP) is an answer nobody expects from a failed agent, so it counts as `Agent.Failed`.
 */
export function taskErrorNameForStatus(status: number): AgentTaskErrorName {
  if (status === 429 || status === 503) return AGENT_THROTTLED;
  if (status === 408 || status === 504) return AGENT_TIMEOUT;
  if (status >= 400 && status < 500) return AGENT_BAD_REQUEST;
  return AGENT_FAILED;
}

/**
 * A failed agent step. Its `name` is what Step Functions matches (`Error` of a Catch): Lambda
 * reports a thrown error's `name` as its `errorType`. Its `message` is the agent's own message.
 */
export class AgentTaskError extends Error {
  public override readonly name: AgentTaskErrorName;
  /** The HTTP status the agent answered (or would have), when there is one. */
  public readonly statusCode?: number;

  constructor(name: AgentTaskErrorName, message: string, options: { statusCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    if (options.statusCode !== undefined) this.statusCode = options.statusCode;
  }

  /** The error for an agent's error answer: the name its status maps to, its message. */
  static fromStatus(statusCode: number, message: string, cause?: unknown): AgentTaskError {
    return new AgentTaskError(taskErrorNameForStatus(statusCode), message, { statusCode, cause });
  }
}

/** The `cause` of a SendTaskFailure: the shape Lambda gives a thrown error, so one path reads both. */
export function taskFailureCause(error: AgentTaskError): string {
  return JSON.stringify({ errorType: error.name, errorMessage: error.message });
}
