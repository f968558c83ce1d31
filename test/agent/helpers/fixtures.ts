import { strToU8, zipSync } from 'fflate';
import type { ConverseReply, ConverseRequestBody } from './converse-endpoint.js';
import type { LocalS3 } from './local-aws.js';

export const BUCKETS = { config: 'agent-config', tools: 'agent-tools', docs: 'incoming-docs' } as const;
export const SYSTEM_PROMPT_KEY = 'prompts/invoices.txt';
export const SYSTEM_PROMPT_TEXT = 'You extract invoice fields and answer in JSON only.';
export const TOOLS_KEY = 'tools/vendor-tools.zip';
export const DOCUMENT_KEY = 'in/2025/invoice-7.txt';
export const DOCUMENT_TEXT = 'INVOICE 7\nVendor id: V-7\nTotal: 42.50 EUR';
export const MODEL_ID = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';

/** The tool archive a user would upload: one module, bare imports of the SDK and zod. */
export function toolArchive(): Uint8Array {
  return zipSync({
    'vendor.mjs': strToU8(`
      import { tool } from '@strands-agents/sdk';
      import { z } from 'zod';
      export const lookupVendor = tool({
        name: 'lookup_vendor',
        description: 'Returns the legal name of a vendor id',
        inputSchema: z.object({ id: z.string() }),
        callback: ({ id }) => ({ id, name: id === 'V-7' ? 'Acme Paper GmbH' : 'unknown' }),
      });
    `),
  });
}

/** Uploads the system prompt, the tools and the document to the local S3. */
export async function seedBuckets(s3: LocalS3): Promise<void> {
  await s3.put(BUCKETS.config, SYSTEM_PROMPT_KEY, SYSTEM_PROMPT_TEXT, 'text/plain');
  await s3.put(BUCKETS.tools, TOOLS_KEY, toolArchive(), 'application/zip');
  await s3.put(BUCKETS.docs, DOCUMENT_KEY, DOCUMENT_TEXT, 'text/plain');
}

/** The environment the BatchAgent construct sets for this agent. */
export function agentEnv(): Record<string, string> {
  return {
    SYSTEM_PROMPT_S3_BUCKET_NAME: BUCKETS.config,
    SYSTEM_PROMPT_S3_KEY: SYSTEM_PROMPT_KEY,
    TOOLS_CONFIG: JSON.stringify([{ bucketName: BUCKETS.tools, key: TOOLS_KEY, isFile: false, isZipArchive: true }]),
    MODEL_ID,
    INVOKE_TYPE: 'batch',
    PROMPT: 'This document is a [ACTUAL_CLASSIFICATION]. Extract its fields as JSON.',
    EXPECT_JSON: 'True',
    DOCUMENT_SOURCES: JSON.stringify([{ bucketName: BUCKETS.docs, prefix: 'in/' }]),
  };
}

/** The Step Functions state input the Lambda task passes as the payload. */
export function stepFunctionsEvent(): Record<string, unknown> {
  return {
    documentId: 'doc-2025-0007',
    contentType: 'file',
    content: { bucket: BUCKETS.docs, key: DOCUMENT_KEY, location: 's3' },
    eventTime: '2025-03-01T10:00:00Z',
    eventName: 'ObjectCreated:Put',
    source: 'aws.s3',
    classificationResult: { documentClassification: 'INVOICE' },
    metadata: { tenant: 'acme' },
  };
}

/** The answer the scripted Converse endpoint ends with, built from the tool's result. */
export const EXPECTED_RESULT = { invoiceId: '7', vendor: 'Acme Paper GmbH', total: 42.5, currency: 'EUR' };

/**
 * A model that behaves like Claude on this task: first it calls lookup_vendor, then, given the
 * tool result, answers with a fenced JSON block naming the vendor the tool returned.
 */
export function invoiceModel(body: ConverseRequestBody): ConverseReply {
  const last = body.messages.at(-1);
  const toolResult = last?.content.find((block) => 'toolResult' in block);
  if (toolResult === undefined) {
    return { toolUse: { name: 'lookup_vendor', input: { id: 'V-7' }, id: 'tooluse-1' } };
  }
  const vendor = JSON.stringify(toolResult).includes('Acme Paper GmbH') ? 'Acme Paper GmbH' : 'tool result missing';
  const answer = { ...EXPECTED_RESULT, vendor };
  return { text: `Here are the fields:\n\`\`\`json\n${JSON.stringify(answer, null, 2)}\n\`\`\``, usage: { inputTokens: 120, outputTokens: 40 } };
}
