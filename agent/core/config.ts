import { z } from 'zod';
import { AgentConfigError } from './errors.js';
import { isLogLevel, type LogLevel } from './logger.js';

/** Where one tool module (or zip of modules) lives; the BatchAgent construct writes these. */
export interface ToolLocation {
  readonly bucketName: string;
  readonly key: string;
  readonly isFile: boolean;
  readonly isZipArchive: boolean;
}

export interface S3ObjectLocation {
  readonly bucket: string;
  readonly key: string;
}

/**
 * Where `contentType: "file"` documents may be read from: the objects of `bucketName` whose keys
 * start with `prefix`, a plain string prefix as in S3 (`""` is the whole bucket).
 */
export interface DocumentSource {
  readonly bucketName: string;
  readonly prefix: string;
}

/** Everything the agent reads from its environment, validated once per container. */
export interface AgentConfig {
  readonly systemPrompt: S3ObjectLocation;
  readonly tools: readonly ToolLocation[];
  readonly modelId: string;
  readonly invokeType: InvokeType;
  /** Batch agents' prompt; interactive agents take each message from their client instead. */
  readonly prompt: string;
  readonly expectJson: boolean;
  readonly observabilityEnabled: boolean;
  /** Total model attempts per call when Bedrock throttles (first try included). */
  readonly modelMaxAttempts: number;
  readonly logLevel: LogLevel;
  /** The only locations documents are read from; empty: no documents from S3. */
  readonly documentSources: readonly DocumentSource[];
  /** Upper bound on one S3 read (connection, retries, body), in milliseconds. */
  readonly s3ReadTimeoutMs: number;
}

/** The seed agent's prompt when `PROMPT` is unset. */
export const DEFAULT_PROMPT = 'Analyze the attached document and verify the information using the provided tools.';
export const DEFAULT_MODEL_MAX_ATTEMPTS = 6;
/** S3_READ_TIMEOUT_MS when unset: generous for the prompt, a tool zip or a document in the same Region. */
export const DEFAULT_S3_READ_TIMEOUT_MS = 30_000;
export const INVOKE_TYPES = ['batch', 'interactive'] as const;
export type InvokeType = (typeof INVOKE_TYPES)[number];

const toolLocationSchema = z.object({
  bucketName: z.string().min(1),
  key: z.string().min(1),
  isFile: z.boolean().optional().default(false),
  isZipArchive: z.boolean().optional().default(false),
});

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new AgentConfigError(name, 'is required but unset or empty');
  }
  return value;
}

/** `true`/`True`/`1` are true (the seed writes `'True'`); unset, empty, `false`/`False`/`0` are false. */
export function parseBooleanFlag(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined) return false;
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === '' || value === 'false' || value === '0') return false;
  throw new AgentConfigError(name, `must be true, True, 1, false, False, 0 or empty, got ${JSON.stringify(raw)}`);
}

const documentSourceSchema = z
  .object({
    bucketName: z.string({ error: 'must be a non-empty string' }).min(1, 'must be a non-empty string'),
    prefix: z
      .string({ error: 'must be a string ("" for the whole bucket)' })
      .refine((prefix) => !prefix.startsWith('/'), 'must not start with "/" (S3 keys do not)')
      .refine((prefix) => !prefix.includes('*'), 'is a plain key prefix, not a pattern: drop the "*"'),
  })
  .strict();

/** A variable holding a JSON list whose items `schema` validates; unset or empty is an empty list. */
function parseJsonList<T>(env: Env, name: string, schema: z.ZodType<T>, shape: string): T[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new AgentConfigError(name, `is not valid JSON (${(error as Error).message})`);
  }
  const result = z.array(schema).safeParse(parsed);
  if (!result.success) {
    const where = result.error.issues
      .map((i) => `[${i.path.join('.')}] ${i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.join(', ')}` : i.message}`)
      .join('; ');
    throw new AgentConfigError(name, `must be a JSON list of ${shape}: ${where}`);
  }
  return result.data;
}

/** An optional integer variable within `[min, max]`; unset or empty gives `fallback`. */
export function parseIntegerVariable(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AgentConfigError(name, `must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function isInvokeType(value: string): value is InvokeType {
  return (INVOKE_TYPES as readonly string[]).includes(value);
}

/**
 * Reads and validates the agent's configuration. Throws `AgentConfigError` naming the first
 * variable that is wrong; entrypoints call this once per container.
 */
export function readConfig(env: Env): AgentConfig {
  const invokeType = env.INVOKE_TYPE?.trim() || 'batch';
  if (!isInvokeType(invokeType)) {
    throw new AgentConfigError(
      'INVOKE_TYPE',
      `${JSON.stringify(invokeType)} is not supported; allowed: ${INVOKE_TYPES.join(', ')}`,
    );
  }
  const logLevel = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!isLogLevel(logLevel)) {
    throw new AgentConfigError('LOG_LEVEL', `must be debug, info, warn or error, got ${JSON.stringify(env.LOG_LEVEL)}`);
  }
  const prompt = env.PROMPT;
  return {
    systemPrompt: {
      bucket: required(env, 'SYSTEM_PROMPT_S3_BUCKET_NAME'),
      key: required(env, 'SYSTEM_PROMPT_S3_KEY'),
    },
    tools: parseJsonList(env, 'TOOLS_CONFIG', toolLocationSchema, '{bucketName, key, isFile, isZipArchive}'),
    modelId: required(env, 'MODEL_ID').trim(),
    invokeType,
    prompt: prompt === undefined || prompt.trim() === '' ? DEFAULT_PROMPT : prompt,
    expectJson: parseBooleanFlag(env, 'EXPECT_JSON'),
    observabilityEnabled: parseBooleanFlag(env, 'AGENT_OBSERVABILITY_ENABLED'),
    modelMaxAttempts: parseIntegerVariable(env, 'MODEL_MAX_ATTEMPTS', DEFAULT_MODEL_MAX_ATTEMPTS, 1, 20),
    logLevel,
    documentSources: parseJsonList(env, 'DOCUMENT_SOURCES', documentSourceSchema, '{"bucketName": string, "prefix": string}'),
    // At least 100 ms: a value in seconds ("30") is refused rather than taken as 30 ms.
    s3ReadTimeoutMs: parseIntegerVariable(env, 'S3_READ_TIMEOUT_MS', DEFAULT_S3_READ_TIMEOUT_MS, 100, 900_000),
  };
}
