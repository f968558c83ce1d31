import * as path from 'path';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import { AgentRuntimeType, BatchAgent, BedrockModel, InferenceProfileGeo } from 'agentic-ai-framework';
import { acknowledgeAgentFindings } from '../nag-acknowledgements';

/**
 * A batch agent on AWS Lambda (the default runtime): invoice extraction with a system prompt
 * and one tool, answering JSON.
 */
export class BatchAgentLambdaStack extends Stack {
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
      // The default; shown for the comparison with the AgentCore example.
      runtime: { type: AgentRuntimeType.LAMBDA, config: { timeout: Duration.minutes(5), memorySize: 1024 } },
    });

    acknowledgeAgentFindings(this.agent);
  }
}
