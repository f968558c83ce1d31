import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { LambdaContextFields, LambdaError, RunnerDisconnect, RunnerRequest, RunnerResult, RunnerStreamMessage } from './lambda-protocol.js';

/**
 * A local Lambda function: its handler in runner processes (sandboxes), each initialised once and
 * reused while warm, one invocation at a time, as Lambda's execution environments. More run side
 * by side up to `concurrency` (Lambda scales out); an invocation past the function's timeout kills
 * its sandbox (the next one starts a fresh one) and fails with `Sandbox.Timedout`.
 */

export interface SandboxCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

export type Outcome = { readonly ok: true; readonly response: unknown } | { readonly ok: false; readonly error: LambdaError };

/** How a streaming invocation ended (cli/lambda-streaming.ts's outcomes). */
export interface StreamOutcome {
  readonly outcome: 'completed' | 'failed' | 'timedOut' | 'disconnected';
  readonly error?: LambdaError;
}

export interface StreamCallbacks {
  readonly onPrelude?: (prelude: Extract<RunnerStreamMessage, { prelude: unknown }>['prelude']) => void;
  readonly onBody?: (bytes: Buffer) => void;
}

type Pending =
  | { readonly kind: 'buffered'; readonly settle: (outcome: Outcome) => void }
  | { readonly kind: 'stream'; readonly settle: (outcome: StreamOutcome) => void; readonly callbacks: StreamCallbacks };

/** One runner process: a warm sandbox. */
export class Sandbox {
  private readonly child: ChildProcess;
  private readonly pending = new Map<string, Pending>();
  private exitCode: number | null | undefined;
  /** Set by kill(): the sandbox takes no more invocations, though its process may not have exited yet. */
  private killed = false;
  readonly exited: Promise<void>;

  constructor(command: SandboxCommand) {
    this.child = spawn(command.command, [...command.args], {
      cwd: command.cwd,
      env: command.env,
      // stdin: requests; stdout/stderr: the function's logs, passed through; fd 3: results.
      stdio: ['pipe', 'inherit', 'inherit', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal === null ? null : -1);
        this.failAll({
          errorType: 'Runtime.ExitError',
          errorMessage: `Runtime exited ${signal === null ? `with error: exit status ${code}` : `with signal ${signal}`}`,
        });
        resolve();
      });
      this.child.once('error', (error) => {
        this.failAll({ errorType: 'Runtime.StartError', errorMessage: `cannot start ${command.command}: ${error.message}` });
        this.exitCode = -1;
        resolve();
      });
    });
    const results = this.child.stdio[3] as Readable | null;
    if (results !== null) {
      createInterface({ input: results }).on('line', (line) => this.onLine(line));
    }
    this.child.stdin?.on('error', () => undefined);
  }

  private failAll(error: LambdaError): void {
    for (const pending of this.pending.values()) {
      if (pending.kind === 'buffered') pending.settle({ ok: false, error });
      else pending.settle({ outcome: 'failed', error });
    }
    this.pending.clear();
  }

  private onLine(line: string): void {
    let message: RunnerResult | RunnerStreamMessage;
    try {
      message = JSON.parse(line) as RunnerResult | RunnerStreamMessage;
    } catch {
      // Invocations run one at a time: the pending one fails now, not at its timeout.
      this.failAll({ errorType: 'Runtime.MarshalError', errorMessage: `the runner sent a result that is not JSON: ${line.slice(0, 200)}` });
      return;
    }
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    if (pending.kind === 'buffered') {
      if (!('ok' in message)) return;
      this.pending.delete(message.id);
      pending.settle(message.ok ? { ok: true, response: message.response } : { ok: false, error: message.error });
      return;
    }
    if ('prelude' in message) pending.callbacks.onPrelude?.(message.prelude);
    else if ('body' in message) pending.callbacks.onBody?.(Buffer.from(message.body, 'base64'));
    else if ('streamed' in message) {
      this.pending.delete(message.id);
      pending.settle(message.streamed);
    }
  }

  get alive(): boolean {
    return this.exitCode === undefined && !this.killed;
  }

  invoke(request: RunnerRequest): Promise<Outcome> {
    return new Promise((resolve) => {
      if (!this.alive) {
        resolve({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: 'the sandbox is not running' } });
        return;
      }
      this.pending.set(request.id, { kind: 'buffered', settle: resolve });
      this.child.stdin?.write(`${JSON.stringify(request)}\n`);
    });
  }

  /** A streaming invocation: the prelude and body come through `callbacks` as the handler writes them. */
  invokeStream(request: RunnerRequest, callbacks: StreamCallbacks): Promise<StreamOutcome> {
    return new Promise((resolve) => {
      if (!this.alive) {
        resolve({ outcome: 'failed', error: { errorType: 'Runtime.ExitError', errorMessage: 'the sandbox is not running' } });
        return;
      }
      this.pending.set(request.id, { kind: 'stream', settle: resolve, callbacks });
      this.child.stdin?.write(`${JSON.stringify({ ...request, stream: true } satisfies RunnerRequest)}\n`);
    });
  }

  /** Tells the runner that the client of streaming invocation `id` went away. */
  disconnect(id: string, mode: RunnerDisconnect['disconnect']): void {
    if (this.alive && this.pending.has(id)) this.child.stdin?.write(`${JSON.stringify({ id, disconnect: mode } satisfies RunnerDisconnect)}\n`);
  }

  /** Ends the runner: stdin closed (it exits), then SIGKILL if it lingers. */
  async stop(graceMs = 2_000): Promise<void> {
    if (this.exitCode !== undefined) return;
    if (this.killed) {
      await this.exited;
      return;
    }
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL now, for a process about to exit (no waiting). */
  killNow(): void {
    if (this.exitCode === undefined) this.child.kill('SIGKILL');
  }

  /** SIGKILL; the sandbox counts as dead at once, so the next invocation starts a fresh one. */
  kill(): Promise<void> {
    if (this.alive) {
      this.killed = true;
      this.child.kill('SIGKILL');
    }
    return this.exited;
  }
}

export interface LocalFunctionOptions {
  readonly sandbox: SandboxCommand;
  readonly timeoutSeconds: number;
  readonly context: Omit<LambdaContextFields, 'awsRequestId'>;
  readonly log: (line: string) => void;
  /** Sandboxes that may run at once (further invocations wait for one). Default 1. */
  readonly concurrency?: number;
}

export interface StreamInvocationOptions extends StreamCallbacks {
  /** Aborted when the client goes away; the sandbox is told with `disconnectMode`. */
  readonly signal?: AbortSignal;
  /** Default 'silent': what the deployed service does today (see cli/lambda-streaming.ts). */
  readonly disconnectMode?: RunnerDisconnect['disconnect'];
}

export interface LocalFunction {
  invoke(event: unknown): Promise<{ requestId: string; outcome: Outcome }>;
  invokeStream(event: unknown, options?: StreamInvocationOptions): Promise<{ requestId: string; outcome: StreamOutcome }>;
  /** Initialises one sandbox now, as a provisioned function would, so the first invocation is warm. */
  warm(): void;
  stop(): Promise<void>;
  /** SIGKILL every sandbox now, synchronously (the tool is exiting). */
  killNow(): void;
}

export function createLocalFunction(options: LocalFunctionOptions): LocalFunction {
  const concurrency = options.concurrency ?? 1;
  const idle: Sandbox[] = [];
  const all = new Set<Sandbox>();
  const waiting: Array<(sandbox: Sandbox) => void> = [];
  let busy = 0;

  const spawnSandbox = (): Sandbox => {
    const sandbox = new Sandbox(options.sandbox);
    all.add(sandbox);
    void sandbox.exited.then(() => all.delete(sandbox));
    return sandbox;
  };
  const acquire = (): Promise<Sandbox> => {
    while (idle.length > 0) {
      const sandbox = idle.pop()!;
      if (sandbox.alive) {
        busy += 1;
        return Promise.resolve(sandbox);
      }
    }
    if (busy < concurrency) {
      busy += 1;
      return Promise.resolve(spawnSandbox());
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (sandbox: Sandbox): void => {
    const next = waiting.shift();
    if (next !== undefined) {
      next(sandbox.alive ? sandbox : spawnSandbox());
      return;
    }
    busy -= 1;
    if (sandbox.alive) idle.push(sandbox);
  };

  /** Runs `call` in a sandbox, killing it at the function's timeout. */
  const run = async <T>(call: (sandbox: Sandbox, request: RunnerRequest) => Promise<T>, timedOut: (message: string) => T, event: unknown): Promise<{ requestId: string; outcome: T }> => {
    const requestId = randomUUID();
    const sandbox = await acquire();
    const deadlineMs = Date.now() + options.timeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<T>((resolve) => {
      timer = setTimeout(() => {
        options.log(`RequestId: ${requestId} Task timed out after ${options.timeoutSeconds.toFixed(2)} seconds; the sandbox is restarted`);
        void sandbox.kill();
        resolve(timedOut(`RequestId: ${requestId} Error: Task timed out after ${options.timeoutSeconds.toFixed(2)} seconds`));
      }, options.timeoutSeconds * 1000);
    });
    try {
      const request: RunnerRequest = { id: requestId, event, context: { ...options.context, awsRequestId: requestId }, deadlineMs };
      const outcome = await Promise.race([call(sandbox, request), timeout]);
      return { requestId, outcome };
    } finally {
      clearTimeout(timer);
      release(sandbox);
    }
  };

  return {
    invoke: (event) => run((sandbox, request) => sandbox.invoke(request), (errorMessage): Outcome => ({ ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage } }), event),
    invokeStream: (event, streamOptions = {}) =>
      run(
        (sandbox, request) => {
          const { signal } = streamOptions;
          const onAbort = (): void => sandbox.disconnect(request.id, streamOptions.disconnectMode ?? 'silent');
          signal?.addEventListener('abort', onAbort, { once: true });
          return sandbox.invokeStream(request, streamOptions).finally(() => signal?.removeEventListener('abort', onAbort));
        },
        (errorMessage): StreamOutcome => ({ outcome: 'timedOut', error: { errorType: 'Sandbox.Timedout', errorMessage } }),
        event,
      ),
    warm: () => {
      if (all.size === 0) idle.push(spawnSandbox());
    },
    stop: async () => {
      await Promise.all([...all].map((sandbox) => sandbox.stop()));
    },
    killNow: () => {
      for (const sandbox of all) sandbox.killNow();
    },
  };
}
