// The execution one uploaded document starts: its name and input as the workflow reads them.
import { documentIdOf, executionNameOf, fileNameOf } from './document-id.js';
import { NotificationError, type S3ObjectCreated } from './notification.js';

/** Where the workflow takes documents from; the bucket notifies only for this prefix. */
export const RAW_PREFIX = 'raw/';

/** The execution input (the state machine's `$`). */
export interface DocumentExecutionInput {
  readonly documentId: string;
  readonly contentType: 'file';
  readonly content: { readonly location: 's3'; readonly bucket: string; readonly key: string; readonly filename: string };
  readonly eventTime: string;
  readonly eventName: string;
  readonly source: 'aws:s3';
  /** `<bucket>/<key>` URL-encoded: the move steps pass it to S3 CopyObject, which needs it so. */
  readonly copySource: string;
}

export interface DocumentExecution {
  readonly name: string;
  readonly input: DocumentExecutionInput;
}

/** A key under `raw/` ending in `/`: the empty object the S3 console makes for a folder. */
export function isFolderMarker(key: string): boolean {
  return key.endsWith('/');
}

/**
 * Encodes a key for CopySource: each segment percent-encoded (RFC 3986 unreserved characters kept),
 * the slashes between them kept, as S3 reads `x-amz-copy-source`.
 */
export function encodeCopySourceKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** The execution for one object-created record; a key outside `raw/` is a NotificationError. */
export function documentExecutionOf(record: S3ObjectCreated): DocumentExecution {
  if (!record.key.startsWith(RAW_PREFIX)) {
    throw new NotificationError(`object key ${JSON.stringify(record.key)} is outside ${RAW_PREFIX}: the workflow processes ${RAW_PREFIX} only`);
  }
  let documentId: string;
  try {
    documentId = documentIdOf(record);
  } catch (error) {
    throw new NotificationError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  return {
    name: executionNameOf(documentId),
    input: {
      documentId,
      contentType: 'file',
      content: { location: 's3', bucket: record.bucket, key: record.key, filename: fileNameOf(record.key) },
      eventTime: record.eventTime,
      eventName: record.eventName,
      source: 'aws:s3',
      copySource: `${record.bucket}/${encodeCopySourceKey(record.key)}`,
    },
  };
}
