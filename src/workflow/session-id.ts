import { Token } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { InvalidRuntimeConfigError } from '../runtime/errors';
import { AgentRuntimeType } from '../runtime/runtime-type';

/** AgentCore's bounds on `runtimeSessionId`. */
export const SESSION_ID_MIN = 33;
export const SESSION_ID_MAX = 256;

/**
 * The execution's name (at most 80 characters), a dash and a UUID (36): always 38 to 117
 * characters, found from the execution by its prefix, and new for every invocation, so the items
 * of a Map never share a session, nor does a retry reuse a session that failed.
 */
export function defaultSessionId(): string {
  return sfn.JsonPath.format('{}-{}', sfn.JsonPath.executionName, sfn.JsonPath.uuid());
}

/**
 * A literal session id must fit AgentCore's bounds; one from the state is checked by the relay
 * at run time (`Agent.BadRequest`).
 */
export function validateSessionId(sessionId: unknown): void {
  if (sessionId === undefined) return;
  if (typeof sessionId !== 'string') {
    throw new InvalidRuntimeConfigError(AgentRuntimeType.AGENTCORE, `sessionId is ${typeof sessionId}; allowed: a string of ${SESSION_ID_MIN} to ${SESSION_ID_MAX} characters, or sfn.JsonPath.stringAt('$.path')`, 'sessionId');
  }
  if (Token.isUnresolved(sessionId)) return;
  if (sessionId.length < SESSION_ID_MIN || sessionId.length > SESSION_ID_MAX) {
    throw new InvalidRuntimeConfigError(AgentRuntimeType.AGENTCORE,
      `sessionId '${sessionId}' is ${sessionId.length} characters; allowed: ${SESSION_ID_MIN} to ${SESSION_ID_MAX} characters (AgentCore's runtimeSessionId), or leave it unset for one derived from the execution`,
      'sessionId');
  }
}
