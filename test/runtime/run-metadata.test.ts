import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { AgentRuntimeFactory, AgentRuntimeType } from '../../src';
import { AGENT_METADATA_TYPE } from '../../src/runtime/run-metadata';
import { TEST_ENV, VALIDATION_CONTEXT } from '../helpers/test-app';
import { nodeAgentCode } from './fixtures';

describe.each([AgentRuntimeType.LAMBDA, AgentRuntimeType.AGENTCORE])('%s runtime', (type) => {
  it('records what a local run needs in the cloud assembly: name, runtime, the resource\'s logical id, both entrypoints', () => {
    const app = new App({ context: VALIDATION_CONTEXT });
    const stack = new Stack(app, 'Agents', { env: TEST_ENV });
    const agent = AgentRuntimeFactory.create(stack, 'Agent', { type }, { agentName: 'meta', code: nodeAgentCode() });
    // Renamed after construction: the metadata must name the resource as synthesized.
    const resource = agent.node.findAll().find((c) => c instanceof CfnResource && ['AWS::Lambda::Function', 'AWS::BedrockAgentCore::Runtime'].includes(c.cfnResourceType)) as CfnResource;
    resource.overrideLogicalId('RenamedAgentResource');
    const artifact = app.synth().getStackByName(stack.stackName);
    const entries = artifact.findMetadataByType(AGENT_METADATA_TYPE);
    expect(entries).toHaveLength(1);
    expect(entries[0].path).toBe(`/Agents/Agent${type === AgentRuntimeType.LAMBDA ? 'Lambda' : 'AgentCore'}`);
    const data = entries[0].data as unknown as Record<string, unknown>;
    const resourceType = type === AgentRuntimeType.LAMBDA ? 'AWS::Lambda::Function' : 'AWS::BedrockAgentCore::Runtime';
    expect(Object.keys(Template.fromJSON(artifact.template).findResources(resourceType))).toEqual([data.resourceLogicalId]);
    expect(data.resourceLogicalId).toBe('RenamedAgentResource');
    expect(data).toMatchObject({
      agentName: 'meta',
      runtimeType: type,
      code: { kind: 'files', language: 'NODEJS', lambdaHandler: 'index.handler', agentCoreEntrypoint: 'index.js', sameFiles: true, defaultAgent: false },
      ...(type === AgentRuntimeType.AGENTCORE ? { endpointName: 'live' } : {}),
    });
  });
});
