/** API Gateway REST API proxy events (payload format 1.0) as the chat API's functions receive them. */

export interface EventOptions {
  readonly method?: string;
  readonly resource?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
  readonly body?: string | null;
  /** The `{sub, iss}` context the token authorizer returns (JWT modes). */
  readonly authorizer?: Record<string, unknown>;
  /** The SigV4 caller (IAM). */
  readonly userArn?: string;
  /** The caller's Cognito identity id, when it signed with identity pool credentials (IAM). */
  readonly cognitoIdentityId?: string;
}

export function proxyEvent(options: EventOptions = {}): Record<string, unknown> {
  return {
    resource: options.resource ?? '/chat',
    path: options.path ?? '/chat',
    httpMethod: options.method ?? 'POST',
    headers: options.headers ?? {},
    multiValueHeaders: Object.fromEntries(Object.entries(options.headers ?? {}).map(([name, value]) => [name, [value]])),
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: options.query === undefined ? null : Object.fromEntries(Object.entries(options.query).map(([name, value]) => [name, [value]])),
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    requestContext: {
      resourcePath: options.resource ?? '/chat',
      httpMethod: options.method ?? 'POST',
      stage: 'prod',
      requestId: 'apigw-request-1',
      authorizer: options.authorizer ?? null,
      identity: { sourceIp: '127.0.0.1', userArn: options.userArn ?? null, cognitoIdentityId: options.cognitoIdentityId ?? null },
    },
    body: options.body ?? null,
    isBase64Encoded: false,
  };
}
