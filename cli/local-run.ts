import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentRecord } from './agent-record.js';
import { agentEnvironment, parseEnvironmentString, type AgentDeployment, type FileAsset } from './deployment.js';
import { CliError } from './errors.js';
import type { SandboxCommand } from './lambda-sandbox.js';
import type { LambdaContextFields } from './lambda-protocol.js';
import pythonRunnerSource from './python/lambda_runner.py';
import type { LocalS3Server } from './s3-server.js';
import { unzipInto } from './zip.js';

/**
 * The parts of a local run (`agentic-ai-framework local`) every kind of agent shares: which code runs
 * under which contract, the agent's environment, its sandbox command (Lambda) or its server process
 * (AgentCore), and the Lambda context fields.
 */
export type Contract = 'LAMBDA' | 'AGENTCORE';

export interface LocalOptions {
  readonly appDir: string;
  readonly record: AgentRecord;
  readonly contract: Contract;
  readonly port: number;
  readonly modelEndpoint?: string;
  readonly envOverrides: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
  /** Aborted by Ctrl-C: start-up stops waiting and cleans up. */
  readonly abort?: AbortSignal;
  /** Interactive agents: the chat page's directory (--web). */
  readonly webDir?: string;
  /** Interactive agents: where sessions are kept (--session-directory). */
  readonly sessionDirectory?: string;
}

/** AgentCore's start-up limit: the agent must answer /ping within it. */
const START_TIMEOUT_MS = 60_000;
/** The default agent lets running invocations finish for 10 s after SIGTERM; a little more here. */
const STOP_GRACE_MS = 12_000;
/** Lambda's longest timeout, used when AgentCore code runs under the Lambda contract. */
const LAMBDA_MAX_TIMEOUT_S = 900;

/** The code to run under one contract: a directory and its entrypoint. */
export interface RunnableCode {
  readonly dir: string;
  readonly language: 'NODEJS' | 'PYTHON';
  /** Lambda: `file.function`; AgentCore: the entrypoint file and its arguments. */
  readonly lambdaHandler?: string;
  readonly entryPoint?: readonly string[];
  readonly origin: string;
}

/** The directory of this CLI bundle (`assets/cli`), next to the default agent's bundles. */
export function packageAssetsDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..');
}

function languageOf(deployment: AgentDeployment): 'NODEJS' | 'PYTHON' {
  const runtime = deployment.code.runtime.toUpperCase();
  if (runtime.startsWith('PYTHON')) return 'PYTHON';
  if (runtime.startsWith('NODE')) return 'NODEJS';
  return deployment.record.code.language === 'PYTHON' ? 'PYTHON' : 'NODEJS';
}

/** The staged code asset as a directory; a staged .zip file is unpacked into `scratch`. */
function codeDirectory(asset: FileAsset, scratch: string): string {
  if (!existsSync(asset.sourcePath)) throw new CliError(`the staged code asset ${asset.sourcePath} is missing: run \`cdk synth\` again`);
  if (statSync(asset.sourcePath).isDirectory()) return asset.sourcePath;
  if (asset.sourcePath.endsWith('.zip')) {
    const dir = join(scratch, `code-${asset.hash.slice(0, 12)}`);
    unzipInto(readFileSync(asset.sourcePath), dir);
    return dir;
  }
  throw new CliError(`the staged code asset ${asset.sourcePath} is a single file, not a directory or zip`);
}

/**
 * Which code runs under `contract`, and why (its own, the package's default agent bundle, or the
 * same files). An interactive agent's Lambda handler is the bundle's streaming `chatHandler`.
 */
export function runnableCode(deployment: AgentDeployment, contract: Contract, scratch: string, interactive = false): RunnableCode {
  const { record, code } = deployment;
  const language = languageOf(deployment);
  if (record.runtimeType === contract) {
    const dir = codeDirectory(code.asset, scratch);
    return code.kind === 'lambda'
      ? { dir, language, lambdaHandler: code.handler, origin: 'its staged code' }
      : { dir, language, entryPoint: code.kind === 'agentcore' ? code.entryPoint : undefined, origin: 'its staged code' };
  }
  const other = contract === 'LAMBDA' ? 'lambda' : 'agentcore';
  if (record.code.defaultAgent) {
    const dir = join(packageAssetsDir(), 'agent', other);
    if (!existsSync(join(dir, 'index.js'))) throw new CliError(`the package's default agent bundle ${join(dir, 'index.js')} is missing (run \`npm run bundle:agent\`)`);
    return contract === 'LAMBDA'
      ? { dir, language: 'NODEJS', lambdaHandler: interactive ? 'index.chatHandler' : 'index.handler', origin: `the package's default agent bundle (assets/agent/${other})` }
      : { dir, language: 'NODEJS', entryPoint: ['index.js'], origin: `the package's default agent bundle (assets/agent/${other})` };
  }
  if (record.code.sameFiles) {
    const dir = codeDirectory(code.asset, scratch);
    if (contract === 'LAMBDA') {
      if (record.code.lambdaHandler === undefined) throw new CliError(`agent ${record.agentName}: its code records no Lambda handler`);
      return { dir, language, lambdaHandler: record.code.lambdaHandler, origin: 'its staged code, with its Lambda handler' };
    }
    if (record.code.agentCoreEntrypoint === undefined) throw new CliError(`agent ${record.agentName}: its code records no AgentCore entrypoint`);
    return { dir, language, entryPoint: [record.code.agentCoreEntrypoint], origin: 'its staged code, with its AgentCore entrypoint' };
  }
  throw new CliError(
    `agent ${record.agentName} cannot run under the ${contract} contract: its code was built for ${record.runtimeType} only ` +
      `(not the default agent, and the ${record.runtimeType === 'LAMBDA' ? 'AgentCore entrypoint' : 'Lambda handler'} is not in the same files, ` +
      'e.g. TypeScript entries bundled per runtime); run it under its own contract, or deploy it on the other runtime and synthesize again',
  );
}

/** The handler's module file as Lambda's Node.js runtime finds it (`index.handler` → index.js, .mjs, .cjs). */
export function nodeHandlerModule(dir: string, handler: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  const [base, exportName] = [handler.slice(0, dot), handler.slice(dot + 1)];
  const file = ['.js', '.mjs', '.cjs'].map((ext) => join(dir, base + ext)).find((f) => existsSync(f));
  if (dot <= 0 || file === undefined) throw new CliError(`handler ${handler}: no ${base}.js, .mjs or .cjs in ${dir}`);
  return { file, exportName };
}

export function sandboxCommand(code: RunnableCode, env: NodeJS.ProcessEnv, scratch: string): SandboxCommand {
  const handler = code.lambdaHandler!;
  if (code.language === 'PYTHON') {
    const dot = handler.lastIndexOf('.');
    if (dot <= 0) throw new CliError(`handler ${handler}: expected module.function`);
    const runner = join(scratch, 'lambda_runner.py');
    writeFileSync(runner, pythonRunnerSource);
    return { command: env.PYTHON ?? 'python3', args: [runner, handler.slice(0, dot), handler.slice(dot + 1)], cwd: code.dir, env };
  }
  const { file, exportName } = nodeHandlerModule(code.dir, handler);
  return { command: process.execPath, args: [fileURLToPath(import.meta.url), '__lambda-runner', file, exportName], cwd: code.dir, env };
}

export function portInUse(port: number): CliError {
  return new CliError(`port ${port} on 127.0.0.1 is in use: stop what listens there, or pass --port <another port>`);
}

/** Fails with a clear error when 127.0.0.1:`port` is taken. */
export async function checkPortFree(port: number): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? portInUse(port) : error));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

export function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/ping', method: 'GET', agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** The Lambda-provided variables (AWS_LAMBDA_FUNCTION_NAME...). */
export function lambdaRuntimeVariables(deployment: AgentDeployment, code: RunnableCode, functionName: string, memory: number): Record<string, string> {
  const runtime = deployment.code.kind === 'lambda' ? deployment.code.runtime : code.language === 'PYTHON' ? 'python3.13' : 'nodejs22.x';
  return {
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memory),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
    LAMBDA_TASK_ROOT: code.dir,
    _HANDLER: code.lambdaHandler ?? '',
  };
}

/**
 * What the agent process gets: the caller's environment, the template's, what the runtime adds, --env.
 * Its temporary files go to `tmp`, inside the scratch directory removed on stop.
 */
export function processEnvironment(options: LocalOptions, deployment: AgentDeployment, s3: LocalS3Server, tmp: string, runtimeVariables: Record<string, string>): NodeJS.ProcessEnv {
  const templateEnv = agentEnvironment(deployment, options.envOverrides);
  const region = parseEnvironmentString(options.record.environment).region;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...templateEnv,
    // The caller's Region wins (their credentials, their Region); else the stack's own.
    ...(process.env.AWS_REGION === undefined && process.env.AWS_DEFAULT_REGION === undefined && region !== undefined ? { AWS_REGION: region } : {}),
    AWS_ENDPOINT_URL_S3: s3.url,
    // A caller's AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true would send the agent to the real S3.
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false',
    TMPDIR: tmp,
    TMP: tmp,
    TEMP: tmp,
    ...(options.modelEndpoint !== undefined ? { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: options.modelEndpoint } : {}),
    ...runtimeVariables,
    ...options.envOverrides,
  };
  return env;
}

/** What a local run has started so far, and how to undo it (used by the interactive front door too). */
export interface LocalRun {
  readonly deployment: AgentDeployment;
  readonly code: RunnableCode;
  readonly s3: LocalS3Server;
  readonly scratch: string;
  /** The agent's TMPDIR. */
  readonly tmp: string;
  /** Undone on stop, in reverse order. */
  readonly cleanups: Array<() => Promise<void> | void>;
  /** Run synchronously if the tool exits without stopping (SIGKILL what still runs). */
  readonly exitSteps: Array<() => void>;
}

/** A child process serving the AgentCore contract (`POST /invocations`, `GET /ping`) on 127.0.0.1:`port`. */
export interface AgentCoreProcess {
  /** Resolves with the exit code once it exited; `stopping` tells whether stop() asked for it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stopping: boolean }>;
}

/**
 * Spawns the AgentCore entrypoint with PORT and AGENT_SERVER_HOST=127.0.0.1 and waits (at most
 * AgentCore's start-up limit) for `/ping` to answer 200. Its stop (SIGTERM, then SIGKILL past the
 * grace) is added to the run's cleanups.
 */
export async function startAgentCoreProcess(options: LocalOptions, run: LocalRun, port: number, env: NodeJS.ProcessEnv): Promise<AgentCoreProcess> {
  const { record } = options;
  const { code } = run;
  const [entry, ...args] = code.entryPoint ?? [];
  if (entry === undefined) throw new CliError(`agent ${record.agentName}: no AgentCore entrypoint`);
  if (!existsSync(join(code.dir, entry))) throw new CliError(`agent ${record.agentName}: the entrypoint ${entry} is not in ${code.dir}`);
  const command = code.language === 'PYTHON' ? (process.env.PYTHON ?? 'python3') : process.execPath;
  const child = spawn(command, [join(code.dir, entry), ...args], { cwd: code.dir, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const spawnError = new Promise<never>((_resolve, reject) => child.once('error', (error) => reject(new CliError(`cannot start ${command}: ${error.message}`))));
  spawnError.catch(() => undefined);
  let stopping = false;
  const exited = exitOf(child).then((exitCode) => ({ code: exitCode, signal: child.signalCode, stopping }));
  run.exitSteps.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  run.cleanups.push(async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  let ready = false;
  while (!ready) {
    if (options.abort?.aborted) throw new CliError(`interrupted while agent ${record.agentName} was starting`, 130);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new CliError(`agent ${record.agentName} exited with ${child.exitCode ?? child.signalCode} before answering /ping (its log lines above say why)`);
    }
    if (Date.now() - started > START_TIMEOUT_MS) throw new CliError(`agent ${record.agentName} did not answer GET ${url}/ping within ${START_TIMEOUT_MS / 1000} s`);
    ready = await Promise.race([ping(port), spawnError]);
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { exited };
}

/** The function's timeout under the Lambda contract (AgentCore code: its max lifetime, at most Lambda's). */
export function lambdaTimeoutSeconds(deployment: AgentDeployment): number {
  return deployment.code.kind === 'lambda' ? deployment.code.timeoutSeconds : Math.min(deployment.code.maxLifetimeSeconds ?? LAMBDA_MAX_TIMEOUT_S, LAMBDA_MAX_TIMEOUT_S);
}

/** The Lambda context fields of the agent's function (or of a library function in front of it, by name). */
export function lambdaContext(deployment: AgentDeployment, functionName: string, memory: number): Omit<LambdaContextFields, 'awsRequestId'> {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:${deployment.target.partition}:lambda:${deployment.target.region}:${deployment.target.account}:function:${functionName}`,
    memoryLimitInMB: String(memory),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
  };
}

export function regionLine(record: AgentRecord): string {
  const fromCaller = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (fromCaller !== undefined) return `in ${fromCaller} (AWS_REGION)`;
  const region = parseEnvironmentString(record.environment).region;
  return region !== undefined ? `in ${region} (the stack's Region)` : "in your AWS profile's Region";
}
