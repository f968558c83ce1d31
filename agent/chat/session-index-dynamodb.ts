import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { pageOf, sessionBusy, sessionExists, sessionNotFound, type SessionIndex, type SessionRecord } from './session-store.js';

export interface DynamoDbSessionIndexOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly ttlSeconds: number;
  /** Epoch milliseconds; tests move it to expire locks and sessions. */
  readonly now?: () => number;
}

type Item = Record<string, AttributeValue>;

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function stringOf(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new Error(`session index item lacks string attribute ${name}`);
  return value;
}

function numberOf(item: Item, name: string): number {
  const value = item[name]?.N;
  if (value === undefined) throw new Error(`session index item lacks number attribute ${name}`);
  return Number(value);
}

function recordOf(item: Item): SessionRecord {
  return {
    sessionId: stringOf(item, 'sessionId'),
    title: stringOf(item, 'title'),
    createdAt: stringOf(item, 'createdAt'),
    updatedAt: stringOf(item, 'updatedAt'),
    expiresAt: numberOf(item, 'expiresAt'),
    turns: numberOf(item, 'turns'),
  };
}

const n = (value: number): AttributeValue => ({ N: String(value) });
const s = (value: string): AttributeValue => ({ S: value });

/** The session exists and no turn holds it (no lock, or its lease has run out): taking the lock and deleting need this. */
const SESSION_FREE = 'attribute_exists(sessionId) AND (attribute_not_exists(lockOwner) OR lockExpiresAt < :now)';

/**
 * The session index in DynamoDB: partition key `userKey`, sort key `sessionId`; `title`,
 * `createdAt`/`updatedAt` (ISO), `expiresAt` (epoch seconds, the table's TTL attribute), `turns`,
 * and while a turn runs `lockOwner` and `lockExpiresAt` (epoch ms). Every write is conditional, so
 * no write recreates a deleted session. DynamoDB deletes expired items lazily: reads treat them as
 * gone already.
 */
export function createDynamoDbSessionIndex(options: DynamoDbSessionIndexOptions): SessionIndex {
  const { client, table, ttlSeconds } = options;
  const now = options.now ?? Date.now;
  const key = (userKey: string, sessionId: string): Item => ({ userKey: s(userKey), sessionId: s(sessionId) });
  const expired = (record: SessionRecord): boolean => record.expiresAt * 1000 <= now();

  async function read(userKey: string, sessionId: string): Promise<SessionRecord | undefined> {
    const { Item: item } = await client.send(new GetItemCommand({ TableName: table, Key: key(userKey, sessionId), ConsistentRead: true }));
    return item === undefined ? undefined : recordOf(item);
  }

  /** Why SESSION_FREE failed (the condition does not say which half): the row tells. */
  async function notFoundOrBusy(userKey: string, sessionId: string): Promise<Error> {
    return (await read(userKey, sessionId)) === undefined ? sessionNotFound(sessionId) : sessionBusy(sessionId);
  }

  return {
    async create(userKey, sessionId, title) {
      const at = now();
      const createdAt = new Date(at).toISOString();
      const record: SessionRecord = { sessionId, title, createdAt, updatedAt: createdAt, expiresAt: Math.floor(at / 1000) + ttlSeconds, turns: 0 };
      try {
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: { ...key(userKey, sessionId), title: s(title), createdAt: s(createdAt), updatedAt: s(createdAt), expiresAt: n(record.expiresAt), turns: n(0) },
            ConditionExpression: 'attribute_not_exists(sessionId)',
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) throw sessionExists(sessionId);
        throw error;
      }
      return record;
    },

    async get(userKey, sessionId) {
      const record = await read(userKey, sessionId);
      if (record === undefined || expired(record)) throw sessionNotFound(sessionId);
      return record;
    },

    async list(userKey, limit, nextToken) {
      const records: SessionRecord[] = [];
      let start: Item | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'userKey = :userKey',
            ExpressionAttributeValues: { ':userKey': s(userKey) },
            ProjectionExpression: 'sessionId, title, createdAt, updatedAt, expiresAt, turns',
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        );
        for (const item of page.Items ?? []) records.push(recordOf(item));
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      return pageOf(records.filter((r) => !expired(r)), limit, nextToken);
    },

    async acquireLock(userKey, sessionId, owner, leaseSeconds) {
      const at = now();
      try {
        const { Attributes: item } = await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key(userKey, sessionId),
            UpdateExpression: 'SET lockOwner = :me, lockExpiresAt = :until',
            ConditionExpression: SESSION_FREE,
            ExpressionAttributeValues: { ':me': s(owner), ':until': n(at + leaseSeconds * 1000), ':now': n(at) },
            ReturnValues: 'ALL_NEW',
          }),
        );
        if (item === undefined) throw new Error('UpdateItem answered no attributes for ReturnValues ALL_NEW');
        return recordOf(item);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        throw await notFoundOrBusy(userKey, sessionId);
      }
    },

    async releaseLock(userKey, sessionId, owner) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key(userKey, sessionId),
            UpdateExpression: 'REMOVE lockOwner, lockExpiresAt',
            ConditionExpression: 'lockOwner = :me',
            ExpressionAttributeValues: { ':me': s(owner) },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async recordTurn(userKey, sessionId) {
      const at = now();
      try {
        const { Attributes: item } = await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key(userKey, sessionId),
            UpdateExpression: 'SET updatedAt = :at, expiresAt = :expires ADD turns :one',
            ConditionExpression: 'attribute_exists(sessionId)',
            ExpressionAttributeValues: { ':at': s(new Date(at).toISOString()), ':expires': n(Math.floor(at / 1000) + ttlSeconds), ':one': n(1) },
            ReturnValues: 'ALL_NEW',
          }),
        );
        if (item === undefined) throw new Error('UpdateItem answered no attributes for ReturnValues ALL_NEW');
        return recordOf(item);
      } catch (error) {
        if (isConditionFailure(error)) throw sessionNotFound(sessionId);
        throw error;
      }
    },

    async delete(userKey, sessionId) {
      try {
        // Not under a running turn's lock: that turn would save its history after the delete.
        await client.send(
          new DeleteItemCommand({
            TableName: table,
            Key: key(userKey, sessionId),
            ConditionExpression: SESSION_FREE,
            ExpressionAttributeValues: { ':now': n(now()) },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        throw await notFoundOrBusy(userKey, sessionId);
      }
    },
  };
}
