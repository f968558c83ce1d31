// AgentCore Runtime entrypoint (direct code `index.js`, or a container's command): serves the
// AgentCore HTTP contract on 0.0.0.0:8080 with the same agent core as Lambda. PORT overrides the
// port; AGENT_SERVER_HOST the address (local runs and tests bind
// 127.0.0.1; a name of our own, since a platform may set HOST).
import { callerFromAgentCoreHeaders, createTokenVerifier } from './chat/auth.js';
import { readAuthConfig } from './chat/auth-config.js';
import { createChatDependencies } from './chat/dependencies.js';
import { runChatTurn } from './chat/turn.js';
import type { ChatServerSupport } from './chat-http/agentcore-chat.js';
import { checkRequest } from './core/callback.js';
import { createDependencies, routeStrandsLogs } from './core/dependencies.js';
import type { AgentDependencies } from './core/invoke.js';
import { parseIntegerVariable } from './core/config.js';
import { AgentRuntimeType } from './core/errors.js';
import { invokeAgent } from './core/invoke.js';
import { createJsonLogger } from './core/logger.js';
import { containerTaskReporter } from './core/task-reporter.js';
import { startTelemetry, type Telemetry } from './core/telemetry.js';
import { createAgentServer } from './server.js';

const DEFAULT_HOST = '0.0.0.0';
const DEFAULT_PORT = 8080;
/** Time running invocations (callback runs too) get to finish after SIGTERM. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const bootLogger = createJsonLogger({ fields: { runtime: AgentRuntimeType.AGENTCORE } });
  let deps: AgentDependencies;
  let telemetry: Telemetry;
  let port: number;
  // INVOKE_TYPE=interactive: every POST /invocations is a chat turn.
  let chat: ChatServerSupport | undefined;
  const host = process.env.AGENT_SERVER_HOST?.trim() || DEFAULT_HOST;
  try {
    port = parseIntegerVariable(process.env, 'PORT', DEFAULT_PORT, 0, 65535);
    if (process.env.INVOKE_TYPE?.trim() === 'interactive') {
      // The microVM serves one runtime session: its agent stays in memory between turns.
      const chatDeps = createChatDependencies(AgentRuntimeType.AGENTCORE, process.env, { cacheAgents: true });
      const auth = readAuthConfig(process.env);
      const verifier = createTokenVerifier(auth);
      chat = {
        turn: (body, caller, emit, options) => runChatTurn(body, caller, chatDeps, emit, options),
        callerOf: (headers) => callerFromAgentCoreHeaders(headers, verifier, auth),
        heartbeatSeconds: chatDeps.chatConfig.heartbeatSeconds,
      };
      deps = chatDeps;
    } else {
      deps = createDependencies(AgentRuntimeType.AGENTCORE, process.env);
    }
    telemetry = startTelemetry(process.env, deps.logger);
  } catch (error) {
    // Fail fast: AgentCore reports the runtime unhealthy and this line says why.
    bootLogger.error('Agent configuration is invalid; exiting', { error });
    process.exitCode = 1;
    return;
  }
  const { logger } = deps;
  routeStrandsLogs(logger);
  // A tool's stray promise or timer must not end a session that may last hours: log and go on.
  process.on('unhandledRejection', (reason) => logger.error('Unhandled promise rejection', { error: reason }));
  process.on('uncaughtException', (error) => logger.error('Uncaught exception', { error }));

  const agentServer = createAgentServer(
    chat !== undefined
      ? { logger, telemetry, chat }
      : {
          logger,
          telemetry,
          invoke: (payload, options) => invokeAgent(payload, deps, options),
          // Callback envelopes: answered 200 at once, run in the background, reported to Step Functions.
          callback: { reporter: containerTaskReporter, check: (request) => checkRequest(request, deps.config) },
        },
  );
  const address = await agentServer.listen(port, host);
  logger.info('AgentCore server listening', { host, port: address.port, tracing: telemetry.enabled, invokeType: deps.config.invokeType });

  // Fetch the system prompt and tools now rather than on the first invocation; a failure here
  // is retried by that invocation.
  deps.resources().catch((error: unknown) => logger.warn('Preloading agent resources failed', { error }));

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('Shutting down', { signal, inFlight: agentServer.inFlight });
    agentServer
      .close(SHUTDOWN_GRACE_MS)
      // The last spans go out before the process ends.
      .then(() => telemetry.shutdown())
      .then(
        () => {
          logger.info('Server closed');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error('Shutdown failed', { error });
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

await main();
