import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import { AgentRuntimeType, BatchAgent, BatchAgentProps, BedrockModel } from '../../src';

export const AGENT_FIXTURES = path.join(__dirname, 'fixtures');
export const MODEL_ID = 'anthropic.claude-sonnet-4-20250514-v1:0';
export const RUNTIME_TYPES = [AgentRuntimeType.LAMBDA, AgentRuntimeType.AGENTCORE] as const;

export function promptAsset(stack: Stack, id = 'Prompt'): s3Assets.Asset {
  return new s3Assets.Asset(stack, id, { path: path.join(AGENT_FIXTURES, 'prompt.txt') });
}

export function toolAsset(stack: Stack, id: string, zip = false): s3Assets.Asset {
  return new s3Assets.Asset(stack, id, { path: path.join(AGENT_FIXTURES, zip ? 'tool-dir' : 'tool.js') });
}

/** A BatchAgent with a minimal definition; `overrides` replace any prop. */
export function batchAgent(stack: Stack, id: string, type: AgentRuntimeType, overrides: Partial<BatchAgentProps> = {}): BatchAgent {
  return new BatchAgent(stack, id, {
    agentName: `agent-${id}`.toLowerCase(),
    agentDefinition: { bedrockModel: BedrockModel.foundationModel(MODEL_ID), systemPrompt: promptAsset(stack, `${id}Prompt`) },
    prompt: 'Summarise the document.',
    runtime: { type },
    ...overrides,
  });
}

/** Resources of a type in a template JSON. */
export function resourcesOfType(template: { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> }, type: string) {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === type);
}

/** The environment of the one agent in the template, whichever the runtime. */
export function agentEnvironment(template: Record<string, unknown>): Record<string, unknown> {
  type Props = { Environment?: { Variables: Record<string, unknown> }; EnvironmentVariables?: Record<string, unknown> };
  const t = template as { Resources: Record<string, { Type: string; Properties: Props }> };
  for (const r of Object.values(t.Resources)) {
    if (r.Type === 'AWS::Lambda::Function' && r.Properties.Environment) return r.Properties.Environment.Variables;
    if (r.Type === 'AWS::BedrockAgentCore::Runtime') return r.Properties.EnvironmentVariables ?? {};
  }
  throw new Error('no agent runtime in template');
}
