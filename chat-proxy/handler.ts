/**
 * The chat proxy's streaming handler, behind the REST API's `POST /chat` for an agent on AgentCore.
 * Browsers cannot call AgentCore's data plane themselves (a CORS preflight carries no Authorization
 * header, and the session id is a custom header), so the proxy calls it for them and streams the
 * agent's answer back unchanged. API Gateway has authenticated the caller already: in the JWT modes
 * the proxy forwards the caller's bearer token (the runtime's authorizer checks it again); with IAM
 * it calls with its own role on behalf of the caller (its Cognito identity id, else its ARN).
 */
import { randomUUID } from 'node:crypto';
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { iamSubjectOf, UnauthorizedError } from '../agent/chat/auth.js';
import { CHAT_STREAM_HEADERS } from '../agent/chat/protocol.js';
import { httpResponseStream, writeWhole, type ResponseStream, type StreamingLambdaContext, type StreamingLambdaHandler } from '../agent/chat-http/lambda-stream.js';
import { createJsonLogger, type Logger } from '../agent/core/logger.js';
import { corsHeaders, headerOf, proxyEventOf, type ApiGatewayProxyEvent } from '../agent/chat-http/api-gateway.js';
import { readProxyConfig, type ProxyConfig } from './config.js';
import { errorFrame, ProxyFailure } from './failures.js';
import { pipeAgentStream, type PipeOutcome } from './pipe.js';
import { parseProxyRequest } from './request.js';
import { bearerUpstream, sdkUpstream, type AgentCoreSender, type Upstream } from './upstream.js';

export interface ChatProxyOptions {
  /** The environment, read on the first call (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The AgentCore client for IAM and NONE; by default one is made on first use and reused while warm. */
  readonly client?: AgentCoreSender;
  /** Bound on AgentCore's answer: a new session's microVM starts first (up to 60 s). Default 90 s. */
  readonly answerTimeoutMs?: number;
  /** Bound on the agent's silence once it answered (it heartbeats every HEARTBEAT_SECONDS). Default 60 s. */
  readonly idleTimeoutMs?: number;
  /** The id of a new session (default `crypto.randomUUID`). */
  readonly newSessionId?: () => string;
  /** Where the per-turn log line goes; stdout (CloudWatch Logs) by default. */
  readonly logger?: Logger;
  readonly now?: () => number;
}

const DEFAULT_ANSWER_TIMEOUT_MS = 90_000;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** Time kept before the function times out, to write the error frame and end the stream. */
export const DEADLINE_MARGIN_MS = 2_000;

function defaultClient(region: string): BedrockAgentCoreClient {
  // One attempt: a retried turn could run the agent twice. The SDK reads
  // AWS_ENDPOINT_URL_BEDROCK_AGENTCORE itself.
  return new BedrockAgentCoreClient({ region, maxAttempts: 1, requestHandler: { connectionTimeout: 10_000 } });
}

/** An authentication failure before any stream: HTTP 401 JSON, as the protocol answers one. */
async function unauthorized(responseStream: ResponseStream, cors: Record<string, string>, message: string): Promise<void> {
  const out = httpResponseStream(responseStream, { statusCode: 401, headers: { 'Content-Type': 'application/json', ...cors } });
  await writeWhole(out, JSON.stringify({ code: 'Unauthorized', message }));
}

/** A failure before the agent was called, as a stream of one error frame. */
async function failedStream(responseStream: ResponseStream, cors: Record<string, string>, failure: ProxyFailure): Promise<void> {
  await writeWhole(httpResponseStream(responseStream, { statusCode: 200, headers: { ...CHAT_STREAM_HEADERS, ...cors } }), errorFrame(failure));
}

export function createChatProxyHandler(options: ChatProxyOptions = {}): StreamingLambdaHandler {
  const logger = options.logger ?? createJsonLogger();
  const now = options.now ?? Date.now;
  const newSessionId = options.newSessionId ?? randomUUID;
  let config: ProxyConfig | undefined;
  let client = options.client;

  const upstreamFor = (settings: ProxyConfig, event: ApiGatewayProxyEvent): Upstream | string => {
    if (settings.authMode === 'COGNITO' || settings.authMode === 'OIDC') {
      const authorization = headerOf(event, 'authorization');
      if (authorization === undefined || authorization.trim() === '') return 'missing Authorization header';
      return bearerUpstream(settings.endpoint, authorization);
    }
    client ??= defaultClient(settings.region);
    if (settings.authMode === 'NONE') return sdkUpstream(client, undefined);
    let subject: string;
    try {
      subject = iamSubjectOf(event);
    } catch (error) {
      if (error instanceof UnauthorizedError) return error.message;
      throw error;
    }
    // The agent hashes this with the aws-iam issuer: the same user key as the Sessions API's.
    return sdkUpstream(client, subject);
  };

  return async (rawEvent: unknown, responseStream: ResponseStream, context?: StreamingLambdaContext): Promise<void> => {
    const started = now();
    const event = proxyEventOf(rawEvent);
    const requestId = context?.awsRequestId;
    try {
      config ??= readProxyConfig(options.env ?? process.env);
    } catch (error) {
      logger.error('Chat proxy misconfigured', { requestId, error });
      await failedStream(responseStream, {}, new ProxyFailure('Internal', 'The chat service is misconfigured'));
      return;
    }
    const settings = config;
    const cors = corsHeaders(event, settings.allowedOrigins);
    const upstream = upstreamFor(settings, event);
    if (typeof upstream === 'string') {
      logger.warn('Chat proxy refused an unauthenticated request', { requestId, authMode: settings.authMode, reason: upstream });
      await unauthorized(responseStream, cors, upstream);
      return;
    }

    let request;
    try {
      request = parseProxyRequest(event, newSessionId);
    } catch (error) {
      if (!(error instanceof ProxyFailure)) throw error;
      logger.info('Chat turn refused', { requestId, outcome: error.code, detail: error.detail, durationMs: now() - started });
      await failedStream(responseStream, cors, error);
      return;
    }
    const remainingMs = context?.getRemainingTimeInMillis?.();
    const outcome: PipeOutcome = await pipeAgentStream({
      out: httpResponseStream(responseStream, { statusCode: 200, headers: { ...CHAT_STREAM_HEADERS, ...cors } }),
      upstream,
      request: { agentRuntimeArn: settings.agentRuntimeArn, qualifier: settings.qualifier, sessionId: request.sessionId, payload: request.payload },
      heartbeatMs: settings.heartbeatSeconds * 1000,
      answerTimeoutMs: options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      ...(remainingMs === undefined ? {} : { budgetMs: remainingMs - DEADLINE_MARGIN_MS }),
    });
    const fields = {
      requestId,
      sessionId: request.sessionId,
      newSession: request.newSession,
      authMode: settings.authMode,
      upstreamStatus: outcome.upstreamStatus,
      bytes: outcome.bytes,
      durationMs: now() - started,
    };
    if (outcome.status === 'agent') logger.info('Chat turn relayed', { ...fields, outcome: outcome.terminal });
    else if (outcome.status === 'client-gone') logger.info('Chat turn stopped: the client went away', { ...fields, outcome: 'client-gone' });
    else logger.error('Chat turn failed', { ...fields, outcome: outcome.failure.code, error: outcome.failure.message, detail: outcome.failure.detail });
  };
}
