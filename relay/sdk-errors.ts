import {
  AGENT_BAD_REQUEST,
  AGENT_FAILED,
  AGENT_THROTTLED,
  AGENT_UNAVAILABLE,
  AgentTaskError,
  taskErrorNameForStatus,
  type AgentTaskErrorName,
} from '../agent/core/task-errors.js';

/** AgentCore's errors by name (InvokeAgentRuntime's model in @aws-sdk/client-bedrock-agentcore). */
const SERVICE_ERRORS: Readonly<Record<string, AgentTaskErrorName>> = {
  ThrottlingException: AGENT_THROTTLED,
  ThrottledException: AGENT_THROTTLED,
  // Too many concurrent sessions (maxVms): frees up as sessions end.
  ServiceQuotaExceededException: AGENT_THROTTLED,
  // The request itself is wrong (session id, ARN, payload): retrying cannot help.
  ValidationException: AGENT_BAD_REQUEST,
  InvalidInputException: AGENT_BAD_REQUEST,
  // A deployment problem (permissions, a runtime or endpoint that does not exist), not transient.
  AccessDeniedException: AGENT_FAILED,
  ResourceNotFoundException: AGENT_FAILED,
  UnauthorizedException: AGENT_FAILED,
  InternalServerException: AGENT_UNAVAILABLE,
  ServiceException: AGENT_UNAVAILABLE,
  // "Session operation in progress, please retry": the session is being set up or torn down.
  RetryableConflictException: AGENT_UNAVAILABLE,
};

/** Node's errors for a connection that could not be made or was cut. */
export const NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * AgentCore does not pass an agent's error answer on: it answers RuntimeClientError (HTTP 424)
 * "Received error (<status>) from runtime. Please check your CloudWatch logs for more
 * information." and drops the body (AgentCore developer guide, "Troubleshoot AgentCore Runtime").
 */
export const RUNTIME_STATUS = /Received error \((\d{3})\) from runtime/;

interface ErrorParts {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly httpStatus?: number;
  readonly fault?: string;
}

function partsOf(error: unknown): ErrorParts {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code, $metadata, $fault } = error as { code?: unknown; $metadata?: { httpStatusCode?: unknown }; $fault?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof $metadata?.httpStatusCode === 'number' ? { httpStatus: $metadata.httpStatusCode } : {}),
    ...(typeof $fault === 'string' ? { fault: $fault } : {}),
  };
}

/** The AgentTaskError for a failed InvokeAgentRuntime call (an SDK, service or network error). */
export function sdkErrorToTaskError(error: unknown): AgentTaskError {
  if (error instanceof AgentTaskError) return error;
  const parts = partsOf(error);
  const what = `AgentCore InvokeAgentRuntime failed: ${parts.name}${parts.message ? `: ${parts.message}` : ''}`;
  if (parts.name === 'RuntimeClientError') {
    const status = RUNTIME_STATUS.exec(parts.message)?.[1];
    if (status !== undefined) {
      const statusCode = Number(status);
      return new AgentTaskError(
        taskErrorNameForStatus(statusCode),
        `The agent answered ${statusCode}; AgentCore passes the status on but not the agent's message, which is in the runtime's log (${parts.message})`,
        { statusCode, cause: error },
      );
    }
    // No agent status: the runtime did not start or could not be reached.
    return new AgentTaskError(AGENT_UNAVAILABLE, what, { cause: error });
  }
  const known = SERVICE_ERRORS[parts.name];
  if (known !== undefined) return new AgentTaskError(known, what, { cause: error });
  if (parts.code !== undefined && NETWORK_CODES.has(parts.code)) return new AgentTaskError(AGENT_UNAVAILABLE, what, { cause: error });
  // The SDK's connection timeout.
  if (parts.name === 'TimeoutError') return new AgentTaskError(AGENT_UNAVAILABLE, what, { cause: error });
  if (parts.httpStatus !== undefined) {
    // A service error this relay does not know by name: transient if the service says so.
    if (parts.httpStatus === 429) return new AgentTaskError(AGENT_THROTTLED, what, { cause: error });
    return new AgentTaskError(parts.httpStatus >= 500 || parts.fault === 'server' ? AGENT_UNAVAILABLE : AGENT_FAILED, what, { cause: error });
  }
  return new AgentTaskError(AGENT_FAILED, what, { cause: error });
}
