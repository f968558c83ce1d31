import type { AgentConfig, DocumentSource } from './config.js';
import { DocumentAccessError } from './errors.js';

/** Throws DocumentAccessError unless the agent may read `s3://bucket/key` as a request's document. */
export type DocumentPolicy = (bucket: string, key: string) => void;

function describeSource(source: DocumentSource): string {
  return source.prefix === ''
    ? `s3://${source.bucketName}/ (the whole bucket)`
    : `s3://${source.bucketName}/${source.prefix} (keys starting with ${JSON.stringify(source.prefix)})`;
}

/** Keys with `.` or `..` segments: S3 takes them literally, but some HTTP layers normalize them away. */
function hasDotSegment(key: string): boolean {
  return key.split('/').some((segment) => segment === '.' || segment === '..');
}

/**
 * The documents an agent reads: objects under one of its DOCUMENT_SOURCES (same bucket, key
 * starting with the prefix as a plain string, as S3 and IAM compare them), never its own system
 * prompt or tool objects, even where a source covers them. Checked before any S3 call.
 */
export function documentPolicy(config: Pick<AgentConfig, 'documentSources' | 'systemPrompt' | 'tools'>): DocumentPolicy {
  const sources = config.documentSources;
  const own = new Set([
    `${config.systemPrompt.bucket}/${config.systemPrompt.key}`,
    ...config.tools.map((tool) => `${tool.bucketName}/${tool.key}`),
  ]);
  const allowed =
    sources.length === 0
      ? 'this agent reads no documents from S3 (DOCUMENT_SOURCES is empty); send the text inline with contentType "data"'
      : `allowed: ${sources.map(describeSource).join(', ')} (DOCUMENT_SOURCES)`;
  return (bucket, key) => {
    const object = `s3://${bucket}/${key}`;
    if (own.has(`${bucket}/${key}`)) {
      throw new DocumentAccessError(bucket, key, `${object} is one of the agent's own objects (system prompt or tools) and is never read as a document; ${allowed}`);
    }
    if (hasDotSegment(key)) {
      throw new DocumentAccessError(bucket, key, `${object} has a "." or ".." path segment, which documents may not have; ${allowed}`);
    }
    if (!sources.some((source) => source.bucketName === bucket && key.startsWith(source.prefix))) {
      throw new DocumentAccessError(bucket, key, `${object} is not in a document source of this agent; ${allowed}`);
    }
  };
}
