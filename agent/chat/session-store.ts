import type { SessionManager } from '@strands-agents/sdk';
import { ChatError } from './protocol.js';
import type { SessionHistory } from './session-history.js';

/** One row of a user's session index. */
export interface SessionRecord {
  readonly sessionId: string;
  /** The first 80 characters of the session's first message. */
  readonly title: string;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601; the end of the last successful turn (createdAt before the first). */
  readonly updatedAt: string;
  /** Epoch seconds after which the session is expired (DynamoDB TTL; S3 lifecycle on the history). */
  readonly expiresAt: number;
  /** Successful turns so far. */
  readonly turns: number;
}

export interface SessionPage {
  /** Most recently updated first. */
  readonly sessions: readonly SessionRecord[];
  /** Present when more sessions follow; pass it back to `list` for the next page. */
  readonly nextToken?: string;
}

/** One message of a session's history as a client shows it (tool calls and results left out). */
export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly text: string;
}

/**
 * A user's chat sessions: an index (title, times, turn count, lock) and the conversation history
 * (Strands snapshots). Every operation is scoped by `userKey`: another user's session is
 * SessionNotFound, exactly as an unknown one. Failures are ChatErrors with codes SessionNotFound,
 * SessionExists, SessionBusy or BadRequest (a bad `nextToken`); anything else is an infrastructure
 * failure.
 */
export interface SessionStore {
  /** Adds an index row with no turns. SessionExists when the user already has `sessionId`. */
  create(userKey: string, sessionId: string, title: string): Promise<SessionRecord>;
  /** SessionNotFound when missing (or another user's). */
  get(userKey: string, sessionId: string): Promise<SessionRecord>;
  /** The user's sessions, most recently updated first; `limit` 1..100. */
  list(userKey: string, limit: number, nextToken?: string): Promise<SessionPage>;
  /**
   * Takes the session's turn lock for `leaseSeconds` as `owner`, and answers the row as it is
   * now. SessionBusy while another owner holds an unexpired lock; an expired lock is taken over.
   */
  acquireLock(userKey: string, sessionId: string, owner: string, leaseSeconds: number): Promise<SessionRecord>;
  /** Gives the lock back if `owner` still holds it; false when it does not (taken over, deleted). */
  releaseLock(userKey: string, sessionId: string, owner: string): Promise<boolean>;
  /** After a successful turn: updatedAt = now, expiresAt = now + TTL, turns + 1. */
  recordTurn(userKey: string, sessionId: string): Promise<SessionRecord>;
  /**
   * Removes the index row, then the history objects. SessionNotFound when missing; SessionBusy
   * while a turn holds an unexpired lock (it would save the history after the delete).
   */
  delete(userKey: string, sessionId: string): Promise<void>;
  /**
   * The Strands SessionManager for the session's history (`saveLatestOn: 'trigger'`: nothing is
   * saved until `saveSnapshot` is called after a successful turn).
   */
  sessionManager(userKey: string, sessionId: string): SessionManager;
  /** The saved conversation (snapshot_latest), oldest first; empty before the first turn. */
  messages(userKey: string, sessionId: string): Promise<ChatMessage[]>;
}

/** Title of a session: the first 80 characters (code points, never half a surrogate pair) of its first message. */
export function titleOf(message: string): string {
  return Array.from(message).slice(0, 80).join('');
}

export function sessionNotFound(sessionId: string): ChatError {
  return new ChatError('SessionNotFound', `Session ${sessionId} does not exist`);
}

export function sessionBusy(sessionId: string): ChatError {
  return new ChatError('SessionBusy', `Session ${sessionId} is busy with another turn; try again when it has finished`);
}

export function sessionExists(sessionId: string): ChatError {
  return new ChatError('SessionExists', `Session ${sessionId} already exists; continue it by sending its sessionId`);
}

export const MAX_LIST_LIMIT = 100;
export const DEFAULT_LIST_LIMIT = 50;

/** The index half of a SessionStore: one row per session, no history. */
export type SessionIndex = Omit<SessionStore, 'sessionManager' | 'messages'>;

/** userKey = the first 32 hex characters of sha256(issuer + "\n" + subject): safe in an S3 prefix and a key. */
const USER_KEY_PATTERN = /^[0-9a-f]{32}$/;

/** A user key that is not one is a caller's bug, and must never reach an S3 prefix (`a/../b`). */
function checked(userKey: string): string {
  if (!USER_KEY_PATTERN.test(userKey)) throw new Error(`userKey ${JSON.stringify(userKey)} is not 32 lower-case hex characters`);
  return userKey;
}

/**
 * A SessionStore from an index and the histories; delete removes the row first, so a missing or
 * busy session deletes nothing. Throws (not a ChatError) on a user key that is not 32 hex characters.
 */
export function composeSessionStore(index: SessionIndex, history: SessionHistory): SessionStore {
  return {
    create: async (userKey, sessionId, title) => index.create(checked(userKey), sessionId, title),
    get: async (userKey, sessionId) => index.get(checked(userKey), sessionId),
    list: async (userKey, limit, nextToken) => index.list(checked(userKey), limit, nextToken),
    acquireLock: async (userKey, sessionId, owner, leaseSeconds) => index.acquireLock(checked(userKey), sessionId, owner, leaseSeconds),
    releaseLock: async (userKey, sessionId, owner) => index.releaseLock(checked(userKey), sessionId, owner),
    recordTurn: async (userKey, sessionId) => index.recordTurn(checked(userKey), sessionId),
    async delete(userKey, sessionId) {
      await index.delete(checked(userKey), sessionId);
      await history.delete(userKey, sessionId);
    },
    sessionManager: (userKey, sessionId) => history.sessionManager(checked(userKey), sessionId),
    messages: async (userKey, sessionId) => history.messages(checked(userKey), sessionId),
  };
}

interface Cursor {
  readonly updatedAt: string;
  readonly sessionId: string;
}

/** Most recently updated first; the session id breaks ties, so the order is total. */
function before(a: Cursor, b: Cursor): number {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt ? -1 : 1;
  return a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.updatedAt, cursor.sessionId])).toString('base64url');
}

function decodeCursor(token: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { updatedAt: value[0], sessionId: value[1] };
    }
  } catch {
    // Reported below with the other malformed tokens.
  }
  throw new ChatError('BadRequest', 'nextToken is not one this API gave out; pass back the nextToken of the previous page unchanged');
}

/**
 * One page of `records` (all of a user's sessions): sorted most recently updated first, starting
 * after `nextToken`'s session. The token names a position, not an offset, so sessions added
 * meanwhile do not shift the pages.
 */
export function pageOf(records: readonly SessionRecord[], limit: number, nextToken?: string): SessionPage {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new ChatError('BadRequest', `limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${JSON.stringify(limit)}`);
  }
  const sorted = [...records].sort(before);
  const after = nextToken === undefined ? undefined : decodeCursor(nextToken);
  const start = after === undefined ? 0 : sorted.findIndex((r) => before(r, after) > 0);
  const rest = start < 0 ? [] : sorted.slice(start);
  const sessions = rest.slice(0, limit);
  const last = sessions[sessions.length - 1];
  return rest.length > limit && last !== undefined ? { sessions, nextToken: encodeCursor(last) } : { sessions };
}
