/**
 * Plugs TaskTokens into the Step Functions stand-in: SendTaskSuccess, SendTaskFailure and
 * SendTaskHeartbeat sent by a handler's real SFNClient complete (or keep alive) the local state
 * machine's callback tasks, and are answered as the service answers them (TaskTimedOut for a closed
 * task, InvalidToken for an unknown token, ValidationException/InvalidOutput for bad input).
 */
import { sfnError, type SfnReply, type SfnStandIn } from './sfn-stand-in.js';
import type { TaskTokenAnswer, TaskTokens } from './task-tokens.js';

export function answerTaskCallbacks(sfn: Pick<SfnStandIn, 'answer'>, tokens: TaskTokens): void {
  sfn.answer('SendTaskSuccess', ({ input }) => {
    if (typeof input.output !== 'string') return notNull('output');
    return reply(tokens.sendTaskSuccess(String(input.taskToken ?? ''), input.output));
  });
  sfn.answer('SendTaskFailure', ({ input }) =>
    reply(tokens.sendTaskFailure(String(input.taskToken ?? ''), optionalString(input.error), optionalString(input.cause))),
  );
  sfn.answer('SendTaskHeartbeat', ({ input }) => reply(tokens.sendTaskHeartbeat(String(input.taskToken ?? ''))));
}

function reply(answer: TaskTokenAnswer): SfnReply {
  return answer.ok ? { status: 200, body: {} } : sfnError(answer.error, answer.message);
}

function notNull(member: string): SfnReply {
  return sfnError('ValidationException', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
