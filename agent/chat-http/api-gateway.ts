/**
 * The parts of an API Gateway REST API proxy-integration event (payload format 1.0) the chat API's
 * functions read, and the CORS rule they apply. Shared by the Lambda chat handler, the Sessions API
 * and the chat proxy.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A REST API proxy event as Lambda receives it; every field may be absent or null. */
export interface ApiGatewayProxyEvent {
  readonly httpMethod?: string;
  readonly resource?: string;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly pathParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: {
    readonly requestId?: string;
    readonly authorizer?: Readonly<Record<string, unknown>> | null;
    readonly identity?: { readonly userArn?: string | null; readonly cognitoIdentityId?: string | null } | null;
  } | null;
}

/** A buffered proxy-integration answer. */
export interface ApiGatewayProxyResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The event as the proxy event shape: anything that is not an object reads as an empty event. */
export function proxyEventOf(event: unknown): ApiGatewayProxyEvent {
  return isRecord(event) ? (event as ApiGatewayProxyEvent) : {};
}

/** A request header by name, case-insensitively (API Gateway keeps the case the client sent). */
export function headerOf(event: ApiGatewayProxyEvent, name: string): string | undefined {
  const headers = event.headers;
  if (!isRecord(headers)) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && typeof value === 'string') return value;
  }
  return undefined;
}

/** The request body as text (API Gateway base64-encodes bodies it treats as binary). */
export function bodyTextOf(event: ApiGatewayProxyEvent): string {
  if (typeof event.body !== 'string') return '';
  return event.isBase64Encoded === true ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/**
 * The CORS headers of an answer: the request's own origin, and `Vary: Origin`, only when that origin
 * is allowed (exact match; no wildcard, since the requests carry credentials). API Gateway answers the
 * preflight itself.
 */
export function corsHeaders(event: ApiGatewayProxyEvent, allowedOrigins: readonly string[]): Record<string, string> {
  const origin = headerOf(event, 'origin');
  if (origin === undefined || !allowedOrigins.includes(origin)) return {};
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}
