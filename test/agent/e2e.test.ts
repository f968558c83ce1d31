import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConstantBackoff } from '@strands-agents/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDependencies } from '../../agent/core/dependencies.js';
import { AgentRuntimeType, DocumentError, RuntimeInvocationError } from '../../agent/core/errors.js';
import { invokeAgent } from '../../agent/core/invoke.js';
import { bedrockModelFactory } from '../../agent/core/model.js';
import { ThrottlingRetryStrategy } from '../../agent/core/retry.js';
import { createLambdaHandler } from '../../agent/lambda-handler.js';
import { createAgentServer } from '../../agent/server.js';
import { startConverseEndpoint, type ConverseEndpoint, type ConverseReply, type ConverseRequestBody } from './helpers/converse-endpoint.js';
import {
  agentEnv,
  DOCUMENT_TEXT,
  EXPECTED_RESULT,
  invoiceModel,
  MODEL_ID,
  seedBuckets,
  stepFunctionsEvent,
  SYSTEM_PROMPT_TEXT,
  BUCKETS,
} from './helpers/fixtures.js';
import { httpRequest, parseEventStream } from './helpers/http.js';
import { REGION, S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from './helpers/local-aws.js';
import { memoryLogger } from './helpers/memory.js';

/**
 * The agent with its real clients: the S3 client against s3rver, Strands' BedrockModel against a
 * local ConverseStream endpoint. Nothing leaves 127.0.0.1.
 */
describe('default agent end to end (real S3 client, real BedrockModel)', () => {
  let s3: LocalS3;
  let bedrock: ConverseEndpoint;
  let script: (body: ConverseRequestBody, index: number) => ConverseReply = invoiceModel;
  let toolsDir: string;

  beforeAll(async () => {
    s3 = await startLocalS3(Object.values(BUCKETS));
    await seedBuckets(s3);
    bedrock = await startConverseEndpoint((body, index) => script(body, index));
    toolsDir = await mkdtemp(join(tmpdir(), 'agent-e2e-tools-'));
  });

  afterAll(async () => {
    await bedrock?.close();
    await s3?.close();
    if (toolsDir !== undefined) await rm(toolsDir, { recursive: true, force: true });
  });

  function dependencies(runtimeType: AgentRuntimeType, env: Record<string, string> = {}) {
    return createDependencies(runtimeType, { ...agentEnv(), ...env }, {
      logger: memoryLogger(),
      // The production S3 client and store (timeouts included), pointed at s3rver.
      s3ClientConfig: { endpoint: s3.endpoint, forcePathStyle: true, region: REGION, credentials: S3RVER_CREDENTIALS },
      modelFactory: bedrockModelFactory({
        clientConfig: { endpoint: bedrock.url, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
      }),
      toolsDir,
      // Production backoff waits seconds; the retry decision logic is the same.
      retryStrategy: () => new ThrottlingRetryStrategy({ maxAttempts: Number(env.MODEL_MAX_ATTEMPTS ?? 6), backoff: new ConstantBackoff({ delayMs: 0 }) }),
    });
  }

  it('runs a Step Functions event through the Lambda handler: prompt, tool and document from S3, JSON out', async () => {
    script = invoiceModel;
    const before = bedrock.calls.length;
    const deps = dependencies(AgentRuntimeType.LAMBDA);
    const handler = createLambdaHandler(() => deps);

    const response = await handler(stepFunctionsEvent(), { awsRequestId: 'req-1' });

    expect(response).toEqual({ result: EXPECTED_RESULT, metadata: { executionTime: expect.any(Number), tokensUsed: 175, modelId: MODEL_ID } });

    const calls = bedrock.calls.slice(before);
    expect(calls.map((c) => c.path)).toEqual([`/model/${MODEL_ID}/converse-stream`, `/model/${MODEL_ID}/converse-stream`]);
    const first = calls[0]?.body;
    expect(first?.system?.[0]?.text).toBe(SYSTEM_PROMPT_TEXT);
    expect(first?.toolConfig?.tools.map((t) => t.toolSpec.name)).toEqual(['lookup_vendor']);
    const userText = String(first?.messages[0]?.content[0]?.text);
    expect(userText).toContain('This document is a INVOICE. Extract its fields as JSON.');
    expect(userText).toContain(DOCUMENT_TEXT);
    const toolResult = calls[1]?.body.messages.at(-1)?.content.find((b) => 'toolResult' in b);
    expect(JSON.stringify(toolResult)).toContain('Acme Paper GmbH');
  });

  it('serves the same agent over the AgentCore contract, streaming the model text', async () => {
    script = invoiceModel;
    const deps = dependencies(AgentRuntimeType.AGENTCORE);
    const agentServer = createAgentServer({ invoke: (p, o) => invokeAgent(p, deps, o), logger: memoryLogger() });
    try {
      const { port } = await agentServer.listen(0, '127.0.0.1');
      const answer = await httpRequest(`http://127.0.0.1:${port}/invocations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id': 'e2e-session-000000000000000000000001' },
        body: JSON.stringify(stepFunctionsEvent()),
      });
      expect(answer.status).toBe(200);
      const events = parseEventStream(answer.text);
      const streamed = events.filter((e) => e.event === 'text').map((e) => e.data.text).join('');
      expect(streamed).toContain('"vendor": "Acme Paper GmbH"');
      expect(events.at(-1)).toMatchObject({ event: 'result', data: { result: EXPECTED_RESULT, metadata: { tokensUsed: 175 } } });
    } finally {
      await agentServer.close(0);
    }
  });

  it('retries a throttled Converse call (HTTP 429) and succeeds', async () => {
    let throttled = 0;
    script = (body) => (throttled++ < 2 ? { throttle: true } : invoiceModel(body));
    const before = bedrock.calls.length;
    const response = await invokeAgent(stepFunctionsEvent(), dependencies(AgentRuntimeType.LAMBDA));
    expect(response.result).toEqual(EXPECTED_RESULT);
    expect(bedrock.calls.length - before).toBe(4);
  });

  it('surfaces a RuntimeInvocationError with the AWS cause when throttling outlasts the retries', async () => {
    script = () => ({ throttle: true });
    const before = bedrock.calls.length;
    const failure = await invokeAgent(stepFunctionsEvent(), dependencies(AgentRuntimeType.LAMBDA, { MODEL_MAX_ATTEMPTS: '3' })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RuntimeInvocationError);
    const error = failure as RuntimeInvocationError;
    expect(error.statusCode).toBe(503);
    expect(error.cause?.name).toBe('ThrottlingException');
    expect(error.message).toBe('Agent invocation failed for LAMBDA: Too many requests, please wait before trying again.');
    expect(bedrock.calls.length - before).toBe(3);
  });

  it('reports a document missing from S3 as a DocumentError', async () => {
    script = invoiceModel;
    const event = { ...stepFunctionsEvent(), content: { bucket: BUCKETS.docs, key: 'in/nowhere.pdf', location: 's3' } };
    const failure = await invokeAgent(event, dependencies(AgentRuntimeType.LAMBDA)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DocumentError);
    expect((failure as DocumentError).cause?.message).toContain('NoSuchKey');
  });
});
