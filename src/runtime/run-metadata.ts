import { CfnElement } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AgentCodeRunInfo } from './agent-code';
import { AgentRuntimeType } from './runtime-type';

/** The type of the construct metadata entry an agent runtime records for the command-line tool. */
export const AGENT_METADATA_TYPE = 'agentic-ai-framework:agent';

/**
 * What the command-line tool (`agentic-ai-framework local|invoke`) reads from a cloud assembly to
 * find an agent and run it: everything else (environment, code asset, handler) is in the template.
 */
export interface AgentRunMetadata {
  readonly agentName: string;
  readonly runtimeType: AgentRuntimeType;
  /** Logical id of the AWS::Lambda::Function or AWS::BedrockAgentCore::Runtime. */
  readonly resourceLogicalId: string;
  /** The endpoint callers pass as qualifier (AgentCore). */
  readonly endpointName?: string;
  readonly code: AgentCodeRunInfo;
}

/** Records `metadata` on `scope`, with the logical id of `resource` as CloudFormation will name it. */
export function recordRunMetadata(scope: Construct, resource: CfnElement, metadata: Omit<AgentRunMetadata, 'resourceLogicalId'>): void {
  // The logical id token, resolved at synth, so that a later overrideLogicalId is what gets recorded.
  scope.node.addMetadata(AGENT_METADATA_TYPE, { ...metadata, resourceLogicalId: resource.logicalId });
}
