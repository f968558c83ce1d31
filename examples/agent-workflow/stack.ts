import * as path from 'path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  AgentErrors, AgentRuntimeType, BatchAgent, BedrockModel, InferenceProfileGeo, InvokeAgent, type AgentDefinitionProps,
} from 'agentic-ai-framework';
import { acknowledgeAgentFindings, acknowledgeWorkflowFindings } from '../nag-acknowledgements';

/**
 * One agent definition on both runtimes, each a step of one state machine, plus a long run on
 * AgentCore that reports back with the task token. The steps give the same output and fail with
 * the same error names, so one Catch serves all three.
 */
export class AgentWorkflowStack extends Stack {
  public readonly onLambda: BatchAgent;
  public readonly onAgentCore: BatchAgent;
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);

    const agentDefinition: AgentDefinitionProps = {
      bedrockModel: BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.US, 'anthropic.claude-sonnet-4-20250514-v1:0'),
      systemPrompt: new s3Assets.Asset(this, 'SystemPrompt', { path: path.join(__dirname, 'prompt.txt') }),
      tools: [new s3Assets.Asset(this, 'CurrencyTool', { path: path.join(__dirname, 'tools', 'currency_lookup.mjs') })],
    };
    const common = { agentDefinition, prompt: 'Extract the invoice fields as JSON.', expectJson: true };
    this.onLambda = new BatchAgent(this, 'OnLambda', {
      ...common,
      agentName: 'workflow-lambda',
      runtime: { type: AgentRuntimeType.LAMBDA, config: { timeout: Duration.minutes(15) } },
    });
    this.onAgentCore = new BatchAgent(this, 'OnAgentCore', {
      ...common,
      agentName: 'workflow-agentcore',
      runtime: { type: AgentRuntimeType.AGENTCORE, config: { timeout: Duration.hours(2) } },
    });

    // Every step reads the request from $.request and leaves the input as it is, adding its answer.
    const request = sfn.TaskInput.fromJsonPathAt('$.request');
    const onLambda = this.onLambda.createStepFunctionsTask(this, 'ExtractOnLambda', { payload: request, resultPath: '$.onLambda' });
    const onAgentCore = new InvokeAgent(this, 'ExtractOnAgentCore', { agent: this.onAgentCore, payload: request, resultPath: '$.onAgentCore' });
    // Beyond Lambda's 15 minutes: the agent answers at once, heartbeats every 100 s, and reports.
    const longRun = new InvokeAgent(this, 'ReviewOnAgentCore', {
      agent: this.onAgentCore,
      payload: request,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      taskTimeout: sfn.Timeout.duration(Duration.hours(2)),
      heartbeatTimeout: sfn.Timeout.duration(Duration.minutes(5)),
      resultPath: '$.review',
    });

    const rejected = new sfn.Fail(this, 'Rejected', { error: 'InvoiceRejected', causePath: '$.failure.Cause' });
    const failed = new sfn.Fail(this, 'Failed', { error: 'AgentFailed', causePath: '$.failure.Cause' });
    for (const step of [onLambda, onAgentCore, longRun]) {
      // Written once for both runtimes: the names are the same.
      step.addCatch(rejected, { errors: [AgentErrors.BAD_REQUEST], resultPath: '$.failure' });
      step.addCatch(failed, { errors: [...AgentErrors.TIMEOUTS, AgentErrors.FAILED], resultPath: '$.failure' });
      step.addCatch(failed, { resultPath: '$.failure' });
    }

    this.stateMachine = new sfn.StateMachine(this, 'InvoiceWorkflow', {
      definitionBody: sfn.DefinitionBody.fromChainable(onLambda.next(onAgentCore).next(longRun).next(new sfn.Succeed(this, 'Done'))),
      timeout: Duration.hours(3),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'WorkflowLogs', {
          retention: logs.RetentionDays.ONE_WEEK,
          encryptionKey: this.onLambda.encryptionKey,
          removalPolicy: RemovalPolicy.RETAIN,
        }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
    });

    acknowledgeAgentFindings(this.onLambda);
    acknowledgeAgentFindings(this.onAgentCore);
    acknowledgeWorkflowFindings(this.stateMachine);

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn, description: 'aws stepfunctions start-execution --state-machine-arn <this>' });
  }
}
