// The AgentCore relay's Lambda entry point (handler `index.handler`, bundled to assets/relay/index.mjs):
// a Step Functions task invokes it with {agentRuntimeArn, qualifier, sessionId, payload}.
import { createRelayHandler } from './handler.js';

export const handler = createRelayHandler();
