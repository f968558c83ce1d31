import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';

/** `agentic-ai-framework local` processes for the contract properties, and calls to them. */

import { bounded, exitOf, freePort } from '../cli-process.js';

export { bounded, freePort };

/** The bundled tool (`npm run bundle:cli`, run by `pretest`). */
export const CLI = resolve(import.meta.dirname, '..', '..', '..', 'assets', 'cli', 'index.mjs');
export const SESSION_HEADER = 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id';

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
