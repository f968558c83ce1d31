import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3ObjectError, toError } from './errors.js';

export interface StoredObject {
  readonly bytes: Uint8Array;
  /** The object's Content-Type as stored, when S3 has one. */
  readonly contentType?: string;
}

/** Reads whole objects. The agent's only S3 operation; an interface so tests can count reads. */
export interface ObjectStore {
  get(bucket: string, key: string): Promise<StoredObject>;
}

/**
 * An ObjectStore on the real S3 client. The client comes from the caller so that production uses
 * the standard SDK configuration (region, credentials, `AWS_ENDPOINT_URL_S3`) and tests point it
 * at a local S3-compatible server.
 */
export function createS3ObjectStore(client: S3Client): ObjectStore {
  return {
    async get(bucket, key) {
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (response.Body === undefined) {
          throw new Error('empty response body');
        }
        const bytes = await response.Body.transformToByteArray();
        return response.ContentType === undefined ? { bytes } : { bytes, contentType: response.ContentType };
      } catch (error) {
        throw new S3ObjectError(bucket, key, toError(error));
      }
    },
  };
}
