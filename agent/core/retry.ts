import { DefaultModelRetryStrategy, type BackoffStrategy } from '@strands-agents/sdk';

/**
 * Error names Bedrock uses for "try again later". The Strands SDK maps throttling reported inside
 * a stream to ModelThrottledError, but a throttled request (HTTP 429 before the stream starts)
 * arrives as the AWS SDK's ThrottlingException, which the default strategy does not retry.
 */
const RETRYABLE_NAMES = new Set([
  'ModelThrottledError',
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailableException',
  'ModelNotReadyException',
]);

export function isRetryableModelError(error: Error): boolean {
  if (RETRYABLE_NAMES.has(error.name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return status === 429 || status === 503;
}

export function isThrottlingError(error: Error): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return error.name === 'ModelThrottledError' || error.name === 'ThrottlingException' || status === 429;
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
