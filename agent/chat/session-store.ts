import type { SessionManager } from '@strands-agents/sdk';
import { ChatError } from './protocol.js';

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
  /** Removes the index row, then the history objects. SessionNotFound when missing. */
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
