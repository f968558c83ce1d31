import type { AgentCodeRunInfo } from '../src/runtime/agent-code.js';

/**
 * One agent found in a cloud assembly: what the construct recorded as metadata
 * (`agentic-ai-framework:agent`, see src/runtime/run-metadata.ts) plus where it lives.
 */
export interface AgentRecord {
  /** The construct path of the runtime, e.g. `/InvoiceStack/InvoiceAgent/RuntimeLambda`. */
  readonly constructPath: string;
  readonly agentName: string;
  readonly runtimeType: 'LAMBDA' | 'AGENTCORE';
  /** The stack's artifact id and its deployed name. */
  readonly stackArtifactId: string;
  readonly stackName: string;
  /** `aws://<account>/<region>`; either may be `unknown-account` / `unknown-region`. */
  readonly environment: string;
  /** Logical id of the AWS::Lambda::Function or AWS::BedrockAgentCore::Runtime in the stack. */
  readonly resourceLogicalId: string;
  /** The endpoint callers pass as qualifier (AgentCore). */
  readonly endpointName?: string;
  /** What the construct recorded about the code (its entrypoints, language, kind). */
  readonly code: AgentCodeRunInfo;
}
