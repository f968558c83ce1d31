import { randomUUID } from 'node:crypto';

/** AgentCore's bounds on `runtimeSessionId`. */
export const SESSION_ID_MIN = 33;
export const SESSION_ID_MAX = 256;

/** A new session id, local or deployed: `agentic-cli-` and 32 hex digits (44 characters). */
export function newSessionId(): string {
  return `agentic-cli-${randomUUID().replace(/-/g, '')}`;
}

/** What is wrong with a given session id (outside AgentCore's 33–256 characters), or undefined. */
export function sessionIdProblem(sessionId: string): string | undefined {
  if (sessionId.length >= SESSION_ID_MIN && sessionId.length <= SESSION_ID_MAX) return undefined;
  return (
    `session id "${sessionId.length > 60 ? `${sessionId.slice(0, 60)}…` : sessionId}" is ${sessionId.length} characters; ` +
    `AgentCore needs ${SESSION_ID_MIN} to ${SESSION_ID_MAX} (omit it to get a new one)`
  );
}
