// Agents of this library run on the foundation: a BatchAgent given the foundation's role uses it
// and adds only its own statements, on either runtime.
import * as path from 'path';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import { describe, expect, it } from 'vitest';
import { AgentCoreRuntimeFoundation, AgentRuntimeType, BatchAgent, BedrockModel } from '../../src';
import { expectValidIam } from '../helpers/iam-validity';
import { synth, testStack } from '../helpers/test-app';
import { onlyResource, roleStatements } from './fixtures';

describe.each([AgentRuntimeType.AGENTCORE, AgentRuntimeType.LAMBDA])('a BatchAgent on %s with the foundation role', (type) => {
  it('runs as the foundation role, which keeps its own policy, and adds only the agent statements', async () => {
    const build = (withAgent: boolean) => {
      const stack = testStack();
      const foundation = new AgentCoreRuntimeFoundation(stack, 'Foundation', { environment: 'dev', agentNamespace: 'myorg/support' });
      if (withAgent) {
        new BatchAgent(stack, 'Agent', {
          agentName: 'support',
          agentDefinition: {
            bedrockModel: BedrockModel.foundationModel('anthropic.claude-sonnet-4-20250514-v1:0'),
            systemPrompt: new s3Assets.Asset(stack, 'Prompt', { path: path.join(__dirname, 'fixtures', 'prompt.txt') }),
          },
          prompt: 'Answer the ticket.',
          runtime: { type },
          executionRole: foundation.executionRole,
        });
      }
      return synth(stack);
    };
    const template = build(true);
    const role = onlyResource(template, 'AWS::IAM::Role');
    expect(role.properties.RoleName).toMatch(/^myorg-support-dev-TestStack-[0-9a-f]{8}$/);
    expect(roleStatements(template)).toEqual(roleStatements(build(false)));

    // The runtime runs as the foundation role.
    const runtimeRoles =
      type === AgentRuntimeType.AGENTCORE
        ? Object.values(template.findResources('AWS::BedrockAgentCore::Runtime')).map((r) => r.Properties.RoleArn)
        : Object.values(template.findResources('AWS::Lambda::Function')).map((r) => r.Properties.Role);
    expect(runtimeRoles.length).toBeGreaterThan(0);
    for (const arn of runtimeRoles) expect(JSON.stringify(arn)).toContain(role.logicalId);

    // The agent's statements are in separate policies attached to the foundation role.
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies.length).toBeGreaterThan(0);
    for (const policy of policies) expect(policy.Properties.Roles).toEqual([{ Ref: role.logicalId }]);
    await expectValidIam(template);
  });
});
