import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** `agentic-ai-framework local` processes for the contract properties, and calls to them. */

/** The bundled tool (`npm run bundle:cli`, run by `pretest`). */
export const CLI = resolve(import.meta.dirname, '..', '..', '..', 'assets', 'cli', 'index.mjs');
export const SESSION_HEADER = 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id';

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

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode);
    else child.once('exit', (code) => done(code));
  });
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

export interface LocalAgent {
  readonly port: number;
  readonly output: () => string;
  /** SIGINT (Ctrl-C), SIGKILL past `ms`. */
  stop(ms?: number): Promise<void>;
}

/** Starts `agentic-ai-framework local <args>` with `env` and waits (bounded) until it listens. */
export async function startLocal(args: readonly string[], env: NodeJS.ProcessEnv, ms = 45_000): Promise<LocalAgent> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'local', ...args, '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = exitOf(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async (stopMs = 15_000): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await bounded(exited, stopMs, 'local shutdown', () => child.kill('SIGKILL'));
  };
  try {
    await bounded(
      new Promise<void>((done, fail) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes(`listening on http://127.0.0.1:${port}`)) done();
        });
        void exited.then((code) => fail(new Error(`local ${args.join(' ')} exited with ${code} before listening:\n${output}`)));
      }),
      ms,
      `local ${args.join(' ')}`,
    );
  } catch (error) {
    await stop(2_000).catch(() => undefined);
    throw error;
  }
  return { port, output: () => output, stop };
}

/** POSTs the request to the agent's /invocations (either contract) and returns its JSON answer (bounded). */
export function invokeAgent(port: number, payload: unknown, sessionId: string, ms = 20_000): Promise<{ status: number; body: unknown }> {
  const text = JSON.stringify(payload);
  return new Promise((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/invocations',
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(text), [SESSION_HEADER]: sessionId },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          try {
            done({ status: res.statusCode ?? 0, body: JSON.parse(raw) as unknown });
          } catch {
            done({ status: res.statusCode ?? 0, body: raw });
          }
        });
        res.on('error', fail);
      },
    );
    req.setTimeout(ms, () => req.destroy(new Error(`POST http://127.0.0.1:${port}/invocations: no answer within ${ms} ms`)));
    req.on('error', fail);
    req.end(text);
  });
}
