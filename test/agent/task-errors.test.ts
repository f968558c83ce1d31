import { describe, expect, it } from 'vitest';
import {
  AGENT_BAD_REQUEST,
  AGENT_FAILED,
  AGENT_TASK_ERROR_NAMES,
  AGENT_THROTTLED,
  AGENT_TIMEOUT,
  AGENT_UNAVAILABLE,
  AgentTaskError,
  taskErrorNameForStatus,
  taskFailureCause,
} from '../../agent/core/task-errors.js';

describe('taskErrorNameForStatus', () => {
  it.each([
    [400, AGENT_BAD_REQUEST],
    [403, AGENT_BAD_REQUEST],
    [404, AGENT_BAD_REQUEST],
    [413, AGENT_BAD_REQUEST],
    [422, AGENT_BAD_REQUEST],
    [408, AGENT_TIMEOUT],
    [504, AGENT_TIMEOUT],
    [429, AGENT_THROTTLED],
    [503, AGENT_THROTTLED],
    [500, AGENT_FAILED],
    [502, AGENT_FAILED],
    [599, AGENT_FAILED],
    // Not an error status: an answer a failed agent should not give.
    [200, AGENT_FAILED],
    [0, AGENT_FAILED],
  ])('maps %i to %s', (status, name) => {
    expect(taskErrorNameForStatus(status)).toBe(name);
  });

  it('names exactly the five errors of the Step Functions contract', () => {
    expect(AGENT_TASK_ERROR_NAMES).toEqual(['Agent.BadRequest', 'Agent.Throttled', 'Agent.Timeout', 'Agent.Failed', 'Agent.Unavailable']);
    expect(AGENT_UNAVAILABLE).toBe('Agent.Unavailable');
  });
});

describe('AgentTaskError', () => {
  it('carries the name Step Functions matches, the message and the status', () => {
    const error = AgentTaskError.fromStatus(422, 's3://d/k does not exist');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('Agent.BadRequest');
    expect(error.message).toBe('s3://d/k does not exist');
    expect(error.statusCode).toBe(422);
    expect(String(error)).toBe('Agent.BadRequest: s3://d/k does not exist');
  });

  it('may have no status (the runtime was not reached) and keeps its cause', () => {
    const cause = new Error('connect ECONNREFUSED');
    const error = new AgentTaskError(AGENT_UNAVAILABLE, 'The runtime could not be reached', { cause });
    expect(error.statusCode).toBeUndefined();
    expect(error.cause).toBe(cause);
  });

  it('gives a SendTaskFailure cause shaped like the one Lambda builds', () => {
    const cause = taskFailureCause(AgentTaskError.fromStatus(503, 'Bedrock kept throttling'));
    expect(JSON.parse(cause)).toEqual({ errorType: 'Agent.Throttled', errorMessage: 'Bedrock kept throttling' });
  });
});
