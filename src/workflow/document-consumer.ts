import * as path from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { libraryFunction } from './library-function';

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
  readonly removalPolicy?: RemovalPolicy;
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
    this.consumerFunction = libraryFunction(this, {
      assets: CONSUMER_ASSETS,
      description: 'Starts one document-processing execution per uploaded document',
      timeout: CONSUMER_TIMEOUT,
      encryptionKey: props.encryptionKey,
      environment: { STATE_MACHINE_ARN: props.stateMachine.stateMachineArn },
      removalPolicy: props.removalPolicy,
    });
    props.stateMachine.grantStartExecution(this.consumerFunction);
    this.consumerFunction.addEventSource(new lambdaEventSources.SqsEventSource(props.queue, {
      batchSize: 10,
      // Only the messages that failed go back to the queue, not the whole batch.
      reportBatchItemFailures: true,
    }));
  }
}
