/**
 * `agentic-ai-framework invoke <agent>` (deployed) as a user runs it: the bundled tool, an assembly
 * of the examples, and AWS stood in on 127.0.0.1 through the AWS_ENDPOINT_URL_<SERVICE> variables
 * with fake credentials. The function behind it is tested in detail in deployed.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchAgentAgentCoreStack } from '../../examples/batch-agent-agentcore-runtime/stack.js';
import { BatchAgentLambdaStack } from '../../examples/batch-agent-lambda/stack.js';
import type { AgentRecord } from '../../cli/agent-record.js';
import { TEST_ENV } from '../helpers/test-app.js';
import { runCli } from './cli-process.js';
import { cloudFormationOf, startAwsStandIn, type AwsStandIn } from './helpers-deployed/aws-stand-in.js';

const ACCESS_KEY = 'AKIDCLITEST000000001';
const RUNTIME_ID = 'Lambda_invoice_extractor_0a1b2c3d-AbCdEfGhIj';
const ANSWER = { result: { invoiceId: '7', currency: 'EUR' }, metadata: { executionTime: 5, modelId: 'm' } };
const PAYLOAD = JSON.stringify({ contentType: 'data', content: { data: 'INVOICE 7, total 42.50 EUR' } });

let workDir: string;
let appDir: string;
let standIn: AwsStandIn;
let env: NodeJS.ProcessEnv;
let agents: AgentRecord[];

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'cli-deployed-'));
  appDir = join(workDir, 'cdk.out');
  const app = new App({ outdir: appDir });
  new BatchAgentLambdaStack(app, 'Lambda', { env: TEST_ENV });
  new BatchAgentAgentCoreStack(app, 'AgentCore', { env: TEST_ENV });
  app.synth();
  writeFileSync(join(workDir, 'empty'), '');
  standIn = await startAwsStandIn();
  env = {
    PATH: process.env.PATH,
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: 'fake-secret-for-cli-tests',
    AWS_CONFIG_FILE: join(workDir, 'empty'),
    AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'empty'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_CLOUDFORMATION: standIn.url,
    AWS_ENDPOINT_URL_LAMBDA: standIn.url,
    AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: standIn.url,
  };
  const listed = await runCli(['list', '--app', appDir], env);
  agents = JSON.parse(listed.stdout) as AgentRecord[];
  const byType = (type: string) => agents.find((agent) => agent.runtimeType === type)!;
  standIn.cloudFormation = cloudFormationOf({
    [byType('LAMBDA').stackName]: { [byType('LAMBDA').resourceLogicalId]: { physicalId: 'Lambda-InvoiceAgentFn-x1y2z3', type: 'AWS::Lambda::Function' } },
    [byType('AGENTCORE').stackName]: { [byType('AGENTCORE').resourceLogicalId]: { physicalId: RUNTIME_ID, type: 'AWS::BedrockAgentCore::Runtime' } },
  });
  standIn.lambda = (_request, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' });
    res.end(JSON.stringify(ANSWER));
  };
  standIn.agentCore = (request, res) => {
    if (request.headers.accept === 'text/event-stream') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
      res.end(`event: text\ndata: {"text":"Invoice 7"}\n\nevent: result\ndata: ${JSON.stringify(ANSWER)}\n\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(ANSWER));
  };
});

afterAll(async () => {
  await standIn?.close();
  rmSync(workDir, { recursive: true, force: true });
});

const invoke = (path: string, ...flags: string[]) => runCli(['invoke', path, '--app', appDir, '--payload', PAYLOAD, ...flags], env);

describe('invoke a deployed agent', () => {
  it('Lambda: finds the function in its stack, invokes it signed with the caller\'s credentials, prints the answer on stdout', async () => {
    standIn.requests.length = 0;
    const run = await invoke('/Lambda/InvoiceAgent');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(ANSWER);
    const lambda = standIn.requests.find((r) => r.api === 'lambda')!;
    expect(lambda.rawPath).toBe('/2015-03-31/functions/Lambda-InvoiceAgentFn-x1y2z3/invocations');
    expect(JSON.parse(lambda.body)).toEqual(JSON.parse(PAYLOAD));
    expect(lambda.headers.authorization).toContain(`Credential=${ACCESS_KEY}/`);
    expect(lambda.signedRegion).toBe('us-east-1');
  });

  it('AgentCore: the runtime ARN from the stack, the endpoint as qualifier, a generated session id; --stream prints events as JSON lines', async () => {
    standIn.requests.length = 0;
    const run = await invoke('/AgentCore/InvoiceAgent');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(ANSWER);
    const call = standIn.requests.find((r) => r.api === 'agentcore')!;
    expect(decodeURIComponent(call.rawPath)).toBe(`/runtimes/arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/${RUNTIME_ID}/invocations`);
    expect(call.query.get('qualifier')).toBe('live');
    expect(String(call.headers['x-amzn-bedrock-agentcore-runtime-session-id']).length).toBeGreaterThanOrEqual(33);

    const streamed = await invoke('/AgentCore/InvoiceAgent', '--stream');
    expect(streamed.code).toBe(0);
    const lines = streamed.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(lines[0])).toContain('Invoice 7');
    expect(JSON.stringify(lines[lines.length - 1])).toContain('"invoiceId":"7"');
  });

  it('a stack that is not deployed: the service\'s error on stderr, nothing on stdout, a non-zero exit', async () => {
    const saved = standIn.cloudFormation;
    standIn.cloudFormation = cloudFormationOf({});
    try {
      const run = await invoke('/Lambda/InvoiceAgent');
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('is not deployed in us-east-1');
    } finally {
      standIn.cloudFormation = saved;
    }
  });

  it('no credentials: says so', async () => {
    const noCredentials = Object.fromEntries(Object.entries(env).filter(([name]) => !['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].includes(name)));
    const run = await runCli(['invoke', '/Lambda/InvoiceAgent', '--app', appDir, '--payload', PAYLOAD], noCredentials);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no AWS credentials');
  });
});
