import { parseIntegerVariable } from '../core/config.js';
import { AgentConfigError } from '../core/errors.js';
import { commaListOf } from './auth-config.js';
import { DEFAULT_HEARTBEAT_SECONDS } from './protocol.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Where sessions live: DynamoDB index + S3 history in production, a local directory otherwise. */
export type SessionStorageConfig =
  | { readonly kind: 'aws'; readonly bucket: string; readonly table: string }
  | { readonly kind: 'directory'; readonly directory: string };

/** What the session store needs; the Sessions API reads only this. */
export interface SessionStoreConfig {
  readonly storage: SessionStorageConfig;
  /** Age after the last turn at which a session expires (DynamoDB TTL, S3 lifecycle). */
  readonly sessionTtlSeconds: number;
}

/** An interactive agent's settings beyond the agent core's AgentConfig. */
export interface ChatConfig extends SessionStoreConfig {
  /** Messages kept in the model's context (Strands SlidingWindowConversationManager). */
  readonly conversationWindow: number;
  /** The turn lock's lease, and the turn's deadline (a little before the lease ends). */
  readonly turnTimeoutSeconds: number;
  readonly heartbeatSeconds: number;
  /** Origins whose browser requests get `Access-Control-Allow-Origin`; empty: none. */
  readonly corsAllowedOrigins: readonly string[];
}

const DEFAULT_SESSION_TTL_SECONDS = 2_592_000;
export const DEFAULT_CONVERSATION_WINDOW = 40;
const DEFAULT_TURN_TIMEOUT_SECONDS = 900;
/** AgentCore's longest session (8 hours) bounds a turn. */
const MAX_TURN_TIMEOUT_SECONDS = 28_800;
const MAX_SESSION_TTL_SECONDS = 10 * 365 * 86_400;

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function readStorage(env: Env): SessionStorageConfig {
  const bucket = optional(env, 'SESSION_BUCKET');
  const table = optional(env, 'SESSION_TABLE');
  if (bucket !== undefined && table !== undefined) return { kind: 'aws', bucket, table };
  if (bucket !== undefined) throw new AgentConfigError('SESSION_TABLE', 'is required with SESSION_BUCKET (the session index lives in DynamoDB)');
  if (table !== undefined) throw new AgentConfigError('SESSION_BUCKET', 'is required with SESSION_TABLE (the session history lives in S3)');
  const directory = optional(env, 'SESSION_DIRECTORY');
  if (directory === undefined) {
    throw new AgentConfigError('SESSION_DIRECTORY', 'is required when SESSION_BUCKET and SESSION_TABLE are unset (an interactive agent needs somewhere to keep its sessions)');
  }
  return { kind: 'directory', directory };
}

export function readSessionStoreConfig(env: Env): SessionStoreConfig {
  return {
    storage: readStorage(env),
    sessionTtlSeconds: parseIntegerVariable(env, 'SESSION_TTL_SECONDS', DEFAULT_SESSION_TTL_SECONDS, 60, MAX_SESSION_TTL_SECONDS),
  };
}

/** CORS_ALLOWED_ORIGINS: a comma list of origins (`https://app.example.com`, no path, no wildcard); unset or empty: none. */
export function readCorsAllowedOrigins(env: Env): string[] {
  const origins = commaListOf(env.CORS_ALLOWED_ORIGINS);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.origin !== origin) {
      throw new AgentConfigError(
        'CORS_ALLOWED_ORIGINS',
        `${JSON.stringify(origin)} is not an origin; each item must be scheme://host[:port] with no path or trailing slash, as browsers send it in Origin (e.g. https://app.example.com)`,
      );
    }
  }
  return [...new Set(origins)];
}

/** Reads and validates the chat settings; throws AgentConfigError naming the first wrong variable. */
export function readChatConfig(env: Env): ChatConfig {
  return {
    ...readSessionStoreConfig(env),
    conversationWindow: parseIntegerVariable(env, 'CONVERSATION_WINDOW', DEFAULT_CONVERSATION_WINDOW, 2, 10_000),
    turnTimeoutSeconds: parseIntegerVariable(env, 'TURN_TIMEOUT_SECONDS', DEFAULT_TURN_TIMEOUT_SECONDS, 1, MAX_TURN_TIMEOUT_SECONDS),
    heartbeatSeconds: parseIntegerVariable(env, 'HEARTBEAT_SECONDS', DEFAULT_HEARTBEAT_SECONDS, 1, 15),
    corsAllowedOrigins: readCorsAllowedOrigins(env),
  };
}
