/**
 * One chat turn through the proxy: calls the agent, passes its event stream to the browser byte for
 * byte as it arrives, fills the agent's silences with heartbeats, and ends every turn with exactly
 * one terminal frame: the agent's own `done`/`error`, or the proxy's `error` when the call fails,
 * stalls, outlasts the function or the stream breaks off.
 */
import { HEARTBEAT_FRAME } from '../agent/chat/protocol.js';
import type { ResponseStream } from '../agent/chat-http/lambda-stream.js';
import { raceSignal } from '../agent/core/abort.js';
import { bodyChunks, bodyText, SseParser } from '../cli/deployed-sse.js';
import { destroyBody } from '../relay/handler.js';
import { errorFrame, failureOfError, ProxyFailure } from './failures.js';
import { FrameSplitter } from './frames.js';
import { ResponseWriter } from './response-writer.js';
import type { Upstream, UpstreamRequest } from './upstream.js';

export interface PipeOptions {
  readonly out: ResponseStream;
  readonly upstream: Upstream;
  readonly request: Omit<UpstreamRequest, 'signal'>;
  readonly heartbeatMs: number;
  /** Bound on AgentCore's answer (it starts the agent's microVM first for a new session). */
  readonly answerTimeoutMs: number;
  /** Bound on a silence of the agent once it answered (it sends heartbeats of its own). */
  readonly idleTimeoutMs: number;
  /** Time the turn may take before the function must stop; undefined: no bound. */
  readonly budgetMs?: number;
}

export type PipeOutcome =
  /** The agent ended the turn (`done`, or its own `error`). */
  | { readonly status: 'agent'; readonly terminal: string; readonly upstreamStatus: number; readonly bytes: number }
  /** The proxy ended it with an error frame. */
  | { readonly status: 'failed'; readonly failure: ProxyFailure; readonly upstreamStatus?: number; readonly bytes: number }
  /** The browser went away; the call was stopped. */
  | { readonly status: 'client-gone'; readonly upstreamStatus?: number; readonly bytes: number };

/** The abort reason when the browser goes away: nothing is written any more. */
const CLIENT_GONE = Symbol('client-gone');

const TERMINAL_EVENTS = new Set(['done', 'error']);

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

export async function pipeAgentStream(options: PipeOptions): Promise<PipeOutcome> {
  const controller = new AbortController();
  const writer = new ResponseWriter(options.out, () => controller.abort(CLIENT_GONE));
  const splitter = new FrameSplitter();
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let terminal: string | undefined;
  let upstreamStatus: number | undefined;
  let body: unknown;

  // Heartbeats only between the agent's frames, and only once the agent has been quiet a full period.
  let heartbeat: NodeJS.Timeout | undefined;
  const scheduleHeartbeat = (): void => {
    clearTimeout(heartbeat);
    heartbeat = setTimeout(() => {
      if (splitter.holding === 0 && !writer.busy) void writer.write(HEARTBEAT_FRAME);
      scheduleHeartbeat();
    }, options.heartbeatMs);
  };
  let watchdog: NodeJS.Timeout | undefined;
  const watch = (ms: number, failure: () => ProxyFailure): void => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => controller.abort(failure()), ms);
  };
  const deadline =
    options.budgetMs === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(new ProxyFailure('Timeout', 'The turn took longer than the chat proxy may run', `the function's deadline is ${seconds(options.budgetMs ?? 0)} away`)),
          Math.max(0, options.budgetMs),
        );
  controller.signal.addEventListener('abort', () => destroyBody(body), { once: true });

  try {
    scheduleHeartbeat();
    watch(options.answerTimeoutMs, () => new ProxyFailure('Internal', `The agent did not answer within ${seconds(options.answerTimeoutMs)}`));
    const answer = await raceSignal(options.upstream({ ...options.request, signal: controller.signal }), controller.signal);
    body = answer.body;
    upstreamStatus = answer.status;
    if (!answer.contentType.toLowerCase().startsWith('text/event-stream')) {
      const text = await raceSignal(bodyText(answer.body), controller.signal);
      throw new ProxyFailure(
        'Internal',
        'The agent did not answer with an event stream',
        `the agent answered ${answer.status} ${answer.contentType || '(no content type)'}: ${text.slice(0, 300)}`,
      );
    }
    const idle = (): ProxyFailure => new ProxyFailure('Internal', `The agent went silent for ${seconds(options.idleTimeoutMs)}`);
    watch(options.idleTimeoutMs, idle);
    const chunks = bodyChunks(answer.body)[Symbol.asyncIterator]();
    for (;;) {
      const next = await raceSignal(chunks.next(), controller.signal);
      if (next.done === true) break;
      watch(options.idleTimeoutMs, idle);
      const ready = splitter.push(next.value);
      if (ready.length === 0) continue;
      for (const event of parser.push(decoder.decode(ready, { stream: true }))) {
        if (terminal === undefined && TERMINAL_EVENTS.has(event.event)) terminal = event.event;
      }
      await writer.write(ready);
      scheduleHeartbeat();
    }
    if (terminal !== undefined) {
      // Whatever follows the agent's last frame is its own business; passed on as is.
      const rest = splitter.rest();
      if (rest.length > 0) await writer.write(rest);
      return { status: 'agent', terminal, upstreamStatus: upstreamStatus ?? 0, bytes: writer.written };
    }
    const dropped = splitter.holding;
    throw new ProxyFailure(
      'Internal',
      'The agent stream ended before the turn was done',
      `the agent's stream ended without a done or error event${dropped > 0 ? ` (${dropped} bytes of an unfinished frame dropped)` : ''}`,
    );
  } catch (error) {
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
    if (reason === CLIENT_GONE) return { status: 'client-gone', ...(upstreamStatus === undefined ? {} : { upstreamStatus }), bytes: writer.written };
    // After the agent's own terminal frame the turn is over: a later break changes nothing.
    if (terminal !== undefined) return { status: 'agent', terminal, upstreamStatus: upstreamStatus ?? 0, bytes: writer.written };
    const failure = reason instanceof ProxyFailure ? reason : failureOfError(error);
    await writer.write(errorFrame(failure));
    return { status: 'failed', failure, ...(upstreamStatus === undefined ? {} : { upstreamStatus }), bytes: writer.written };
  } finally {
    clearTimeout(heartbeat);
    clearTimeout(watchdog);
    clearTimeout(deadline);
    // Stops the call and its body whatever ended the turn (a no-op once the body is read).
    if (!controller.signal.aborted) controller.abort(new Error('turn over'));
    writer.end();
  }
}
