import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_MAX_ATTEMPTS, DEFAULT_PROMPT, DEFAULT_S3_READ_TIMEOUT_MS, readConfig } from '../../agent/core/config.js';
import { AgentConfigError } from '../../agent/core/errors.js';
import { baseEnv } from './helpers/deps.js';

function configError(env: Record<string, string | undefined>): AgentConfigError {
  try {
    readConfig(env);
  } catch (error) {
    if (error instanceof AgentConfigError) return error;
    throw error;
  }
  throw new Error('readConfig accepted the environment');
}

describe('readConfig', () => {
  it('reads the environment a BatchAgent sets', () => {
    const config = readConfig(
      baseEnv({
        TOOLS_CONFIG: JSON.stringify([
          { bucketName: 'tools', key: 'add.mjs', isFile: true, isZipArchive: false },
          { bucketName: 'tools', key: 'bundle.zip', isFile: false, isZipArchive: true },
        ]),
        EXPECT_JSON: 'True',
        DOCUMENT_SOURCES: JSON.stringify([{ bucketName: 'incoming-docs', prefix: 'incoming/' }, { bucketName: 'archive', prefix: '' }]),
        S3_READ_TIMEOUT_MS: '5000',
      }),
    );
    expect(config).toEqual({
      systemPrompt: { bucket: 'config-bucket', key: 'prompts/system.txt' },
      tools: [
        { bucketName: 'tools', key: 'add.mjs', isFile: true, isZipArchive: false },
        { bucketName: 'tools', key: 'bundle.zip', isFile: false, isZipArchive: true },
      ],
      modelId: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
      invokeType: 'batch',
      prompt: 'Extract the invoice fields.',
      expectJson: true,
      observabilityEnabled: false,
      modelMaxAttempts: DEFAULT_MODEL_MAX_ATTEMPTS,
      logLevel: 'info',
      documentSources: [
        { bucketName: 'incoming-docs', prefix: 'incoming/' },
        { bucketName: 'archive', prefix: '' },
      ],
      s3ReadTimeoutMs: 5000,
    });
  });

  it('defaults INVOKE_TYPE, PROMPT and TOOLS_CONFIG when unset', () => {
    const config = readConfig({ SYSTEM_PROMPT_S3_BUCKET_NAME: 'b', SYSTEM_PROMPT_S3_KEY: 'k', MODEL_ID: 'anthropic.claude-3-haiku-20240307-v1:0' });
    expect(config.invokeType).toBe('batch');
    expect(config.prompt).toBe(DEFAULT_PROMPT);
    expect(config.tools).toEqual([]);
    expect(config.expectJson).toBe(false);
    // No document sources: the agent reads no documents from S3.
    expect(config.documentSources).toEqual([]);
    expect(config.s3ReadTimeoutMs).toBe(DEFAULT_S3_READ_TIMEOUT_MS);
  });

  it.each(['', ' ', '[]'])('reads DOCUMENT_SOURCES=%j as no sources', (value) => {
    expect(readConfig(baseEnv({ DOCUMENT_SOURCES: value })).documentSources).toEqual([]);
  });

  it.each([
    ['True', true], ['true', true], ['1', true],
    ['', false], ['False', false], ['false', false], ['0', false],
  ])('reads EXPECT_JSON=%j as %s', (value, expected) => {
    expect(readConfig(baseEnv({ EXPECT_JSON: value })).expectJson).toBe(expected);
  });

  it.each([
    ['SYSTEM_PROMPT_S3_BUCKET_NAME', { SYSTEM_PROMPT_S3_BUCKET_NAME: '' }, 'required'],
    ['SYSTEM_PROMPT_S3_KEY', { SYSTEM_PROMPT_S3_KEY: '  ' }, 'required'],
    ['MODEL_ID', { MODEL_ID: '' }, 'required'],
    ['INVOKE_TYPE', { INVOKE_TYPE: 'streaming' }, '"streaming" is not supported; allowed: batch, interactive'],
    ['EXPECT_JSON', { EXPECT_JSON: 'yes' }, 'got "yes"'],
    ['TOOLS_CONFIG', { TOOLS_CONFIG: '[{' }, 'not valid JSON'],
    ['TOOLS_CONFIG', { TOOLS_CONFIG: '[{"bucketName":"b"}]' }, '[0.key]'],
    ['TOOLS_CONFIG', { TOOLS_CONFIG: '{"bucketName":"b","key":"k"}' }, 'must be a JSON list'],
    ['MODEL_MAX_ATTEMPTS', { MODEL_MAX_ATTEMPTS: '0' }, 'from 1 to 20'],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, 'got "loud"'],
    ['DOCUMENT_SOURCES', { DOCUMENT_SOURCES: '[{"bucketName":' }, 'is not valid JSON'],
    ['DOCUMENT_SOURCES', { DOCUMENT_SOURCES: '{"bucketName":"b","prefix":""}' }, 'must be a JSON list of {"bucketName": string, "prefix": string}'],
    ['DOCUMENT_SOURCES', { DOCUMENT_SOURCES: '[{"bucketName":"b"}]' }, '[0.prefix] must be a string'],
    ['DOCUMENT_SOURCES', { DOCUMENT_SOURCES: '[{"bucketName":"","prefix":""}]' }, '[0.bucketName] must be a non-empty string'],
    ['DOCUMENT_SOURCES', { DOCUMENT_SOURCES: '[{"bucket":"b","prefix":""}]' }, 'unknown field(s) bucket'],
    ['DOCUMENT_SOURCES', { DOCUMENT_SOURCES: '[{"bucketName":"b","prefix":"in/*"}]' }, 'not a pattern'],
    ['DOCUMENT_SOURCES', { DOCUMENT_SOURCES: '[{"bucketName":"b","prefix":"/in/"}]' }, 'must not start with "/"'],
    ['S3_READ_TIMEOUT_MS', { S3_READ_TIMEOUT_MS: '30' }, 'from 100 to 900000'],
    ['S3_READ_TIMEOUT_MS', { S3_READ_TIMEOUT_MS: '1.5' }, 'from 100 to 900000'],
  ])('names %s when it is wrong', (variable, overrides, detail) => {
    const error = configError(baseEnv(overrides));
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(detail);
  });

  it('names a variable that is missing altogether', () => {
    const env: Record<string, string | undefined> = baseEnv();
    delete env.MODEL_ID;
    expect(configError(env).variable).toBe('MODEL_ID');
  });
});
