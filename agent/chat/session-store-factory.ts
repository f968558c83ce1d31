import { join } from 'node:path';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { LocalFileStorage, S3Storage } from '@strands-agents/sdk/storage';
import { DEFAULT_S3_READ_TIMEOUT_MS } from '../core/config.js';
import { createAgentS3Client } from '../core/s3.js';
import type { SessionStoreConfig } from './config.js';
import { createSessionHistory } from './session-history.js';
import { createDynamoDbSessionIndex } from './session-index-dynamodb.js';
import { createFileSessionIndex } from './session-index-files.js';
import { composeSessionStore, type SessionStore } from './session-store.js';

export interface SessionStoreOptions {
  /** Added to the S3 client's configuration (tests: a local endpoint); the standard SDK environment otherwise. */
  readonly s3ClientConfig?: S3ClientConfig;
  /** Added to the DynamoDB client's configuration, likewise. */
  readonly dynamoDbClientConfig?: DynamoDBClientConfig;
  /** Epoch milliseconds; tests move it to expire locks and sessions. */
  readonly now?: () => number;
}

/** The index file of a SESSION_DIRECTORY store, beside the `sessions/` histories. */
const SESSION_INDEX_FILE = 'sessions-index.json';

/**
 * The store SESSION_BUCKET + SESSION_TABLE (DynamoDB index, S3 history under
 * `sessions/<userKey>/`) or SESSION_DIRECTORY (a JSON index file and Strands LocalFileStorage
 * histories, one process) names.
 */
export function createSessionStore(config: SessionStoreConfig, options: SessionStoreOptions = {}): SessionStore {
  const { storage, sessionTtlSeconds: ttlSeconds } = config;
  const now = options.now === undefined ? {} : { now: options.now };
  if (storage.kind === 'aws') {
    const s3Client = createAgentS3Client(DEFAULT_S3_READ_TIMEOUT_MS, options.s3ClientConfig);
    const client = new DynamoDBClient({ ...options.dynamoDbClientConfig });
    return composeSessionStore(
      createDynamoDbSessionIndex({ client, table: storage.table, ttlSeconds, ...now }),
      createSessionHistory(new S3Storage(storage.bucket, { s3Client })),
    );
  }
  return composeSessionStore(
    createFileSessionIndex({ file: join(storage.directory, SESSION_INDEX_FILE), ttlSeconds, ...now }),
    createSessionHistory(new LocalFileStorage(storage.directory)),
  );
}
