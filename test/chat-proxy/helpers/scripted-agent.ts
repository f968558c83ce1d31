/**
 * Call handlers for the AgentCore data-plane stand-in that answer as a chat agent on AgentCore does
 * (200, `text/event-stream`, frames written as the turn goes), step by step under the test's control,
 * and record when the proxy hung up on them.
 */
import type { ServerResponse } from 'node:http';
import { formatEvent } from '../../../agent/chat/protocol.js';
import type { CallHandler } from '../../helpers/agentcore-data-plane.js';

/** One step of a scripted answer: bytes to write, a pause (ms), or a wait on the test. */
export type Step = string | { readonly pause: number } | { readonly until: Promise<unknown> } | { readonly reset: true };

export interface ScriptedAnswer {
  readonly handler: CallHandler;
  /** Resolves when the proxy's connection to the agent closed before the script ended (it aborted). */
  readonly hungUp: Promise<number>;
  /** Whether every step ran. */
  readonly finished: () => boolean;
}

export const sessionFrame = (sessionId: string): string => formatEvent({ type: 'session', sessionId });
export const textFrame = (delta: string): string => formatEvent({ type: 'text', delta });
export const DONE_FRAME = formatEvent({ type: 'done', stopReason: 'end_turn', usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 } });

/** Answers 200 `text/event-stream` (or `contentType`) and plays `steps`; ends the body after the last. */
export function scriptedAnswer(steps: readonly Step[], options: { readonly contentType?: string; readonly delayHeadersUntil?: Promise<unknown> } = {}): ScriptedAnswer {
  let done = false;
  let hangUp: (at: number) => void = () => undefined;
  const hungUp = new Promise<number>((resolve) => {
    hangUp = resolve;
  });
  const handler: CallHandler = async (call, res: ServerResponse) => {
    res.on('close', () => {
      if (!res.writableFinished) hangUp(Date.now());
    });
    if (options.delayHeadersUntil !== undefined) await options.delayHeadersUntil;
    if (res.destroyed) return;
    res.writeHead(200, { 'Content-Type': options.contentType ?? 'text/event-stream; charset=utf-8', 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id': call.sessionId });
    res.flushHeaders();
    for (const step of steps) {
      if (res.destroyed) return;
      if (typeof step === 'string') res.write(step);
      else if ('pause' in step) await new Promise((resolve) => setTimeout(resolve, step.pause));
      else if ('until' in step) await step.until;
      else {
        res.socket?.resetAndDestroy();
        return;
      }
    }
    done = true;
    res.end();
  };
  return { handler, hungUp, finished: () => done };
}

/** A promise and its resolver, for a step that waits on the test. */
export function signal(): { readonly promise: Promise<void>; readonly fire: () => void } {
  let fire: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}
