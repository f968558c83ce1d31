import { ModelThrottledError, tool, type DocumentBlock, type ImageBlock } from '@strands-agents/sdk';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AgentRuntimeType, DocumentError, RequestValidationError, RuntimeInvocationError, S3ObjectError } from '../../agent/core/errors.js';
import { invokeAgent } from '../../agent/core/invoke.js';
import { DEFAULT_PROMPT } from '../../agent/core/config.js';
import { SYSTEM_PROMPT, SYSTEM_PROMPT_BUCKET, SYSTEM_PROMPT_KEY, testDependencies } from './helpers/deps.js';
import { until } from './helpers/faulty-s3.js';
import { ScriptedModel, textOfMessage } from './helpers/scripted-model.js';
import type { ObjectStore } from '../../agent/core/s3.js';

const dataRequest = { contentType: 'data', content: { data: 'Invoice INV-7 total 42.50 EUR' } } as const;

function throttlingException(): Error {
  // The shape the AWS SDK gives a throttled (HTTP 429) Converse call.
  return Object.assign(new Error('Too many requests'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
}

function firstUserText(model: ScriptedModel): string {
  const message = model.calls[0]?.messages[0];
  if (message === undefined) throw new Error('the model was not called');
  return textOfMessage(message);
}

describe('invokeAgent', () => {
  it('answers a data request with the model text, the system prompt from S3 and the prompt plus document', async () => {
    const model = new ScriptedModel([{ text: 'The total is 42.50 EUR.', usage: { inputTokens: 30, outputTokens: 7, totalTokens: 37 } }]);
    const deps = testDependencies({ model });

    const response = await invokeAgent(dataRequest, deps);

    expect(response.result).toBe('The total is 42.50 EUR.');
    expect(response.metadata.modelId).toBe('us.anthropic.claude-sonnet-4-20250514-v1:0');
    expect(response.metadata.tokensUsed).toBe(37);
    expect(response.metadata.executionTime).toBeGreaterThanOrEqual(0);
    expect(model.calls[0]?.systemPrompt).toBe(SYSTEM_PROMPT);
    const userText = firstUserText(model);
    expect(userText.startsWith('Extract the invoice fields.')).toBe(true);
    expect(userText).toContain('Invoice INV-7 total 42.50 EUR');
  });

  it('uses the seed default prompt when PROMPT is unset', async () => {
    const model = new ScriptedModel([{ text: 'ok' }]);
    await invokeAgent(dataRequest, testDependencies({ model, env: { PROMPT: '' } }));
    expect(firstUserText(model).startsWith(DEFAULT_PROMPT)).toBe(true);
  });

  it('replaces [ACTUAL_CLASSIFICATION] with the classification of the request', async () => {
    const model = new ScriptedModel([{ text: 'ok' }]);
    const deps = testDependencies({ model, env: { PROMPT: 'This [ACTUAL_CLASSIFICATION] is a [ACTUAL_CLASSIFICATION].' } });
    await invokeAgent({ ...dataRequest, classificationResult: { documentClassification: 'INVOICE' } }, deps);
    expect(firstUserText(model)).toContain('This INVOICE is a INVOICE.');
  });

  it('returns the parsed JSON value when EXPECT_JSON is set', async () => {
    const answer = 'Here you go:\n```json\n{"invoiceId": "INV-7", "total": 42.5, "lines": [1, 2]}\n```\nAnything else?';
    const deps = testDependencies({ model: new ScriptedModel([{ text: answer }]), env: { EXPECT_JSON: 'True' } });
    const response = await invokeAgent(dataRequest, deps);
    expect(response.result).toEqual({ invoiceId: 'INV-7', total: 42.5, lines: [1, 2] });
  });

  it('says so in the result, and warns, when JSON is expected but the answer holds none', async () => {
    const deps = testDependencies({ model: new ScriptedModel([{ text: 'I cannot read this document.' }]), env: { EXPECT_JSON: '1' } });
    const response = await invokeAgent(dataRequest, deps);
    expect(response.result).toEqual({
      error: expect.stringContaining('no parseable JSON value'),
      modelResponse: 'I cannot read this document.',
    });
    expect(deps.logger.lines.some((l) => l.level === 'warn' && l.message.includes('Expected JSON'))).toBe(true);
  });

  it('runs a tool the model calls and answers with what the model says next', async () => {
    const seen: Array<{ a: number; b: number }> = [];
    const add = tool({
      name: 'add',
      description: 'Adds two numbers',
      inputSchema: z.object({ a: z.number(), b: z.number() }),
      callback: (input) => {
        seen.push(input);
        return input.a + input.b;
      },
    });
    const model = new ScriptedModel([
      { toolUse: { name: 'add', input: { a: 2, b: 3 }, id: 'call-1' }, usage: { inputTokens: 10, outputTokens: 4, totalTokens: 14 } },
      { text: 'The sum is 5.', usage: { inputTokens: 20, outputTokens: 5, totalTokens: 25 } },
    ]);
    const response = await invokeAgent(dataRequest, testDependencies({ model, tools: [add] }));

    expect(seen).toEqual([{ a: 2, b: 3 }]);
    expect(model.calls[0]?.toolNames).toEqual(['add']);
    const toolResultMessage = model.calls[1]?.messages.at(-1);
    const toolResult = toolResultMessage?.content.find((b) => b.type === 'toolResultBlock');
    expect(toolResult).toMatchObject({ toolUseId: 'call-1', status: 'success' });
    expect(JSON.stringify(toolResult)).toContain('5');
    expect(response.result).toBe('The sum is 5.');
    expect(response.metadata.tokensUsed).toBe(39);
  });

  it('retries throttling with backoff and then succeeds', async () => {
    const model = new ScriptedModel([
      { error: new ModelThrottledError('slow down') },
      { error: throttlingException() },
      { text: 'done' },
    ]);
    const deps = testDependencies({ model });
    const response = await invokeAgent(dataRequest, deps);
    expect(response.result).toBe('done');
    expect(model.calls).toHaveLength(3);
    expect(deps.backoffAttempts).toEqual([1, 2]);
  });

  it('fails with a RuntimeInvocationError carrying the cause once retries are exhausted', async () => {
    const model = new ScriptedModel([{ error: throttlingException() }, { error: throttlingException() }, { error: throttlingException() }]);
    const deps = testDependencies({ model, env: { MODEL_MAX_ATTEMPTS: '3' } });
    const failure = await invokeAgent(dataRequest, deps).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(RuntimeInvocationError);
    const error = failure as RuntimeInvocationError;
    expect(error.name).toBe('RuntimeInvocationError');
    expect(error.runtimeType).toBe(AgentRuntimeType.LAMBDA);
    expect(error.statusCode).toBe(503);
    expect(error.cause?.name).toBe('ThrottlingException');
    expect(error.message).toContain('Too many requests');
    expect(model.calls).toHaveLength(3);
    expect(deps.logger.lines.some((l) => l.level === 'error' && l.message === 'Model invocation failed')).toBe(true);
  });

  it('does not retry an error that is not throttling', async () => {
    const validation = Object.assign(new Error('The model id is invalid'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    const model = new ScriptedModel([{ error: validation }, { text: 'never reached' }]);
    const failure = await invokeAgent(dataRequest, testDependencies({ model })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RuntimeInvocationError);
    expect((failure as RuntimeInvocationError).statusCode).toBe(502);
    expect(model.calls).toHaveLength(1);
  });

  it('rejects an invalid request with the offending fields before calling the model', async () => {
    const model = new ScriptedModel([]);
    const failure = await invokeAgent({ contentType: 'file', content: { bucket: 'docs' } }, testDependencies({ model })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RequestValidationError);
    expect((failure as RequestValidationError).fields).toEqual(['content.key']);
    expect(model.calls).toHaveLength(0);
  });

  it('streams the text deltas to onText in order', async () => {
    const model = new ScriptedModel([{ text: ['Hel', 'lo ', 'world'] }]);
    const chunks: string[] = [];
    const response = await invokeAgent(dataRequest, testDependencies({ model }), { onText: (t) => chunks.push(t) });
    expect(chunks).toEqual(['Hel', 'lo ', 'world']);
    expect(response.result).toBe('Hello world');
  });

  it('fetches the system prompt once for warm invocations', async () => {
    const model = new ScriptedModel([{ text: 'one' }, { text: 'two' }]);
    const deps = testDependencies({ model });
    await invokeAgent(dataRequest, deps);
    await invokeAgent(dataRequest, deps);
    const reads = (deps.store as unknown as { reads: Map<string, number> }).reads;
    expect(reads.get(`${SYSTEM_PROMPT_BUCKET}/${SYSTEM_PROMPT_KEY}`)).toBe(1);
  });
});

describe('invokeAgent with a file document', () => {
  const fileRequest = (key: string) => ({ contentType: 'file', content: { bucket: 'docs', key, location: 's3' } });

  it('puts a text document inline in the prompt', async () => {
    const model = new ScriptedModel([{ text: 'ok' }]);
    const deps = testDependencies({ model, objects: { 'docs/in/invoice.txt': 'Total: 12 USD' } });
    await invokeAgent(fileRequest('in/invoice.txt'), deps);
    expect(firstUserText(model)).toContain('(s3://docs/in/invoice.txt) is as follows:\nTotal: 12 USD');
  });

  it('attaches a PDF as a document block with a Bedrock-safe name', async () => {
    const pdf = new TextEncoder().encode('%PDF-1.7 binary');
    const model = new ScriptedModel([{ text: 'ok' }]);
    await invokeAgent(fileRequest('in/invoice_2024.v2.pdf'), testDependencies({ model, objects: { 'docs/in/invoice_2024.v2.pdf': pdf } }));
    const blocks = model.calls[0]?.messages[0]?.content ?? [];
    const document = blocks.find((b): b is DocumentBlock => b.type === 'documentBlock');
    expect(document?.format).toBe('pdf');
    expect(document?.name).toBe('invoice-2024-v2');
    expect(document?.source).toEqual({ type: 'documentSourceBytes', bytes: pdf });
  });

  it('attaches a .jpg as a jpeg image block', async () => {
    const jpg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0]);
    const model = new ScriptedModel([{ text: 'ok' }]);
    await invokeAgent(fileRequest('scan.JPG'), testDependencies({ model, objects: { 'docs/scan.JPG': jpg } }));
    const image = model.calls[0]?.messages[0]?.content.find((b): b is ImageBlock => b.type === 'imageBlock');
    expect(image?.format).toBe('jpeg');
  });

  it('fails with a DocumentError when the document does not exist', async () => {
    const failure = await invokeAgent(fileRequest('missing.txt'), testDependencies({ model: new ScriptedModel([]) })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DocumentError);
    expect((failure as Error).message).toBe('s3://docs/missing.txt does not exist');
  });

  it('fails with a DocumentError when S3 refuses the document (AccessDenied: what S3 answers for a missing key to a role without s3:ListBucket)', async () => {
    const store: ObjectStore = {
      get: async (bucket, key, options) => {
        if (bucket === SYSTEM_PROMPT_BUCKET && key === SYSTEM_PROMPT_KEY) return { bytes: new TextEncoder().encode(SYSTEM_PROMPT) };
        throw new S3ObjectError(bucket, key, Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }), options?.label === undefined ? {} : { label: options.label });
      },
    };
    const failure = await invokeAgent(fileRequest('gone.txt'), testDependencies({ model: new ScriptedModel([]), store })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DocumentError);
    expect((failure as Error).message).toBe('s3://docs/gone.txt does not exist, or the agent may not read it (S3 answered AccessDenied)');
  });

  it('fails with a DocumentError for binary content of an unknown type', async () => {
    const deps = testDependencies({ model: new ScriptedModel([]), objects: { 'docs/blob.bin': new Uint8Array([0xff, 0xfe, 0x00, 0xc3]) } });
    const failure = await invokeAgent(fileRequest('blob.bin'), deps).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DocumentError);
    expect((failure as Error).message).toContain('neither UTF-8 text nor a supported binary format');
  });

  it('cancels the document read when the invocation ends, and rejects with the reason at once', async () => {
    const signals: Array<AbortSignal | undefined> = [];
    const store: ObjectStore = {
      get: async (bucket, key, options) => {
        if (bucket === SYSTEM_PROMPT_BUCKET && key === SYSTEM_PROMPT_KEY) return { bytes: new TextEncoder().encode(SYSTEM_PROMPT) };
        signals.push(options?.signal);
        return new Promise(() => undefined);
      },
    };
    const model = new ScriptedModel([]);
    const ending = new AbortController();
    const running = invokeAgent(fileRequest('in/a.txt'), testDependencies({ model, store }), { signal: ending.signal });
    await until(() => signals.length === 1, 'the document read to start');
    const reason = new Error('the client went away');
    ending.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(signals[0]?.aborted).toBe(true);
    expect(model.calls).toHaveLength(0);
  });
});
