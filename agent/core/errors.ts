// The agent shares the construct library's error classes so callers see one error shape
// whichever side raised it (runtime-type.ts and errors.ts have no dependencies).
export { RuntimeInvocationError, AgentRuntimeError } from '../../src/runtime/errors.js';
export { AgentRuntimeType } from '../../src/runtime/runtime-type.js';

/** One offending field of a request: its dotted path and what is wrong with it. */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/**
 * The invocation request is malformed. `fields` lists every offending field (dotted paths such
 * as `content.bucket`); the HTTP server answers 400, the Lambda handler throws `Agent.BadRequest`.
 */
export class RequestValidationError extends Error {
  public readonly issues: readonly FieldIssue[];

  constructor(message: string, issues: readonly FieldIssue[] = []) {
    super(issues.length === 0 ? message : `${message}: ${issues.map((i) => `${i.field} (${i.message})`).join('; ')}`);
    this.name = 'RequestValidationError';
    this.issues = issues;
  }

  /** The offending field paths, without duplicates, in the order found. */
  get fields(): string[] {
    return [...new Set(this.issues.map((i) => i.field))];
  }
}

/**
 * An environment variable the agent needs is missing or invalid. Raised once per container,
 * before any invocation runs; the message names the variable, the value and what is allowed.
 */
export class AgentConfigError extends Error {
  public readonly variable: string;

  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'AgentConfigError';
    this.variable = variable;
  }
}

/** What a failed read was for and how it ended, for S3ObjectError's message. */
export interface S3ObjectErrorOptions {
  /** What the object is to the agent ("system prompt", "tool object", "document"), named in the message. */
  readonly label?: string;
  /** Set when the read was stopped because it took longer than this (S3_READ_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}

/** The code a failure is known by: the S3 error code, or a Node.js network code (ECONNRESET...). */
function codeOf(cause: Error): string {
  const code = (cause as { code?: unknown }).code;
  return cause.name === 'Error' && typeof code === 'string' ? code : cause.name;
}

/**
 * Reading an S3 object failed or timed out. Carries the bucket and key so the log line says which
 * object, and whether the object was simply missing (a caller's mistake), or S3 refused, failed
 * or did not answer in time (`timedOut`: the HTTP server answers 504, else 502).
 */
export class S3ObjectError extends Error {
  public readonly bucket: string;
  public readonly key: string;
  public readonly notFound: boolean;
  public readonly timedOut: boolean;
  public override readonly cause?: Error;

  constructor(bucket: string, key: string, cause: Error, options: S3ObjectErrorOptions = {}) {
    const code = codeOf(cause);
    const notFound = code === 'NoSuchKey' || code === 'NoSuchBucket' || code === 'NotFound';
    const object = `${options.label === undefined ? '' : `the ${options.label} `}s3://${bucket}/${key}`;
    super(
      options.timeoutMs !== undefined
        ? `Cannot read ${object}: timed out after ${options.timeoutMs} ms (S3_READ_TIMEOUT_MS)`
        : `Cannot read ${object}: ${code}${cause.message && cause.message !== code ? ` (${cause.message})` : ''}`,
    );
    this.name = 'S3ObjectError';
    this.bucket = bucket;
    this.key = key;
    this.notFound = notFound;
    this.timedOut = options.timeoutMs !== undefined;
    this.cause = cause;
  }
}

/**
 * The request names an S3 object the agent does not read as a document: outside every
 * DOCUMENT_SOURCES location, or one of the agent's own objects (system prompt, tools). Refused
 * before any S3 call; the HTTP server answers 403.
 */
export class DocumentAccessError extends Error {
  public readonly bucket: string;
  public readonly key: string;

  constructor(bucket: string, key: string, message: string) {
    super(message);
    this.name = 'DocumentAccessError';
    this.bucket = bucket;
    this.key = key;
  }
}

/**
 * The request's document cannot be given to the model: it does not exist, or it is binary in a
 * format the model does not take. The request was well-formed, so the server answers 422.
 */
export class DocumentError extends Error {
  public override readonly cause?: Error;

  constructor(message: string, cause?: Error) {
    super(message);
    this.name = 'DocumentError';
    this.cause = cause;
  }
}

/** Narrows an unknown thrown value to an Error, wrapping anything else. */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
