import * as path from 'path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import {
  AgentCoreAgentRuntime, AgentCoreDeploymentMethod, AgentRuntimeType, BatchAgent, BedrockModel, InferenceProfileGeo,
} from 'agentic-ai-framework';
import { acknowledgeAgentFindings } from '../nag-acknowledgements';

/**
 * The same batch agent on Amazon Bedrock AgentCore Runtime, direct code deployment: the default
 * agent's bundle is zipped and uploaded as an asset at synth, no Docker, no manual upload.
 */
export class BatchAgentAgentCoreStack extends Stack {
  public readonly agent: BatchAgent;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);

    this.agent = new BatchAgent(this, 'InvoiceAgent', {
      agentName: 'invoice-extractor',
      agentDefinition: {
        bedrockModel: BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.US, 'anthropic.claude-sonnet-4-20250514-v1:0'),
        systemPrompt: new s3Assets.Asset(this, 'SystemPrompt', { path: path.join(__dirname, 'prompt.txt') }),
        tools: [new s3Assets.Asset(this, 'CurrencyTool', { path: path.join(__dirname, 'tools', 'currency_lookup.mjs') })],
      },
      prompt: 'Extract the invoice fields as JSON.',
      expectJson: true,
      runtime: {
        type: AgentRuntimeType.AGENTCORE,
        config: {
          deploymentMethod: AgentCoreDeploymentMethod.DIRECT_CODE,
          // Beyond Lambda's 15 minutes: AgentCore sessions run up to 8 hours.
          timeout: Duration.hours(1),
          idleSessionTimeout: Duration.minutes(15),
        },
      },
    });

    acknowledgeAgentFindings(this.agent);

    // What a caller needs after `cdk deploy` (see README.md): the runtime and endpoint to invoke, the logs to read.
    const runtime = this.agent.runtime as AgentCoreAgentRuntime;
    new CfnOutput(this, 'AgentRuntimeArn', { value: runtime.agentCoreAgent.attrAgentRuntimeArn, description: 'aws bedrock-agentcore invoke-agent-runtime --agent-runtime-arn <this>' });
    new CfnOutput(this, 'AgentRuntimeId', { value: runtime.agentCoreAgent.attrAgentRuntimeId, description: 'The runtime id (aws bedrock-agentcore-control get-agent-runtime --agent-runtime-id <this>)' });
    new CfnOutput(this, 'EndpointName', { value: runtime.endpointName, description: 'The qualifier to invoke with (--qualifier <this>)' });
    new CfnOutput(this, 'LogGroupName', { value: runtime.logGroup.logGroupName, description: 'aws logs tail <this> --follow' });
    new CfnOutput(this, 'EncryptionKeyArn', { value: this.agent.encryptionKey.keyArn, description: 'The stack\'s KMS key (retained on cdk destroy)' });
  }
}
