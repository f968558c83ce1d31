import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CONSUMER_TIMEOUT, DocumentConsumer } from './document-consumer';
import { documentProcessingDefinition, RAW_PREFIX } from './document-processing-states';
import { AgentCoreInvocation } from './agentcore-invocation';
import type { BaseAgent } from '../agents/base-agent';
import { DocumentSource } from '../agents/document-source';
import { sharedAgentKey } from '../agents/shared-key';
import { validateDocumentProcessingProps } from './document-processing-validation';
import { createAgentLogGroup } from '../runtime/agent-log-group';
import { InvalidRuntimeConfigError } from '../runtime/errors';
import { AgentRuntimeType } from '../runtime/runtime-type';

/**
 * How the workflow's step invokes one of its agents: the `InvokeAgent` settings it passes on.
 */
export interface AgentStepOptions {
  /**
   * `WAIT_FOR_TASK_TOKEN` for runs longer than 15 minutes (AgentCore, up to 8 hours).
   *
   * @default sfn.IntegrationPattern.REQUEST_RESPONSE
   */
  readonly integrationPattern?: sfn.IntegrationPattern;

  /**
   * The step's timeout.
   *
   * @default - none for request-response steps; the runtime's longest run for callback steps
   */
  readonly taskTimeout?: sfn.Timeout;

  /**
   * The callback step's heartbeat timeout.
   *
   * @default - 5 minutes for callback steps
   */
  readonly heartbeatTimeout?: sfn.Timeout;

  /**
   * How an AgentCore agent is called.
   *
   * @default AgentCoreInvocation.relay()
   */
  readonly agentCoreInvocation?: AgentCoreInvocation;

  /**
   * Whether the step retries throttling and transient failures.
   *
   * @default true
   */
  readonly retryOnServiceExceptions?: boolean;
}

/**
 * Properties of an `AgenticDocumentProcessing` workflow.
 */
export interface AgenticDocumentProcessingProps {
  /**
   * The agent that processes each document, on either runtime.
   */
  readonly processingAgent: BaseAgent;

  /**
   * How the processing step invokes it.
   *
   * @default - request-response, with the default retries
   */
  readonly processingStep?: AgentStepOptions;

  /**
   * An agent that classifies each document first; its answer (text, e.g. `invoice`) reaches the
   * processing agent's prompt as `classificationResult.documentClassification`.
   *
   * @default - no classification
   */
  readonly classificationAgent?: BaseAgent;

  /**
   * How the classification step invokes it.
   *
   * @default - request-response, with the default retries
   */
  readonly classificationStep?: AgentStepOptions;

  /**
   * A function that receives the state after processing and returns the new `processingResult`.
   *
   * @default - no enrichment
   */
  readonly enrichment?: lambda.IFunction;

  /**
   * A function that receives the state after enrichment; its answer is kept as `postProcessingResult`.
   *
   * @default - no post-processing
   */
  readonly postProcessing?: lambda.IFunction;

  /**
   * The bucket documents are uploaded to (`raw/`) and moved in (`processed/`, `failed/`).
   *
   * @default - a new bucket: KMS-encrypted with `encryptionKey`, SSL only, versioned, no public access
   */
  readonly bucket?: s3.IBucket;

  /**
   * The key of the new bucket, the table, the consumer's environment and the logs (the queues have
   * a key of their own).
   *
   * @default - the stack's shared agent key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The longest one document's execution may run.
   *
   * @default - 1 hour, plus the longest each callback (long-run) step may wait (its taskTimeout, or
   * 15 minutes on Lambda and 8 hours on AgentCore)
   */
  readonly workflowTimeout?: Duration;

  /**
   * What happens to the bucket, the table, the queues' key and the log groups when removed from the
   * stack (the stack's shared key, when used, is destroyed only if every user of it says DESTROY).
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A document-processing workflow whose agents run on either runtime: documents uploaded under
 * `raw/` of the bucket are queued, each starts one Standard execution that records the document in
 * DynamoDB, classifies it (optionally), has the processing agent process it, enriches and
 * post-processes the result (optionally), stores the result under `processed/<documentId>/` and
 * moves the document there. A failing step records the error and moves the document to
 * `failed/<documentId>/`. The state machine's role may invoke the agents as their runtimes
 * require; the agents may read documents under `raw/` of the bucket, and nothing else of it.
 */
export class AgenticDocumentProcessing extends Construct {
  /** The bucket documents are uploaded to and moved in. */
  public readonly bucket: s3.IBucket;
  /** The queue of the bucket's `raw/` notifications. */
  public readonly queue: sqs.Queue;
  /** Where notifications the consumer could not use end after 5 receives (kept 14 days). */
  public readonly deadLetterQueue: sqs.Queue;
  /** The documents' status records (partition key `documentId`). */
  public readonly table: dynamodb.Table;
  /** The workflow run once per document. */
  public readonly stateMachine: sfn.StateMachine;
  /** The function that starts one execution per queued notification. */
  public readonly consumerFunction: lambda.IFunction;
  /** The key encrypting the workflow's data. */
  public readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: AgenticDocumentProcessingProps) {
    super(scope, id);
    validateDocumentProcessingProps(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey = props.encryptionKey ?? sharedAgentKey(this, removalPolicy);
    const key = this.encryptionKey;

    this.bucket = props.bucket ?? new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy,
    });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'documentId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });

    const agents = [props.processingAgent, ...(props.classificationAgent ? [props.classificationAgent] : [])];
    for (const agent of agents) {
      if (Stack.of(agent) !== Stack.of(this)) {
        // The agent would reference the bucket and the state machine the agent: a cycle between stacks.
        throw new InvalidRuntimeConfigError(agent.runtime.runtimeType,
          `agent ${agent.node.path} is in stack ${Stack.of(agent).stackName}, the workflow in ${Stack.of(this).stackName}; the agents read the workflow's bucket and the workflow invokes them. Allowed: the agents in the workflow's stack`,
          agent === props.processingAgent ? 'processingAgent' : 'classificationAgent');
      }
      agent.addDocumentSource(DocumentSource.fromBucket(this.bucket, RAW_PREFIX));
    }

    // As the agents' log groups are made: a key of the user's gets the statement CloudWatch Logs needs.
    const logGroup = createAgentLogGroup(this, { encryptionKey: key, logRetention: logs.RetentionDays.ONE_MONTH, removalPolicy });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(documentProcessingDefinition(this, {
        bucket: this.bucket,
        table: this.table,
        processingAgent: props.processingAgent,
        processingStep: props.processingStep ?? {},
        classificationAgent: props.classificationAgent,
        classificationStep: props.classificationStep ?? {},
        enrichment: props.enrichment,
        postProcessing: props.postProcessing,
      })),
      timeout: props.workflowTimeout ?? defaultWorkflowTimeout(props),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // The S3 steps read and write KMS-encrypted objects, the DynamoDB steps the table's items:
    // through those services only.
    const keys = new Set([key, ...(this.bucket.encryptionKey ? [this.bucket.encryptionKey] : [])]);
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [...keys].map((k) => k.keyArn),
      conditions: { StringEquals: { 'kms:ViaService': [`s3.${Stack.of(this).region}.amazonaws.com`, `dynamodb.${Stack.of(this).region}.amazonaws.com`] } },
    }));
    warnIfShorterThanSteps(this, props);

    // A key of the queues' own: the queue's grant to S3 names the bucket in the key policy, which
    // the bucket's own key cannot do, since the bucket depends on it.
    const queueKey = new kms.Key(this, 'QueueKey', {
      description: `Encrypts the notification queues of ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryptionMasterKey: queueKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryptionMasterKey: queueKey,
      enforceSSL: true,
      // Longer than the consumer may take, with room for Lambda's own retries of a batch.
      visibilityTimeout: Duration.seconds(CONSUMER_TIMEOUT.toSeconds() * 6),
      // 5, as AWS advises for Lambda event sources, so that throttled deliveries are retried first.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), { prefix: RAW_PREFIX });
    this.consumerFunction = new DocumentConsumer(this, 'Consumer', {
      queue: this.queue,
      stateMachine: this.stateMachine,
      encryptionKey: key,
      removalPolicy,
    }).consumerFunction;
  }
}

/** The longest a callback step of an agent may wait by default: its runtime's longest run. */
const CALLBACK_MAX = { [AgentRuntimeType.LAMBDA]: Duration.minutes(15), [AgentRuntimeType.AGENTCORE]: Duration.hours(8) };

/** An hour for the request-response steps and the storage steps, plus each callback step's longest wait. */
function defaultWorkflowTimeout(props: AgenticDocumentProcessingProps): Duration {
  let seconds = Duration.hours(1).toSeconds();
  const steps = [[props.processingAgent, props.processingStep], [props.classificationAgent, props.classificationStep]] as const;
  for (const [agent, step] of steps) {
    if (agent === undefined || step?.integrationPattern !== sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN) continue;
    seconds += step.taskTimeout?.seconds ?? CALLBACK_MAX[agent.runtime.runtimeType].toSeconds();
  }
  return Duration.seconds(seconds);
}

/** A workflow timeout shorter than a step's would end the execution while the agent still works. */
function warnIfShorterThanSteps(scope: Construct, props: AgenticDocumentProcessingProps): void {
  const workflow = props.workflowTimeout?.toSeconds();
  if (workflow === undefined) return;
  for (const [name, step] of [['processingStep', props.processingStep], ['classificationStep', props.classificationStep]] as const) {
    const seconds = step?.taskTimeout?.seconds;
    if (seconds !== undefined && seconds > workflow) {
      Annotations.of(scope).addWarningV2('agentic-ai-framework:workflowTimeoutShorterThanStep',
        `workflowTimeout (${workflow} seconds) is shorter than ${name}.taskTimeout (${seconds} seconds): the execution would time out while the agent still works.`);
    }
  }
}
