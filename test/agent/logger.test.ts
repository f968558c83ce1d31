import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../agent/core/logger.js';

function capture(level?: 'debug' | 'info' | 'warn' | 'error') {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createJsonLogger({ ...(level === undefined ? {} : { level }), fields: { runtime: 'LAMBDA' }, write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('createJsonLogger', () => {
  it('writes one JSON object per line with level, message, base and child fields', () => {
    const { logger, lines } = capture();
    logger.child({ sessionId: 's-1' }).info('Invocation completed', { tokensUsed: 12 });
    expect(lines).toEqual([
      { timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'info', message: 'Invocation completed', runtime: 'LAMBDA', sessionId: 's-1', tokensUsed: 12 },
    ]);
  });

  it('drops lines below its level', () => {
    const { logger, lines } = capture('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
  });

  it('serializes errors with their name, message and cause', () => {
    const { logger, lines } = capture();
    const cause = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    logger.error('Cannot read', { error: new Error('Cannot read s3://b/k', { cause }) });
    expect(lines[0]?.error).toEqual({ name: 'Error', message: 'Cannot read s3://b/k', cause: { name: 'AccessDenied', message: 'Access Denied' } });
  });
});
