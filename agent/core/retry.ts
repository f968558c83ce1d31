import { DefaultModelRetryStrategy, type BackoffStrategy } from '@strands-agents/sdk';

/**
 * Error names Bedrock uses for "try again later". The Strands SDK maps throttling reported inside
 * a stream to ModelThrottledError, but a throttled request (HTTP 429 before the stream starts)
 * arrives as the AWS SDK's ThrottlingException wrapped in a ModelError, which the default
 * strategy does not retry.
 */
const RETRYABLE_NAMES = new Set([
  'ModelThrottledError',
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailableException',
  'ModelNotReadyException',
]);

/**
 * The error behind Strands' wrapping: the agent loop rethrows a provider's error as a ModelError
 * whose `cause` is the original (e.g. the AWS SDK's ThrottlingException).
 */
export function unwrapModelError(error: Error): Error {
  let current = error;
  while (current.name === 'ModelError' && current.cause instanceof Error) current = current.cause;
  return current;
}

function httpStatusOf(error: Error): unknown {
  return (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
}

export function isRetryableModelError(error: Error): boolean {
  const root = unwrapModelError(error);
  const status = httpStatusOf(root);
  return RETRYABLE_NAMES.has(root.name) || status === 429 || status === 503;
}

export function isThrottlingError(error: Error): boolean {
  const root = unwrapModelError(error);
  return root.name === 'ModelThrottledError' || root.name === 'ThrottlingException' || httpStatusOf(root) === 429;
}

/**
 * The Strands SDK's own retry strategy (exponential backoff with full jitter, base 4 s, cap
 * 240 s by default), widened to the AWS SDK's throttling and unavailability errors. It is the
 * only retry layer for model calls: the Bedrock client is built with `maxAttempts: 1` so that
 * attempts do not multiply. One instance per Agent (the SDK refuses to share one).
 */
export class ThrottlingRetryStrategy extends DefaultModelRetryStrategy {
  constructor(options: { maxAttempts: number; backoff?: BackoffStrategy }) {
    super(options.backoff === undefined ? { maxAttempts: options.maxAttempts } : options);
  }

  protected override isRetryable(error: Error): boolean {
    return super.isRetryable(error) || isRetryableModelError(error);
  }
}
