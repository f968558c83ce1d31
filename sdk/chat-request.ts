// One HTTP request of the chat client: authentication (bearer token or a request signer), the
// connection timeout, the caller's AbortSignal, and non-2xx answers turned into ChatClientErrors.
import { ChatClientError, isChatErrorCode } from './chat-types';

/** A bearer token, or a function called before every request for a fresh one. */
export type ChatTokenSource = string | (() => string | Promise<string>);

/** What a `ChatRequestSigner` signs: the request exactly as it will be sent (header names in lower case). */
export interface ChatRequestToSign {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/**
 * Returns the headers to add to a request (for SigV4: `authorization`, `x-amz-date`,
 * `x-amz-security-token`). A `host` header in the answer is dropped: fetch sends the URL's host.
 */
export type ChatRequestSigner = (request: ChatRequestToSign) => Promise<Record<string, string>>;

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportConfig {
  readonly fetch: FetchFunction;
  readonly token?: ChatTokenSource;
  readonly sign?: ChatRequestSigner;
  /** 0 = no limit. */
  readonly timeoutMs: number;
}

export interface OutgoingRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** A request whose answer arrived with a 2xx status. */
export interface OpenResponse {
  readonly response: Response;
  /** Ends the connection timeout (the answer started; reading the rest may take as long as the turn). */
  stopTimer(): void;
  /** The error to throw for a failure while reading the body (abort reason, timeout or network). */
  failure(error: unknown): unknown;
  /** Aborts the request if still open and forgets the caller's signal. */
  close(): void;
}

export async function openRequest(config: TransportConfig, request: OutgoingRequest, signal?: AbortSignal): Promise<OpenResponse> {
  signal?.throwIfAborted();
  const headers = { ...request.headers, ...(await authHeaders(config, request)) };
  signal?.throwIfAborted();

  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined =
    config.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, config.timeoutMs)
      : undefined;
  const stopTimer = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const close = (): void => {
    stopTimer();
    signal?.removeEventListener('abort', onAbort);
    controller.abort();
  };
  const failure = (error: unknown): unknown => {
    if (signal?.aborted === true) return signal.reason;
    if (timedOut) return new ChatClientError('ConnectionTimeout', `No answer from ${request.url} within ${config.timeoutMs} ms`);
    if (error instanceof ChatClientError) return error;
    return new ChatClientError('NetworkError', `${request.method} ${request.url} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  };

  let response: Response;
  try {
    const init: RequestInit = { method: request.method, headers, signal: controller.signal };
    if (request.body !== undefined) init.body = request.body;
    response = await config.fetch(request.url, init);
  } catch (error) {
    close();
    throw failure(error);
  }
  if (!response.ok) {
    try {
      throw await httpError(response);
    } catch (error) {
      throw failure(error);
    } finally {
      close();
    }
  }
  return { response, stopTimer, failure, close };
}

/** The answer's JSON after a 2xx (the whole body within the connection timeout); `undefined` for 204. */
export async function requestJson(config: TransportConfig, request: OutgoingRequest, signal?: AbortSignal): Promise<unknown> {
  const open = await openRequest(config, request, signal);
  try {
    let text: string;
    try {
      text = await open.response.text();
    } catch (error) {
      throw open.failure(error);
    }
    if (open.response.status === 204 || text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ChatClientError('InvalidResponse', `${request.method} ${request.url} answered ${open.response.status} with a body that is not JSON`, {
        status: open.response.status,
        body: text,
      });
    }
  } finally {
    open.close();
  }
}

async function authHeaders(config: TransportConfig, request: OutgoingRequest): Promise<Record<string, string>> {
  if (config.token !== undefined) {
    const token = typeof config.token === 'function' ? await config.token() : config.token;
    return { authorization: `Bearer ${token}` };
  }
  if (config.sign !== undefined) {
    const added = await config.sign({ method: request.method, url: request.url, headers: { ...request.headers }, body: request.body });
    return Object.fromEntries(Object.entries(added).filter(([name]) => name.toLowerCase() !== 'host'));
  }
  return {};
}

/** The ChatClientError of a non-2xx answer: its JSON `{code, message}` when it has one. */
async function httpError(response: Response): Promise<ChatClientError> {
  const body = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const fields = typeof parsed === 'object' && parsed !== null ? (parsed as { code?: unknown; message?: unknown }) : {};
  const message = typeof fields.message === 'string' ? fields.message : `HTTP ${response.status}${body === '' ? '' : `: ${body.slice(0, 500)}`}`;
  const details = { status: response.status, body };
  if (response.status === 401) return new ChatClientError('Unauthorized', message, details);
  return new ChatClientError(isChatErrorCode(fields.code) ? fields.code : 'HttpError', message, details);
}
