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
 * as `content.bucket`); the HTTP server answers 400 and the Lambda handler throws it as is, so a
 * Step Functions Catch can match `RequestValidationError`.
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

/**
 * Reading an S3 object failed. Carries the bucket and key so the log line says which object,
 * and whether the object was simply missing (a caller's mistake) or S3 refused or failed.
 */
export class S3ObjectError extends Error {
  public readonly bucket: string;
  public readonly key: string;
  public readonly notFound: boolean;
  public override readonly cause?: Error;

  constructor(bucket: string, key: string, cause: Error) {
    const code = cause.name;
    const notFound = code === 'NoSuchKey' || code === 'NoSuchBucket' || code === 'NotFound';
    super(`Cannot read s3://${bucket}/${key}: ${code}${cause.message && cause.message !== code ? ` (${cause.message})` : ''}`);
    this.name = 'S3ObjectError';
    this.bucket = bucket;
    this.key = key;
    this.notFound = notFound;
    this.cause = cause;
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
