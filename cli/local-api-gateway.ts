import type { ApiCall, Authorization, ProxyResult } from './local-chat-http.js';
import type { Outcome } from './lambda-sandbox.js';
import { isRecord } from './util.js';

/**
 * What API Gateway (REST API, Lambda proxy integration, TOKEN authorizer) hands to functions and
 * makes of their answers, for the local front door of an interactive agent: the authorizer's event
 * and the verdict of its policy, the proxy event (payload format 1.0) with the authorizer's context,
 * and the HTTP answer of a proxy result.
 */

/** The API as the events name it. */
export interface ApiTarget {
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly apiId: string;
  /** The construct's stage. */
  readonly stage: string;
}

/** `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`, as the authorizer gets it. */
export function methodArn(target: ApiTarget, call: Pick<ApiCall, 'method' | 'path'>): string {
  return `arn:${target.partition}:execute-api:${target.region}:${target.accountId}:${target.apiId}/${target.stage}/${call.method}${call.path}`;
}

/** The TOKEN authorizer's event: the identity source (the Authorization header) as is. */
export function tokenAuthorizerEvent(token: string, arn: string): Record<string, string> {
  return { type: 'TOKEN', authorizationToken: token, methodArn: arn };
}

/** IAM's wildcard match (`*` any run of characters, `?` one). */
function wildcardMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return regex.test(value);
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function statementMatches(statement: Record<string, unknown>, arn: string): boolean {
  const actions = listOf(statement.Action).filter((a): a is string => typeof a === 'string');
  const resources = listOf(statement.Resource).filter((r): r is string => typeof r === 'string');
  return actions.some((a) => wildcardMatch(a, 'execute-api:Invoke')) && resources.some((r) => wildcardMatch(r, arn));
}

/** API Gateway's answers to a refused caller. */
// The chat API's gateway response for a refused token (src/agents/chat-api.ts).
const UNAUTHORIZED: Authorization = { allowed: false, status: 401, body: { code: 'Unauthorized', message: 'Unauthorized' } };
const DENIED: Authorization = { allowed: false, status: 403, body: { message: 'User is not authorized to access this resource with an explicit deny' } };
const AUTHORIZER_FAILED: Authorization = { allowed: false, status: 500, body: { message: null } };

/**
 * The verdict on the authorizer's answer: the Lambda error `Unauthorized` is 401; an explicit Deny
 * for the method, or no Allow, 403; any other failure or a malformed answer 500
 * (AuthorizerConfigurationException). An Allow passes `principalId` and the context on, its values
 * as strings, as REST APIs do.
 */
export function authorizerVerdict(outcome: Outcome, arn: string, log: (line: string) => void): Authorization {
  if (!outcome.ok) {
    if (outcome.error.errorMessage === 'Unauthorized') return UNAUTHORIZED;
    log(`authorizer failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
    return AUTHORIZER_FAILED;
  }
  const answer = outcome.response;
  if (!isRecord(answer) || typeof answer.principalId !== 'string' || !isRecord(answer.policyDocument)) {
    log(`authorizer answered without principalId and policyDocument: ${JSON.stringify(answer).slice(0, 200)}`);
    return AUTHORIZER_FAILED;
  }
  const statements = listOf(answer.policyDocument.Statement).filter(isRecord);
  if (statements.some((s) => s.Effect === 'Deny' && statementMatches(s, arn))) return DENIED;
  if (!statements.some((s) => s.Effect === 'Allow' && statementMatches(s, arn))) return DENIED;
  const context: Record<string, string> = {};
  if (isRecord(answer.context)) {
    for (const [key, value] of Object.entries(answer.context)) {
      // Only strings, numbers and booleans may be returned; anything else fails the authorizer.
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        log(`authorizer context ${key} is not a string, number or boolean`);
        return AUTHORIZER_FAILED;
      }
      context[key] = String(value);
    }
  }
  return { allowed: true, principalId: answer.principalId, context };
}

/** Header names as the client sent them (API Gateway keeps their case): last value, and all values. */
function headerMaps(rawHeaders: readonly string[]): { single: Record<string, string>; multi: Record<string, string[]> } {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const [name, value] = [rawHeaders[i]!, rawHeaders[i + 1]!];
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

/** The Lambda proxy integration's event (REST API, payload format 1.0). */
export function restApiEvent(target: ApiTarget, call: ApiCall, authorization: Extract<Authorization, { allowed: true }> | undefined): Record<string, unknown> {
  const { single, multi } = headerMaps(call.rawHeaders);
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [key, value] of call.query) {
    query[key] = value;
    (multiQuery[key] ??= []).push(value);
  }
  const hasQuery = Object.keys(query).length > 0;
  const now = new Date();
  return {
    resource: call.resource,
    path: call.path,
    httpMethod: call.method,
    headers: single,
    multiValueHeaders: multi,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: call.pathParameters,
    stageVariables: null,
    requestContext: {
      accountId: target.accountId,
      apiId: target.apiId,
      authorizer: authorization === undefined ? null : { principalId: authorization.principalId, integrationLatency: 0, ...authorization.context },
      domainName: call.headers.host ?? '127.0.0.1',
      domainPrefix: '127',
      extendedRequestId: call.requestId,
      httpMethod: call.method,
      identity: { sourceIp: '127.0.0.1', userAgent: call.headers['user-agent'] ?? null, userArn: null, user: null, caller: null, accessKey: null, accountId: null, cognitoIdentityId: null, cognitoIdentityPoolId: null, cognitoAuthenticationType: null, cognitoAuthenticationProvider: null, principalOrgId: null },
      path: `/${target.stage}${call.path}`,
      protocol: 'HTTP/1.1',
      requestId: call.requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      resourceId: 'local',
      resourcePath: call.resource,
      stage: target.stage,
    },
    body: call.body === '' ? null : call.body,
    isBase64Encoded: false,
  };
}

/** API Gateway's answer when the integration fails or answers something it cannot use. */
export const INTERNAL_SERVER_ERROR: ProxyResult = { statusCode: 502, headers: { 'Content-Type': 'application/json' }, body: '{"message": "Internal server error"}' };

/** The HTTP answer of a proxy integration's result (a malformed one is API Gateway's 502). */
export function proxyResultOf(outcome: Outcome, log: (line: string) => void): ProxyResult {
  if (!outcome.ok) {
    log(`Sessions API function failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
    return INTERNAL_SERVER_ERROR;
  }
  const result = outcome.response;
  if (!isRecord(result) || typeof result.statusCode !== 'number' || (result.body !== undefined && result.body !== null && typeof result.body !== 'string')) {
    log(`Sessions API function answered a malformed proxy result: ${JSON.stringify(result).slice(0, 200)}`);
    return INTERNAL_SERVER_ERROR;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(isRecord(result.headers) ? result.headers : {})) headers[name] = String(value);
  if (isRecord(result.multiValueHeaders)) {
    for (const [name, values] of Object.entries(result.multiValueHeaders)) headers[name] = listOf(values).map(String).join(', ');
  }
  return {
    statusCode: result.statusCode,
    headers,
    ...(typeof result.body === 'string' ? { body: result.body } : {}),
    isBase64Encoded: result.isBase64Encoded === true,
  };
}
