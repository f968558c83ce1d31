/**
 * One HTTP server on 127.0.0.1 standing in for the three AWS APIs `invoke` (deployed) calls,
 * routed as the SDK sends them:
 * - CloudFormation (query protocol): `POST /`, form-encoded `Action=DescribeStackResource&...`,
 *   answered in XML;
 * - Lambda (REST-JSON): `POST /2015-03-31/functions/<name>/invocations`;
 * - the AgentCore data plane (REST-JSON): `POST /runtimes/<url-encoded ARN>/invocations?qualifier=...`.
 * Every request is recorded (headers, body); each API's answer is a replaceable handler.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  readonly api: 'cloudformation' | 'lambda' | 'agentcore' | 'unknown';
  readonly method: string;
  /** The path as sent (still URL-encoded). */
  readonly rawPath: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The Region of the SigV4 credential scope, if signed. */
  readonly signedRegion?: string;
}

export type Handler = (request: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface AwsStandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  cloudFormation: Handler;
  lambda: Handler;
  agentCore: Handler;
  close(): Promise<void>;
}

const CFN_NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A CloudFormation query-protocol error (`<ErrorResponse><Error><Code>`). */
export function cfnError(res: ServerResponse, code: string, message: string, status = 400): void {
  res.writeHead(status, { 'Content-Type': 'text/xml' });
  res.end(
    `<ErrorResponse xmlns="${CFN_NS}"><Error><Type>Sender</Type><Code>${xmlEscape(code)}</Code>` +
      `<Message>${xmlEscape(message)}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`,
  );
}

export interface FakeStackResource {
  readonly physicalId?: string;
  readonly type: string;
  readonly status?: string;
}

/**
 * A DescribeStackResource handler over `stacks` (stack name → logical id → resource), answering
 * as CloudFormation does: the stack ARN in the request's Region and `account`; the same
 * ValidationError messages for a missing stack or resource.
 */
export function cloudFormationOf(stacks: Record<string, Record<string, FakeStackResource>>, account = '123456789012'): Handler {
  return (request, res) => {
    const form = new URLSearchParams(request.body);
    if (form.get('Action') !== 'DescribeStackResource') {
      cfnError(res, 'InvalidAction', `unexpected action ${form.get('Action')}`);
      return;
    }
    const stackName = form.get('StackName') ?? '';
    const logicalId = form.get('LogicalResourceId') ?? '';
    const stack = stacks[stackName];
    if (stack === undefined) {
      cfnError(res, 'ValidationError', `Stack '${stackName}' does not exist`);
      return;
    }
    const resource = stack[logicalId];
    if (resource === undefined) {
      cfnError(res, 'ValidationError', `Resource ${logicalId} does not exist for stack ${stackName}`);
      return;
    }
    const region = request.signedRegion ?? 'us-east-1';
    const stackId = `arn:aws:cloudformation:${region}:${account}:stack/${stackName}/0b4e6a10-0000-11ef-8000-0a1b2c3d4e5f`;
    res.writeHead(200, { 'Content-Type': 'text/xml' });
    res.end(
      `<DescribeStackResourceResponse xmlns="${CFN_NS}"><DescribeStackResourceResult><StackResourceDetail>` +
        `<StackId>${xmlEscape(stackId)}</StackId><StackName>${xmlEscape(stackName)}</StackName>` +
        `<LogicalResourceId>${xmlEscape(logicalId)}</LogicalResourceId>` +
        (resource.physicalId === undefined ? '' : `<PhysicalResourceId>${xmlEscape(resource.physicalId)}</PhysicalResourceId>`) +
        `<ResourceType>${xmlEscape(resource.type)}</ResourceType>` +
        `<LastUpdatedTimestamp>2025-03-01T10:00:00.000Z</LastUpdatedTimestamp>` +
        `<ResourceStatus>${resource.status ?? 'CREATE_COMPLETE'}</ResourceStatus>` +
        `</StackResourceDetail></DescribeStackResourceResult><ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata>` +
        `</DescribeStackResourceResponse>`,
    );
  };
}

/** A REST-JSON service error as Lambda and AgentCore send it. */
export function jsonError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type });
  res.end(JSON.stringify({ message }));
}

const unexpected: Handler = (request, res) => jsonError(res, 500, 'InternalFailure', `no handler for ${request.api} ${request.rawPath}`);

function apiOf(path: string): RecordedRequest['api'] {
  if (path === '/') return 'cloudformation';
  if (path.startsWith('/2015-03-31/functions/')) return 'lambda';
  if (path.startsWith('/runtimes/')) return 'agentcore';
  return 'unknown';
}

export async function startAwsStandIn(): Promise<AwsStandIn> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const handlers: Pick<AwsStandIn, 'cloudFormation' | 'lambda' | 'agentCore'> = {
    cloudFormation: unexpected,
    lambda: unexpected,
    agentCore: unexpected,
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const auth = req.headers.authorization ?? '';
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(auth);
      const request: RecordedRequest = {
        api: apiOf(url.pathname),
        method: req.method ?? '',
        rawPath: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        ...(scope?.[1] === undefined ? {} : { signedRegion: scope[1] }),
      };
      requests.push(request);
      const handler =
        request.api === 'cloudformation'
          ? handlers.cloudFormation
          : request.api === 'lambda'
            ? handlers.lambda
            : request.api === 'agentcore'
              ? handlers.agentCore
              : unexpected;
      Promise.resolve(handler(request, res)).catch((error: unknown) => {
        if (!res.headersSent) jsonError(res, 500, 'InternalFailure', String(error));
        else res.destroy();
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return Object.assign(handlers, {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async (): Promise<void> => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
