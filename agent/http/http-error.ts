import {
  AgentConfigError,
  DocumentAccessError,
  DocumentError,
  RequestValidationError,
  RuntimeInvocationError,
  S3ObjectError,
} from '../core/errors.js';
import { AgentTaskError } from '../core/task-errors.js';

/** The JSON body of every error answer: a message, and the offending fields when there are some. */
export interface ErrorBody {
  readonly error: string;
  readonly fields?: readonly string[];
  readonly cause?: string;
}

/** An error the server answers with a specific status (bad JSON, too large, wrong route...). */
export class HttpError extends Error {
  public readonly statusCode: number;
  public readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.headers = headers;
  }
}

/** Maps anything an invocation can throw to a status and body; unknown errors are 500s. */
export function toErrorResponse(error: unknown): { statusCode: number; body: ErrorBody; headers: Readonly<Record<string, string>> } {
  if (error instanceof HttpError) {
    return { statusCode: error.statusCode, body: { error: error.message }, headers: error.headers };
  }
  if (error instanceof RequestValidationError) {
    return { statusCode: 400, body: { error: error.message, fields: error.fields }, headers: {} };
  }
  if (error instanceof DocumentAccessError) {
    return { statusCode: 403, body: { error: error.message, fields: ['content'] }, headers: {} };
  }
  if (error instanceof DocumentError) {
    return { statusCode: 422, body: { error: error.message, fields: ['content'] }, headers: {} };
  }
  if (error instanceof RuntimeInvocationError) {
    const cause = error.cause?.message;
    // Without the runtime's name: a workflow reading the message sees the same on either runtime.
    return {
      statusCode: error.statusCode ?? 502,
      body: cause === undefined ? { error: error.message } : { error: `Agent invocation failed: ${cause}`, cause },
      headers: {},
    };
  }
  if (error instanceof S3ObjectError) {
    // Timed out: the agent's own bound (S3_READ_TIMEOUT_MS) ran out waiting for S3.
    return { statusCode: error.timedOut ? 504 : 502, body: { error: error.message }, headers: {} };
  }
  if (error instanceof AgentConfigError) {
    return { statusCode: 500, body: { error: `Agent misconfigured: ${error.message}` }, headers: {} };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { statusCode: 500, body: { error: `Internal error: ${message}` }, headers: {} };
}

/**
 * Anything an invocation throws, as the error a Step Functions task sees: named after the status
 * the HTTP server would answer (`Agent.BadRequest` for a 400...), with the same message. The
 * original error stays its `cause`, for the log.
 */
export function toAgentTaskError(error: unknown): AgentTaskError {
  if (error instanceof AgentTaskError) return error;
  const answer = toErrorResponse(error);
  return AgentTaskError.fromStatus(answer.statusCode, answer.body.error, error);
}
