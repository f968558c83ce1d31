import { SessionManager } from '@strands-agents/sdk';
import type { Storage } from '@strands-agents/sdk/storage';
import { z } from 'zod';
import type { ChatMessage } from './session-store.js';

/** The chat agent's Strands id: the `scopeId` of its snapshots' keys. */
export const CHAT_AGENT_ID = 'chat';

/** A Strands Storage that can hand out a view under a prefix (S3Storage and LocalFileStorage can). */
export interface NamespacedStorage {
  namespace(prefix: string): Storage;
}

/** A user's conversation histories: Strands snapshots under `sessions/<userKey>/`. */
export interface SessionHistory {
  sessionManager(userKey: string, sessionId: string): SessionManager;
  messages(userKey: string, sessionId: string): Promise<ChatMessage[]>;
  /** Removes every object of the session's history; nothing to remove is not an error. */
  delete(userKey: string, sessionId: string): Promise<void>;
}

/**
 * The session id as Strands stores it. Strands takes identifiers of `[a-z0-9_-]` only, our ids
 * also have upper case: `_` becomes `__` and an upper-case letter `_` + its lower case, which is
 * one-to-one and leaves ids without `_` or upper case (every UUID) as they are.
 */
export function storedSessionId(sessionId: string): string {
  return sessionId.replace(/[A-Z_]/g, (c) => (c === '_' ? '__' : `_${c.toLowerCase()}`));
}

/** Where snapshot_latest lives under the user's prefix (Strands' SnapshotStorageAdapter layout). */
function latestSnapshotKey(sessionId: string): string {
  return `${storedSessionId(sessionId)}/scopes/agent/${CHAT_AGENT_ID}/snapshots/snapshot_latest.json`;
}

const snapshotSchema = z.object({
  data: z.object({
    messages: z.array(z.object({ role: z.string(), content: z.array(z.unknown()) })).optional(),
  }),
});

function textOf(content: readonly unknown[]): string {
  return content
    .flatMap((block) => (typeof block === 'object' && block !== null && 'text' in block && typeof block.text === 'string' ? [block.text] : []))
    .join('\n');
}

/** The user and assistant texts of a snapshot, tool calls and results (messages without text) left out. */
function messagesOfSnapshot(bytes: Uint8Array, key: string): ChatMessage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`The session snapshot ${key} is not JSON`, { cause: error });
  }
  const snapshot = snapshotSchema.safeParse(parsed);
  if (!snapshot.success) throw new Error(`The session snapshot ${key} is not a Strands agent snapshot: ${snapshot.error.message}`);
  const messages: ChatMessage[] = [];
  for (const message of snapshot.data.data.messages ?? []) {
    const text = textOf(message.content);
    if (text !== '' && (message.role === 'user' || message.role === 'assistant')) messages.push({ role: message.role, text });
  }
  return messages;
}

/** Histories in `root` (an S3Storage on the session bucket, or a LocalFileStorage), one prefix per user. */
export function createSessionHistory(root: NamespacedStorage): SessionHistory {
  const storageOf = (userKey: string): Storage => root.namespace(`sessions/${userKey}`);
  const sessionManager = (userKey: string, sessionId: string): SessionManager =>
    new SessionManager({ storage: storageOf(userKey), sessionId: storedSessionId(sessionId), saveLatestOn: 'trigger' });
  return {
    sessionManager,
    async messages(userKey, sessionId) {
      const key = latestSnapshotKey(sessionId);
      const bytes = await storageOf(userKey).read(key);
      return bytes === null ? [] : messagesOfSnapshot(bytes, key);
    },
    async delete(userKey, sessionId) {
      await sessionManager(userKey, sessionId).deleteSession();
    },
  };
}
