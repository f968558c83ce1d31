import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** The bundled tool, as the package ships it (`npm run bundle:cli`). */
export const CLI = resolve(import.meta.dirname, '..', '..', 'assets', 'cli', 'index.mjs');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The child's exit code, once it has exited. */
export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode);
    else child.once('exit', (code) => done(code));
  });
}

/** Rejects with `what` when `promise` has not settled within `ms`; runs `onTimeout` first. */
export async function bounded<T>(promise: Promise<T>, ms: number, what: string, onTimeout: () => void = () => undefined): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what}: not done within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the tool to completion (bounded; killed past `ms`). */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv, ms = 20_000): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await bounded(exitOf(child), ms, `${['agentic-ai-framework', ...args].join(' ')}`, () => child.kill('SIGKILL'));
  return { code, stdout, stderr };
}

export interface RunningCli {
  readonly port: number;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** SIGINT (Ctrl-C), then SIGKILL past `ms`; resolves to the exit code. */
  stop(ms?: number): Promise<number | null>;
  /** Sends `signal` to the tool, if it still runs. */
  signal(signal: NodeJS.Signals): void;
  /** Waits (bounded; SIGKILL past `ms`) for the tool to exit by itself; resolves to the exit code. */
  exit(ms?: number): Promise<number | null>;
}

/** Starts `local` and waits (bounded) for its "listening on" line. */
export async function startLocalCli(args: readonly string[], env: NodeJS.ProcessEnv, ms = 30_000): Promise<RunningCli> {
  const child = spawn(process.execPath, [CLI, 'local', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = exitOf(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const stop = async (stopMs = 15_000): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    return bounded(exited, stopMs, 'local shutdown', () => child.kill('SIGKILL'));
  };
  try {
    const port = await bounded(
      new Promise<number>((done, fail) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
          if (match !== null) done(Number(match[1]));
        });
        void exited.then((code) => fail(new Error(`local exited with ${code} before listening\nstderr:\n${stderr}\nstdout:\n${stdout}`)));
      }),
      ms,
      `local ${args.join(' ')}`,
    );
    const signal = (name: NodeJS.Signals): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill(name);
    };
    const exit = (exitMs = 15_000): Promise<number | null> => bounded(exited, exitMs, 'local exit', () => child.kill('SIGKILL'));
    return { port, stdout: () => stdout, stderr: () => stderr, stop, signal, exit };
  } catch (error) {
    await stop(2_000).catch(() => undefined);
    throw error;
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
