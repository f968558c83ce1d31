import { tool, type ToolContext } from '@strands-agents/sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { AgentTaskError } from '../../agent/core/task-errors.js';
import { createLambdaHandler } from '../../agent/lambda-handler.js';
import { handler } from '../../agent/lambda.js';
import { testDependencies } from './helpers/deps.js';
import { within } from './helpers/faulty-s3.js';
import { ScriptedModel, textOfMessage } from './helpers/scripted-model.js';

/** The state input a Step Functions Lambda task passes as the payload (seed: "Step Functions Integration"). */
const event = {
  documentId: 'doc-2025-0042',
  contentType: 'file',
  content: { bucket: 'incoming-docs', key: 'in/receipt-42.md', location: 's3' },
  eventTime: '2025-03-01T10:00:00Z',
  eventName: 'ObjectCreated:Put',
  source: 'aws.s3',
  classificationResult: { documentClassification: 'RECEIPT' },
  metadata: { tenant: 'acme', priority: 2 },
};

describe('Lambda handler', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('answers a Step Functions event with the AgentInvocationResponse', async () => {
    const tenants: unknown[] = [];
    const whoAmI = tool({
      name: 'current_tenant',
      description: 'The tenant of the document',
      inputSchema: z.object({}),
      callback: (_input: Record<string, never>, context?: ToolContext) => {
        const metadata = context?.invocationState.metadata as Record<string, unknown> | undefined;
        tenants.push(metadata?.tenant);
        return String(metadata?.tenant);
      },
    });
    const model = new ScriptedModel([
      { toolUse: { name: 'current_tenant', input: {} } },
      { text: '{"type": "RECEIPT", "tenant": "acme", "total": 9.99}', usage: { inputTokens: 50, outputTokens: 12, totalTokens: 62 } },
    ]);
    const deps = testDependencies({
      model,
      tools: [whoAmI],
      env: { EXPECT_JSON: 'True', PROMPT: 'Extract the [ACTUAL_CLASSIFICATION] fields.' },
      objects: { 'incoming-docs/in/receipt-42.md': '# Receipt 42\nTotal 9.99 USD' },
    });

    const response = await createLambdaHandler(() => deps)(event, { awsRequestId: 'aws-req-1' });

    expect(response).toEqual({
      result: { type: 'RECEIPT', tenant: 'acme', total: 9.99 },
      metadata: { executionTime: expect.any(Number), tokensUsed: 62, modelId: deps.config.modelId },
    });
    expect(tenants).toEqual(['acme']);
    const firstMessage = model.calls[0]?.messages[0];
    expect(firstMessage && textOfMessage(firstMessage)).toContain('Extract the RECEIPT fields.');
    const done = deps.logger.lines.find((l) => l.message === 'Invocation completed');
    expect(done).toMatchObject({ requestId: 'aws-req-1', documentId: 'doc-2025-0042' });
  });

  it('throws an invalid request as Agent.BadRequest, the name a Step Functions Catch matches', async () => {
    const deps = testDependencies({ model: new ScriptedModel([]) });
    const failure = await createLambdaHandler(() => deps)({ ...event, content: { key: 'in/receipt-42.md' } }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AgentTaskError);
    expect(failure).toMatchObject({ name: 'Agent.BadRequest', statusCode: 400, message: expect.stringContaining('content.bucket') });
  });

  it('throws a document outside the document sources as Agent.BadRequest (403) naming the object', async () => {
    const deps = testDependencies({ model: new ScriptedModel([]) });
    const failure = await createLambdaHandler(() => deps)({ ...event, content: { bucket: 'elsewhere', key: 'a.md' } }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'Agent.BadRequest', statusCode: 403, message: expect.stringContaining('s3://elsewhere/a.md') });
  });

  it('throws a model that failed after its retries as Agent.Failed, and one that kept throttling as Agent.Throttled', async () => {
    const failed = testDependencies({ model: new ScriptedModel([{ error: new Error('model exploded') }]), objects: { 'incoming-docs/in/receipt-42.md': '# Receipt 42' } });
    expect(await createLambdaHandler(() => failed)(event).catch((e: unknown) => e)).toMatchObject({ name: 'Agent.Failed', statusCode: 502, message: expect.stringContaining('model exploded') });
    const throttled = testDependencies({
      model: new ScriptedModel([{ error: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }) }]),
      env: { MODEL_MAX_ATTEMPTS: '1' },
      objects: { 'incoming-docs/in/receipt-42.md': '# Receipt 42' },
    });
    expect(await createLambdaHandler(() => throttled)(event).catch((e: unknown) => e)).toMatchObject({ name: 'Agent.Throttled', statusCode: 503, message: expect.stringContaining('Rate exceeded') });
  });

  it('fails the invocation with Agent.Failed naming the variable when the environment is incomplete', async () => {
    vi.stubEnv('SYSTEM_PROMPT_S3_BUCKET_NAME', '');
    const failure = await handler(event, { awsRequestId: 'aws-req-2' }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'Agent.Failed', statusCode: 500, message: expect.stringContaining('SYSTEM_PROMPT_S3_BUCKET_NAME') });
    expect((failure as Error).cause).toMatchObject({ name: 'AgentConfigError', variable: 'SYSTEM_PROMPT_S3_BUCKET_NAME' });
  });

  describe('ends before the function deadline with a clear error instead of being killed silently', () => {
    /** A Lambda context whose function times out `ms` after the invocation starts. */
    const contextWithDeadline = (ms: number) => {
      const deadline = Date.now() + ms;
      return { awsRequestId: 'aws-req-deadline', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
    };

    it('when an S3 read hangs', async () => {
      // Answers nothing, ever, and ignores cancellation: only the handler's own deadline can end the wait.
      const deps = testDependencies({ model: new ScriptedModel([]), store: { get: () => new Promise(() => undefined) } });
      const started = Date.now();
      const failure = await within(3_000, 'end of the invocation', createLambdaHandler(() => deps)(event, contextWithDeadline(1_500)).catch((e: unknown) => e));
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(failure).toMatchObject({ name: 'Agent.Timeout', statusCode: 504, message: expect.stringMatching(/Lambda function times out/) });
      expect(deps.logger.lines.find((l) => l.message === 'Invocation stopped before the Lambda deadline')).toMatchObject({ level: 'error', requestId: 'aws-req-deadline' });
    });

    it('when the model hangs', async () => {
      const model = new ScriptedModel([{ text: ['thinking', ' forever'], holdUntil: new Promise(() => undefined) }]);
      const deps = testDependencies({ model, objects: { 'incoming-docs/in/receipt-42.md': '# Receipt 42' } });
      const failure = await within(3_000, 'end of the invocation', createLambdaHandler(() => deps)(event, contextWithDeadline(1_500)).catch((e: unknown) => e));
      expect(failure).toMatchObject({ name: 'Agent.Timeout', statusCode: 504 });
      expect(model.calls).toHaveLength(1);
    });
  });
});
