import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '../../agent/core/errors.js';
import { parseRequest } from '../../agent/core/request.js';

function fieldsOf(payload: unknown): string[] {
  try {
    parseRequest(payload);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.fields;
    throw error;
  }
  throw new Error('parseRequest accepted the payload');
}

describe('parseRequest', () => {
  it('keeps the Step Functions fields of the payload', () => {
    const payload = {
      documentId: 'doc-1',
      contentType: 'file',
      content: { bucket: 'docs', key: 'in/a.pdf', location: 's3' },
      eventTime: '2025-01-01T00:00:00Z',
      eventName: 'ObjectCreated:Put',
      source: 'aws.s3',
      classificationResult: { documentClassification: 'INVOICE', confidence: 0.9 },
      metadata: { tenant: 't1' },
    };
    expect(parseRequest(payload)).toEqual(payload);
  });

  it('accepts a file request without location, as the seed Lambda example sends', () => {
    expect(parseRequest({ contentType: 'file', content: { bucket: 'b', key: 'k' } })).toMatchObject({ content: { bucket: 'b', key: 'k' } });
  });

  it.each([
    ['a non-object body', [1, 2], ['(body)']],
    ['null', null, ['(body)']],
    ['no contentType', { content: { data: 'x' } }, ['contentType']],
    ['an unknown contentType', { contentType: 'url', content: {} }, ['contentType']],
    ['a file without content', { contentType: 'file' }, ['content']],
    ['a file with bad fields', { contentType: 'file', content: { bucket: '', key: 7, location: 'gcs' } }, ['content.bucket', 'content.key', 'content.location']],
    ['data without text', { contentType: 'data', content: { data: '' } }, ['content.data']],
    ['a bad classification', { contentType: 'data', content: { data: 'x' }, classificationResult: { documentClassification: 3 } }, ['classificationResult.documentClassification']],
    ['metadata that is not an object', { contentType: 'data', content: { data: 'x' }, metadata: 'm' }, ['metadata']],
  ])('rejects %s, naming the fields', (_name, payload, fields) => {
    expect(fieldsOf(payload)).toEqual(fields);
  });

  describe('{"prompt": ...}, as the AgentCore CLI sends it', () => {
    it('is inline data whose text is the prompt', () => {
      expect(parseRequest({ prompt: 'Hello there' })).toEqual({ contentType: 'data', content: { data: 'Hello there' } });
    });

    it('keeps metadata and documentId', () => {
      expect(parseRequest({ prompt: 'Hi', metadata: { tenant: 'acme' }, documentId: 'd-1' })).toEqual({
        contentType: 'data',
        content: { data: 'Hi' },
        metadata: { tenant: 'acme' },
        documentId: 'd-1',
      });
    });

    it('takes the fields the agentcore dev chat page adds, and uses none of them', () => {
      expect(parseRequest({ prompt: 'Hi', agentName: 'invoices', sessionId: 's-1', userId: 'u-1' }))
        .toEqual({ contentType: 'data', content: { data: 'Hi' } });
      expect(() => parseRequest({ prompt: 'Hi', userId: 7 })).toThrow(RequestValidationError);
    });

    it.each([
      ['an empty prompt', { prompt: '' }, ['prompt']],
      ['a prompt that is not a string', { prompt: ['a'] }, ['prompt']],
      ['null', { prompt: null }, ['prompt']],
      ['a prompt with contentType', { prompt: 'x', contentType: 'data' }, ['prompt']],
      ['a prompt with content', { prompt: 'x', content: { data: 'y' } }, ['prompt']],
      ['unknown fields', { prompt: 'x', input: 'y', session_id: 's' }, ['input', 'session_id']],
      ['bad metadata', { prompt: 'x', metadata: 'm' }, ['metadata']],
    ])('rejects %s, naming the fields', (_name, payload, fields) => {
      expect(fieldsOf(payload)).toEqual(fields);
    });

    it('says which fields a prompt request takes', () => {
      expect(() => parseRequest({ prompt: 'x', input: 'y' })).toThrow('input (is not allowed in a {"prompt"} request, which takes only prompt, metadata, documentId, agentName, sessionId, userId)');
    });
  });
});
