// The interactive agent on Lambda: POST /chat from an API Gateway REST API whose integration
// streams the response (responseTransferMode STREAM), answered by a streamified handler.
import { UnauthorizedError, type Caller } from './chat/auth.js';
import { ChatError, CHAT_STREAM_HEADERS } from './chat/protocol.js';
import { AgentRuntimeType } from './core/errors.js';
import { settleWithin } from './core/abort.js';
import { createJsonLogger, type Logger } from './core/logger.js';
import type { Telemetry } from './core/telemetry.js';
import { bodyTextOf, corsHeaders, type ApiGatewayProxyEvent } from './chat-http/api-gateway.js';
import { httpResponseStream, streamify, type ResponseStream, type StreamingLambdaHandler } from './chat-http/lambda-stream.js';
import { clientGone, streamTurn, type ChatTurn } from './chat-http/turn-stream.js';

export interface ChatLambdaDependencies {
  readonly turn: ChatTurn;
  /** The caller API Gateway authenticated (authorizer context or IAM identity); throws UnauthorizedError. */
  callerOf(event: ApiGatewayProxyEvent): Caller | Promise<Caller>;
  /** CORS_ALLOWED_ORIGINS. */
  readonly allowedOrigins: readonly string[];
  readonly heartbeatSeconds: number;
  readonly logger: Logger;
  /** The turn's spans join the invocation's X-Ray trace and are exported before the handler returns (Lambda freezes the sandbox after). */
  readonly telemetry?: Pick<Telemetry, 'inTraceContext' | 'flush'>;
}

/**
 * How long before the function's timeout the turn is stopped with a Timeout error: time for it to
 * roll back and release its lock, and for the error event to go out, before Lambda stops the sandbox.
 */
const CHAT_DEADLINE_MARGIN_MS = 3_000;
/** Of that margin, the time the stopped turn gets to settle before the stream ends anyway. */
const SETTLE_MS = 2_000;
/** Time kept, after the spans' flush, for the handler to return. */
const FLUSH_MARGIN_MS = 100;

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** A whole JSON answer (401, 500): the prelude, one write, the end. */
function answerJson(stream: ResponseStream, statusCode: number, body: unknown, headers: Readonly<Record<string, string>>): void {
  const http = httpResponseStream(stream, { statusCode, headers: { ...headers, ...JSON_HEADERS } });
  http.write(JSON.stringify(body));
  http.end();
}

/**
 * The streaming chat handler over `dependencies` (called on every invocation; it should cache).
 * A caller API Gateway let through but who cannot be named answers 401 JSON; otherwise the
 * answer is 200 `text/event-stream` and every outcome is an event. The turn is aborted when the
 * response stream closes or fails before the turn ended (the client went away), or
 * CHAT_DEADLINE_MARGIN_MS before the function's timeout (a `Timeout` error event). The stream is
 * always ended.
 */
export function createChatHandler(dependencies: () => ChatLambdaDependencies | Promise<ChatLambdaDependencies>): StreamingLambdaHandler {
  return streamify(async (rawEvent, responseStream, context) => {
    const event = (rawEvent ?? {}) as ApiGatewayProxyEvent;
    const requestId = context.awsRequestId ?? 'local';
    let deps: ChatLambdaDependencies;
    try {
      deps = await dependencies();
    } catch (error) {
      // Nobody is authenticated yet, so no stream: a plain 500 (the log names the variable).
      createJsonLogger({ fields: { runtime: AgentRuntimeType.LAMBDA, requestId } }).error('Chat agent configuration is invalid', { error });
      answerJson(responseStream, 500, { code: 'Internal', message: 'The agent is misconfigured' }, {});
      return;
    }
    const logger = deps.logger.child({ requestId });
    const cors = corsHeaders(event, deps.allowedOrigins);
    let caller: Caller;
    try {
      caller = await deps.callerOf(event);
    } catch (error) {
      const unauthorized = error instanceof UnauthorizedError;
      logger.warn('Chat request refused', { reason: error instanceof Error ? error.message : String(error) });
      answerJson(
        responseStream,
        unauthorized ? 401 : 500,
        unauthorized ? { code: 'Unauthorized', message: error.message } : { code: 'Internal', message: 'Internal error' },
        cors,
      );
      return;
    }

    const stream = httpResponseStream(responseStream, { statusCode: 200, headers: { ...CHAT_STREAM_HEADERS, ...cors } });
    const aborter = new AbortController();
    let finished = false;
    const onGone = (error?: unknown): void => {
      if (finished || aborter.signal.aborted) return;
      logger.info('Chat client went away; stopping the turn', { error });
      aborter.abort(clientGone());
    };
    responseStream.on('close', onGone);
    responseStream.on('error', onGone);
    const write = (frame: string): void => {
      if (!stream.destroyed && !stream.writableEnded) stream.write(frame);
    };
    const remaining = context.getRemainingTimeInMillis?.();
    const deadline =
      remaining === undefined
        ? undefined
        : setTimeout(() => {
            logger.error('Chat turn stopped before the Lambda deadline', { remainingMs: context.getRemainingTimeInMillis?.() });
            aborter.abort(new ChatError('Timeout', "The turn took too long and was stopped before the function's time limit; nothing of it was saved"));
          }, Math.max(0, remaining - CHAT_DEADLINE_MARGIN_MS));
    const run = () =>
      streamTurn({
        turn: deps.turn,
        body: bodyTextOf(event),
        caller,
        requestId,
        signal: aborter.signal,
        write,
        heartbeatSeconds: deps.heartbeatSeconds,
        logger,
        settleMs: SETTLE_MS,
      });
    const { telemetry } = deps;
    try {
      await (telemetry === undefined ? run() : telemetry.inTraceContext({ 'x-amzn-trace-id': process.env._X_AMZN_TRACE_ID }, run));
    } finally {
      finished = true;
      clearTimeout(deadline);
      if (!stream.destroyed && !stream.writableEnded) stream.end();
    }
    // After the end of the stream, so the client does not wait for the export.
    if (telemetry !== undefined) {
      const left = context.getRemainingTimeInMillis?.();
      const flushed = telemetry.flush().catch((error: unknown) => logger.warn('Exporting the turn spans failed', { error }));
      await (left === undefined ? flushed : settleWithin(flushed, left - FLUSH_MARGIN_MS));
    }
  });
}
