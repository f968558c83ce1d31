import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { bounded, exitOf } from '../cli/cli-process.js';

export { bounded };

/** The handler's module file as Lambda's Node.js runtime finds it (`index.handler` → `index.js`, `.mjs`, `.cjs`). */
export function handlerModule(codeDir: string, handler: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  const [base, exportName] = [handler.slice(0, dot), handler.slice(dot + 1)];
  const file = ['.js', '.mjs', '.cjs'].map((ext) => join(codeDir, base + ext)).find((f) => existsSync(f));
  if (file === undefined) throw new Error(`handler ${handler}: no ${base}.js, .mjs or .cjs in ${codeDir}`);
  return { file, exportName };
}

export interface LambdaRun {
  readonly response?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Invokes a Lambda handler once in a fresh Node process with only `env` (plus PATH), as Lambda's
 * Node.js runtime would: the code directory as working directory, the event and a context object.
 * The process exits as soon as the handler settles, as a frozen sandbox would stop.
 */
export async function invokeLambdaHandler(options: {
  readonly codeDir: string;
  readonly handler: string;
  readonly env: Record<string, string>;
  readonly event: unknown;
  readonly context: Record<string, string | number>;
  readonly timeoutMs: number;
  /** A scratch directory for the runner script. */
  readonly workDir: string;
}): Promise<LambdaRun> {
  const { file, exportName } = handlerModule(options.codeDir, options.handler);
  const runner = join(options.workDir, `invoke-${Date.now()}-${Math.random().toString(36).slice(2)}.mjs`);
  await writeFile(
    runner,
    `const mod = await import(${JSON.stringify(pathToFileURL(file).href)});
const deadline = Date.now() + ${options.timeoutMs};
const context = { ...${JSON.stringify(options.context)}, callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => deadline - Date.now() };
let line;
try {
  line = 'RESULT ' + JSON.stringify({ response: await mod[${JSON.stringify(exportName)}](${JSON.stringify(options.event)}, context) });
} catch (error) {
  line = 'RESULT ' + JSON.stringify({ error: { name: error?.name ?? 'Error', message: String(error?.message ?? error) } });
}
process.stdout.write('\\n' + line + '\\n', () => process.exit(0));
`,
  );
  const child = spawn(process.execPath, [runner], {
    cwd: options.codeDir,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await bounded(exitOf(child), options.timeoutMs, `Lambda handler ${options.handler}`, () => child.kill('SIGKILL'));
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || line === undefined) {
    throw new Error(`the Lambda runner exited with ${code} and no result\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
  return { ...(JSON.parse(line.slice('RESULT '.length)) as Pick<LambdaRun, 'response' | 'error'>), stdout, stderr };
}

export interface AgentCoreServer {
  readonly base: string;
  /** The server's JSON log lines so far. */
  readonly logs: Array<Record<string, unknown>>;
  readonly stderr: () => string;
  /** SIGTERM, then SIGKILL if it has not exited within `ms`; resolves to the exit code. */
  stop(ms?: number): Promise<number | null>;
  /** SIGKILL at once, as a container that dies (no shutdown grace); resolves once it has exited. */
  kill(): Promise<void>;
}

/**
 * Starts an AgentCore direct-code entry point (`node <entryPoint>` in the code directory) with only
 * `env` (plus PATH) and waits, bounded, until it logs the port it listens on.
 */
export async function startAgentCoreServer(options: {
  readonly codeDir: string;
  readonly entryPoint: readonly string[];
  readonly env: Record<string, string>;
  readonly startTimeoutMs: number;
}): Promise<AgentCoreServer> {
  const [entry, ...args] = options.entryPoint;
  if (entry === undefined) throw new Error('empty EntryPoint');
  const child = spawn(process.execPath, [join(options.codeDir, entry), ...args], {
    cwd: options.codeDir,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = exitOf(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const logs: Array<Record<string, unknown>> = [];
  const stop = async (ms = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return bounded(exited, ms, 'AgentCore server shutdown', () => child.kill('SIGKILL'));
  };
  try {
    const port = await bounded(
      new Promise<number>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          let entry: Record<string, unknown>;
          try {
            entry = JSON.parse(line) as Record<string, unknown>;
          } catch {
            return; // not a log line of the agent's logger
          }
          logs.push(entry);
          if (entry.message === 'AgentCore server listening') resolve(Number(entry.port));
        });
        void exited.then((code) => reject(new Error(`the server exited with ${code} before listening\nstderr:\n${stderr}`)));
      }),
      options.startTimeoutMs,
      'AgentCore server start',
    );
    const kill = async () => {
      child.kill('SIGKILL');
      await exited;
    };
    return { base: `http://127.0.0.1:${port}`, logs, stderr: () => stderr, stop, kill };
  } catch (error) {
    await stop(2_000).catch(() => undefined);
    throw error;
  }
}
