import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { raceSignal } from './abort.js';
import { DEFAULT_S3_READ_TIMEOUT_MS } from './config.js';
import { S3ObjectError, toError } from './errors.js';

export interface StoredObject {
  readonly bytes: Uint8Array;
  /** The object's Content-Type as stored, when S3 has one. */
  readonly contentType?: string;
}

/** How one read is made. */
export interface ReadOptions {
  /** Cancels the read (the invocation ended: client gone, deadline); it rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** What the object is to the agent ("system prompt", "tool object", "document"), for error messages. */
  readonly label?: string;
}

/** Reads whole objects. The agent's only S3 operation; an interface so tests can count reads. */
export interface ObjectStore {
  get(bucket: string, key: string, options?: ReadOptions): Promise<StoredObject>;
}

/** Time allowed to open a connection to S3 (never more than the whole read's bound). */
export const S3_CONNECT_TIMEOUT_MS = 3_000;

/**
 * The agent's S3 client: the standard SDK configuration (region, credentials, `AWS_ENDPOINT_URL_S3`)
 * plus a connection timeout, so an unreachable endpoint fails fast instead of waiting for the OS.
 * `config` adds to it (tests point it at local endpoints).
 */
export function createAgentS3Client(readTimeoutMs: number, config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    ...config,
    requestHandler: { connectionTimeout: Math.min(S3_CONNECT_TIMEOUT_MS, readTimeoutMs) },
  });
}

function timeoutCause(ms: number): Error {
  return Object.assign(new Error(`no complete answer within ${ms} ms`), { name: 'TimeoutError' });
}

/**
 * An ObjectStore on the real S3 client. Each read is bounded by `timeoutMs` as a whole (connection,
 * the SDK's own retries, the body), after which it rejects with an S3ObjectError saying so; it is
 * also cancelled by the caller's signal. Either way the HTTP request is aborted and its socket
 * destroyed, so abandoned reads do not hold on to the client's connection pool (50 sockets).
 */
export function createS3ObjectStore(client: S3Client, options: { timeoutMs?: number } = {}): ObjectStore {
  const timeoutMs = options.timeoutMs ?? DEFAULT_S3_READ_TIMEOUT_MS;

  async function fetchObject(bucket: string, key: string, signal: AbortSignal): Promise<StoredObject> {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    const body = response.Body;
    if (body === undefined) throw new Error('empty response body');
    // The SDK's abort covers the request; make sure the body stream goes too.
    const destroyBody = (): void => {
      if (body instanceof Readable) body.destroy();
    };
    signal.addEventListener('abort', destroyBody, { once: true });
    try {
      const bytes = await body.transformToByteArray();
      return response.ContentType === undefined ? { bytes } : { bytes, contentType: response.ContentType };
    } finally {
      signal.removeEventListener('abort', destroyBody);
    }
  }

  return {
    async get(bucket, key, readOptions = {}) {
      const label = readOptions.label === undefined ? {} : { label: readOptions.label };
      const timer = new AbortController();
      const timeout = setTimeout(
        () => timer.abort(new S3ObjectError(bucket, key, timeoutCause(timeoutMs), { ...label, timeoutMs })),
        timeoutMs,
      );
      const signal = readOptions.signal === undefined ? timer.signal : AbortSignal.any([timer.signal, readOptions.signal]);
      try {
        return await raceSignal(fetchObject(bucket, key, signal), signal);
      } catch (error) {
        // Timed out (an S3ObjectError) or cancelled by the caller (its reason): say that, not "aborted".
        if (signal.aborted) throw signal.reason;
        throw new S3ObjectError(bucket, key, toError(error), label);
      } finally {
        clearTimeout(timeout);
      }
    },
  };
}
