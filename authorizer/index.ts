// The chat API's token authorizer (handler `index.handler`, bundled to assets/authorizer/index.mjs):
// API Gateway REST TOKEN authorizer, identity source the Authorization header. The configuration
// is read and the verifier made once, when Lambda loads the function, so the key set stays cached.
import { createTokenAuthorizer } from './handler.js';

export const handler = createTokenAuthorizer();
