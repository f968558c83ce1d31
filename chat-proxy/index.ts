// The chat proxy's Lambda entry point (handler `index.handler`, bundled to assets/chat-proxy/index.mjs;
// nodejs22.x, invoked with response streaming by the REST API's POST /chat). Its settings are read
// from the environment on the first call.
import { streamify } from '../agent/chat-http/lambda-stream.js';
import { createChatProxyHandler } from './handler.js';

export const handler = streamify(createChatProxyHandler());
