/**
 * `invokeDeployed` against local stand-ins for CloudFormation, Lambda and the AgentCore data
 * plane, with the real AWS SDK clients pointed at them through the standard
 * AWS_ENDPOINT_URL_<SERVICE> variables and fake credentials: the requests they send (signed,
 * the right names, ARN, qualifier, session, Accept) and every failure's message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentRecord } from '../../cli/agent-record.js';
import { invokeDeployed, type DeployedInvokeOptions } from '../../cli/deployed.js';
import { SseParser } from '../../cli/deployed-sse.js';
import { cloudFormationOf, jsonError, startAwsStandIn, type AwsStandIn, type RecordedRequest } from './helpers-deployed/aws-stand-in.js';

const ACCESS_KEY = 'AKIDFAKEDEPLOYEDTEST';
const ACCOUNT = '123456789012';
const RUNTIME_ID = 'invoices_agent-Ab3dEf9hIj';

const code = { kind: 'files', language: 'typescript', sameFiles: true, defaultAgent: true } as const;

const lambdaAgent: AgentRecord = {
  constructPath: '/InvoiceStack/InvoiceAgent/RuntimeLambda',
  agentName: 'invoices',
  runtimeType: 'LAMBDA',
  stackArtifactId: 'InvoiceStack',
  stackName: 'InvoiceStack',
  environment: `aws://${ACCOUNT}/us-east-1`,
  resourceLogicalId: 'InvoiceAgentRuntimeLambdaFunction1A2B3C4D',
  code,
};

/** Environment-agnostic: the Region comes from the caller's configuration (AWS_REGION). */
const agentCoreAgent: AgentRecord = {
  constructPath: '/CoreStack/InvoiceAgent/RuntimeAgentCore',
  agentName: 'invoices',
  runtimeType: 'AGENTCORE',
  stackArtifactId: 'CoreStack',
  stackName: 'core-stack-dev',
  environment: 'aws://unknown-account/unknown-region',
  resourceLogicalId: 'InvoiceAgentRuntimeAgentCoreRuntime5E6F7A8B',
  endpointName: 'live',
  code,
};

const RUNTIME_ARN = `arn:aws:bedrock-agentcore:eu-west-1:${ACCOUNT}:runtime/${RUNTIME_ID}`;
const RESPONSE = { result: { invoiceId: '7', total: 42.5 }, metadata: { executionTime: 12, tokensUsed: 175, modelId: 'm' } };
const REQUEST = { contentType: 'data', content: { data: 'INVOICE 7, total 42.50 EUR' } };

const ENV_KEYS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_MAX_ATTEMPTS',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_CLOUDFORMATION',
  'AWS_ENDPOINT_URL_LAMBDA',
  'AWS_ENDPOINT_URL_BEDROCK_AGENTCORE',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
];

let standIn: AwsStandIn;
let configDir: string;
let saved: Record<string, string | undefined>;

beforeAll(async () => {
  standIn = await startAwsStandIn();
  configDir = mkdtempSync(join(tmpdir(), 'deployed-test-'));
  writeFileSync(join(configDir, 'config'), '');
  writeFileSync(join(configDir, 'credentials'), '');
});

afterAll(async () => {
  await standIn.close();
  rmSync(configDir, { recursive: true, force: true });
});

beforeEach(() => {
  saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  for (const key of ENV_KEYS) delete process.env[key];
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: 'fake-secret-key-for-tests',
    AWS_REGION: 'eu-west-1',
    AWS_CONFIG_FILE: join(configDir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(configDir, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_CLOUDFORMATION: standIn.url,
    AWS_ENDPOINT_URL_LAMBDA: standIn.url,
    AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: standIn.url,
  });
  standIn.requests.length = 0;
  standIn.cloudFormation = cloudFormationOf({
    InvoiceStack: { [lambdaAgent.resourceLogicalId]: { physicalId: 'InvoiceStack-InvoiceAgentFn-x1y2z3', type: 'AWS::Lambda::Function' } },
    'core-stack-dev': { [agentCoreAgent.resourceLogicalId]: { physicalId: RUNTIME_ID, type: 'AWS::BedrockAgentCore::Runtime' } },
  });
});

afterEach(() => {
  for (const key of ENV_KEYS) {
    const value = saved[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

function run(options: Partial<DeployedInvokeOptions> & Pick<DeployedInvokeOptions, 'agent'>): { lines: string[]; result: Promise<unknown> } {
  const lines: string[] = [];
  const result = invokeDeployed({ payload: REQUEST, stream: false, log: (line) => lines.push(line), ...options });
  return { lines, result };
}

function only(api: RecordedRequest['api']): RecordedRequest {
  const matching = standIn.requests.filter((r) => r.api === api);
  expect(matching).toHaveLength(1);
  return matching[0]!;
}

/** SigV4 with the fake key, for `service` in `region`. */
function expectSigned(request: RecordedRequest, service: string, region: string): void {
  expect(request.headers.authorization).toMatch(
    new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/\\d{8}/${region}/${service}/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$`),
  );
}

function sse(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

describe('Lambda', () => {
  it('finds the function in the stack and invokes it with the JSON payload', { timeout: 10_000 }, async () => {
    standIn.lambda = (request, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' });
      res.end(JSON.stringify({ ...RESPONSE, echo: JSON.parse(request.body) as unknown }));
    };
    const { lines, result } = run({ agent: lambdaAgent, stream: true, sessionId: 'ignored' });
    await expect(result).resolves.toEqual({ ...RESPONSE, echo: REQUEST });

    const describe = only('cloudformation');
    const form = new URLSearchParams(describe.body);
    expect(Object.fromEntries(form)).toMatchObject({
      Action: 'DescribeStackResource',
      StackName: 'InvoiceStack',
      LogicalResourceId: lambdaAgent.resourceLogicalId,
    });
    // The stack's environment fixes the Region; AWS_REGION (eu-west-1) is not used.
    expectSigned(describe, 'cloudformation', 'us-east-1');
    const invoke = only('lambda');
    expect(invoke.method).toBe('POST');
    expect(invoke.rawPath).toBe('/2015-03-31/functions/InvoiceStack-InvoiceAgentFn-x1y2z3/invocations');
    expect(invoke.headers['x-amz-invocation-type']).toBe('RequestResponse');
    expectSigned(invoke, 'lambda', 'us-east-1');
    expect(lines).toContain('Region us-east-1 (the stack\'s environment)');
    expect(lines.some((l) => l.startsWith('--stream applies to AgentCore runtimes only'))).toBe(true);
    expect(lines.some((l) => l.includes('ignored for a Lambda function'))).toBe(true);
  });

  it('a function error (X-Amz-Function-Error) throws with its errorType and errorMessage', { timeout: 10_000 }, async () => {
    standIn.lambda = (_request, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Amz-Function-Error': 'Unhandled' });
      res.end(JSON.stringify({ errorType: 'Agent.BadRequest', errorMessage: 'Invalid request: content.key (must be a non-empty string)', trace: [] }));
    };
    await expect(run({ agent: lambdaAgent }).result).rejects.toThrow(
      'the Lambda function InvoiceStack-InvoiceAgentFn-x1y2z3 failed: Agent.BadRequest: Invalid request: content.key (must be a non-empty string)',
    );
  });

  it('a Lambda service error keeps its name and message', { timeout: 10_000 }, async () => {
    standIn.lambda = (_request, res) => jsonError(res, 404, 'ResourceNotFoundException', 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:x');
    await expect(run({ agent: lambdaAgent }).result).rejects.toThrow(
      /Lambda Invoke of InvoiceStack-InvoiceAgentFn-x1y2z3 \(us-east-1\) failed: ResourceNotFoundException: Function not found: .*deleted outside CloudFormation/,
    );
  });
});

describe('CloudFormation lookup', () => {
  it('a stack that is not deployed', { timeout: 10_000 }, async () => {
    standIn.cloudFormation = cloudFormationOf({});
    await expect(run({ agent: lambdaAgent }).result).rejects.toThrow(
      'stack InvoiceStack is not deployed in us-east-1 (run `cdk deploy InvoiceStack`) (the app deploys it to account 123456789012: are your credentials for that account?)',
    );
    expect(standIn.requests.map((r) => r.api)).toEqual(['cloudformation']);
  });

  it('a stack without the agent resource', { timeout: 10_000 }, async () => {
    standIn.cloudFormation = cloudFormationOf({ 'core-stack-dev': {} });
    await expect(run({ agent: agentCoreAgent }).result).rejects.toThrow(
      `stack core-stack-dev in eu-west-1 has no resource ${agentCoreAgent.resourceLogicalId} (agent invoices): the deployed stack is older than your app (run \`cdk deploy CoreStack\`)`,
    );
  });

  it('a resource that failed to create, or of another type than the app says', { timeout: 10_000 }, async () => {
    standIn.cloudFormation = cloudFormationOf({
      'core-stack-dev': { [agentCoreAgent.resourceLogicalId]: { type: 'AWS::BedrockAgentCore::Runtime', status: 'CREATE_FAILED' } },
      InvoiceStack: { [lambdaAgent.resourceLogicalId]: { physicalId: RUNTIME_ID, type: 'AWS::BedrockAgentCore::Runtime' } },
    });
    await expect(run({ agent: agentCoreAgent }).result).rejects.toThrow(/has not been created \(CREATE_FAILED\)/);
    await expect(run({ agent: lambdaAgent }).result).rejects.toThrow(
      /is a AWS::BedrockAgentCore::Runtime, but the app's agent invoices runs on LAMBDA/,
    );
    expect(standIn.requests.filter((r) => r.api !== 'cloudformation')).toEqual([]);
  });

  it('no credentials: neither environment variables nor a profile', { timeout: 10_000 }, async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    await expect(run({ agent: lambdaAgent }).result).rejects.toThrow(/^no AWS credentials: configure a profile or environment variables/);
    expect(standIn.requests).toEqual([]);
  });

  it('a named profile that does not exist is named', { timeout: 10_000 }, async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_PROFILE = 'nosuchprofile';
    await expect(run({ agent: lambdaAgent }).result).rejects.toThrow(
      /^no AWS credentials: configure a profile .*; AWS_PROFILE is "nosuchprofile": check that this profile exists and has credentials/,
    );
    expect(standIn.requests).toEqual([]);
  });

  it('no Region: none in the stack environment and none configured', { timeout: 10_000 }, async () => {
    delete process.env.AWS_REGION;
    await expect(run({ agent: agentCoreAgent }).result).rejects.toThrow(
      'no AWS Region: the stack core-stack-dev has no fixed Region (environment aws://unknown-account/unknown-region) and none is configured; set AWS_REGION, or `region` in your AWS profile',
    );
    expect(standIn.requests).toEqual([]);
  });

  it('the Region of the caller\'s profile when the stack has none fixed', { timeout: 10_000 }, async () => {
    delete process.env.AWS_REGION;
    const config = join(configDir, 'config-with-region');
    writeFileSync(config, '[default]\nregion = sa-east-1\n');
    process.env.AWS_CONFIG_FILE = config;
    standIn.agentCore = (_request, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(RESPONSE));
    };
    await expect(run({ agent: agentCoreAgent }).result).resolves.toEqual(RESPONSE);
    expectSigned(only('cloudformation'), 'cloudformation', 'sa-east-1');
    const invoke = only('agentcore');
    expect(decodeURIComponent(invoke.rawPath)).toContain(`:bedrock-agentcore:sa-east-1:${ACCOUNT}:runtime/${RUNTIME_ID}/`);
  });

  it('credentials AWS does not recognise', { timeout: 10_000 }, async () => {
    standIn.cloudFormation = (_request, res) => {
      res.writeHead(403, { 'Content-Type': 'text/xml' });
      res.end(
        '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>r</RequestId></ErrorResponse>',
      );
    };
    await expect(run({ agent: lambdaAgent }).result).rejects.toThrow(
      /^AWS rejected your credentials \(InvalidClientTokenId: The security token included in the request is invalid\.\)/,
    );
  });
});

describe('AgentCore', () => {
  it('builds the runtime ARN from the stack ARN and invokes the endpoint with a new session (JSON)', { timeout: 10_000 }, async () => {
    standIn.agentCore = (request, res) => {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id': String(request.headers['x-amzn-bedrock-agentcore-runtime-session-id']),
      });
      res.end(JSON.stringify(RESPONSE));
    };
    const { lines, result } = run({ agent: agentCoreAgent });
    await expect(result).resolves.toEqual(RESPONSE);

    expectSigned(only('cloudformation'), 'cloudformation', 'eu-west-1');
    const invoke = only('agentcore');
    expect(invoke.method).toBe('POST');
    expect(invoke.rawPath).toBe(`/runtimes/${encodeURIComponent(RUNTIME_ARN)}/invocations`);
    expect(invoke.query.get('qualifier')).toBe('live');
    expect(invoke.headers.accept).toBe('application/json');
    expect(invoke.headers['content-type']).toBe('application/json');
    expect(JSON.parse(invoke.body)).toEqual(REQUEST);
    const session = String(invoke.headers['x-amzn-bedrock-agentcore-runtime-session-id']);
    expect(session).toMatch(/^agentic-cli-[0-9a-f]{32}$/);
    expect(session.length).toBeGreaterThanOrEqual(33);
    expectSigned(invoke, 'bedrock-agentcore', 'eu-west-1');
    expect(lines).toContain(`Invoking AgentCore runtime ${RUNTIME_ARN} (endpoint live)`);
    expect(lines).toContain(`Session ${session} (new; pass it again to continue this session)`);
    expect(lines).toContain('Region eu-west-1 (your AWS configuration; the stack\'s environment is aws://unknown-account/unknown-region)');
  });

  it('streams: events reach onStreamEvent as they arrive; the result event is the answer', { timeout: 10_000 }, async () => {
    let firstSeen!: () => void;
    const seen = new Promise<void>((resolve) => (firstSeen = resolve));
    standIn.agentCore = async (_request, res) => {
      sse(res);
      res.write(event('text', { text: 'Here are ' }));
      // The rest only once the client has handled the first event (bounded: 5 s).
      const waited = await Promise.race([seen.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000).unref())]);
      if (!waited) {
        res.end(event('error', { statusCode: 500, error: 'the client did not handle the first event before the rest was sent' }));
        return;
      }
      // The next event split mid-line, with CRLF line ends, across writes.
      const text = event('text', { text: 'the fields' }).replace(/\n/g, '\r\n');
      res.write(text.slice(0, 7));
      res.write(text.slice(7, 30));
      res.write(text.slice(30));
      res.end(': a comment\n\n' + event('result', RESPONSE));
    };
    const events: Array<[string, string]> = [];
    const { result } = run({
      agent: agentCoreAgent,
      stream: true,
      sessionId: 'my-session-0123456789-0123456789-0123',
      onStreamEvent: (name, data) => {
        events.push([name, data]);
        firstSeen();
      },
    });
    await expect(result).resolves.toEqual(RESPONSE);
    expect(events.map(([name, data]) => [name, JSON.parse(data) as unknown])).toEqual([
      ['text', { type: 'text', text: 'Here are ' }],
      ['text', { type: 'text', text: 'the fields' }],
      ['result', { type: 'result', ...RESPONSE }],
    ]);
    const invoke = only('agentcore');
    expect(invoke.headers.accept).toBe('text/event-stream');
    expect(invoke.headers['x-amzn-bedrock-agentcore-runtime-session-id']).toBe('my-session-0123456789-0123456789-0123');
  });

  it('an error event throws with its message', { timeout: 10_000 }, async () => {
    standIn.agentCore = (_request, res) => {
      sse(res);
      res.write(event('text', { text: 'partial' }));
      res.end(event('error', { statusCode: 502, error: 'Model call failed', cause: 'ModelErrorException: boom' }));
    };
    const names: string[] = [];
    await expect(run({ agent: agentCoreAgent, stream: true, onStreamEvent: (name) => names.push(name) }).result).rejects.toThrow(
      'the agent failed (502): Model call failed: ModelErrorException: boom',
    );
    expect(names).toEqual(['text', 'error']);
  });

  it('a stream that ends without a result event', { timeout: 10_000 }, async () => {
    standIn.agentCore = (_request, res) => {
      sse(res);
      res.end(event('text', { text: 'only text' }));
    };
    await expect(run({ agent: agentCoreAgent, stream: true }).result).rejects.toThrow(
      "the agent's event stream ended without a `result` event (1 event received)",
    );
  });

  it('a service 4xx keeps its error name and message', { timeout: 10_000 }, async () => {
    standIn.agentCore = (_request, res) => jsonError(res, 404, 'ResourceNotFoundException', 'No endpoint or agent found with qualifier live');
    await expect(run({ agent: agentCoreAgent }).result).rejects.toThrow(
      `AgentCore InvokeAgentRuntime failed: ResourceNotFoundException: No endpoint or agent found with qualifier live (is endpoint live deployed? run \`cdk deploy\`) [runtime ${RUNTIME_ARN}, endpoint live]`,
    );
    standIn.agentCore = (_request, res) => jsonError(res, 400, 'ValidationException', 'Invalid payload');
    await expect(run({ agent: agentCoreAgent }).result).rejects.toThrow(/^AgentCore InvokeAgentRuntime failed: ValidationException: Invalid payload \[runtime /);
    standIn.agentCore = (_request, res) => jsonError(res, 424, 'RuntimeClientError', 'Received error (500) from runtime');
    await expect(run({ agent: agentCoreAgent }).result).rejects.toThrow(
      /RuntimeClientError: Received error \(500\) from runtime \(the agent itself answered with an error; see its logs\)/,
    );
  });

  it('a 5xx from Lambda or AgentCore is not retried: the agent runs once (no duplicate model cost)', { timeout: 20_000 }, async () => {
    standIn.lambda = (_request, res) => jsonError(res, 500, 'ServiceException', 'internal');
    standIn.agentCore = (_request, res) => jsonError(res, 500, 'InternalServerException', 'internal');
    for (const [agent, api] of [[lambdaAgent, 'lambda'], [agentCoreAgent, 'agentcore']] as const) {
      standIn.requests.length = 0;
      await expect(run({ agent }).result).rejects.toThrow(/internal/);
      expect(standIn.requests.filter((r) => r.api === api), api).toHaveLength(1);
    }
  });

  it('a session id outside 33–256 characters is refused before any call', { timeout: 10_000 }, async () => {
    await expect(run({ agent: agentCoreAgent, sessionId: 'too-short' }).result).rejects.toThrow(
      'session id "too-short" is 9 characters; AgentCore needs 33 to 256 (omit it to get a new one)',
    );
    await expect(run({ agent: agentCoreAgent, sessionId: 'x'.repeat(257) }).result).rejects.toThrow(/is 257 characters; AgentCore needs 33 to 256/);
    expect(standIn.requests).toEqual([]);
  });

  it('a runtime in a fixed environment: Region and ARN from the stack, endpoint DEFAULT when none recorded', { timeout: 10_000 }, async () => {
    const agent: AgentRecord = { ...agentCoreAgent, environment: `aws://${ACCOUNT}/ap-southeast-2`, endpointName: undefined };
    standIn.agentCore = (_request, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(RESPONSE));
    };
    await expect(run({ agent }).result).resolves.toEqual(RESPONSE);
    const invoke = only('agentcore');
    expect(decodeURIComponent(invoke.rawPath)).toBe(`/runtimes/arn:aws:bedrock-agentcore:ap-southeast-2:${ACCOUNT}:runtime/${RUNTIME_ID}/invocations`);
    expect(invoke.query.get('qualifier')).toBe('DEFAULT');
    expectSigned(invoke, 'bedrock-agentcore', 'ap-southeast-2');
  });
});

describe('SseParser', () => {
  it('reads data-only events by their JSON type, multi-line data, and an unterminated last event', () => {
    const parser = new SseParser();
    const events = [
      ...parser.push('data: {"type":"text","text":"a"}\n\ndata: line 1\r'),
      ...parser.push('\ndata: line 2\r\n\r\nevent: result\ndata: {"x":1}'),
      ...parser.end(),
    ];
    expect(events).toEqual([
      { event: 'text', data: '{"type":"text","text":"a"}' },
      { event: 'message', data: 'line 1\nline 2' },
      { event: 'result', data: '{"x":1}' },
    ]);
  });
});
