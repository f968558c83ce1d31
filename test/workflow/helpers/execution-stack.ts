/**
 * The app the execution tests deploy locally: one agent definition on both runtimes and the state
 * machines that call them through `InvokeAgent` as a user would write them (defaults kept: retries,
 * session ids, callback timeouts).
 */
import { join } from 'node:path';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { AgentErrors, AgentRuntimeType, BatchAgent, BedrockModel, DocumentSource, InvokeAgent, type AgentDefinitionProps } from '../../../src';

export const MODEL_ID = 'anthropic.claude-3-5-haiku-20241022-v1:0';
export const DOCUMENTS_BUCKET = 'workflow-documents';
export const DOCUMENTS_PREFIX = 'incoming/';
/** The callback steps' heartbeatTimeout: short, so that a dead agent is noticed within a test. */
export const HEARTBEAT_SECONDS = 2;

export class ExecutionStack extends Stack {
  public readonly onLambda: BatchAgent;
  public readonly onAgentCore: BatchAgent;
  /** OnLambda → OnAgentCore → Done, the same request to both; a refusal is caught and explained. */
  public readonly bothRuntimes: sfn.StateMachine;
  /** A Map of documents over the AgentCore agent. */
  public readonly documents: sfn.StateMachine;
  /** Both agents as long runs (callback), side by side. */
  public readonly longRuns: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    const agentDefinition: AgentDefinitionProps = {
      bedrockModel: BedrockModel.foundationModel(MODEL_ID),
      systemPrompt: new s3Assets.Asset(this, 'SystemPrompt', { path: join(__dirname, 'execution-prompt.txt') }),
    };
    const common = {
      agentDefinition,
      prompt: 'Describe the document as JSON.',
      expectJson: true,
      documentSources: [DocumentSource.fromBucket(s3.Bucket.fromBucketName(this, 'DocumentsBucket', DOCUMENTS_BUCKET), DOCUMENTS_PREFIX)],
      // One model attempt: a throttled model is at once the agent's 503 (Agent.Throttled), retried by the step.
      environment: { MODEL_MAX_ATTEMPTS: '1' },
    };
    this.onLambda = new BatchAgent(this, 'OnLambda', { ...common, agentName: 'exec-lambda', runtime: { type: AgentRuntimeType.LAMBDA } });
    this.onAgentCore = new BatchAgent(this, 'OnAgentCore', { ...common, agentName: 'exec-agentcore', runtime: { type: AgentRuntimeType.AGENTCORE } });

    const request = sfn.TaskInput.fromJsonPathAt('$.request');
    const viaLambda = new InvokeAgent(this, 'ExtractOnLambda', { agent: this.onLambda, payload: request, resultPath: '$.onLambda' });
    const viaAgentCore = new InvokeAgent(this, 'ExtractOnAgentCore', { agent: this.onAgentCore, payload: request, resultPath: '$.onAgentCore' });
    const done = new sfn.Succeed(this, 'Done');
    viaLambda.addCatch(this.explain('Lambda', '$.onLambda').next(viaAgentCore), { errors: [AgentErrors.BAD_REQUEST], resultPath: '$.failure' });
    viaAgentCore.addCatch(this.explain('AgentCore', '$.onAgentCore').next(done), { errors: [AgentErrors.BAD_REQUEST], resultPath: '$.failure' });
    this.bothRuntimes = new sfn.StateMachine(this, 'BothRuntimes', {
      definitionBody: sfn.DefinitionBody.fromChainable(viaLambda.next(viaAgentCore).next(done)),
    });

    const eachDocument = new sfn.Map(this, 'EachDocument', { itemsPath: '$.documents' });
    eachDocument.itemProcessor(new InvokeAgent(this, 'ExtractDocument', { agent: this.onAgentCore }));
    this.documents = new sfn.StateMachine(this, 'Documents', { definitionBody: sfn.DefinitionBody.fromChainable(eachDocument) });

    const longRuns = new sfn.Parallel(this, 'LongRuns');
    for (const [name, agent] of [['Lambda', this.onLambda], ['AgentCore', this.onAgentCore]] as const) {
      const step = new InvokeAgent(this, `LongRunOn${name}`, {
        agent,
        payload: request,
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        heartbeatTimeout: sfn.Timeout.duration(Duration.seconds(HEARTBEAT_SECONDS)),
      });
      step.addCatch(this.explain(`LongRun${name}`, '$'), { errors: AgentErrors.ALL, resultPath: '$.failure' });
      step.addCatch(new sfn.Pass(this, `LongRun${name}Lost`, { parameters: { error: sfn.JsonPath.stringAt('$.failure.Error') } }), {
        errors: ['States.HeartbeatTimeout', 'States.Timeout'],
        resultPath: '$.failure',
      });
      longRuns.branch(step);
    }
    this.longRuns = new sfn.StateMachine(this, 'LongRunsMachine', { definitionBody: sfn.DefinitionBody.fromChainable(longRuns) });
  }

  /**
   * Two Pass states after a caught failure: the Cause parsed (`States.StringToJson($.failure.Cause)`),
   * then `{ error, message }` with the message read from it, at `resultPath`.
   */
  private explain(name: string, resultPath: string): sfn.Chain {
    const parsed = new sfn.Pass(this, `${name}Refused`, {
      parameters: {
        error: sfn.JsonPath.stringAt('$.failure.Error'),
        cause: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.failure.Cause')),
      },
      resultPath: '$.explained',
    });
    const message = new sfn.Pass(this, `${name}Explained`, {
      parameters: { error: sfn.JsonPath.stringAt('$.explained.error'), message: sfn.JsonPath.stringAt('$.explained.cause.errorMessage') },
      resultPath,
    });
    return parsed.next(message);
  }
}
