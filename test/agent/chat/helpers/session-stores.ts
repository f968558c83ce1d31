import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SessionStoreConfig } from '../../../../agent/chat/config.js';
import { createSessionStore, type SessionStoreOptions } from '../../../../agent/chat/session-store-factory.js';
import type { SessionStore } from '../../../../agent/chat/session-store.js';
import { REGION, S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from '../../helpers/local-aws.js';

// dynalite ships no type declarations: its factory returns a node:http server.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: Record<string, unknown>) => Server;

export const SESSION_BUCKET = 'agent-sessions';
export const SESSION_TABLE = 'agent-sessions-index';
export const TTL_SECONDS = 3600;

/** The table the construct creates: userKey (HASH) + sessionId (RANGE), on demand. */
async function createTable(client: DynamoDBClient): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: SESSION_TABLE,
      KeySchema: [{ AttributeName: 'userKey', KeyType: 'HASH' }, { AttributeName: 'sessionId', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'userKey', AttributeType: 'S' }, { AttributeName: 'sessionId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

/** A place sessions live, and how to open a store on it (a new store = the agent restarted). */
export interface SessionBackend {
  readonly name: 'dynamodb+s3' | 'files';
  readonly config: SessionStoreConfig;
  /** The environment variables naming this backend. */
  readonly env: Record<string, string>;
  /** Client settings pointing at the local servers (empty for files). */
  readonly options: SessionStoreOptions;
  open(now?: () => number): SessionStore;
  /** Every object/file key under `sessions/`, sorted. */
  historyKeys(): Promise<string[]>;
  close(): Promise<void>;
}

/** dynalite (DynamoDB) and s3rver (S3) on 127.0.0.1 with the session table and bucket. */
export async function startAwsBackend(): Promise<SessionBackend & { readonly dynamoDb: DynamoDBClient; readonly s3: LocalS3 }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dynamoDbClientConfig = { region: REGION, endpoint, credentials: S3RVER_CREDENTIALS, maxAttempts: 1 };
  const dynamoDb = new DynamoDBClient(dynamoDbClientConfig);
  await createTable(dynamoDb);
  const s3 = await startLocalS3([SESSION_BUCKET]);
  const options: SessionStoreOptions = {
    dynamoDbClientConfig,
    s3ClientConfig: { region: REGION, endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS },
  };
  const config: SessionStoreConfig = { storage: { kind: 'aws', bucket: SESSION_BUCKET, table: SESSION_TABLE }, sessionTtlSeconds: TTL_SECONDS };
  return {
    name: 'dynamodb+s3',
    config,
    env: { SESSION_BUCKET, SESSION_TABLE, SESSION_TTL_SECONDS: String(TTL_SECONDS) },
    options,
    dynamoDb,
    s3,
    open: (now) => createSessionStore(config, { ...options, ...(now === undefined ? {} : { now }) }),
    async historyKeys() {
      const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
      const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: SESSION_BUCKET, Prefix: 'sessions/' }));
      return (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
    },
    async close() {
      dynamoDb.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await s3.close();
    },
  };
}

async function walk(dir: string, prefix: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const keys: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) keys.push(...(await walk(join(dir, entry.name), `${prefix}${entry.name}/`)));
    else keys.push(`${prefix}${entry.name}`);
  }
  return keys;
}

/** A fresh SESSION_DIRECTORY. */
export async function startFilesBackend(): Promise<SessionBackend & { readonly directory: string }> {
  const directory = await mkdtemp(join(tmpdir(), 'chat-sessions-'));
  const config: SessionStoreConfig = { storage: { kind: 'directory', directory }, sessionTtlSeconds: TTL_SECONDS };
  return {
    name: 'files',
    config,
    env: { SESSION_DIRECTORY: directory, SESSION_TTL_SECONDS: String(TTL_SECONDS) },
    options: {},
    directory,
    open: (now) => createSessionStore(config, now === undefined ? {} : { now }),
    historyKeys: async () => (await walk(join(directory, 'sessions'), 'sessions/')).sort(),
    close: () => rm(directory, { recursive: true, force: true }),
  };
}

/** Both backends, for `describe.each`. */
export const BACKENDS = [
  ['dynamodb+s3', startAwsBackend],
  ['files', startFilesBackend],
] as const satisfies ReadonlyArray<readonly [string, () => Promise<SessionBackend>]>;

/** A 32-hex user key as the agent derives them. */
export function userKeyOf(name: string): string {
  return Buffer.from(name.padEnd(16, '.')).toString('hex').slice(0, 32);
}
