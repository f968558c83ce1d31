import { describe, expect, it } from 'vitest';
import {
  AgentConfigError,
  AgentRuntimeType,
  DocumentAccessError,
  DocumentError,
  RequestValidationError,
  RuntimeInvocationError,
  S3ObjectError,
} from '../../agent/core/errors.js';
import { AgentTaskError } from '../../agent/core/task-errors.js';
import { HttpError, toAgentTaskError, toErrorResponse } from '../../agent/http/http-error.js';

describe('toErrorResponse', () => {
  it.each([
    ['an HttpError', new HttpError(413, 'too big', { Connection: 'close' }), 413, { error: 'too big' }],
    ['a RequestValidationError', new RequestValidationError('Invalid request', [{ field: 'content.key', message: 'must be a non-empty string' }]), 400, { error: 'Invalid request: content.key (must be a non-empty string)', fields: ['content.key'] }],
    ['a DocumentError', new DocumentError('s3://d/k does not exist'), 422, { error: 's3://d/k does not exist', fields: ['content'] }],
    ['a throttled RuntimeInvocationError', new RuntimeInvocationError(AgentRuntimeType.AGENTCORE, 503, new Error('Too many requests')), 503, { error: 'Agent invocation failed: Too many requests', cause: 'Too many requests' }],
    ['an S3ObjectError', new S3ObjectError('cfg', 'p.txt', Object.assign(new Error('Access Denied'), { name: 'AccessDenied' })), 502, { error: 'Cannot read s3://cfg/p.txt: AccessDenied (Access Denied)' }],
    ['a timed-out S3ObjectError', new S3ObjectError('cfg', 'p.txt', new Error('no answer'), { label: 'system prompt', timeoutMs: 400 }), 504, { error: 'Cannot read the system prompt s3://cfg/p.txt: timed out after 400 ms (S3_READ_TIMEOUT_MS)' }],
    ['an S3ObjectError from a reset connection', new S3ObjectError('t', 'x.zip', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), { label: 'tool object' }), 502, { error: 'Cannot read the tool object s3://t/x.zip: ECONNRESET (read ECONNRESET)' }],
    ['a DocumentAccessError', new DocumentAccessError('b', 'k', 's3://b/k is not in a document source of this agent; allowed: ...'), 403, { error: 's3://b/k is not in a document source of this agent; allowed: ...', fields: ['content'] }],
    ['a Lambda deadline', new RuntimeInvocationError(AgentRuntimeType.LAMBDA, 504, new Error('stopped')), 504, { error: 'Agent invocation failed: stopped', cause: 'stopped' }],
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

describe('toAgentTaskError', () => {
  it.each([
    ['a RequestValidationError', new RequestValidationError('Invalid request', [{ field: 'content.key', message: 'must be a non-empty string' }]), 'Agent.BadRequest', 400, 'Invalid request: content.key (must be a non-empty string)'],
    ['a DocumentAccessError', new DocumentAccessError('b', 'k', 's3://b/k is not in a document source'), 'Agent.BadRequest', 403, 's3://b/k is not in a document source'],
    ['a DocumentError', new DocumentError('s3://d/k does not exist'), 'Agent.BadRequest', 422, 's3://d/k does not exist'],
    ['a model that kept throttling', new RuntimeInvocationError(AgentRuntimeType.LAMBDA, 503, new Error('Too many requests')), 'Agent.Throttled', 503, 'Agent invocation failed: Too many requests'],
    ['a model failure', new RuntimeInvocationError(AgentRuntimeType.LAMBDA, 502, new Error('boom')), 'Agent.Failed', 502, 'Agent invocation failed: boom'],
    ['a Lambda deadline', new RuntimeInvocationError(AgentRuntimeType.LAMBDA, 504, new Error('stopped')), 'Agent.Timeout', 504, 'Agent invocation failed: stopped'],
    ['a timed-out S3 read', new S3ObjectError('cfg', 'p.txt', new Error('no answer'), { timeoutMs: 400 }), 'Agent.Timeout', 504, 'Cannot read s3://cfg/p.txt: timed out after 400 ms (S3_READ_TIMEOUT_MS)'],
    ['a failed S3 read', new S3ObjectError('cfg', 'p.txt', Object.assign(new Error('Access Denied'), { name: 'AccessDenied' })), 'Agent.Failed', 502, 'Cannot read s3://cfg/p.txt: AccessDenied (Access Denied)'],
    ['an AgentConfigError', new AgentConfigError('MODEL_ID', 'is required but unset or empty'), 'Agent.Failed', 500, 'Agent misconfigured: MODEL_ID: is required but unset or empty'],
    ['anything else', new TypeError('x is not a function'), 'Agent.Failed', 500, 'Internal error: x is not a function'],
    ['a thrown string', 'oops', 'Agent.Failed', 500, 'Internal error: oops'],
  ])('names %s', (_name, error, name, statusCode, message) => {
    const failure = toAgentTaskError(error);
    expect(failure).toBeInstanceOf(AgentTaskError);
    expect({ name: failure.name, statusCode: failure.statusCode, message: failure.message }).toEqual({ name, statusCode, message });
    expect(failure.cause).toBe(error);
  });

  it('keeps an AgentTaskError as it is', () => {
    const error = new AgentTaskError('Agent.Unavailable', 'unreachable');
    expect(toAgentTaskError(error)).toBe(error);
  });
});
