// Lambda entrypoint: the bundle's only export is `handler` (handler setting `index.handler`).
import { createDependencies, routeStrandsLogs } from './core/dependencies.js';
import { AgentRuntimeType } from './core/errors.js';
import type { AgentDependencies } from './core/invoke.js';
import { createLambdaHandler, type LambdaHandler } from './lambda-handler.js';

let container: AgentDependencies | undefined;

/**
 * Configuration and clients are created on the first invocation, not at import, so a bad
 * environment fails that invocation with an AgentConfigError naming the variable (visible to the
 * workflow) instead of an opaque init failure. They are then reused while the container is warm.
 */
function containerDependencies(): AgentDependencies {
  if (container === undefined) {
    container = createDependencies(AgentRuntimeType.LAMBDA, process.env);
    routeStrandsLogs(container.logger);
  }
  return container;
}

export const handler: LambdaHandler = createLambdaHandler(containerDependencies);
