/**
 * What the chat proxy tells the browser when AgentCore cannot be used: one `error` frame whose code
 * says what the user can do (sign in again, wait, report it) and whose message says what happened in
 * a sentence. The service's own words (runtime ARN, request details) go to the log only.
 */
import { formatEvent, type ChatErrorCode } from '../agent/chat/protocol.js';
import { NETWORK_CODES as NODE_NETWORK_CODES, RUNTIME_STATUS } from '../relay/sdk-errors.js';

/** A failure to report in the stream: `message` for the user, `detail` for the log. */
export class ProxyFailure extends Error {
  /**
   * The protocol's code; `Unauthorized` for a token AgentCore refused (the proxy answers 200 before
   * AgentCore has checked it, so it arrives as a frame, not a 401).
   */
  public readonly code: ChatErrorCode;
  public readonly detail: string;

  constructor(code: ChatErrorCode, message: string, detail: string = message, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProxyFailure';
    this.code = code;
    this.detail = detail;
  }
}

/** The frame's exact bytes. */
export function errorFrame(failure: ProxyFailure): string {
  return formatEvent({ type: 'error', code: failure.code, message: failure.message });
}

/** Node's and undici's (fetch's) codes for a connection that could not be made or was cut. */
const NETWORK_CODES: ReadonlySet<string> = new Set([...NODE_NETWORK_CODES, 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

const MAX_SHOWN = 300;

function shortened(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_SHOWN ? `${line.slice(0, MAX_SHOWN)}…` : line;
}

/** What AgentCore answered instead of the agent's stream: HTTP status, error type, message. */
export interface ServiceAnswer {
  readonly status: number;
  /** `x-amzn-ErrorType` (or the SDK error's name), with or without its `:<uri>` suffix. */
  readonly errorType?: string;
  readonly message?: string;
}

/** The failure for an error answer from AgentCore (the bearer path reads it, the SDK throws it). */
export function failureOfServiceAnswer(answer: ServiceAnswer): ProxyFailure {
  const { status } = answer;
  const type = answer.errorType?.split(':')[0] ?? '';
  const said = answer.message === undefined || answer.message === '' ? '' : `: ${shortened(answer.message)}`;
  const detail = `AgentCore answered ${status}${type === '' ? '' : ` ${type}`}${said}`;
  const failure = (code: ChatErrorCode, message: string): ProxyFailure => new ProxyFailure(code, message, detail);
  if (status === 401 || status === 403 || type === 'AccessDeniedException' || type === 'UnauthorizedException') {
    return failure('Unauthorized', `Not authorized to use the agent (AgentCore answered ${status})`);
  }
  if (status === 404 || type === 'ResourceNotFoundException') return failure('Internal', 'The agent is unavailable: agent not found');
  if (status === 429 || type === 'ThrottlingException' || type === 'ServiceQuotaExceededException') {
    return failure('Throttled', 'The agent is receiving too many requests; try again shortly');
  }
  const agentStatus = RUNTIME_STATUS.exec(answer.message ?? '')?.[1];
  if (agentStatus !== undefined) {
    // The agent answers 401 itself when its own token check fails; other errors it streams.
    if (agentStatus === '401' || agentStatus === '403') return failure('Unauthorized', `The agent refused the caller (status ${agentStatus})`);
    return failure('Internal', `The agent failed (status ${agentStatus})`);
  }
  if (status === 424 || type === 'RuntimeClientError') return failure('Internal', 'The agent could not be started or reached');
  if (status === 400 || type === 'ValidationException') return failure('BadRequest', `AgentCore refused the request${said}`);
  if (status >= 500) return failure('Internal', `AgentCore failed (status ${status}); try again`);
  return failure('Internal', `AgentCore refused the call (status ${status})`);
}

function codeOf(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // fetch (undici) wraps the socket's error in `cause`.
  return error.cause instanceof Error ? codeOf(error.cause) : undefined;
}

/** The failure for a thrown error: an SDK service error, or a connection that broke. */
export function failureOfError(error: unknown): ProxyFailure {
  if (error instanceof ProxyFailure) return error;
  if (!(error instanceof Error)) return new ProxyFailure('Internal', 'The call to the agent failed', shortened(String(error)));
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 300) return failureOfServiceAnswer({ status, errorType: error.name, message: error.message });
  const detail = `${error.name}: ${shortened(error.message)}`;
  const code = codeOf(error);
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new ProxyFailure('Internal', `The connection to the agent broke (${code}); try again`, detail, { cause: error });
  }
  return new ProxyFailure('Internal', 'The call to the agent failed; try again', detail, { cause: error });
}
