import type { Caller } from '../../../agent/chat/auth.js';
import type { ChatEvent } from '../../../agent/chat/protocol.js';
import type { ChatTurn } from '../../../agent/chat-http/turn-stream.js';

/**
 * An API Gateway REST API proxy event for POST /chat, as a response-streaming integration passes
 * it (the same shape as a buffered one): authorizer context for JWT modes, identity for IAM.
 */
export function restProxyEvent(
  options: {
    body?: string;
    headers?: Record<string, string>;
    authorizer?: Record<string, unknown>;
    userArn?: string;
    /** Set by API Gateway when the SigV4 caller used Cognito identity pool credentials. */
    cognitoIdentityId?: string;
    isBase64Encoded?: boolean;
  } = {},
): Record<string, unknown> {
  const headers = { 'Content-Type': 'application/json', Host: 'abc123.execute-api.us-east-1.amazonaws.com', ...options.headers };
  return {
    resource: '/chat',
    path: '/chat',
    httpMethod: 'POST',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      resourceId: 'r1',
      resourcePath: '/chat',
      httpMethod: 'POST',
      path: '/prod/chat',
      protocol: 'HTTP/1.1',
      requestId: 'apigw-request-1',
      stage: 'prod',
      requestTimeEpoch: 1_764_000_000_000,
      identity: { sourceIp: '203.0.113.7', userAgent: 'test', userArn: options.userArn ?? null, cognitoIdentityId: options.cognitoIdentityId ?? null, caller: null, accountId: null },
      authorizer: options.authorizer ?? null,
    },
    body: options.body ?? null,
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

/** A text/event-stream body split into frames, each with its trailing blank line. */
export function framesOf(body: string): string[] {
  return body.split(/(?<=\n\n)/).filter((f) => f !== '');
}

export const isHeartbeat = (frame: string): boolean => frame === ': heartbeat\n\n';

/** The frames' JSON data (heartbeats left out). */
export function eventsOf(body: string): ChatEvent[] {
  return framesOf(body)
    .filter((f) => !isHeartbeat(f))
    .map((f) => JSON.parse(/^data: (.*)$/m.exec(f)?.[1] ?? 'null') as ChatEvent);
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

/**
 * A stand-in for the chat core's turn, for transport tests: a session frame, text deltas `gapMs`
 * apart, an optional silent wait (a slow tool), done. Records what it was given and whether it
 * saw the abort.
 */
export function scriptedTurn(script: { deltas: string[]; gapMs?: number; silentMs?: number; sessionId?: string }) {
  const seen: { caller?: Caller; body?: unknown; headerSessionId?: string; aborted?: unknown; settled: boolean } = { settled: false };
  const turn: ChatTurn = async (body, caller, emit, { signal, headerSessionId }) => {
    seen.caller = caller;
    seen.body = body;
    if (headerSessionId !== undefined) seen.headerSessionId = headerSessionId;
    try {
      emit({ type: 'session', sessionId: script.sessionId ?? headerSessionId ?? 'a'.repeat(36) });
      for (const delta of script.deltas) {
        await sleep(script.gapMs ?? 0, signal);
        emit({ type: 'text', delta });
      }
      if (script.silentMs !== undefined) {
        emit({ type: 'tool', phase: 'start', name: 'slow_tool', id: 't1' });
        await sleep(script.silentMs, signal);
        emit({ type: 'tool', phase: 'end', name: 'slow_tool', id: 't1' });
      }
      emit({ type: 'done', stopReason: 'endTurn', usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } });
    } catch (error) {
      seen.aborted = error;
    } finally {
      seen.settled = true;
    }
  };
  return { turn, seen };
}
