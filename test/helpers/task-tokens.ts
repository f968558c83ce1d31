/**
 * The task tokens of callback (`.waitForTaskToken`) tasks, and what Step Functions answers to
 * SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat for them. The local state machine harness
 * issues a token per task attempt and waits on it; a Step Functions stand-in (an HTTP server the
 * handlers' real SFNClient talks to) forwards those three calls here and answers what this returns.
 *
 * Semantics kept from the service: every token is distinct; a task completes at the first
 * SendTaskSuccess/Failure; HeartbeatSeconds runs from the task's start and each heartbeat restarts
 * it (`States.HeartbeatTimeout`); once a task is closed (reported, timed out, or its execution
 * ended: `expire`), any call with its token is answered `TaskTimedOut`; a token never issued is
 * `InvalidToken`. (TimeoutSeconds is the interpreter's: it raises the `States.Timeout` that
 * `States.TaskFailed` must not match; the harness then expires the token.)
 */
import { randomBytes } from 'node:crypto';

/** Step Functions API error names these calls can answer. */
export type TaskTokenErrorName = 'TaskTimedOut' | 'InvalidToken' | 'InvalidOutput' | 'ValidationException';

export type TaskTokenAnswer = { readonly ok: true } | { readonly ok: false; readonly error: TaskTokenErrorName; readonly message: string };

export type TaskTokenCall =
  | { readonly action: 'SendTaskSuccess'; readonly taskToken: string; readonly output: string }
  | { readonly action: 'SendTaskFailure'; readonly taskToken: string; readonly error?: string; readonly cause?: string }
  | { readonly action: 'SendTaskHeartbeat'; readonly taskToken: string };

/** A task state's failure as Step Functions reports it: `name` is its Error, `message` its Cause. */
export class TaskStateError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

export interface TaskWaitOptions {
  /** The state's HeartbeatSeconds. */
  readonly heartbeatSeconds?: number;
}

interface OpenTask {
  resolve(output: unknown): void;
  reject(error: Error): void;
  heartbeat?: NodeJS.Timeout;
  readonly heartbeatMs?: number;
}

// Real tokens share a long constant head; keeping one makes code that tells tasks apart by a
// token's first characters show up in tests.
const TOKEN_HEAD = 'AQCEAAAAKgAAAAMAAAAAAAAAA';
// The API's limits (SendTaskSuccess / SendTaskFailure request syntax).
const MAX_TOKEN = 2048;
const MAX_OUTPUT_BYTES = 262_144;
const MAX_ERROR = 256;
const MAX_CAUSE = 32_768;

export class TaskTokens {
  /** Every call received, in order, with its answer. */
  public readonly calls: Array<{ readonly call: TaskTokenCall; readonly answer: TaskTokenAnswer }> = [];
  private readonly issued = new Set<string>();
  private readonly open = new Map<string, OpenTask>();

  /** A new token, unique to one task attempt. */
  public issue(): string {
    const token = TOKEN_HEAD + randomBytes(384).toString('base64');
    this.issued.add(token);
    return token;
  }

  /**
   * Waits for the token's callback: resolves with SendTaskSuccess's output (parsed), rejects with
   * SendTaskFailure's error and cause, or with `States.HeartbeatTimeout`.
   */
  public wait(token: string, options: TaskWaitOptions = {}): Promise<unknown> {
    if (!this.issued.has(token) || this.open.has(token)) throw new Error(`task token ${token.slice(0, 40)}… was not issued or is already waited on`);
    return new Promise<unknown>((resolve, reject) => {
      const task: OpenTask = {
        resolve,
        reject,
        ...(options.heartbeatSeconds === undefined ? {} : { heartbeatMs: options.heartbeatSeconds * 1000 }),
      };
      this.open.set(token, task);
      this.armHeartbeat(token, task);
    });
  }

  /** Whether a task still waits for this token. */
  public isOpen(token: string): boolean {
    return this.open.has(token);
  }

  /** Closes the task of a token nobody waits for any more (its execution ended), as the service does. */
  public expire(token: string): void {
    this.close(token, new TaskStateError('States.Runtime', 'the execution ended'));
  }

  public sendTaskSuccess(taskToken: string, output: string): TaskTokenAnswer {
    return this.record({ action: 'SendTaskSuccess', taskToken, output }, () => {
      if (Buffer.byteLength(output, 'utf8') > MAX_OUTPUT_BYTES) return tooLong('output', MAX_OUTPUT_BYTES);
      let parsed: unknown;
      try {
        parsed = JSON.parse(output);
      } catch {
        return { ok: false, error: 'InvalidOutput', message: 'Invalid Output: the output is not valid JSON' };
      }
      return this.finish(taskToken, (task) => task.resolve(parsed));
    });
  }

  public sendTaskFailure(taskToken: string, error?: string, cause?: string): TaskTokenAnswer {
    return this.record({ action: 'SendTaskFailure', taskToken, ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) }, () => {
      if (error !== undefined && error.length > MAX_ERROR) return tooLong('error', MAX_ERROR);
      if (cause !== undefined && cause.length > MAX_CAUSE) return tooLong('cause', MAX_CAUSE);
      return this.finish(taskToken, (task) => task.reject(new TaskStateError(error ?? '', cause ?? '')));
    });
  }

  public sendTaskHeartbeat(taskToken: string): TaskTokenAnswer {
    return this.record({ action: 'SendTaskHeartbeat', taskToken }, () => {
      const answer = this.check(taskToken);
      if (!answer.ok) return answer;
      this.armHeartbeat(taskToken, this.open.get(taskToken)!);
      return answer;
    });
  }

  private record(call: TaskTokenCall, answerOf: () => TaskTokenAnswer): TaskTokenAnswer {
    const tokenLength = call.taskToken.length;
    const answer = tokenLength < 1 ? invalid('taskToken', 'greater than or equal to 1') : tokenLength > MAX_TOKEN ? tooLong('taskToken', MAX_TOKEN) : answerOf();
    this.calls.push({ call, answer });
    return answer;
  }

  private check(taskToken: string): TaskTokenAnswer {
    if (this.open.has(taskToken)) return { ok: true };
    if (this.issued.has(taskToken)) return { ok: false, error: 'TaskTimedOut', message: "Task Timed Out: 'Provided task does not exist anymore'" };
    return { ok: false, error: 'InvalidToken', message: 'Invalid token' };
  }

  private finish(taskToken: string, settle: (task: OpenTask) => void): TaskTokenAnswer {
    const answer = this.check(taskToken);
    if (!answer.ok) return answer;
    const task = this.open.get(taskToken)!;
    this.close(taskToken);
    settle(task);
    return answer;
  }

  private armHeartbeat(token: string, task: OpenTask): void {
    if (task.heartbeatMs === undefined) return;
    clearTimeout(task.heartbeat);
    task.heartbeat = setTimeout(() => this.close(token, new TaskStateError('States.HeartbeatTimeout', '')), task.heartbeatMs);
  }

  /** Closes an open task, rejecting it with `error` when given. */
  private close(token: string, error?: Error): void {
    const task = this.open.get(token);
    if (task === undefined) return;
    this.open.delete(token);
    clearTimeout(task.heartbeat);
    if (error !== undefined) task.reject(error);
  }
}

function tooLong(member: string, max: number): TaskTokenAnswer {
  return invalid(member, `less than or equal to ${max}`);
}

function invalid(member: string, constraint: string): TaskTokenAnswer {
  return {
    ok: false,
    error: 'ValidationException',
    message: `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length ${constraint}`,
  };
}
