import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentDeployment } from './deployment.js';
import { CliError } from './errors.js';
import { createLocalFunction, type LocalFunction, type SandboxCommand } from './lambda-sandbox.js';
import { startLocalAgentCorePlane } from './local-agentcore-plane.js';
import { authorizerVerdict, INTERNAL_SERVER_ERROR, methodArn, proxyResultOf, restApiEvent, tokenAuthorizerEvent, type ApiTarget } from './local-api-gateway.js';
import { startChatFront, type ApiCall, type Authorization, type ChatApi } from './local-chat-http.js';
import { createLocalIssuer, JWKS_PATH, LOCAL_AUDIENCE, LOCAL_TOKEN_SECONDS } from './local-issuer.js';
import {
  checkPortFree,
  lambdaContext,
  lambdaRuntimeVariables,
  lambdaTimeoutSeconds,
  packageAssetsDir,
  portInUse,
  processEnvironment,
  sandboxCommand,
  startAgentCoreProcess,
  type LocalOptions,
  type LocalRun,
} from './local-run.js';

/**
 * `local` for an interactive agent (INVOKE_TYPE=interactive): the chat REST API the construct
 * deploys, on 127.0.0.1:<port>, with the same functions behind the same routes.
 *
 *   POST /chat                        the token authorizer, then with response streaming the agent's
 *                                     `chatHandler` (Lambda contract) or the chat proxy in front of the
 *                                     agent's server process (AgentCore contract: the proxy calls a
 *                                     local InvokeAgentRuntime that forwards to the server)
 *   GET /sessions, GET|DELETE /sessions/{sessionId}
 *                                     the token authorizer, then the Sessions API function
 *
 * The library's functions (authorizer, Sessions API, chat proxy) are the package's own bundles, each
 * in Lambda sandboxes as the agent's function is. Differences from the deployed API, all deliberate:
 * callers authenticate with tokens of a local issuer (AUTH_MODE=OIDC, issuer
 * http://127.0.0.1:<port>, a key made for this run), whatever the app's ChatAuth; sessions are kept
 * in a directory (SESSION_DIRECTORY) instead of S3 and DynamoDB; browsers may call it from its own
 * origin only.
 */

/** The stage the construct deploys the chat API to. */
const STAGE = 'v1';
/** Parallel turns (Lambda scales out; a second turn on a busy session must meet the lock). */
const CHAT_CONCURRENCY = 10;
/** The construct's timeouts of the authorizer, Sessions API and chat proxy functions. */
const AUTHORIZER_TIMEOUT_S = 10;
const SESSIONS_TIMEOUT_S = 29;
const PROXY_TIMEOUT_S = 900;
/** The user whose token the start-up log shows. */
const DEFAULT_USER = 'developer';

/** Whether the agent is an InteractiveAgent (its template environment says so). */
export function isInteractive(deployment: AgentDeployment): boolean {
  return deployment.variables.INVOKE_TYPE === 'interactive';
}

/** A name safe as one directory level. */
function directoryName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_') || 'agent';
}

/** The CDK app's directory: where its cloud assembly is. */
function appProjectDir(appDir: string): string {
  return dirname(resolve(appDir));
}

/** Where sessions are kept: --session-directory, else `.agentic/sessions/<agent>` in the app's directory. */
export function sessionDirectoryOf(options: Pick<LocalOptions, 'appDir' | 'record' | 'sessionDirectory'>): string {
  return resolve(options.sessionDirectory ?? join(appProjectDir(options.appDir), '.agentic', 'sessions', directoryName(options.record.agentName)));
}

/** The chat page: --web, else the app's `web/`, else the package's example page (a source checkout). */
export function webDirectoryOf(options: Pick<LocalOptions, 'appDir' | 'webDir'>): string | undefined {
  if (options.webDir !== undefined) {
    const dir = resolve(options.webDir);
    if (!existsSync(join(dir, 'index.html'))) throw new CliError(`--web ${options.webDir}: no index.html in ${dir}`);
    return dir;
  }
  const candidates = [join(appProjectDir(options.appDir), 'web'), join(packageAssetsDir(), '..', 'examples', 'interactive-agent', 'web')];
  return candidates.map((dir) => resolve(dir)).find((dir) => existsSync(join(dir, 'index.html')));
}

/** The variables a local run sets on the agent (and its library functions): local auth, local sessions, its own origin. */
export function localChatVariables(port: number, sessionDirectory: string): Record<string, string> {
  const origin = `http://127.0.0.1:${port}`;
  return {
    AUTH_MODE: 'OIDC',
    AUTH_ISSUER: origin,
    AUTH_JWKS_URL: `${origin}${JWKS_PATH}`,
    AUTH_AUDIENCES: LOCAL_AUDIENCE,
    // Empty is unset: the app's Cognito client ids and token use do not apply to local tokens.
    AUTH_CLIENT_IDS: '',
    AUTH_TOKEN_USE: '',
    SESSION_BUCKET: '',
    SESSION_TABLE: '',
    SESSION_DIRECTORY: sessionDirectory,
    CORS_ALLOWED_ORIGINS: `${origin},http://localhost:${port}`,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (address !== null && typeof address !== 'string' ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The variables of one of the library's functions: those of the agent's it is given by the construct. */
function pick(env: NodeJS.ProcessEnv, wanted: (name: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && wanted(entry[0])));
}

/** What the construct gives the library's functions, as the agent has it (LOG_LEVEL too, for --env). */
const isAuthVariable = (name: string): boolean => name.startsWith('AUTH_') || name === 'LOG_LEVEL';
const isSessionVariable = (name: string): boolean => isAuthVariable(name) || name.startsWith('SESSION_') || name === 'CORS_ALLOWED_ORIGINS';
const isProxyVariable = (name: string): boolean => isAuthVariable(name) || name === 'CORS_ALLOWED_ORIGINS' || name === 'HEARTBEAT_SECONDS';

/** The package's bundle of one of the library's functions, as a sandbox command. */
function libraryFunction(name: string, variables: Record<string, string>, run: LocalRun, options: LocalOptions, timeoutSeconds: number, concurrency: number): LocalFunction {
  const dir = join(packageAssetsDir(), name);
  const file = join(dir, 'index.mjs');
  if (!existsSync(file)) throw new CliError(`the package's ${name} function bundle ${file} is missing (run \`npm run bundle:functions\`)`);
  const functionName = `${options.record.stackName}-${name}-local`.slice(0, 64);
  const region = run.deployment.target.region;
  const env: NodeJS.ProcessEnv = {
    // PATH, the caller's credentials and Region, as for the agent; then the function's own.
    ...process.env,
    AWS_REGION: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? region,
    TMPDIR: run.tmp,
    TMP: run.tmp,
    TEMP: run.tmp,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    LAMBDA_TASK_ROOT: dir,
    _HANDLER: 'index.handler',
    ...variables,
  };
  const sandbox: SandboxCommand = { command: process.execPath, args: [fileURLToPath(import.meta.url), '__lambda-runner', file, 'handler'], cwd: dir, env };
  const fn = createLocalFunction({ sandbox, timeoutSeconds, context: lambdaContext(run.deployment, functionName, 256), log: options.log, concurrency });
  run.cleanups.push(() => fn.stop());
  run.exitSteps.push(() => fn.killNow());
  fn.warm();
  return fn;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The REST API's routes over the local functions. */
function chatApi(target: ApiTarget, authorizer: LocalFunction, sessions: LocalFunction, chat: LocalFunction, log: (line: string) => void): ChatApi {
  return {
    async authorize(call: ApiCall): Promise<Authorization> {
      const token = firstHeader(call.headers.authorization);
      // No identity source: API Gateway refuses without calling the authorizer.
      if (token === undefined || token === '') return { allowed: false, status: 401, body: { code: 'Unauthorized', message: 'Unauthorized' } };
      const arn = methodArn(target, call);
      const { outcome } = await authorizer.invoke(tokenAuthorizerEvent(token, arn));
      return authorizerVerdict(outcome, arn, log);
    },
    async chat(call, authorization, res, signal) {
      let started = false;
      const { outcome } = await chat.invokeStream(restApiEvent(target, call, authorization), {
        signal,
        onPrelude: (prelude) => {
          if (res.destroyed) return;
          started = true;
          const cookies = prelude.cookies ?? [];
          res.writeHead(prelude.statusCode ?? 200, { ...(prelude.headers ?? {}), ...(cookies.length > 0 ? { 'Set-Cookie': [...cookies] } : {}) });
          res.flushHeaders();
        },
        onBody: (bytes) => {
          if (started && !res.destroyed) res.write(bytes);
        },
      });
      if (outcome.outcome !== 'completed' && outcome.outcome !== 'disconnected') {
        log(`POST /chat: the function ${outcome.outcome === 'timedOut' ? 'timed out' : 'failed'}${outcome.error === undefined ? '' : `: ${outcome.error.errorType}: ${outcome.error.errorMessage}`}`);
      }
      if (res.destroyed) return;
      if (!started) {
        // Nothing streamed (no prelude): API Gateway's 502.
        res.writeHead(INTERNAL_SERVER_ERROR.statusCode, INTERNAL_SERVER_ERROR.headers);
        res.end(INTERNAL_SERVER_ERROR.body);
      } else if (outcome.outcome === 'completed') res.end();
      // A stream broken off midway reaches the client broken off.
      else res.destroy();
    },
    async sessions(call, authorization) {
      const { outcome } = await sessions.invoke(restApiEvent(target, call, authorization));
      return proxyResultOf(outcome, log);
    },
  };
}

export interface LocalChatPlan {
  /** The variables the agent and its functions get on top of --env's: local auth and sessions. */
  readonly envOverrides: Readonly<Record<string, string>>;
  /** Starts the functions and the front door; `exited` settles if the agent's server process exits. */
  start(options: LocalOptions, run: LocalRun): Promise<{ hint: string; exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null; stopping: boolean }> }>;
}

export function prepareLocalChat(options: LocalOptions): LocalChatPlan {
  const sessionDirectory = sessionDirectoryOf(options);
  const webDir = webDirectoryOf(options);
  // --env wins: a developer may point the agent elsewhere on purpose.
  const envOverrides = { ...localChatVariables(options.port, sessionDirectory), ...options.envOverrides };
  return {
    envOverrides,
    async start(effective, run) {
      const { record, contract, port, log } = effective;
      const { deployment, code } = run;
      await checkPortFree(port);
      mkdirSync(sessionDirectory, { recursive: true });
      const origin = `http://127.0.0.1:${port}`;
      const issuer = await createLocalIssuer(origin);
      const target: ApiTarget = { region: deployment.target.region, accountId: deployment.target.account, partition: deployment.target.partition, apiId: 'local', stage: STAGE };
      const agentVariables = processEnvironment(effective, deployment, run.s3, run.tmp, {});
      const authorizer = libraryFunction('authorizer', pick(agentVariables, isAuthVariable), run, effective, AUTHORIZER_TIMEOUT_S, 4);
      const sessions = libraryFunction('sessions', pick(agentVariables, isSessionVariable), run, effective, SESSIONS_TIMEOUT_S, 4);

      let chat: LocalFunction;
      let exited: Awaited<ReturnType<typeof startAgentCoreProcess>>['exited'] | undefined;
      if (contract === 'LAMBDA') {
        if (code.language !== 'NODEJS') throw new CliError(`agent ${record.agentName}: an interactive agent under the Lambda contract needs Node.js code (response streaming)`);
        const functionName = deployment.functionName ?? `${record.stackName}-${record.resourceLogicalId}`.slice(0, 64);
        const memory = deployment.code.kind === 'lambda' ? deployment.code.memorySize : 1024;
        const timeoutSeconds = lambdaTimeoutSeconds(deployment);
        const env = processEnvironment(effective, deployment, run.s3, run.tmp, lambdaRuntimeVariables(deployment, code, functionName, memory));
        chat = createLocalFunction({ sandbox: sandboxCommand(code, env, run.scratch), timeoutSeconds, context: lambdaContext(deployment, functionName, memory), log, concurrency: CHAT_CONCURRENCY });
        run.cleanups.push(() => chat.stop());
        run.exitSteps.push(() => chat.killNow());
        chat.warm();
        log(`agent ${record.agentName}: its chatHandler with response streaming (LAMBDA contract, timeout ${timeoutSeconds} s), behind POST /chat`);
      } else {
        const agentPort = await freePort();
        const env = processEnvironment(effective, deployment, run.s3, run.tmp, { PORT: String(agentPort), AGENT_SERVER_HOST: '127.0.0.1' });
        const agent = await startAgentCoreProcess(effective, run, agentPort, env);
        exited = agent.exited;
        const runtimeName = record.agentName.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^[^a-zA-Z]/, 'a').slice(0, 40);
        const agentRuntimeArn = `arn:${deployment.target.partition}:bedrock-agentcore:${deployment.target.region}:${deployment.target.account}:runtime/${runtimeName}-local`;
        const plane = await startLocalAgentCorePlane({ agentRuntimeArn, agentUrl: `http://127.0.0.1:${agentPort}`, allowlistedHeaders: ['authorization'], log });
        run.cleanups.push(() => plane.close());
        chat = libraryFunction('chat-proxy', {
          ...pick(agentVariables, isProxyVariable),
          AGENT_RUNTIME_ARN: agentRuntimeArn,
          AGENT_QUALIFIER: record.endpointName ?? 'DEFAULT',
          AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: plane.url,
        }, run, effective, PROXY_TIMEOUT_S, CHAT_CONCURRENCY);
        log(`agent ${record.agentName}: its server on 127.0.0.1:${agentPort} (AGENTCORE contract), behind the chat proxy and a local InvokeAgentRuntime at ${plane.url}`);
      }

      const clientBundle = join(packageAssetsDir(), 'chat-client', 'index.mjs');
      let front;
      try {
        front = await startChatFront({
          port,
          issuer,
          api: chatApi(target, authorizer, sessions, chat, log),
          webDir,
          clientBundle,
          log,
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse(port);
        throw error;
      }
      run.cleanups.push(() => front.close());
      const sample = await issuer.mint(DEFAULT_USER);
      log(`sessions: ${sessionDirectory} (SESSION_DIRECTORY, kept across runs; delete it to start afresh)`);
      log(`auth: tokens of the local issuer ${origin} (AUTH_MODE=OIDC, audience ${LOCAL_AUDIENCE}) instead of the app's`);
      log(`LOCAL ONLY: POST ${origin}/local/token {"user":"<name>"} mints a token for any user, signed by a key made for this run; nothing else trusts it`);
      log(`LOCAL ONLY: a token for user ${DEFAULT_USER} (valid ${LOCAL_TOKEN_SECONDS / 60} min): ${sample.token}`);
      if (webDir !== undefined) {
        log(`chat page: ${origin}/ (from ${webDir})`);
        if (!existsSync(clientBundle)) log(`warning: the chat client bundle ${clientBundle} is missing, so ${origin}/chat-client.mjs answers 404 (run \`node scripts/bundle-chat-client.mjs\`)`);
      }
      log(`agent ${record.agentName} (${contract} contract, interactive: POST /chat, GET|DELETE /sessions) listening on ${origin}`);
      const hint =
        `chat: curl -N ${origin}/chat -H "Authorization: Bearer $(curl -s -X POST ${origin}/local/token -H 'content-type: application/json' -d '{"user":"${DEFAULT_USER}"}' | jq -r .token)" ` +
        `-H 'content-type: application/json' -d '{"message":"Hello"}'   (Ctrl-C stops it)`;
      return { hint, ...(exited === undefined ? {} : { exited }) };
    },
  };
}
