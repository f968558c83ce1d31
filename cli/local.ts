import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentEnvironment, loadDeployment } from './deployment.js';
import { UsageError } from './errors.js';
import { startLambdaEndpoint, type LambdaEndpoint } from './lambda-endpoint.js';
import { isInteractive, prepareLocalChat } from './local-chat.js';
import {
  checkPortFree,
  lambdaContext,
  lambdaRuntimeVariables,
  lambdaTimeoutSeconds,
  portInUse,
  processEnvironment,
  regionLine,
  runnableCode,
  sandboxCommand,
  startAgentCoreProcess,
  type LocalOptions,
  type LocalRun,
} from './local-run.js';
import { startLocalS3Server } from './s3-server.js';

export type { Contract, LocalOptions } from './local-run.js';

/**
 * `agentic-ai-framework local <agent>`: runs an agent from a cloud assembly on this machine, under its
 * runtime's contract (or the other one), with its environment as synthesized and its prompt and
 * tool objects served from the staged assets by a local S3 endpoint. An interactive agent
 * (INVOKE_TYPE=interactive) runs behind its chat API's front door instead (cli/local-chat.ts).
 */

export interface RunningAgent {
  readonly url: string;
  /** Resolves when the agent stopped (by `stop` or by itself) with the process exit code to use. */
  readonly done: Promise<number>;
  /** How to call it, when not with `invoke --local` (interactive agents). */
  readonly hint?: string;
  stop(): Promise<void>;
}

/**
 * Run when the tool exits however it exits (process.exit, an uncaught exception): SIGKILL what
 * still runs and remove the scratch directory, synchronously, as an `exit` listener must.
 */
function onProcessExit(steps: Array<() => void>): () => void {
  const listener = (): void => {
    for (const step of steps.splice(0).reverse()) {
      try {
        step();
      } catch {
        // exiting anyway
      }
    }
  };
  process.on('exit', listener);
  return () => process.off('exit', listener);
}

/** Starts the agent; resolves once it answers (AgentCore: `/ping` 200; Lambda: the endpoint listens). */
export async function startLocal(options: LocalOptions): Promise<RunningAgent> {
  const { record, contract, port, log } = options;
  const deployment = loadDeployment(options.appDir, record);
  const interactive = isInteractive(deployment);
  if (!interactive && (options.webDir !== undefined || options.sessionDirectory !== undefined)) {
    throw new UsageError(`${options.webDir !== undefined ? '--web' : '--session-directory'} is for interactive agents; agent ${record.agentName} is not one`);
  }
  // Resolve the environment first: an unresolvable variable fails before anything starts.
  const chat = interactive ? prepareLocalChat(options) : undefined;
  const effective: LocalOptions = chat === undefined ? options : { ...options, envOverrides: chat.envOverrides };
  agentEnvironment(deployment, effective.envOverrides);
  const scratch = mkdtempSync(join(tmpdir(), 'agentic-ai-framework-local-'));
  const tmp = join(scratch, 'tmp');
  mkdirSync(tmp);
  const removeScratch = (): void => rmSync(scratch, { recursive: true, force: true });
  const exitSteps: Array<() => void> = [removeScratch];
  const offExit = onProcessExit(exitSteps);
  const cleanups: Array<() => Promise<void> | void> = [removeScratch, offExit];
  let cleaning: Promise<void> | undefined;
  /** Runs each step once, in reverse order; every caller waits for the same run. */
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      const steps = cleanups.splice(0).reverse();
      for (const step of steps) await Promise.resolve().then(step).catch(() => undefined);
    })());
  try {
    const code = runnableCode(deployment, contract, scratch, interactive);
    log(`agent ${record.agentName}: ${record.constructPath} (stack ${record.stackName}, deployed on ${record.runtimeType}), running ${code.origin} from ${code.dir}`);
    const s3 = await startLocalS3Server(deployment.fileAssets);
    cleanups.push(() => s3.close());
    log(`serving ${s3.objects.length} staged assets of the cloud assembly at ${s3.url} (local S3, read-only)`);
    const region = regionLine(record);
    log(options.modelEndpoint !== undefined ? `model: ${options.modelEndpoint} (--model-endpoint)` : `model: Amazon Bedrock ${region}, with your AWS credentials`);
    const url = `http://127.0.0.1:${port}`;
    const run: LocalRun = { deployment, code, s3, scratch, tmp, cleanups, exitSteps };

    if (chat !== undefined) {
      const { hint, exited } = await chat.start(effective, run);
      let resolveDone: (code: number) => void = () => undefined;
      const done = new Promise<number>((resolve) => (resolveDone = resolve));
      // AgentCore: the agent's server process exiting ends the run, as without the front door.
      void exited?.then(async ({ code: exitCode, signal, stopping }) => {
        if (stopping) return;
        log(`agent ${record.agentName} exited with ${exitCode ?? signal}`);
        await cleanup();
        resolveDone(1);
      });
      return {
        url,
        done,
        hint,
        stop: async () => {
          await cleanup();
          resolveDone(0);
        },
      };
    }

    if (contract === 'LAMBDA') {
      const functionName = deployment.functionName ?? `${record.stackName}-${record.resourceLogicalId}`.slice(0, 64);
      const timeoutSeconds = lambdaTimeoutSeconds(deployment);
      const memory = deployment.code.kind === 'lambda' ? deployment.code.memorySize : 1024;
      const env = processEnvironment(options, deployment, s3, tmp, lambdaRuntimeVariables(deployment, code, functionName, memory));
      let endpoint: LambdaEndpoint;
      try {
        endpoint = await startLambdaEndpoint(port, {
          sandbox: sandboxCommand(code, env, scratch),
          timeoutSeconds,
          context: lambdaContext(deployment, functionName, memory),
          log,
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse(port);
        throw error;
      }
      cleanups.push(() => endpoint.close());
      exitSteps.push(() => endpoint.killNow());
      log(`agent ${record.agentName} (LAMBDA contract, timeout ${timeoutSeconds} s) listening on ${url}`);
      let resolveDone: (code: number) => void = () => undefined;
      const done = new Promise<number>((resolve) => (resolveDone = resolve));
      return {
        url,
        done,
        stop: async () => {
          await cleanup();
          resolveDone(0);
        },
      };
    }

    await checkPortFree(port);
    const env = processEnvironment(options, deployment, s3, tmp, { PORT: String(port), AGENT_SERVER_HOST: '127.0.0.1' });
    const agent = await startAgentCoreProcess(options, run, port, env);
    log(`agent ${record.agentName} (AGENTCORE contract) listening on ${url}`);
    const done = agent.exited.then(async ({ code: exitCode, signal, stopping }) => {
      if (!stopping) log(`agent ${record.agentName} exited with ${exitCode ?? signal}`);
      await cleanup();
      return stopping ? 0 : 1;
    });
    return {
      url,
      done,
      stop: async () => {
        await cleanup();
        await done;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
