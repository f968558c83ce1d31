/**
 * The two ways the proxy calls InvokeAgentRuntime: with the caller's own bearer token over plain
 * HTTPS (JWT modes: the runtime's JWT authorizer checks the token, so the proxy signs nothing), or
 * with the proxy's role through the AWS SDK (IAM and NONE modes: SigV4, on behalf of the caller).
 * Both answer the agent's event stream, or throw a ProxyFailure / the error that broke the call.
 */
import { InvokeAgentRuntimeCommand, type BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { isRecord } from '../cli/util.js';
import { parseJsonOrUndefined } from '../cli/deployed-sse.js';
import { failureOfServiceAnswer } from './failures.js';

/** The session header AgentCore reads (and answers with). */
export const SESSION_HEADER = 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id';
const ACCEPT = 'text/event-stream';

export interface UpstreamRequest {
  readonly agentRuntimeArn: string;
  readonly qualifier: string;
  readonly sessionId: string;
  /** The browser's JSON body, sent on unchanged. */
  readonly payload: string;
  /** Aborts the call and the body's reading. */
  readonly signal: AbortSignal;
}

export interface UpstreamAnswer {
  readonly status: number;
  readonly contentType: string;
  /** The body as it streams: a web ReadableStream (fetch) or a Node Readable (SDK). */
  readonly body: unknown;
}

export type Upstream = (request: UpstreamRequest) => Promise<UpstreamAnswer>;

/** The public endpoint of the data plane in the runtime's Region. */
export function dataPlaneEndpoint(region: string): string {
  return `https://bedrock-agentcore.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** Bytes of an error answer read for its message; AgentCore's are a short JSON object. */
const MAX_ERROR_BODY = 16 * 1024;

async function errorBodyOf(response: Response): Promise<string> {
  const text = await response.text();
  return text.length > MAX_ERROR_BODY ? text.slice(0, MAX_ERROR_BODY) : text;
}

/**
 * Calls `<endpoint>/runtimes/<ARN>/invocations?qualifier=…` with the caller's Authorization header,
 * as AgentCore's OAuth inbound auth expects (no SigV4).
 */
export function bearerUpstream(endpoint: string, authorization: string): Upstream {
  return async (request) => {
    const url = `${endpoint.replace(/\/$/, '')}/runtimes/${encodeURIComponent(request.agentRuntimeArn)}/invocations?qualifier=${encodeURIComponent(request.qualifier)}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        Authorization: authorization,
        'Content-Type': 'application/json',
        Accept: ACCEPT,
        [SESSION_HEADER]: request.sessionId,
      },
      body: request.payload,
      signal: request.signal,
      redirect: 'error',
    });
    if (response.status >= 300) {
      const parsed = parseJsonOrUndefined(await errorBodyOf(response));
      const fields = isRecord(parsed) ? parsed : {};
      const message = typeof fields.message === 'string' ? fields.message : typeof fields.Message === 'string' ? fields.Message : undefined;
      const bodyType = typeof fields.__type === 'string' ? fields.__type : undefined;
      throw failureOfServiceAnswer({
        status: response.status,
        errorType: response.headers.get('x-amzn-errortype') ?? bodyType,
        ...(message === undefined ? {} : { message }),
      });
    }
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: response.body };
  };
}

/** The part of the AgentCore client the proxy uses. */
export type AgentCoreSender = Pick<BedrockAgentCoreClient, 'send'>;

/**
 * InvokeAgentRuntime through the SDK (SigV4 with the proxy's role). `runtimeUserId` is the caller
 * AgentCore passes to the agent as `X-Amzn-Bedrock-AgentCore-Runtime-User-Id`; it needs
 * `bedrock-agentcore:InvokeAgentRuntimeForUser`.
 */
export function sdkUpstream(client: AgentCoreSender, runtimeUserId: string | undefined): Upstream {
  return async (request) => {
    const out = await client.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: request.agentRuntimeArn,
        qualifier: request.qualifier,
        runtimeSessionId: request.sessionId,
        ...(runtimeUserId === undefined ? {} : { runtimeUserId }),
        payload: new TextEncoder().encode(request.payload),
        contentType: 'application/json',
        accept: ACCEPT,
      }),
      { abortSignal: request.signal },
    );
    return { status: out.statusCode ?? 200, contentType: out.contentType ?? '', body: out.response };
  };
}
