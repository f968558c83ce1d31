/**
 * A Lambda function's execution environments, as child processes: each holds the handler of the
 * function's staged code, imported once at start (the CLI's own Lambda runner, `__lambda-runner`,
 * which `agentic-ai-framework local` uses), with only the function's environment, and runs one
 * invocation at a time; a new one starts when every one is busy, as Lambda scales out. The pool's
 * `handler` is what the local state machine harness invokes: the outcome comes back as Lambda
 * reports it (a thrown error keeps its `errorType` and `trace`).
 *
 * A process that dies during an invocation fails it with `Runtime.ExitError`, as Lambda does; one
 * that outlives its deadline is killed. `kill(match)` ends the environment running an invocation,
 * as an out-of-memory kill would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { LambdaContextFields, LambdaError, RunnerRequest, RunnerResult } from '../../../cli/lambda-protocol.js';
import { CLI, exitOf } from '../../cli/cli-process.js';
import type { LambdaHandler, LocalLambdaContext } from '../../helpers/local-states.js';

export interface FunctionCode {
  /** The staged code directory (the working directory, as LAMBDA_TASK_ROOT). */
  readonly codeDir: string;
  /** The handler's module file and export (`index.handler` → index.js, handler). */
  readonly file: string;
  readonly exportName: string;
  /** Everything the process sees besides PATH. */
  readonly env: Record<string, string>;
}

type Outcome = { readonly ok: true; readonly response: unknown } | { readonly ok: false; readonly error: LambdaError };

class Sandbox {
  public readonly exited: Promise<void>;
  /** The event of the invocation in progress. */
  public event: unknown;
  private readonly child: ChildProcess;
  private pending: { readonly id: string; readonly settle: (outcome: Outcome) => void } | undefined;
  private dead = false;

  constructor(code: FunctionCode, log: (line: string) => void) {
    this.child = spawn(process.execPath, [CLI, '__lambda-runner', code.file, code.exportName], {
      cwd: code.codeDir,
      env: { PATH: process.env.PATH ?? '', ...code.env },
      // stdin: requests; stdout/stderr: the function's logs; fd 3: results.
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream !== null) createInterface({ input: stream }).on('line', log);
    }
    this.child.stdin?.on('error', () => undefined);
    createInterface({ input: this.child.stdio[3] as Readable }).on('line', (line) => {
      const result = JSON.parse(line) as RunnerResult;
      if (this.pending?.id !== result.id) return;
      this.finish(result.ok ? { ok: true, response: result.response } : { ok: false, error: result.error });
    });
    this.exited = exitOf(this.child).then((code) => {
      this.dead = true;
      this.finish({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${this.pending?.id ?? '-'} Error: Runtime exited (code ${code}, signal ${this.child.signalCode})` } });
    });
  }

  public get alive(): boolean {
    return !this.dead;
  }

  public get busy(): boolean {
    return this.pending !== undefined;
  }

  public invoke(event: unknown, context: LocalLambdaContext): Promise<Outcome> {
    const fields: LambdaContextFields = {
      awsRequestId: context.awsRequestId,
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
    };
    const remaining = context.getRemainingTimeInMillis();
    const request: RunnerRequest = { id: context.awsRequestId, event, context: fields, deadlineMs: Date.now() + remaining };
    return new Promise((settle) => {
      // Lambda stops an environment at the function's timeout; so does this pool.
      const deadline = setTimeout(() => this.kill(), remaining + 100);
      this.event = event;
      this.pending = {
        id: request.id,
        settle: (outcome) => {
          clearTimeout(deadline);
          settle(outcome);
        },
      };
      this.child.stdin?.write(`${JSON.stringify(request)}\n`);
    });
  }

  public kill(): void {
    if (!this.dead) this.child.kill('SIGKILL');
  }

  private finish(outcome: Outcome): void {
    const pending = this.pending;
    this.pending = undefined;
    this.event = undefined;
    pending?.settle(outcome);
  }
}

export class LambdaSandboxes {
  /** The functions' log lines (stdout and stderr of every environment), in order. */
  public readonly logs: string[] = [];
  private readonly sandboxes: Sandbox[] = [];
  private closed = false;

  constructor(private readonly code: FunctionCode) {}

  /** Starts `count` environments ahead of the invocations (their init runs meanwhile). */
  public warm(count = 1): void {
    for (let i = 0; i < count; i++) this.start();
  }

  /** Lambda's invocation of the function: its response, or its error as Lambda reports it. */
  public readonly handler: LambdaHandler = async (event, context) => {
    if (this.closed) throw new Error('the function was invoked after its test file ended');
    const sandbox = this.sandboxes.find((s) => s.alive && !s.busy) ?? this.start();
    const outcome = await sandbox.invoke(event, context);
    if (outcome.ok) return outcome.response;
    throw Object.assign(new Error(outcome.error.errorMessage), {
      name: outcome.error.errorType,
      stack: (outcome.error.trace ?? [`${outcome.error.errorType}: ${outcome.error.errorMessage}`]).join('\n'),
    });
  };

  /** The events of the invocations in progress. */
  public inProgress(): unknown[] {
    return this.sandboxes.filter((s) => s.alive && s.busy).map((s) => s.event);
  }

  /** Kills the environment running an invocation whose event matches; false when none does. */
  public kill(match: (event: unknown) => boolean): boolean {
    const sandbox = this.sandboxes.find((s) => s.alive && s.busy && match(s.event));
    sandbox?.kill();
    return sandbox !== undefined;
  }

  public async close(): Promise<void> {
    this.closed = true;
    for (const sandbox of this.sandboxes) sandbox.kill();
    await Promise.all(this.sandboxes.map((s) => s.exited));
  }

  private start(): Sandbox {
    const sandbox = new Sandbox(this.code, (line) => this.logs.push(line));
    this.sandboxes.push(sandbox);
    return sandbox;
  }
}
