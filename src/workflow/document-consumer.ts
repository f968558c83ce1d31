import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { createAgentLogGroup } from '../runtime/agent-log-group';

/**
 * The package's `assets/consumer` directory (`index.mjs`, handler `index.handler`), bundled at
 * library build time like the default agent.
 */
export const CONSUMER_ASSETS = path.join(__dirname, '..', '..', 'assets', 'consumer');

/** How long the consumer may take for one batch of messages. */
export const CONSUMER_TIMEOUT = Duration.minutes(1);

/** Properties of a `DocumentConsumer`. */
export interface DocumentConsumerProps {
  readonly queue: sqs.IQueue;
  readonly stateMachine: sfn.IStateMachine;
  readonly encryptionKey: kms.IKey;
}

/**
 * The function that turns each S3 notification of the queue into one execution of the state
 * machine (named after the document, so a message delivered twice starts one), reporting the
 * messages it could not use so that SQS retries them and then moves them to the dead-letter queue.
 */
export class DocumentConsumer extends Construct {
  public readonly consumerFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: DocumentConsumerProps) {
    super(scope, id);
    const logGroup = createAgentLogGroup(this, { encryptionKey: props.encryptionKey });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Starts one document-processing execution per uploaded document',
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    this.consumerFunction = new lambda.Function(this, 'Function', {
      description: 'Starts one document-processing execution per uploaded document',
      code: lambda.Code.fromAsset(CONSUMER_ASSETS),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: CONSUMER_TIMEOUT,
      role,
      logGroup,
      environment: { STATE_MACHINE_ARN: props.stateMachine.stateMachineArn },
      environmentEncryption: props.encryptionKey,
    });
    props.encryptionKey.grantDecrypt(role);
    props.stateMachine.grantStartExecution(role);
    this.consumerFunction.addEventSource(new lambdaEventSources.SqsEventSource(props.queue, {
      batchSize: 10,
      // Only the messages that failed go back to the queue, not the whole batch.
      reportBatchItemFailures: true,
    }));
  }
}
