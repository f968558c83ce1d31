import * as crypto from 'crypto';

const MAX_RUNTIME_NAME = 48;
const HASH_LENGTH = 8;

/**
 * A valid AgentCore runtime name (`^[a-zA-Z][a-zA-Z0-9_]{0,47}$`) made from any agent name.
 *
 * Runtime names are unique per account and Region, so a hash of the construct path is
 * appended: two stacks with an agent of the same name do not collide, and the name stays
 * the same across synths as long as the construct path does.
 */
export function toRuntimeName(agentName: string, uniqueKey: string): string {
  const hash = crypto.createHash('sha256').update(uniqueKey).digest('hex').slice(0, HASH_LENGTH);
  let base = agentName.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  if (!/^[a-zA-Z]/.test(base)) {
    base = `agent_${base}`.replace(/_+$/, '');
  }
  base = base.slice(0, MAX_RUNTIME_NAME - HASH_LENGTH - 1).replace(/_+$/, '');
  return `${base}_${hash}`;
}
