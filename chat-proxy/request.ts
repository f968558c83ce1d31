/**
 * The little the proxy checks of a chat request before calling AgentCore: a JSON object, and a
 * session id fit for AgentCore's session header. The agent validates the rest (the message, and
 * that the session is the caller's), so the rules live in one place.
 */
import { isRecord } from '../cli/util.js';
import { parseJsonOrUndefined } from '../cli/deployed-sse.js';
import { bodyTextOf, type ApiGatewayProxyEvent } from '../agent/chat-http/api-gateway.js';
import { ProxyFailure } from './failures.js';

/**
 * The protocol's session id (SESSION_ID_PATTERN of agent/chat/request.ts, whose zod schema would add
 * ~190 KB to this function): 33–256 characters, a valid AgentCore session id.
 */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{32,255}$/;

export interface ProxyChatRequest {
  /** The body as the browser sent it, for the agent. */
  readonly payload: string;
  /** The body's session id, or a new one. */
  readonly sessionId: string;
  readonly newSession: boolean;
}

/** Reads the chat request; a body that is not a JSON object, or a bad session id, is a BadRequest. */
export function parseProxyRequest(event: ApiGatewayProxyEvent, newSessionId: () => string): ProxyChatRequest {
  const payload = bodyTextOf(event);
  const body = parseJsonOrUndefined(payload);
  if (!isRecord(body)) throw new ProxyFailure('BadRequest', 'The request body must be a JSON object: {"message": "...", "sessionId"?: "..."}');
  const { sessionId } = body;
  if (sessionId === undefined) return { payload, sessionId: newSessionId(), newSession: true };
  if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) {
    throw new ProxyFailure('BadRequest', 'sessionId must be 33 to 256 letters, digits, hyphens or underscores, starting with a letter or digit');
  }
  return { payload, sessionId, newSession: false };
}
