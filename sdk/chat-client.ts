// `createChatClient`: talks the InteractiveAgent's chat protocol from Node 20+ or a browser (fetch,
// TextDecoder, AbortController and crypto.randomUUID only; bundled for browsers to
// assets/chat-client/index.mjs). Two targets: the chat REST API (or a `local` run), which also has
// the Sessions API, or an AgentCore runtime called directly.
import { openRequest, requestJson, type ChatRequestSigner, type ChatTokenSource, type FetchFunction, type TransportConfig } from './chat-request';
import { readChatEvents } from './chat-stream';
import {
  ChatClientError,
  SESSION_ID_PATTERN,
  type ChatEvent,
  type ChatSessionDetail,
  type ChatSessionPage,
  type ChatUsage,
} from './chat-types';

export type { ChatRequestSigner, ChatRequestToSign, ChatTokenSource } from './chat-request';
export {
  ChatClientError,
  SESSION_ID_PATTERN,
  type ChatClientErrorCode,
  type ChatDoneEvent,
  type ChatErrorCode,
  type ChatErrorEvent,
  type ChatEvent,
  type ChatMessage,
  type ChatSessionDetail,
  type ChatSessionEvent,
  type ChatSessionPage,
  type ChatSessionSummary,
  type ChatTextEvent,
  type ChatToolEvent,
  type ChatUsage,
} from './chat-types';

const DEFAULT_TIMEOUT_MS = 60_000;
const SESSION_HEADER = 'x-amzn-bedrock-agentcore-runtime-session-id';
const USER_HEADER = 'x-amzn-bedrock-agentcore-runtime-user-id';

/** Options shared by both targets. */
interface ChatClientCommonOptions {
  /** The fetch to use (default: the global one). */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /**
   * Milliseconds to wait for an answer to start (a turn's response headers; a Sessions API call's
   * whole answer); then the call fails with `ConnectionTimeout`. 0 = no limit. Default 60000.
   * A turn that has started is not limited: cancel it with `signal`.
   */
  readonly timeoutMs?: number;
}

/**
 * How requests are authenticated: a bearer token (Cognito or OIDC), a signer (IAM), or neither
 * (an API without authentication).
 *
 * A SigV4 signer with `@smithy/signature-v4` (service `bedrock-agentcore` for an AgentCore runtime,
 * `execute-api` for the REST API with IAM authorization):
 * ```ts
 * import { Sha256 } from '@smithy/core/checksum'; // or from '@aws-crypto/sha256-js'
 * import { SignatureV4 } from '@smithy/signature-v4';
 *
 * const signer = new SignatureV4({ service: 'bedrock-agentcore', region, credentials, sha256: Sha256 });
 * const sign: ChatRequestSigner = async ({ method, url, headers, body }) => {
 *   const u = new URL(url);
 *   const signed = await signer.sign({
 *     method, protocol: u.protocol, hostname: u.hostname, port: u.port === '' ? undefined : Number(u.port),
 *     path: u.pathname, query: Object.fromEntries(u.searchParams), headers: { ...headers, host: u.host }, body,
 *   });
 *   return signed.headers;
 * };
 * ```
 * `credentials` is an `AwsCredentialIdentity` or a provider of one (e.g. `fromNodeProviderChain()`
 * from `@aws-sdk/credential-providers`, or `fromCognitoIdentityPool` in a browser).
 */
export type ChatClientAuthOptions =
  | { readonly token: ChatTokenSource; readonly sign?: undefined }
  | { readonly sign: ChatRequestSigner; readonly token?: undefined }
  | { readonly token?: undefined; readonly sign?: undefined };

/** Target: the chat REST API (the construct's API URL output) or a `local` run's URL. */
export type EndpointChatClientOptions = ChatClientCommonOptions &
  ChatClientAuthOptions & {
    /** Base URL; the client calls `<endpoint>/chat` and `<endpoint>/sessions`. */
    readonly endpoint: string;
    readonly agentRuntimeArn?: undefined;
  };

/** Target: an AgentCore runtime, called directly (`InvokeAgentRuntime` over HTTPS). */
export type AgentRuntimeChatClientOptions = ChatClientCommonOptions &
  ChatClientAuthOptions & {
    readonly agentRuntimeArn: string;
    readonly region: string;
    /** Endpoint name of the runtime (the service's default: `DEFAULT`). */
    readonly qualifier?: string;
    /**
     * `X-Amzn-Bedrock-AgentCore-Runtime-User-Id`: the user an IAM caller with
     * `bedrock-agentcore:InvokeAgentRuntimeForUser` acts for.
     */
    readonly userId?: string;
    /** Base URL of the AgentCore data plane (default `https://bedrock-agentcore.<region>.amazonaws.com`). */
    readonly agentCoreEndpoint?: string;
    readonly endpoint?: undefined;
  };

export type ChatClientOptions = EndpointChatClientOptions | AgentRuntimeChatClientOptions;

export interface ChatSendOptions {
  /** Continue this session; without one the turn starts a new session. */
  readonly sessionId?: string;
  /** Aborting it closes the connection (the server rolls the turn back); the iteration throws its reason. */
  readonly signal?: AbortSignal;
}

/** A whole turn, as `ask` collects it. */
export interface ChatAnswer {
  readonly sessionId: string;
  /** The text deltas, joined. */
  readonly text: string;
  readonly usage: ChatUsage;
  readonly stopReason: string;
}

export interface ChatClient {
  /**
   * Sends one message and yields the turn's events as they arrive: `session` first, then `text`
   * and `tool` events, and last `done` or `error`, after which the iteration ends. Heartbeats are
   * not yielded. The request is made when iteration starts.
   *
   * A turn's failure is an `error` event, including a stream that ends (or breaks) before `done`
   * or `error` (code `Internal`, message "stream ended early"). The iteration throws only when there
   * is no stream: a `ChatClientError` (`Unauthorized` for HTTP 401, `HttpError` with status and body
   * for other non-2xx answers, `ConnectionTimeout`, `NetworkError`, `InvalidResponse`, `BadRequest`
   * for a malformed `sessionId`) or, when `signal` aborts, the signal's reason.
   */
  send(message: string, options?: ChatSendOptions): AsyncIterable<ChatEvent>;
  /** Sends one message and collects the turn; an `error` event is thrown as a ChatClientError with its code. */
  ask(message: string, options?: ChatSendOptions): Promise<ChatAnswer>;
}

/** A client of the chat REST API: chat plus the Sessions API (the caller's own sessions only). */
export interface EndpointChatClient extends ChatClient {
  /** The caller's sessions, newest first. `limit` 1..100 (server default 50). */
  listSessions(options?: { readonly limit?: number; readonly nextToken?: string; readonly signal?: AbortSignal }): Promise<ChatSessionPage>;
  /** A session with its messages; `SessionNotFound` when unknown (or another user's). */
  getSession(sessionId: string, options?: { readonly signal?: AbortSignal }): Promise<ChatSessionDetail>;
  /** Deletes a session; `SessionNotFound` when unknown (or another user's), `SessionBusy` while one of its turns runs. */
  deleteSession(sessionId: string, options?: { readonly signal?: AbortSignal }): Promise<void>;
}

export function createChatClient(options: EndpointChatClientOptions): EndpointChatClient;
export function createChatClient(options: AgentRuntimeChatClientOptions): ChatClient;
export function createChatClient(options: ChatClientOptions): ChatClient;
export function createChatClient(options: ChatClientOptions): ChatClient {
  if (options.token !== undefined && options.sign !== undefined) throw new TypeError('createChatClient: give token or sign, not both');
  const given = options.fetch;
  const transport: TransportConfig = {
    // Called as a plain function: a browser's fetch refuses to run with `this` set to the options.
    fetch: given !== undefined ? (input, init) => given(input, init) : ((input, init) => fetch(input, init)) satisfies FetchFunction,
    token: options.token,
    sign: options.sign,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  if (options.endpoint !== undefined) {
    if (options.agentRuntimeArn !== undefined) throw new TypeError('createChatClient: give endpoint or agentRuntimeArn, not both');
    return endpointClient(transport, options.endpoint);
  }
  if (typeof options.agentRuntimeArn !== 'string' || options.agentRuntimeArn === '') {
    throw new TypeError('createChatClient: give endpoint, or agentRuntimeArn and region');
  }
  return agentRuntimeClient(transport, options);
}

/** Builds a turn's request: URL, headers and body for the given session (or a new one). */
type TurnRequest = (message: string, sessionId: string | undefined) => { url: string; headers: Record<string, string>; body: string };

function endpointClient(transport: TransportConfig, endpoint: string): EndpointChatClient {
  const base = endpoint.replace(/\/+$/, '');
  const sessionUrl = (sessionId: string): string => `${base}/sessions/${encodeURIComponent(checkedSessionId(sessionId))}`;
  const turnRequest: TurnRequest = (message, sessionId) => ({
    url: `${base}/chat`,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(sessionId === undefined ? { message } : { message, sessionId }),
  });
  return {
    ...chatMethods(transport, turnRequest),
    async listSessions(options = {}) {
      const query = new URLSearchParams();
      if (options.limit !== undefined) query.set('limit', String(options.limit));
      if (options.nextToken !== undefined) query.set('nextToken', options.nextToken);
      const url = `${base}/sessions${query.toString() === '' ? '' : `?${query.toString()}`}`;
      const page = await requestJson(transport, { method: 'GET', url, headers: { accept: 'application/json' } }, options.signal);
      if (!isRecord(page) || !Array.isArray(page.sessions)) throw invalid(url, page);
      return page as unknown as ChatSessionPage;
    },
    async getSession(sessionId, options = {}) {
      const url = sessionUrl(sessionId);
      const session = await requestJson(transport, { method: 'GET', url, headers: { accept: 'application/json' } }, options.signal);
      if (!isRecord(session) || !Array.isArray(session.messages)) throw invalid(url, session);
      return session as unknown as ChatSessionDetail;
    },
    async deleteSession(sessionId, options = {}) {
      await requestJson(transport, { method: 'DELETE', url: sessionUrl(sessionId), headers: {} }, options.signal);
    },
  };
}

function agentRuntimeClient(transport: TransportConfig, options: AgentRuntimeChatClientOptions): ChatClient {
  const base = (options.agentCoreEndpoint ?? `https://bedrock-agentcore.${options.region}.amazonaws.com`).replace(/\/+$/, '');
  const query = options.qualifier === undefined ? '' : `?qualifier=${encodeURIComponent(options.qualifier)}`;
  const url = `${base}/runtimes/${encodeURIComponent(options.agentRuntimeArn)}/invocations${query}`;
  const turnRequest: TurnRequest = (message, sessionId) => ({
    url,
    // AgentCore routes by the session header; a new session's id is made here (the server takes
    // the header's id when the body has none, and checks they are equal when it has one).
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      [SESSION_HEADER]: sessionId ?? crypto.randomUUID(),
      ...(options.userId === undefined ? {} : { [USER_HEADER]: options.userId }),
    },
    body: JSON.stringify(sessionId === undefined ? { message } : { message, sessionId }),
  });
  return chatMethods(transport, turnRequest);
}

function chatMethods(transport: TransportConfig, turnRequest: TurnRequest): ChatClient {
  const send = (message: string, options: ChatSendOptions = {}): AsyncIterable<ChatEvent> => turn(transport, turnRequest, message, options);
  return {
    send,
    async ask(message, options = {}) {
      let sessionId = options.sessionId ?? '';
      let text = '';
      for await (const event of send(message, options)) {
        if (event.type === 'session') sessionId = event.sessionId;
        else if (event.type === 'text') text += event.delta;
        else if (event.type === 'error') throw new ChatClientError(event.code, event.message, { sessionId });
        else if (event.type === 'done') return { sessionId, text, usage: event.usage, stopReason: event.stopReason };
      }
      // readChatEvents always ends with done or error; this is for the type checker.
      throw new ChatClientError('Internal', 'stream ended early', { sessionId });
    },
  };
}

async function* turn(transport: TransportConfig, turnRequest: TurnRequest, message: string, options: ChatSendOptions): AsyncGenerator<ChatEvent, void, undefined> {
  const sessionId = options.sessionId === undefined ? undefined : checkedSessionId(options.sessionId);
  const { url, headers, body } = turnRequest(message, sessionId);
  const open = await openRequest(transport, { method: 'POST', url, headers, body }, options.signal);
  try {
    open.stopTimer();
    const contentType = open.response.headers.get('content-type') ?? '';
    if (!contentType.toLowerCase().startsWith('text/event-stream') || open.response.body === null) {
      const text = await open.response.text().catch(() => '');
      throw new ChatClientError('InvalidResponse', `POST ${url} answered ${open.response.status} with ${contentType || 'no content type'}, not an event stream`, {
        status: open.response.status,
        body: text,
      });
    }
    yield* readChatEvents(open.response.body, options.signal);
  } finally {
    open.close();
  }
}

function checkedSessionId(sessionId: string): string {
  if (!SESSION_ID_PATTERN.test(sessionId)) throw new ChatClientError('BadRequest', `Invalid session id (33-256 characters: letters, digits, _ and -): ${sessionId}`);
  return sessionId;
}

function invalid(url: string, value: unknown): ChatClientError {
  return new ChatClientError('InvalidResponse', `GET ${url} answered with an unexpected body`, { body: JSON.stringify(value) });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
