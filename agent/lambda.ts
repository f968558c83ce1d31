// Lambda entrypoint: the bundle's only export is `handler` (handler setting `index.handler`).
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
