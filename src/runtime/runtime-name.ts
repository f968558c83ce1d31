import * as crypto from 'crypto';
import { Names, Stack, Token } from 'aws-cdk-lib';

const MAX_RUNTIME_NAME = 48;
const HASH_LENGTH = 8;

/**
 * A valid AgentCore runtime name (`^[a-zA-Z][a-zA-Z0-9_]{0,47}$`): the stack's name and the agent's
 * name, then a hash of both and the construct path.
 *
 * Runtime names are unique per account and Region. The stack name tells apart one app deployed
 * as two stacks (same construct paths); the path tells apart agents of one name in one stack.
 * The name stays the same across synths as long as the stack name and the path do.
 */
export function toRuntimeName(stack: Stack, agentName: string, constructPath: string): string {
  // A nested stack's name is a token whose text changes with unrelated code: use its stable unique id.
  const stackName = Token.isUnresolved(stack.stackName) ? Names.uniqueId(stack) : stack.stackName;
  const hash = crypto.createHash('sha256').update(`${stackName}\n${constructPath}`).digest('hex').slice(0, HASH_LENGTH);
  const readableStack = `${stackName}_`;
  let base = `${readableStack}${agentName}`.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  if (!/^[a-zA-Z]/.test(base)) {
    base = `agent_${base}`.replace(/_+$/, '');
  }
  base = base.slice(0, MAX_RUNTIME_NAME - HASH_LENGTH - 1).replace(/_+$/, '');
  return `${base}_${hash}`;
}
