import { z } from 'zod';
import { RequestValidationError, type FieldIssue } from './errors.js';

/**
 * The seed's `AgentInvocationRequest`. Unknown top-level fields are kept, so the Step Functions
 * payload (`documentId`, `eventTime`, `eventName`, `source`...) passes through untouched.
 */
const fileContent = z
  .object({
    bucket: z.string({ error: 'must be a non-empty string' }).min(1, 'must be a non-empty string'),
    key: z.string({ error: 'must be a non-empty string' }).min(1, 'must be a non-empty string'),
    // The seed's Lambda example omits `location`; S3 is the only location there is.
    location: z.literal('s3', { error: 'must be "s3"' }).optional(),
  }, { error: 'must be an object {bucket, key, location?} for contentType "file"' })
  .loose();

const dataContent = z
  .object({
    data: z.string({ error: 'must be a non-empty string' }).min(1, 'must be a non-empty string'),
  }, { error: 'must be an object {data} for contentType "data"' })
  .loose();

const common = {
  classificationResult: z
    .object({ documentClassification: z.string({ error: 'must be a string' }) }, { error: 'must be an object {documentClassification}' })
    .loose()
    .optional(),
  metadata: z.record(z.string(), z.unknown(), { error: 'must be an object' }).optional(),
  documentId: z.string({ error: 'must be a string' }).optional(),
};

const requestSchema = z.discriminatedUnion(
  'contentType',
  [
    z.object({ contentType: z.literal('file'), content: fileContent, ...common }).loose(),
    z.object({ contentType: z.literal('data'), content: dataContent, ...common }).loose(),
  ],
  { error: 'must be "file" or "data" (or send {"prompt": "..."} alone)' },
);

export type AgentInvocationRequest = z.infer<typeof requestSchema>;
export type FileInvocationRequest = Extract<AgentInvocationRequest, { contentType: 'file' }>;

/**
 * The request the AgentCore CLI and AgentCore's own tooling send: `{"prompt": "..."}`, taken as
 * inline data (the prompt is the document text). `metadata` and `documentId` may come with it, and
 * the fields the `agentcore dev` chat page adds (`agentName`, `sessionId`, `userId`: strings, not
 * used); anything else is refused by name, so a mistyped field is not silently dropped.
 */
const PROMPT_FIELDS = ['prompt', 'metadata', 'documentId', 'agentName', 'sessionId', 'userId'];
const devToolField = z.string({ error: 'must be a string' }).optional();
const promptRequestSchema = z
  .object({
    prompt: z.string({ error: 'must be a non-empty string' }).min(1, 'must be a non-empty string'),
    metadata: common.metadata,
    documentId: common.documentId,
    agentName: devToolField,
    sessionId: devToolField,
    userId: devToolField,
  })
  .strict();

function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const message = `is not allowed in a {"prompt"} request, which takes only ${PROMPT_FIELDS.join(', ')}`;
      return issue.keys.map((key) => ({ field: [...issue.path.map(String), key].join('.'), message }));
    }
    return [{ field: issue.path.length === 0 ? '(body)' : issue.path.map(String).join('.'), message: issue.message }];
  });
}

function parsePromptRequest(payload: object): AgentInvocationRequest {
  if ('contentType' in payload || 'content' in payload) {
    throw new RequestValidationError('Invalid request', [
      { field: 'prompt', message: 'cannot be combined with contentType or content: send either {"prompt"} or {"contentType", "content"}' },
    ]);
  }
  const result = promptRequestSchema.safeParse(payload);
  if (!result.success) {
    throw new RequestValidationError('Invalid request', issuesOf(result.error));
  }
  const { prompt, metadata, documentId } = result.data;
  return {
    contentType: 'data',
    content: { data: prompt },
    ...(metadata === undefined ? {} : { metadata }),
    ...(documentId === undefined ? {} : { documentId }),
  };
}

/**
 * Validates an invocation payload, throwing `RequestValidationError` that names every bad field.
 * `{"prompt": "..."}` is the same as `{"contentType": "data", "content": {"data": "..."}}`.
 */
export function parseRequest(payload: unknown): AgentInvocationRequest {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new RequestValidationError('The request must be a JSON object', [
      { field: '(body)', message: 'must be a JSON object' },
    ]);
  }
  if ('prompt' in payload) return parsePromptRequest(payload);
  const result = requestSchema.safeParse(payload);
  if (!result.success) {
    throw new RequestValidationError('Invalid request', issuesOf(result.error));
  }
  return result.data;
}
