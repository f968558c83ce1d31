import { describe, expect, it } from 'vitest';
import {
  AgentConfigError,
  AgentRuntimeType,
  DocumentError,
  RequestValidationError,
  RuntimeInvocationError,
  S3ObjectError,
} from '../../agent/core/errors.js';
import { HttpError, toErrorResponse } from '../../agent/http/http-error.js';

describe('toErrorResponse', () => {
  it.each([
    ['an HttpError', new HttpError(413, 'too big', { Connection: 'close' }), 413, { error: 'too big' }],
    ['a RequestValidationError', new RequestValidationError('Invalid request', [{ field: 'content.key', message: 'must be a non-empty string' }]), 400, { error: 'Invalid request: content.key (must be a non-empty string)', fields: ['content.key'] }],
    ['a DocumentError', new DocumentError('s3://d/k does not exist'), 422, { error: 's3://d/k does not exist', fields: ['content'] }],
    ['a throttled RuntimeInvocationError', new RuntimeInvocationError(AgentRuntimeType.AGENTCORE, 503, new Error('Too many requests')), 503, { error: 'Agent invocation failed for AGENTCORE: Too many requests', cause: 'Too many requests' }],
    ['an S3ObjectError', new S3ObjectError('cfg', 'p.txt', Object.assign(new Error('Access Denied'), { name: 'AccessDenied' })), 502, { error: 'Cannot read s3://cfg/p.txt: AccessDenied (Access Denied)' }],
    ['an AgentConfigError', new AgentConfigError('MODEL_ID', 'is required but unset or empty'), 500, { error: 'Agent misconfigured: MODEL_ID: is required but unset or empty' }],
    ['anything else', new TypeError('x is not a function'), 500, { error: 'Internal error: x is not a function' }],
  ])('maps %s', (_name, error, statusCode, body) => {
    const answer = toErrorResponse(error);
    expect(answer.statusCode).toBe(statusCode);
    expect(answer.body).toEqual(body);
  });

  it('keeps the headers an HttpError asks for', () => {
    expect(toErrorResponse(new HttpError(413, 'too big', { Connection: 'close' })).headers).toEqual({ Connection: 'close' });
  });
});
