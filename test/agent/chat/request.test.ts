import { describe, expect, it } from 'vitest';
import { ChatError } from '../../../agent/chat/protocol.js';
import { isSessionId, MAX_MESSAGE_CHARS, parseChatRequest } from '../../../agent/chat/request.js';

const ID = 'a'.repeat(33);

function refusal(body: unknown): string {
  try {
    parseChatRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ChatError);
    expect((error as ChatError).code).toBe('BadRequest');
    return (error as ChatError).message;
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

describe('parseChatRequest', () => {
  it('accepts a message, with or without a session id, as an object or JSON text', () => {
    expect(parseChatRequest({ message: 'hi' })).toEqual({ message: 'hi' });
    expect(parseChatRequest({ message: 'hi', sessionId: ID })).toEqual({ message: 'hi', sessionId: ID });
    expect(parseChatRequest(JSON.stringify({ message: 'x'.repeat(MAX_MESSAGE_CHARS) }))).toEqual({ message: 'x'.repeat(MAX_MESSAGE_CHARS) });
  });

  it.each<[unknown, string]>([
    [{}, 'message is required'],
    [{ message: 7 }, 'message must be a string, got 7'],
    [{ message: '' }, 'message must contain text (it is empty or only whitespace)'],
    [{ message: ' \n\t' }, 'message must contain text (it is empty or only whitespace)'],
    [{ message: 'x'.repeat(MAX_MESSAGE_CHARS + 1) }, 'message must be at most 100000 characters'],
    [{ message: 'hi', sessionId: 12 }, 'sessionId must be a string, got 12'],
    [{ message: 'hi', sessionId: 'a'.repeat(32) }, `sessionId "${'a'.repeat(32)}" is not a session id: 33 to 256 characters`],
    [{ message: 'hi', sessionId: '-' + 'a'.repeat(40) }, 'is not a session id'],
    [{ message: 'hi', sessionId: 'a'.repeat(40) + '/..' }, 'is not a session id'],
    [{ message: 'hi', userId: 'someone-else' }, 'unknown field(s) userId; allowed: message, sessionId'],
    ['{"message": ', 'The body is not valid JSON'],
    [['hi'], 'The body must be a JSON object {"message": string, "sessionId"?: string}, got ["hi"]'],
    [null, 'got null'],
  ])('refuses %j: %s', (body, expected) => {
    expect(refusal(body)).toContain(expected);
  });

  it('does not echo a huge value back', () => {
    expect(refusal({ message: 'hi', sessionId: 'b'.repeat(5000) }).length).toBeLessThan(300);
  });
});

describe('isSessionId', () => {
  it.each([
    ['a'.repeat(33), true],
    ['A'.repeat(256), true],
    ['0123456789abcdef-0123456789_ABCDEF', true],
    [crypto.randomUUID(), true],
    ['a'.repeat(32), false],
    ['a'.repeat(257), false],
    ['_' + 'a'.repeat(40), false],
    ['a'.repeat(40) + '.', false],
    [42, false],
  ])('%j: %s', (value, expected) => {
    expect(isSessionId(value)).toBe(expected);
  });
});
