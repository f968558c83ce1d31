import { Model, type BaseModelConfig, type Message, type ModelStreamEvent, type StreamOptions, type Usage } from '@strands-agents/sdk';

/** One model turn: text, a tool call, or an error thrown instead of answering. */
export type Turn =
  | {
      readonly text: string | readonly string[];
      readonly usage?: Usage;
      readonly delayMs?: number;
      /** Streams the first part, then holds the answer until this settles or the call is cancelled. */
      readonly holdUntil?: Promise<unknown>;
    }
  | { readonly toolUse: { readonly name: string; readonly input: unknown; readonly id?: string }; readonly usage?: Usage }
  | { readonly error: Error };

/** What the model was asked on one call. */
export interface ModelCall {
  readonly messages: Message[];
  readonly systemPrompt: unknown;
  readonly toolNames: string[];
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Waits for `promise`, or fails as a provider's transport does when the agent cancels the call. */
function untilOrAborted(promise: Promise<unknown>, signal: AbortSignal | undefined, onCancel: () => void): Promise<unknown> {
  if (signal === undefined) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      onCancel();
      reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject);
  });
}

/**
 * A Strands Model that plays a fixed script, one turn per call, and records every call. Text
 * given as an array streams as several deltas. Running past the end of the script is an error.
 */
export class ScriptedModel extends Model<BaseModelConfig> {
  public readonly calls: ModelCall[] = [];
  /** Calls the agent cancelled while the model held its answer. */
  public cancelled = 0;
  private config: BaseModelConfig = { modelId: 'scripted-model' };
  private readonly turns: Turn[];

  constructor(turns: readonly Turn[]) {
    super();
    this.turns = [...turns];
  }

  updateConfig(config: BaseModelConfig): void {
    this.config = { ...this.config, ...config };
  }

  getConfig(): BaseModelConfig {
    return this.config;
  }

  async *stream(messages: Message[], options?: StreamOptions): AsyncIterable<ModelStreamEvent> {
    this.calls.push({
      messages: [...messages],
      systemPrompt: options?.systemPrompt,
      toolNames: (options?.toolSpecs ?? []).map((spec) => spec.name),
    });
    const turn = this.turns.shift();
    if (turn === undefined) throw new Error(`ScriptedModel: no turn left for call ${this.calls.length}`);
    if ('error' in turn) throw turn.error;
    yield { type: 'modelMessageStartEvent', role: 'assistant' };
    if ('toolUse' in turn) {
      const { name, input, id } = turn.toolUse;
      yield { type: 'modelContentBlockStartEvent', start: { type: 'toolUseStart', name, toolUseId: id ?? `tool-${this.calls.length}` } };
      yield { type: 'modelContentBlockDeltaEvent', delta: { type: 'toolUseInputDelta', input: JSON.stringify(input) } };
      yield { type: 'modelContentBlockStopEvent' };
      yield { type: 'modelMessageStopEvent', stopReason: 'toolUse' };
    } else {
      yield { type: 'modelContentBlockStartEvent' };
      const parts = typeof turn.text === 'string' ? [turn.text] : turn.text;
      for (const [index, part] of parts.entries()) {
        if (turn.delayMs !== undefined) await sleep(turn.delayMs, options?.cancelSignal);
        if (index === 1 && turn.holdUntil !== undefined) await untilOrAborted(turn.holdUntil, options?.cancelSignal, () => this.cancelled++);
        yield { type: 'modelContentBlockDeltaEvent', delta: { type: 'textDelta', text: part } };
      }
      yield { type: 'modelContentBlockStopEvent' };
      yield { type: 'modelMessageStopEvent', stopReason: 'endTurn' };
    }
    if (turn.usage !== undefined) yield { type: 'modelMetadataEvent', usage: turn.usage };
  }
}

/** The text of every text block of a message. */
export function textOfMessage(message: Message): string {
  return message.content.flatMap((block) => (block.type === 'textBlock' ? [block.text] : [])).join('');
}

/** A model whose behaviour a test swaps between cases, so one server serves every case. */
export class SwitchableModel extends Model<BaseModelConfig> {
  public current: Model;

  constructor(initial: Model) {
    super();
    this.current = initial;
  }

  updateConfig(config: BaseModelConfig): void {
    this.current.updateConfig(config);
  }

  getConfig(): BaseModelConfig {
    return this.current.getConfig();
  }

  stream(messages: Message[], options?: StreamOptions): AsyncIterable<ModelStreamEvent> {
    return this.current.stream(messages, options);
  }
}

/** A model that answers every call with the text of the last user message (for server tests). */
export class EchoModel extends Model<BaseModelConfig> {
  /** The names of the tools offered on each call, in order. */
  public readonly toolNames: string[][] = [];
  private config: BaseModelConfig = { modelId: 'echo-model' };

  updateConfig(config: BaseModelConfig): void {
    this.config = { ...this.config, ...config };
  }

  getConfig(): BaseModelConfig {
    return this.config;
  }

  async *stream(messages: Message[], options?: StreamOptions): AsyncIterable<ModelStreamEvent> {
    this.toolNames.push((options?.toolSpecs ?? []).map((spec) => spec.name));
    const last = messages[messages.length - 1];
    yield { type: 'modelMessageStartEvent', role: 'assistant' };
    yield { type: 'modelContentBlockDeltaEvent', delta: { type: 'textDelta', text: last === undefined ? '' : textOfMessage(last) } };
    yield { type: 'modelContentBlockStopEvent' };
    yield { type: 'modelMessageStopEvent', stopReason: 'endTurn' };
  }
}
