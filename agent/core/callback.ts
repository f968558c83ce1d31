// Callback mode: a Step Functions task (`.waitForTaskToken`) sends the request inside an envelope
// with its task token; the agent runs it, heartbeats meanwhile, and reports the outcome itself
// (SendTaskSuccess / SendTaskFailure). Runs can then outlast the caller (Lambda's 15 min, the relay).
import { toAgentTaskError } from '../http/http-error.js';
import type { AgentConfig } from './config.js';
import { documentPolicy } from './document-sources.js';
import { RequestValidationError, type FieldIssue } from './errors.js';
import type { Logger } from './logger.js';
import { parseRequest } from './request.js';
import type { AgentInvocationResponse } from './response.js';
import { AGENT_FAILED, AgentTaskError, taskFailureCause } from './task-errors.js';

/** `{ taskToken, heartbeatSeconds?, request }`: what a callback task sends instead of the bare request. */
export interface CallbackEnvelope {
  readonly taskToken: string;
  /** The task's HeartbeatSeconds; absent when the task has none. */
  readonly heartbeatSeconds?: number;
  readonly request: unknown;
}

/** Reports to Step Functions (SendTask*); errors are thrown with the service's names (`TaskTimedOut`...). */
export interface TaskReporter {
  sendSuccess(taskToken: string, output: string): Promise<void>;
  sendFailure(taskToken: string, error: string, cause: string): Promise<void>;
  sendHeartbeat(taskToken: string): Promise<void>;
}

/** How a callback run ended: reported (either way), or abandoned because nobody waits any more. */
export type CallbackOutcome =
  | { readonly status: 'reported'; readonly outcome: 'success' | 'failure' }
  | { readonly status: 'abandoned'; readonly reason: string };

const ENVELOPE_FIELDS = ['taskToken', 'heartbeatSeconds', 'request'];
/** Heartbeat answers meaning the task is over for Step Functions: stop, report nothing. */
const TASK_GONE = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);
/** Heartbeat interval without heartbeatSeconds, and the floor with it. */
export const DEFAULT_HEARTBEAT_MS = 60_000;
export const MIN_HEARTBEAT_MS = 200;
/** Step Functions' limit on a task's output, in bytes of UTF-8. */
export const MAX_OUTPUT_BYTES = 262_144;
/** SendTaskFailure's limits on `error` and `cause`. */
const MAX_ERROR_CHARS = 256;
const MAX_CAUSE_CHARS = 32_768;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object with a non-empty string `taskToken` and a `request` field: answered through callbacks. */
export function isCallbackEnvelope(payload: unknown): payload is { taskToken: string; request: unknown } {
  return isRecord(payload) && typeof payload.taskToken === 'string' && payload.taskToken !== '' && 'request' in payload;
}

/**
 * The envelope of a payload `isCallbackEnvelope` accepts, checked: no other top-level field (a
 * mistyped one would be silently dropped) and a positive integer `heartbeatSeconds` if any.
 * Throws RequestValidationError naming the offending fields.
 */
export function parseCallbackEnvelope(payload: { taskToken: string; request: unknown }): CallbackEnvelope {
  const issues: FieldIssue[] = Object.keys(payload)
    .filter((key) => !ENVELOPE_FIELDS.includes(key))
    .map((field) => ({ field, message: `is not allowed in a callback envelope, which takes only ${ENVELOPE_FIELDS.join(', ')}` }));
  const heartbeatSeconds = (payload as Record<string, unknown>).heartbeatSeconds;
  if (heartbeatSeconds !== undefined && !(Number.isSafeInteger(heartbeatSeconds) && (heartbeatSeconds as number) > 0)) {
    issues.push({ field: 'heartbeatSeconds', message: 'must be a positive integer (the task\'s HeartbeatSeconds), or absent' });
  }
  if (issues.length > 0) throw new RequestValidationError('Invalid callback envelope', issues);
  return {
    taskToken: payload.taskToken,
    request: payload.request,
    ...(heartbeatSeconds === undefined ? {} : { heartbeatSeconds: heartbeatSeconds as number }),
  };
}

/**
 * What the agent checks before anything is loaded (the request's shape, the document policy), so
 * a server can refuse a callback request at once instead of accepting it and failing the task later.
 */
export function checkRequest(request: unknown, config: Pick<AgentConfig, 'documentSources' | 'systemPrompt' | 'tools'>): void {
  const parsed = parseRequest(request);
  if (parsed.contentType === 'file') documentPolicy(config)(parsed.content.bucket, parsed.content.key);
}

/** A third of the heartbeat timeout, so two heartbeats may be lost before the task times out. */
export function heartbeatIntervalMs(heartbeatSeconds: number | undefined): number {
  return heartbeatSeconds === undefined ? DEFAULT_HEARTBEAT_MS : Math.max(MIN_HEARTBEAT_MS, (heartbeatSeconds * 1000) / 3);
}

/** SendTaskFailure's `cause`, within its limit: the message is shortened, the JSON stays whole. */
function boundedCause(error: AgentTaskError): string {
  const causeWith = (message: string): string => taskFailureCause(new AgentTaskError(error.name, message));
  const whole = taskFailureCause(error);
  if (whole.length <= MAX_CAUSE_CHARS) return whole;
  // Escaping makes the JSON longer than the message by an amount that depends on its characters:
  // find the longest prefix that fits.
  let fits = 0;
  let tooLong = error.message.length;
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2);
    if (causeWith(`${error.message.slice(0, middle)}…`).length <= MAX_CAUSE_CHARS) fits = middle;
    else tooLong = middle;
  }
  return causeWith(`${error.message.slice(0, fits)}…`);
}

export interface CallbackOptions {
  readonly reporter: TaskReporter;
  readonly logger: Logger;
  /** Ends the run from outside (the Lambda deadline, a server shutting down); its reason is reported. */
  readonly signal?: AbortSignal;
}

/** The token's start, enough to find the task in a log without writing a whole credential-like token. */
const tokenPrefix = (taskToken: string): string => taskToken.slice(0, 16);

/** Reports a failure; a report that still fails (after the SDK's retries) is logged, never thrown. */
export async function reportFailure(taskToken: string, error: unknown, options: CallbackOptions): Promise<CallbackOutcome> {
  const failure = toAgentTaskError(error);
  const level = failure.statusCode !== undefined && failure.statusCode < 500 ? 'warn' : 'error';
  options.logger[level]('Callback task failed', { taskToken: tokenPrefix(taskToken), errorType: failure.name, statusCode: failure.statusCode, error: failure.cause ?? failure });
  try {
    await options.reporter.sendFailure(taskToken, failure.name.slice(0, MAX_ERROR_CHARS), boundedCause(failure));
  } catch (reportError) {
    options.logger.error('SendTaskFailure failed; the task waits until its timeout', { taskToken: tokenPrefix(taskToken), error: reportError });
  }
  return { status: 'reported', outcome: 'failure' };
}

async function reportSuccess(taskToken: string, response: AgentInvocationResponse, options: CallbackOptions): Promise<CallbackOutcome> {
  const output = JSON.stringify(response);
  const bytes = Buffer.byteLength(output);
  if (bytes > MAX_OUTPUT_BYTES) {
    // Step Functions would refuse it: fail the task now rather than leave it to its timeout.
    const message = `The agent's response is ${bytes} bytes, over the ${MAX_OUTPUT_BYTES}-byte limit of a Step Functions task output; have the agent write large results to S3 and answer with their location`;
    return reportFailure(taskToken, new AgentTaskError(AGENT_FAILED, message), options);
  }
  try {
    await options.reporter.sendSuccess(taskToken, output);
    return { status: 'reported', outcome: 'success' };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'InvalidOutput' || name === 'ValidationException') {
      // Refused for good (retrying cannot help): fail the task now rather than leave it to its timeout.
      return reportFailure(taskToken, new AgentTaskError(AGENT_FAILED, `Step Functions refused the agent's response as task output (${name}): ${(error as Error).message}`), options);
    }
    options.logger.error('SendTaskSuccess failed; the task waits until its timeout', { taskToken: tokenPrefix(taskToken), error });
    return { status: 'reported', outcome: 'success' };
  }
}

/**
 * Runs `run` for a callback task: heartbeats every `heartbeatIntervalMs`, then reports the
 * response (SendTaskSuccess, output = the JSON a synchronous call returns) or the failure
 * (SendTaskFailure, error = its `Agent.*` name, cause = `{errorType, errorMessage}`). A heartbeat
 * answered TaskTimedOut/InvalidToken/TaskDoesNotExist aborts the run's signal and nothing is
 * reported. Never throws: a thrown error would make Lambda retry an asynchronous event.
 */
export async function runWithCallback(
  envelope: CallbackEnvelope,
  run: (signal: AbortSignal) => Promise<AgentInvocationResponse>,
  options: CallbackOptions,
): Promise<CallbackOutcome> {
  const { taskToken } = envelope;
  const { reporter, logger } = options;
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) onOuterAbort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  let gone: Error | undefined;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  const interval = heartbeatIntervalMs(envelope.heartbeatSeconds);
  const beat = async (): Promise<void> => {
    try {
      await reporter.sendHeartbeat(taskToken);
    } catch (error) {
      if (!finished && TASK_GONE.has((error as Error).name)) {
        gone = error as Error;
        logger.warn('Step Functions no longer waits for this task; stopping the run', { taskToken: tokenPrefix(taskToken), error });
        controller.abort(Object.assign(new Error(`The task is over for Step Functions (${gone.name}): ${gone.message}`), { name: 'TaskAbandoned' }));
        return;
      }
      // A transient failure (after the SDK's retries): the next heartbeat may get through.
      logger.warn('SendTaskHeartbeat failed', { taskToken: tokenPrefix(taskToken), error });
    }
    if (!finished) timer = setTimeout(() => void beat(), interval);
  };
  timer = setTimeout(() => void beat(), interval);
  const stop = (): void => {
    finished = true;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
  };

  let response: AgentInvocationResponse;
  try {
    response = await run(controller.signal);
  } catch (error) {
    stop();
    if (gone !== undefined) return { status: 'abandoned', reason: gone.name };
    return reportFailure(taskToken, error, options);
  }
  stop();
  if (gone !== undefined) return { status: 'abandoned', reason: gone.name };
  return reportSuccess(taskToken, response, options);
}
