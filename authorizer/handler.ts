import { createTokenVerifier, type TokenVerifier } from '../agent/chat/auth.js';
import { UnauthorizedError } from '../agent/chat/auth-error.js';
import { isJwtAuth, readAuthConfig, type AuthConfig } from '../agent/chat/auth-config.js';
import { AgentConfigError } from '../agent/core/errors.js';
import { createJsonLogger, type Logger } from '../agent/core/logger.js';
import { allowPolicy, stageWildcardOf, type AuthorizerPolicy } from './policy.js';

/** A REST API TOKEN authorizer's event: the identity source header's value and the method called. */
export interface TokenAuthorizerEvent {
  readonly type?: string;
  readonly authorizationToken?: string;
  readonly methodArn?: string;
}

/** What API Gateway reads back; `context` reaches the integration as `requestContext.authorizer`. */
export interface TokenAuthorizerResult {
  readonly principalId: string;
  readonly policyDocument: AuthorizerPolicy;
  readonly context: { readonly sub: string; readonly iss: string };
}

export type TokenAuthorizerHandler = (event: TokenAuthorizerEvent, context?: { readonly awsRequestId?: string }) => Promise<TokenAuthorizerResult>;

export interface TokenAuthorizerOptions {
  /** Default: read from the environment (AUTH_MODE COGNITO or OIDC and its variables). */
  readonly config?: AuthConfig;
  /** Default: a verifier for `config`, made once so its key set is cached while the function is warm. */
  readonly verifier?: TokenVerifier;
  /** Where the one line per request goes; stdout (CloudWatch Logs) by default. */
  readonly logger?: Logger;
  readonly now?: () => number;
}

/** The exact message API Gateway turns into a 401 (any other failure is a 500). */
export const UNAUTHORIZED = 'Unauthorized';

/** Why a refusal happened below the token (a key set fetch failing), without any token content. */
function causeOf(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  if (!(cause instanceof Error)) return undefined;
  const code = (cause as { code?: unknown }).code ?? (cause.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${cause.name} (${code})` : cause.name;
}

/**
 * The chat API's token authorizer: verifies the `Authorization: Bearer <jwt>` header exactly as
 * the agent does (createTokenVerifier), and allows the whole stage for the token's subject, with
 * `{sub, iss}` as context. Every refusal throws `Error('Unauthorized')`: API Gateway answers 401.
 * Throws AgentConfigError at creation (the function's init) when the configuration is not a JWT mode.
 */
export function createTokenAuthorizer(options: TokenAuthorizerOptions = {}): TokenAuthorizerHandler {
  const config = options.config ?? readAuthConfig(process.env);
  if (!isJwtAuth(config)) {
    throw new AgentConfigError('AUTH_MODE', `the token authorizer verifies bearer tokens: must be COGNITO or OIDC, got ${config.mode}`);
  }
  const verifier = options.verifier ?? createTokenVerifier(config);
  const logger = options.logger ?? createJsonLogger();
  const now = options.now ?? Date.now;

  return async (event, context) => {
    const started = now();
    const fields = { requestId: context?.awsRequestId, methodArn: event.methodArn };
    try {
      const resource = stageWildcardOf(event.methodArn ?? '');
      if (resource === undefined) throw new UnauthorizedError('methodArn is not an execute-api method ARN');
      const caller = await verifier.verify(event.authorizationToken);
      logger.info('authorized', { ...fields, sub: caller.subject, durationMs: now() - started });
      return { principalId: caller.subject, policyDocument: allowPolicy(resource), context: { sub: caller.subject, iss: caller.issuer } };
    } catch (error) {
      const reason = error instanceof UnauthorizedError ? error.message : 'verification failed';
      logger.warn('unauthorized', { ...fields, reason, cause: causeOf(error), durationMs: now() - started });
      throw new Error(UNAUTHORIZED);
    }
  };
}
