import { Duration, Token } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { runtimeTypeOf } from './agent-props-validation';
import { ChatAuth } from './chat-auth';
import { InvalidRuntimeConfigError } from '../runtime/errors';
import {
  describeValue, optionalArray, optionalDuration, optionalInstance, optionalNumber, optionalObject, optionalShaped, requireObject, requireString,
} from '../runtime/input-checks';
import { AgentRuntimeType } from '../runtime/runtime-type';
import { validateDurationRange, validateIntegerRange } from '../runtime/validation';

/** https origins, or http on this machine for local development; no path, no trailing slash, no wildcard. */
const ORIGIN = /^(?:https:\/\/[a-z0-9]([a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|http:\/\/(?:localhost|127\.0\.0\.1))(?::\d{1,5})?$/;
const ISSUER = /^https:\/\/[^\s/?#]+(?:\/[^\s?#]*)?$/;

/** Checks the props InteractiveAgent adds, from any language. */
export function validateInteractiveAgentProps(props: unknown): void {
  const type = runtimeTypeOf(props);
  requireObject(type, 'props', props);
  const p = props as Record<string, unknown>;
  optionalInstance(type, 'auth', p.auth, ChatAuth, 'a ChatAuth, e.g. ChatAuth.cognito(), ChatAuth.oidc({issuer, allowedClients}), ChatAuth.iam()');
  validateCors(type, p.cors);
  optionalDuration(type, 'sessionTtl', p.sessionTtl);
  if (p.sessionTtl !== undefined) {
    const ttl = p.sessionTtl as Duration;
    validateDurationRange(type, 'sessionTtl', ttl, Duration.days(1), Duration.days(3650));
    if (!Number.isInteger(ttl.toSeconds() / 86400)) {
      throw new InvalidRuntimeConfigError(type, `sessionTtl is ${ttl.toHumanString()}; allowed: a whole number of days (S3 lifecycle rules count in days), 1 to 3650`, 'sessionTtl');
    }
  }
  optionalNumber(type, 'conversationWindow', p.conversationWindow);
  if (p.conversationWindow !== undefined) validateIntegerRange(type, 'conversationWindow', p.conversationWindow as number, 2, 1000, 'messages');
  const config = (p.runtime as { config?: Record<string, unknown> } | undefined)?.config;
  if (config?.authorizer !== undefined) {
    throw new InvalidRuntimeConfigError(type,
      'runtime.config.authorizer is set, but an InteractiveAgent sets its runtime\'s authorizer from auth, so the runtime and the chat API accept the same callers; allowed: leave it unset and set auth',
      'runtime.config.authorizer');
  }
}

/** Checks `ChatAuth.oidc` options where they are given, so the error names the call. */
export function validateOidcOptions(options: unknown): void {
  const type = AgentRuntimeType.LAMBDA;
  requireObject(type, 'ChatAuth.oidc options', options, 'an OidcChatAuthOptions {issuer, allowedClients?, allowedAudiences?}');
  const o = options as Record<string, unknown>;
  requireString(type, 'ChatAuth.oidc issuer', o.issuer);
  const issuer = o.issuer as string;
  if (!Token.isUnresolved(issuer) && !ISSUER.test(issuer)) {
    throw new InvalidRuntimeConfigError(type, `ChatAuth.oidc issuer is ${describeValue(issuer)}; allowed: an https URL, the token's iss claim exactly`, 'auth.issuer');
  }
  for (const field of ['allowedClients', 'allowedAudiences'] as const) {
    optionalArray(type, `ChatAuth.oidc ${field}`, o[field], 'an array of strings', (value, name) => requireString(type, name, value));
  }
  const clients = (o.allowedClients as string[] | undefined) ?? [];
  const audiences = (o.allowedAudiences as string[] | undefined) ?? [];
  if (clients.length === 0 && audiences.length === 0) {
    throw new InvalidRuntimeConfigError(type,
      'ChatAuth.oidc has neither allowedClients nor allowedAudiences, so any token of the issuer, meant for any application, would be accepted; allowed: at least one client id or audience',
      'auth.allowedClients');
  }
}

/** Checks `ChatAuth.cognito` options. */
export function validateCognitoOptions(options: unknown): void {
  const type = AgentRuntimeType.LAMBDA;
  optionalObject(type, 'ChatAuth.cognito options', options, 'a CognitoChatAuthOptions {userPool?, userPoolClients?}');
  const o = (options ?? {}) as Record<string, unknown>;
  optionalShaped(type, 'auth.userPool', o.userPool, 'userPoolProviderName', 'a cognito.IUserPool');
  optionalArray(type, 'auth.userPoolClients', o.userPoolClients, 'an array of cognito.IUserPoolClient',
    (client) => optionalShaped(type, 'auth.userPoolClients', client, 'userPoolClientId', 'a cognito.IUserPoolClient'));
  const clients = o.userPoolClients as cognito.IUserPoolClient[] | undefined;
  if (o.userPool === undefined && clients !== undefined) {
    throw new InvalidRuntimeConfigError(type,
      'ChatAuth.cognito has userPoolClients but no userPool, so the clients would be checked against a new pool that never issues their tokens; allowed: the pool of those clients as userPool, or neither',
      'auth.userPool');
  }
  if (o.userPool !== undefined && (clients === undefined || clients.length === 0)) {
    throw new InvalidRuntimeConfigError(type,
      'ChatAuth.cognito has a userPool but no userPoolClients; allowed: the app clients whose access tokens the agent accepts (their client_id), at least one',
      'auth.userPoolClients');
  }
}

function validateCors(type: AgentRuntimeType, cors: unknown): void {
  optionalObject(type, 'cors', cors, 'a ChatCorsOptions {allowedOrigins: [...]}');
  if (cors === undefined) return;
  const origins = (cors as Record<string, unknown>).allowedOrigins;
  if (!Array.isArray(origins) || origins.length === 0) {
    throw new InvalidRuntimeConfigError(type, `cors.allowedOrigins is ${describeValue(origins)}; allowed: a non-empty array of origins such as 'https://chat.example.com' (leave cors unset for no browser access)`, 'cors.allowedOrigins');
  }
  origins.forEach((origin: unknown, index) => {
    if (typeof origin !== 'string' || !ORIGIN.test(origin)) {
      throw new InvalidRuntimeConfigError(type,
        `cors.allowedOrigins[${index}] is ${describeValue(origin)}; allowed: an origin 'https://host[:port]' in lower case (or 'http://localhost[:port]'), without a path, a trailing slash or '*'`,
        'cors.allowedOrigins');
    }
  });
}
