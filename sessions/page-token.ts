/**
 * The Sessions API's `nextToken`: the store's own position, wrapped with the user it was given to.
 * Opaque to clients (base64url of JSON), and bound to the caller: a token another user got back is
 * refused as a bad token before the store sees it, so no user can page from another's position.
 */
import { ChatError } from '../agent/chat/protocol.js';
import { isRecord } from '../cli/util.js';

/** Longer than any token this API hands out; checked before decoding. */
const MAX_TOKEN_CHARS = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const VERSION = 1;

function badToken(): ChatError {
  return new ChatError('BadRequest', 'nextToken is not one this API gave you; pass back the nextToken of the previous page unchanged');
}

export function encodePageToken(userKey: string, storeToken: string): string {
  return Buffer.from(JSON.stringify({ v: VERSION, u: userKey, t: storeToken })).toString('base64url');
}

/** The store's token inside `token`; a BadRequest ChatError when it is malformed or another user's. */
export function decodePageToken(userKey: string, token: string): string {
  if (token.length === 0 || token.length > MAX_TOKEN_CHARS || !BASE64URL.test(token)) throw badToken();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badToken();
  }
  if (!isRecord(value) || value.v !== VERSION || value.u !== userKey || typeof value.t !== 'string') throw badToken();
  return value.t;
}
