import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerClientErrors, refusedReason } from './local-http.js';

/**
 * The part of the Amazon Bedrock AgentCore data plane a local interactive agent on AgentCore needs:
 * `InvokeAgentRuntime` (`POST /runtimes/<url-encoded ARN>/invocations?qualifier=…`), answered by the
 * agent's server process as the service answers it, so the chat proxy runs unchanged in front of it.
 *
 * As the service: the session id header is 33-256 characters (a new one when absent); the agent gets
 * the body, content type, accept, the session header, a fresh request id, the runtime user id
 * (`runtimeUserId`), and the headers the runtime allowlists (`Authorization` for token auth); a 2xx
 * answer streams back with the session header; a 4xx/5xx is 424 `RuntimeClientError` without the
 * agent's body; an unknown runtime ARN is 404. Not checked here: SigV4 signatures, and bearer tokens
 * (the runtime's inbound JWT authorizer) — the agent verifies the token itself as well.
 */

export const SESSION_HEADER = 'x-amzn-bedrock-agentcore-runtime-session-id';
const REQUEST_ID_HEADER = 'x-amzn-bedrock-agentcore-runtime-request-id';
const USER_ID_HEADER = 'x-amzn-bedrock-agentcore-runtime-user-id';

export interface LocalAgentCorePlaneOptions {
  readonly agentRuntimeArn: string;
  /** The agent's server, `http://127.0.0.1:<port>`. */
  readonly agentUrl: string;
  /** Request headers the runtime passes on (lower case), beyond the contract's own. */
  readonly allowlistedHeaders: readonly string[];
  readonly log: (line: string) => void;
}

export interface LocalAgentCorePlane {
  readonly url: string;
  close(): Promise<void>;
}

function serviceError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const INVOKE_PATH = /^\/runtimes\/([^/]+)\/invocations$/;

export async function startLocalAgentCorePlane(options: LocalAgentCorePlaneOptions): Promise<LocalAgentCorePlane> {
  const agent = new URL(options.agentUrl);
  let port = 0;
  const forward = (req: IncomingMessage, res: ServerResponse, sessionId: string): void => {
    const headers: Record<string, string> = {
      'content-type': req.headers['content-type'] ?? 'application/json',
      accept: req.headers.accept ?? 'application/json',
      [SESSION_HEADER]: sessionId,
      [REQUEST_ID_HEADER]: randomUUID(),
    };
    const userId = req.headers[USER_ID_HEADER];
    if (typeof userId === 'string') headers[USER_ID_HEADER] = userId;
    for (const name of options.allowlistedHeaders) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = request({ host: agent.hostname, port: agent.port, path: '/invocations', method: 'POST', headers, agent: false }, (answer) => {
      const status = answer.statusCode ?? 502;
      if (status >= 300) {
        answer.resume();
        serviceError(res, 424, 'RuntimeClientError', `Received error (${status}) from runtime. Please check your CloudWatch logs for more information.`);
        return;
      }
      res.writeHead(status, { 'Content-Type': answer.headers['content-type'] ?? 'application/json', [SESSION_HEADER]: sessionId });
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (error) => {
      if (res.headersSent) res.destroy();
      else serviceError(res, 424, 'RuntimeClientError', `the runtime did not answer: ${error.message}`);
    });
    // The caller went away: so does the connection to the agent (which aborts its turn).
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const refused = refusedReason(req, port);
    if (refused !== undefined) {
      serviceError(res, 403, 'AccessDeniedException', refused);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = INVOKE_PATH.exec(url.pathname);
    if (req.method !== 'POST' || match === null) {
      serviceError(res, 404, 'UnknownOperationException', `${req.method ?? ''} ${url.pathname}: only InvokeAgentRuntime is served locally`);
      return;
    }
    let arn: string;
    try {
      arn = decodeURIComponent(match[1]!);
    } catch {
      arn = '';
    }
    if (arn !== options.agentRuntimeArn) {
      serviceError(res, 404, 'ResourceNotFoundException', `No runtime ${arn} (this local data plane serves ${options.agentRuntimeArn})`);
      return;
    }
    const given = req.headers[SESSION_HEADER];
    const sessionId = typeof given === 'string' ? given : randomUUID();
    if (sessionId.length < 33 || sessionId.length > 256) {
      serviceError(res, 400, 'ValidationException', `runtimeSessionId must be 33-256 characters, got ${sessionId.length}`);
      return;
    }
    forward(req, res, sessionId);
  });
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
