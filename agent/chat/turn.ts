import { randomUUID } from 'node:crypto';
import type { Agent, AgentResult, Snapshot } from '@strands-agents/sdk';
import { raceSignal, settleWithin } from '../core/abort.js';
import { toError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { isThrottlingError, unwrapModelError } from '../core/retry.js';
import { restoreSessionAgent, type SessionAgent } from './chat-agent.js';
import type { ChatDependencies } from './dependencies.js';
import { ChatError, type ChatEvent, type ChatUsage } from './protocol.js';
import { isSessionId, parseChatRequest, sessionIdProblem, type ChatRequest } from './request.js';
import { titleOf, type SessionRecord } from './session-store.js';

/** Who is chatting: derived by the entrypoint from the verified identity, never from the body. */
export interface ChatCaller {
  readonly userKey: string;
}

export interface ChatTurnOptions {
  /**
   * Ends the turn (the client went away, the Lambda deadline is near): the agent is cancelled,
   * the turn rolled back and the lock released. No event follows, unless the reason is a
   * ChatError (e.g. `new ChatError('Timeout', …)`), which is emitted.
   */
  readonly signal?: AbortSignal;
  /** AgentCore's `X-Amzn-Bedrock-AgentCore-Runtime-Session-Id`: the id of a new session, and must equal the body's. */
  readonly headerSessionId?: string;
  readonly requestId?: string;
}

/** How long a cancelled agent gets to stop before the turn gives up waiting for it. */
const CANCEL_GRACE_MS = 2_000;

/** The turn ends this long before its lock's lease (10 %, at most 10 s), to roll back and unlock in time. */
function turnDeadlineMs(turnTimeoutSeconds: number): number {
  const leaseMs = turnTimeoutSeconds * 1000;
  return leaseMs - Math.min(10_000, leaseMs / 10);
}

function modelFailure(error: unknown): ChatError {
  const cause = unwrapModelError(toError(error));
  if (cause.name === 'ConcurrentInvocationError') {
    return new ChatError('SessionBusy', 'The session is busy with another turn; try again when it has finished', { cause });
  }
  if (isThrottlingError(cause)) {
    return new ChatError('Throttled', 'The model is throttled and did not answer after retries; try again shortly', { cause });
  }
  return new ChatError('ModelError', `The model failed: ${cause.message}`, { cause });
}

function internal(error: unknown): ChatError {
  return error instanceof ChatError ? error : new ChatError('Internal', 'The turn failed on the server and was not saved; try again', { cause: error });
}

/** This turn's usage: the latest invocation's, since a cached agent's accumulated usage spans the session. */
function usageOf(result: AgentResult): ChatUsage {
  const usage = result.metrics?.latestAgentInvocation?.usage;
  return { inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0, totalTokens: usage?.totalTokens ?? 0 };
}

/** Streams the agent's answer to `message`, passing text deltas and tool starts and ends to `emit`. */
async function streamAnswer(agent: Agent, message: string, signal: AbortSignal, emit: (event: ChatEvent) => void): Promise<AgentResult> {
  const stream = agent.stream(message, { cancelSignal: signal });
  for (let next = await stream.next(); ; next = await stream.next()) {
    if (next.done === true) return next.value;
    const event = next.value;
    if (event.type === 'modelStreamUpdateEvent' && event.event.type === 'modelContentBlockDeltaEvent' && event.event.delta.type === 'textDelta') {
      emit({ type: 'text', delta: event.event.delta.text });
    } else if (event.type === 'beforeToolCallEvent') {
      emit({ type: 'tool', phase: 'start', name: event.toolUse.name, id: event.toolUse.toolUseId });
    } else if (event.type === 'afterToolCallEvent') {
      emit({ type: 'tool', phase: 'end', name: event.toolUse.name, id: event.toolUse.toolUseId });
    }
  }
}

/** Resolves when `signal` has been aborted for `ms`: how long a cancelled agent may take to stop. */
function graceAfter(signal: AbortSignal, ms: number): Promise<'gone'> {
  return new Promise((resolve) => {
    const start = (): void => void setTimeout(() => resolve('gone'), ms).unref();
    if (signal.aborted) start();
    else signal.addEventListener('abort', start, { once: true });
  });
}

interface LockedTurn {
  readonly deps: ChatDependencies;
  readonly caller: ChatCaller;
  readonly request: ChatRequest;
  readonly sessionId: string;
  readonly record: SessionRecord;
  readonly isNew: boolean;
  readonly signal: AbortSignal;
  readonly emit: (event: ChatEvent) => void;
  readonly logger: Logger;
  readonly traceAttributes: Record<string, string>;
}

/** The session's agent: the cached one when it holds exactly the saved history, else restored from storage. */
async function agentFor(turn: LockedTurn, cacheKey: string): Promise<SessionAgent> {
  const { deps, caller, sessionId, record } = turn;
  const cached = deps.cacheAgents && !turn.isNew ? deps.agentCache.get(cacheKey) : undefined;
  // Another turn count means the history changed elsewhere (deleted and recreated, another
  // runtime instance): the cached agent is stale.
  if (cached !== undefined && cached.turns === record.turns) return cached;
  const restored = await restoreSessionAgent(deps, deps.sessions, caller.userKey, sessionId, record.turns, {
    conversationWindow: deps.chatConfig.conversationWindow,
    traceAttributes: turn.traceAttributes,
  });
  if (deps.cacheAgents) deps.agentCache.set(cacheKey, restored);
  return restored;
}

/** How a locked turn ended: answered, failed (to report), or cancelled by its signal. */
type Outcome = 'done' | 'cancelled' | ChatError;

/** The turn under the session's lock: stream, then save and record, or roll back. */
async function runLocked(turn: LockedTurn): Promise<Outcome> {
  const { deps, caller, sessionId, signal, logger } = turn;
  const cacheKey = `${caller.userKey}/${sessionId}`;
  let session: SessionAgent;
  try {
    session = await raceSignal(agentFor(turn, cacheKey), signal);
  } catch (error) {
    if (signal.aborted) return 'cancelled';
    logger.error('Session agent unavailable', { error });
    return internal(error);
  }
  const { agent } = session;
  const before: Snapshot = agent.takeSnapshot({ preset: 'session' });
  const rollBack = (): void => agent.loadSnapshot(before);
  // Nothing more reaches the client once the turn is ending.
  const emit = (event: ChatEvent): void => {
    if (!signal.aborted) turn.emit(event);
  };

  let result: AgentResult | 'gone';
  try {
    result = await Promise.race([streamAnswer(agent, turn.request.message, signal, emit), graceAfter(signal, CANCEL_GRACE_MS)]);
  } catch (error) {
    rollBack();
    if (signal.aborted) return 'cancelled';
    const failure = modelFailure(error);
    logger.error('Model invocation failed', { error: failure.cause, code: failure.code, modelId: deps.config.modelId });
    return failure;
  }
  if (result === 'gone' || signal.aborted) {
    // A cancelled agent that has not stopped must not serve another turn.
    if (result === 'gone') deps.agentCache.delete(cacheKey);
    else rollBack();
    logger.info('Turn cancelled and rolled back', { reason: signal.reason instanceof Error ? signal.reason.message : String(signal.reason) });
    return 'cancelled';
  }

  try {
    await session.sessionManager.saveSnapshot({ target: agent, isLatest: true });
    session.turns = (await deps.sessions.recordTurn(caller.userKey, sessionId)).turns;
  } catch (error) {
    rollBack();
    // The history may be saved without the index knowing: the cached agent must not trust its count.
    deps.agentCache.delete(cacheKey);
    logger.error('Saving the turn failed', { error });
    return internal(error);
  }
  turn.emit({ type: 'done', stopReason: result.stopReason, usage: usageOf(result) });
  logger.info('Turn completed', { stopReason: result.stopReason, turns: session.turns, ...usageOf(result) });
  return 'done';
}

/** The session the turn is for: a new one (SessionExists if its id is taken) or the caller's existing one. */
async function resolveSession(deps: ChatDependencies, caller: ChatCaller, request: ChatRequest, sessionId: string): Promise<SessionRecord> {
  return request.sessionId === undefined
    ? deps.sessions.create(caller.userKey, sessionId, titleOf(request.message))
    : deps.sessions.get(caller.userKey, sessionId);
}

function checkHeader(request: ChatRequest, header: string | undefined): void {
  if (header === undefined) return;
  if (!isSessionId(header)) throw new ChatError('BadRequest', sessionIdProblem('The session header', header));
  if (request.sessionId !== undefined && request.sessionId !== header) {
    throw new ChatError('BadRequest', `sessionId ${JSON.stringify(request.sessionId)} differs from the runtime session header ${JSON.stringify(header)}; send the same id in both`);
  }
}

/**
 * One chat turn, reported through `emit` as the protocol's events: `session` first once the
 * session is known, then `text` and `tool` events, then `done`, or an `error` ending the stream.
 * Expected failures (bad request, unknown or busy session, model errors, timeout, storage
 * failures) are emitted, never thrown. The session's lock is always released; a failed or
 * cancelled turn is rolled back, leaving the saved history and the turn count as they were.
 */
export async function runChatTurn(
  body: unknown,
  caller: ChatCaller,
  deps: ChatDependencies,
  emit: (event: ChatEvent) => void,
  options: ChatTurnOptions = {},
): Promise<void> {
  const fail = (error: ChatError): void => emit({ type: 'error', code: error.code, message: error.message });
  let request: ChatRequest;
  try {
    request = parseChatRequest(body);
    checkHeader(request, options.headerSessionId);
  } catch (error) {
    fail(internal(error));
    return;
  }
  const sessionId = request.sessionId ?? options.headerSessionId ?? randomUUID();
  const logger = deps.logger.child({ sessionId, ...(options.requestId === undefined ? {} : { requestId: options.requestId }) });

  let record: SessionRecord;
  const owner = randomUUID();
  try {
    await resolveSession(deps, caller, request, sessionId);
    emit({ type: 'session', sessionId });
    record = await deps.sessions.acquireLock(caller.userKey, sessionId, owner, deps.chatConfig.turnTimeoutSeconds);
  } catch (error) {
    if (!(error instanceof ChatError)) logger.error('Session index unavailable', { error });
    fail(internal(error));
    return;
  }

  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort(new ChatError('Timeout', `The turn did not finish within its ${deps.chatConfig.turnTimeoutSeconds} s limit and was not saved`));
  }, turnDeadlineMs(deps.chatConfig.turnTimeoutSeconds));
  const signal = options.signal === undefined ? deadline.signal : AbortSignal.any([options.signal, deadline.signal]);
  try {
    const outcome = await runLocked({
      deps,
      caller,
      request,
      sessionId,
      record,
      isNew: request.sessionId === undefined,
      signal,
      emit,
      logger,
      traceAttributes: { 'session.id': sessionId, ...(options.requestId === undefined ? {} : { 'aws.request_id': options.requestId }) },
    });
    const reason: unknown = signal.reason;
    if (outcome instanceof ChatError) fail(outcome);
    else if (outcome === 'cancelled' && reason instanceof ChatError) fail(reason);
  } finally {
    clearTimeout(timer);
    // Bounded: a store that does not answer must not hold the response open; the lease ends the lock anyway.
    const released = await settleWithin(
      deps.sessions.releaseLock(caller.userKey, sessionId, owner).catch((error: unknown) => {
        logger.warn('Releasing the session lock failed; it ends with its lease', { error });
        return true;
      }),
      5_000,
    );
    if (released === false) logger.warn('The session lock was no longer ours when the turn ended (lease expired)');
  }
}
