import { describe, expect, it } from 'vitest';
import type { DocumentSource, ToolLocation } from '../../agent/core/config.js';
import { documentPolicy } from '../../agent/core/document-sources.js';
import { DocumentAccessError } from '../../agent/core/errors.js';

const systemPrompt = { bucket: 'config', key: 'prompts/system.txt' };
const tools: ToolLocation[] = [{ bucketName: 'config', key: 'tools/vendor.zip', isFile: false, isZipArchive: true }];

function refusal(sources: DocumentSource[], bucket: string, key: string): DocumentAccessError | undefined {
  try {
    documentPolicy({ documentSources: sources, systemPrompt, tools })(bucket, key);
    return undefined;
  } catch (error) {
    if (error instanceof DocumentAccessError) return error;
    throw error;
  }
}

describe('documentPolicy (DOCUMENT_SOURCES)', () => {
  const sources: DocumentSource[] = [
    { bucketName: 'docs', prefix: 'incoming/' },
    { bucketName: 'config', prefix: '' },
  ];

  it.each([
    ['docs', 'incoming/a.pdf'],
    ['docs', 'incoming/2025/03/a.pdf'],
    ['docs', 'incoming/'],
    ['config', 'anything/at/all.txt'],
    // Not the agent's own objects, only near them.
    ['config', 'prompts/system.txt.bak'],
    ['config', 'tools/vendor.zip/x'],
  ])('allows s3://%s/%s', (bucket, key) => {
    expect(refusal(sources, bucket, key)).toBeUndefined();
  });

  it.each([
    // The prefix is a plain string prefix: "incoming/" does not cover its neighbours.
    ['docs', 'incoming-other/a.pdf', 'is not in a document source'],
    ['docs', 'incoming', 'is not in a document source'],
    ['docs', 'Incoming/a.pdf', 'is not in a document source'],
    ['docs', 'a.pdf', 'is not in a document source'],
    ['docs-archive', 'incoming/a.pdf', 'is not in a document source'],
    ['DOCS', 'incoming/a.pdf', 'is not in a document source'],
    // The agent's own objects, even in a bucket that is a source as a whole.
    ['config', 'prompts/system.txt', "is one of the agent's own objects"],
    ['config', 'tools/vendor.zip', "is one of the agent's own objects"],
    // Dot segments, which some HTTP layers would normalize into another key.
    ['docs', 'incoming/../prompts/system.txt', 'has a "." or ".." path segment'],
    ['docs', 'incoming/./a.pdf', 'has a "." or ".." path segment'],
  ])('refuses s3://%s/%s', (bucket, key, reason) => {
    const error = refusal(sources, bucket, key);
    expect(error?.message).toContain(`s3://${bucket}/${key} ${reason}`);
    expect(error?.message).toContain('allowed: s3://docs/incoming/ (keys starting with "incoming/"), s3://config/ (the whole bucket) (DOCUMENT_SOURCES)');
    expect(error).toMatchObject({ name: 'DocumentAccessError', bucket, key });
  });

  it('refuses every object when no source is configured, and says how to send a document instead', () => {
    expect(refusal([], 'docs', 'incoming/a.pdf')?.message).toBe(
      's3://docs/incoming/a.pdf is not in a document source of this agent; this agent reads no documents from S3 (DOCUMENT_SOURCES is empty); send the text inline with contentType "data"',
    );
  });
});
