import * as path from 'path';
import { AgentCode, AgentCodeLanguage, DirectoryAgentCode } from '../runtime/agent-code';

/**
 * The package's `assets/agent` directory: `src/agents` when run from source, `lib/agents` compiled.
 */
export const DEFAULT_AGENT_ASSETS = path.join(__dirname, '..', '..', 'assets', 'agent');

/**
 * The default agent (TypeScript on Strands Agents), bundled at library build time: one bundle
 * per entrypoint, `lambda/index.js` (handler `index.handler`, or `index.chatHandler` for the
 * streaming chat of interactive agents) and `agentcore/index.js`.
 */
export function defaultAgentCode(lambdaHandler: 'index.handler' | 'index.chatHandler' = 'index.handler'): AgentCode {
  return new DirectoryAgentCode(
    AgentCodeLanguage.NODEJS,
    path.join(DEFAULT_AGENT_ASSETS, 'lambda'),
    path.join(DEFAULT_AGENT_ASSETS, 'agentcore'),
    { lambdaHandler, agentCoreEntrypoint: 'index.js' },
    true,
  );
}
