// The Sessions API's Lambda entry point (handler `index.handler`, bundled to assets/sessions/index.mjs;
// nodejs22.x, a REST API proxy integration). Its settings (AUTH_*, SESSION_BUCKET, SESSION_TABLE,
// SESSION_TTL_SECONDS, CORS_ALLOWED_ORIGINS) are read on the first call.
import { createSessionsHandler } from './handler.js';

export const handler = createSessionsHandler();
