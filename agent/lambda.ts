// Lambda entrypoint. Handler settings: `index.handler` (batch: Step Functions events, callback
// envelopes) and `index.chatHandler` (interactive: POST /chat through API Gateway, streamed).
import { callerFromApiGatewayEvent } from './chat/auth.js';
import { readAuthConfig } from './chat/auth-config.js';
import { createChatDependencies } from './chat/dependencies.js';
import { runChatTurn } from './chat/turn.js';
import { createChatHandler, type ChatLambdaDependencies } from './chat-lambda.js';
import type { StreamingLambdaHandler } from './chat-http/lambda-stream.js';
import { createDependencies, routeStrandsLogs } from './core/dependencies.js';
import { AgentRuntimeType } from './core/errors.js';
import type { AgentDependencies } from './core/invoke.js';
import { startTelemetry, type Telemetry } from './core/telemetry.js';
import { createLambdaHandler, type LambdaHandler } from './lambda-handler.js';

let container: { deps: AgentDependencies; telemetry: Telemetry } | undefined;

/**
 * Configuration, clients and tracing are set up on the first invocation, not at import, so a bad
 * environment fails that invocation with an AgentConfigError naming the variable (visible to the
 * workflow) instead of an opaque init failure. They are then reused while the container is warm.
 */
function warmContainer(): { deps: AgentDependencies; telemetry: Telemetry } {
  if (container === undefined) {
    const deps = createDependencies(AgentRuntimeType.LAMBDA, process.env);
    routeStrandsLogs(deps.logger);
    container = { deps, telemetry: startTelemetry(process.env, deps.logger) };
  }
  return container;
}

export const handler: LambdaHandler = createLambdaHandler(
  () => warmContainer().deps,
  () => warmContainer().telemetry,
);

let chat: ChatLambdaDependencies | undefined;

/** The chat handler's dependencies, made on its first invocation (a failure is retried by the next). */
function warmChat(): ChatLambdaDependencies {
  if (chat === undefined) {
    // Each turn restores its session from S3: the next turn may run in another sandbox.
    const deps = createChatDependencies(AgentRuntimeType.LAMBDA, process.env, { cacheAgents: false });
    routeStrandsLogs(deps.logger);
    const auth = readAuthConfig(process.env);
    chat = {
      turn: (body, caller, emit, options) => runChatTurn(body, caller, deps, emit, options),
      callerOf: (event) => callerFromApiGatewayEvent(event, auth),
      allowedOrigins: deps.chatConfig.corsAllowedOrigins,
      heartbeatSeconds: deps.chatConfig.heartbeatSeconds,
      logger: deps.logger,
      telemetry: startTelemetry(process.env, deps.logger),
    };
  }
  return chat;
}

/** Streamified (awslambda.streamifyResponse), for a REST API integration with response streaming. */
export const chatHandler: StreamingLambdaHandler = createChatHandler(warmChat);
