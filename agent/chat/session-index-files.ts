import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pageOf, sessionBusy, sessionExists, sessionNotFound, type SessionIndex, type SessionRecord } from './session-store.js';

export interface FileSessionIndexOptions {
  /** The JSON file holding every user's rows. */
  readonly file: string;
  readonly ttlSeconds: number;
  /** Epoch milliseconds; tests move it to expire locks and sessions. */
  readonly now?: () => number;
}

interface Row extends SessionRecord {
  readonly lockOwner?: string;
  readonly lockExpiresAt?: number;
}

/** userKey → sessionId → row. */
type Index = Record<string, Record<string, Row>>;

function recordOf(row: Row): SessionRecord {
  const { sessionId, title, createdAt, updatedAt, expiresAt, turns } = row;
  return { sessionId, title, createdAt, updatedAt, expiresAt, turns };
}

/**
 * The session index in one JSON file, for `local` runs and tests: the same rows, conditions and
 * errors as the DynamoDB index. One process only: operations are serialized in memory, the file
 * is read fresh by each (another instance over the same directory, as after a restart, sees
 * every change) and replaced atomically (write, then rename).
 */
export function createFileSessionIndex(options: FileSessionIndexOptions): SessionIndex {
  const { file, ttlSeconds } = options;
  const now = options.now ?? Date.now;
  let queue: Promise<unknown> = Promise.resolve();

  async function load(): Promise<Index> {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as Index;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }

  async function save(index: Index): Promise<void> {
    await mkdir(dirname(file), { recursive: true });
    const scratch = `${file}.${randomUUID()}.tmp`;
    await writeFile(scratch, JSON.stringify(index));
    await rename(scratch, file);
  }

  /** Runs `change` on the current index after every earlier operation; saves it when `change` says so. */
  function exclusive<T>(change: (index: Index) => { result: T; changed: boolean }): Promise<T> {
    const run = queue.then(async () => {
      const index = await load();
      const { result, changed } = change(index);
      if (changed) await save(index);
      return result;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  const live = (row: Row | undefined): row is Row => row !== undefined && row.expiresAt * 1000 > now();

  return {
    create: (userKey, sessionId, title) =>
      exclusive((index) => {
        const rows = (index[userKey] ??= {});
        if (rows[sessionId] !== undefined) throw sessionExists(sessionId);
        const at = now();
        const createdAt = new Date(at).toISOString();
        const row: Row = { sessionId, title, createdAt, updatedAt: createdAt, expiresAt: Math.floor(at / 1000) + ttlSeconds, turns: 0 };
        rows[sessionId] = row;
        return { result: recordOf(row), changed: true };
      }),

    get: (userKey, sessionId) =>
      exclusive((index) => {
        const row = index[userKey]?.[sessionId];
        if (!live(row)) throw sessionNotFound(sessionId);
        return { result: recordOf(row), changed: false };
      }),

    list: (userKey, limit, nextToken) =>
      exclusive((index) => {
        const rows = Object.values(index[userKey] ?? {}).filter(live);
        return { result: pageOf(rows.map(recordOf), limit, nextToken), changed: false };
      }),

    acquireLock: (userKey, sessionId, owner, leaseSeconds) =>
      exclusive((index) => {
        const rows = index[userKey];
        const row = rows?.[sessionId];
        if (rows === undefined || row === undefined) throw sessionNotFound(sessionId);
        const at = now();
        if (row.lockOwner !== undefined && (row.lockExpiresAt ?? 0) >= at) throw sessionBusy(sessionId);
        rows[sessionId] = { ...row, lockOwner: owner, lockExpiresAt: at + leaseSeconds * 1000 };
        return { result: recordOf(row), changed: true };
      }),

    releaseLock: (userKey, sessionId, owner) =>
      exclusive((index) => {
        const rows = index[userKey];
        const row = rows?.[sessionId];
        if (rows === undefined || row === undefined || row.lockOwner !== owner) return { result: false, changed: false };
        rows[sessionId] = recordOf(row);
        return { result: true, changed: true };
      }),

    recordTurn: (userKey, sessionId) =>
      exclusive((index) => {
        const rows = index[userKey];
        const row = rows?.[sessionId];
        if (rows === undefined || row === undefined) throw sessionNotFound(sessionId);
        const at = now();
        const updated: Row = { ...row, updatedAt: new Date(at).toISOString(), expiresAt: Math.floor(at / 1000) + ttlSeconds, turns: row.turns + 1 };
        rows[sessionId] = updated;
        return { result: recordOf(updated), changed: true };
      }),

    delete: (userKey, sessionId) =>
      exclusive((index) => {
        const rows = index[userKey];
        const row = rows?.[sessionId];
        if (rows === undefined || row === undefined) throw sessionNotFound(sessionId);
        // As in DynamoDB: not under a running turn's unexpired lock.
        if (row.lockOwner !== undefined && (row.lockExpiresAt ?? 0) >= now()) throw sessionBusy(sessionId);
        delete rows[sessionId];
        return { result: undefined, changed: true };
      }),
  };
}
