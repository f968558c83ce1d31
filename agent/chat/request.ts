import { z } from 'zod';
import { ChatError } from './protocol.js';

/** What a client sends for one turn. */
export interface ChatRequest {
  readonly message: string;
  /** Absent: start a new session. */
  readonly sessionId?: string;
}

export const MAX_MESSAGE_CHARS = 100_000;
/** 33–256 characters: a valid AgentCore runtime session id, so one id names the session everywhere. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{32,255}$/;
const SESSION_ID_RULE = '33 to 256 characters from A-Z, a-z, 0-9, "_" and "-", starting with a letter or digit';

/** Shows a value in a message without echoing 100 000 characters back. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID_PATTERN.test(value);
}

/** Why `value` is not a session id, for a BadRequest message naming `field`. */
export function sessionIdProblem(field: string, value: unknown): string {
  return `${field} ${shown(value)} is not a session id: ${SESSION_ID_RULE}`;
}

const requestSchema = z
  .object({
    message: z
      .string({ error: (issue) => (issue.input === undefined ? 'message is required' : `message must be a string, got ${shown(issue.input)}`) })
      .max(MAX_MESSAGE_CHARS, `message must be at most ${MAX_MESSAGE_CHARS} characters`)
      // Bedrock refuses text blocks without visible text; say so before a model call fails.
      .refine((message) => message.trim() !== '', 'message must contain text (it is empty or only whitespace)'),
    sessionId: z
      .string({ error: (issue) => `sessionId must be a string, got ${shown(issue.input)}` })
      .refine(isSessionId, { error: (issue) => sessionIdProblem('sessionId', issue.input) })
      .optional(),
  })
  .strict();

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}; allowed: message, sessionId`;
  return issue.message;
}

/**
 * The turn's request from the client's body: the parsed JSON, or its text. Throws a BadRequest
 * ChatError naming the field, the value and what is allowed.
 */
export function parseChatRequest(body: unknown): ChatRequest {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch (error) {
      throw new ChatError('BadRequest', `The body is not valid JSON (${(error as Error).message})`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ChatError('BadRequest', `The body must be a JSON object {"message": string, "sessionId"?: string}, got ${shown(value)}`);
  }
  const result = requestSchema.safeParse(value);
  if (!result.success) throw new ChatError('BadRequest', result.error.issues.map(describe).join('; '));
  const { message, sessionId } = result.data;
  return sessionId === undefined ? { message } : { message, sessionId };
}
