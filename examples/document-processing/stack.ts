import * as path from 'path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  AgenticDocumentProcessing, AgentRuntimeType, BatchAgent, BedrockModel, InferenceProfileGeo,
} from 'agentic-ai-framework';
import { acknowledgeAgentFindings, acknowledgeDocumentProcessingFindings } from '../nag-acknowledgements';

/**
 * Documents dropped under raw/ are classified by an agent on Lambda (short, many), then processed
 * by an agent on AgentCore (long runs, up to 2 hours, reporting back with the task token).
 */
export class DocumentProcessingStack extends Stack {
  public readonly classifier: BatchAgent;
  public readonly processor: BatchAgent;
  public readonly workflow: AgenticDocumentProcessing;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    const model = BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.US, 'anthropic.claude-sonnet-4-20250514-v1:0');

    this.classifier = new BatchAgent(this, 'Classifier', {
      agentName: 'document-classifier',
      agentDefinition: { bedrockModel: model, systemPrompt: new s3Assets.Asset(this, 'ClassifyPrompt', { path: path.join(__dirname, 'classify-prompt.txt') }) },
      prompt: 'Classify this document.',
      runtime: { type: AgentRuntimeType.LAMBDA, config: { timeout: Duration.minutes(5) } },
    });
    this.processor = new BatchAgent(this, 'Processor', {
      agentName: 'document-processor',
      agentDefinition: {
        bedrockModel: model,
        systemPrompt: new s3Assets.Asset(this, 'ProcessPrompt', { path: path.join(__dirname, 'process-prompt.txt') }),
        tools: [new s3Assets.Asset(this, 'CurrencyTool', { path: path.join(__dirname, 'tools', 'currency_lookup.mjs') })],
      },
      prompt: 'Extract the invoice fields as JSON.',
      expectJson: true,
      runtime: { type: AgentRuntimeType.AGENTCORE, config: { timeout: Duration.hours(2) } },
    });

    this.workflow = new AgenticDocumentProcessing(this, 'Documents', {
      classificationAgent: this.classifier,
      processingAgent: this.processor,
      processingStep: {
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        taskTimeout: sfn.Timeout.duration(Duration.hours(2)),
      },
    });

    acknowledgeAgentFindings(this.classifier);
    acknowledgeAgentFindings(this.processor);
    acknowledgeDocumentProcessingFindings(this.workflow, [this.classifier, this.processor]);

    new CfnOutput(this, 'BucketName', { value: this.workflow.bucket.bucketName, description: 'Upload documents under raw/' });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn, description: 'One execution per document' });
    new CfnOutput(this, 'TableName', { value: this.workflow.table.tableName, description: 'Document status records' });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.workflow.deadLetterQueue.queueUrl, description: 'Notifications that could not be used' });
  }
}
