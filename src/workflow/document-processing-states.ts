import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { InvokeAgent, InvokeAgentOptions } from './invoke-agent';
import type { BaseAgent } from '../agents/base-agent';

/** Where the workflow keeps documents: uploads arrive under `raw/`, and end under one of the others. */
export const RAW_PREFIX = 'raw/';
export const PROCESSED_PREFIX = 'processed/';
export const FAILED_PREFIX = 'failed/';

/** What the state machine's states need to know. */
export interface DocumentStatesProps {
  readonly bucket: s3.IBucket;
  readonly table: dynamodb.ITable;
  readonly processingAgent: BaseAgent;
  readonly processingStep: InvokeAgentOptions;
  readonly classificationAgent?: BaseAgent;
  readonly classificationStep: InvokeAgentOptions;
  readonly enrichment?: lambda.IFunction;
  readonly postProcessing?: lambda.IFunction;
}

const documentId = sfn.JsonPath.stringAt('$.documentId');
const str = (path: string) => tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(path));
const literal = (value: string) => tasks.DynamoAttributeValue.fromString(value);

/**
 * The document-processing states: record, (classify), process, (enrich), (post-process), store the
 * result, move the document to `processed/`, record completion; any failure records it and moves
 * the document to `failed/`. Nothing is deleted but the `raw/` copy of a document that was moved
 * (a delete marker in the versioned bucket).
 */
export function documentProcessingDefinition(scope: Construct, props: DocumentStatesProps): sfn.IChainable {
  const { bucket, table } = props;
  const catchAll = (state: sfn.TaskStateBase, handler: sfn.IChainable): void => {
    state.addCatch(handler, { resultPath: '$.error' });
  };

  const recordFailure = new tasks.DynamoUpdateItem(scope, 'RecordFailure', {
    table,
    key: { documentId: tasks.DynamoAttributeValue.fromString(documentId) },
    updateExpression: 'SET #status = :status, errorName = :errorName, errorCause = :errorCause, failedAt = :at',
    expressionAttributeNames: { '#status': 'status' },
    expressionAttributeValues: {
      ':status': literal('failed'),
      ':errorName': str('$.error.Error'),
      ':errorCause': str('$.error.Cause'),
      ':at': str('$$.State.EnteredTime'),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  const failed = new sfn.Fail(scope, 'Failed', { error: 'DocumentProcessingFailed', causePath: '$.error.Cause' });
  const moveToFailed = moveDocument(scope, bucket, 'Failed', FAILED_PREFIX, failed);
  recordFailure.addCatch(moveToFailed.start, { resultPath: '$.recordFailureError' });
  recordFailure.next(moveToFailed.start);

  const initMetadata = new tasks.DynamoPutItem(scope, 'InitMetadata', {
    table,
    item: {
      documentId: tasks.DynamoAttributeValue.fromString(documentId),
      key: str('$.content.key'),
      status: literal('pending'),
      createdAt: str('$$.Execution.StartTime'),
      executionArn: str('$$.Execution.Id'),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  catchAll(initMetadata, recordFailure);

  const request: Record<string, unknown> = {
    documentId,
    contentType: sfn.JsonPath.stringAt('$.contentType'),
    content: sfn.JsonPath.objectAt('$.content'),
    eventTime: sfn.JsonPath.stringAt('$.eventTime'),
    eventName: sfn.JsonPath.stringAt('$.eventName'),
    source: sfn.JsonPath.stringAt('$.source'),
  };
  let chain: sfn.Chain = sfn.Chain.start(initMetadata);

  if (props.classificationAgent) {
    const classify = new InvokeAgent(scope, 'Classify', {
      ...props.classificationStep,
      agent: props.classificationAgent,
      payload: sfn.TaskInput.fromObject(request),
      // The classification agent answers the class; the processing agent's prompt receives it.
      resultSelector: { documentClassification: sfn.JsonPath.stringAt('$.result') },
      resultPath: '$.classificationResult',
    });
    catchAll(classify, recordFailure);
    chain = chain.next(classify);
  }

  const process = new InvokeAgent(scope, 'Process', {
    ...props.processingStep,
    agent: props.processingAgent,
    payload: sfn.TaskInput.fromObject({
      ...request,
      ...(props.classificationAgent ? { classificationResult: sfn.JsonPath.objectAt('$.classificationResult') } : {}),
    }),
    resultPath: '$.processingResult',
  });
  catchAll(process, recordFailure);
  chain = chain.next(process);

  if (props.enrichment) {
    const enrich = new tasks.LambdaInvoke(scope, 'Enrich', {
      lambdaFunction: props.enrichment,
      payloadResponseOnly: true,
      resultPath: '$.processingResult',
    });
    catchAll(enrich, recordFailure);
    chain = chain.next(enrich);
  }
  if (props.postProcessing) {
    const postProcess = new tasks.LambdaInvoke(scope, 'PostProcess', {
      lambdaFunction: props.postProcessing,
      payloadResponseOnly: true,
      resultPath: '$.postProcessingResult',
    });
    catchAll(postProcess, recordFailure);
    chain = chain.next(postProcess);
  }

  // Always in S3: a result may be up to the 256 KB a state holds, and the record stays small.
  // Next to the document's folder, not in it: the document may itself be named result.json.
  const resultKey = sfn.JsonPath.format(`${PROCESSED_PREFIX}{}.result.json`, documentId);
  const storeResult = new tasks.CallAwsService(scope, 'StoreResult', {
    service: 's3',
    action: 'putObject',
    iamAction: 's3:PutObject',
    iamResources: [bucket.arnForObjects(`${PROCESSED_PREFIX}*`)],
    parameters: {
      Bucket: bucket.bucketName,
      Key: resultKey,
      Body: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.processingResult')),
      ContentType: 'application/json',
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  catchAll(storeResult, recordFailure);

  const complete = new tasks.DynamoUpdateItem(scope, 'Complete', {
    table,
    key: { documentId: tasks.DynamoAttributeValue.fromString(documentId) },
    updateExpression: 'SET #status = :status, completedAt = :at, resultKey = :resultKey, processedKey = :processedKey'
      + (props.classificationAgent ? ', classification = :classification' : ''),
    expressionAttributeNames: { '#status': 'status' },
    expressionAttributeValues: {
      ':status': literal('completed'),
      ':at': str('$$.State.EnteredTime'),
      ':resultKey': tasks.DynamoAttributeValue.fromString(resultKey),
      ':processedKey': tasks.DynamoAttributeValue.fromString(destinationKey(PROCESSED_PREFIX)),
      ...(props.classificationAgent ? { ':classification': str('$.classificationResult.documentClassification') } : {}),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  catchAll(complete, recordFailure);
  const moveToProcessed = moveDocument(scope, bucket, 'Processed', PROCESSED_PREFIX, complete, recordFailure);

  return chain.next(storeResult).next(moveToProcessed.start);
}

/** `<prefix><documentId>/<file name>`: one folder per document, so equal names never collide. */
function destinationKey(prefix: string): string {
  return sfn.JsonPath.format(`${prefix}{}/{}`, documentId, sfn.JsonPath.stringAt('$.content.filename'));
}

/**
 * Copy the document from `raw/` to `prefix`, then delete the `raw/` key (a delete marker: the
 * bucket is versioned). On the failure path (`onError` absent) a failed move still ends the run.
 */
function moveDocument(scope: Construct, bucket: s3.IBucket, suffix: string, prefix: string, then: sfn.IChainable, onError?: sfn.IChainable) {
  const copy = new tasks.CallAwsService(scope, `CopyTo${suffix}`, {
    service: 's3',
    action: 'copyObject',
    // CopyObject reads the source and writes the copy, tags included.
    iamAction: 's3:GetObject',
    iamResources: [bucket.arnForObjects(`${RAW_PREFIX}*`)],
    additionalIamStatements: [
      new iam.PolicyStatement({ actions: ['s3:GetObjectTagging'], resources: [bucket.arnForObjects(`${RAW_PREFIX}*`)] }),
      new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:PutObjectTagging'], resources: [bucket.arnForObjects(`${prefix}*`)] }),
    ],
    parameters: {
      Bucket: bucket.bucketName,
      // URL-encoded by the consumer, as CopySource must be.
      CopySource: sfn.JsonPath.stringAt('$.copySource'),
      Key: destinationKey(prefix),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  const remove = new tasks.CallAwsService(scope, `DeleteRawAfter${suffix}`, {
    service: 's3',
    action: 'deleteObject',
    iamAction: 's3:DeleteObject',
    iamResources: [bucket.arnForObjects(`${RAW_PREFIX}*`)],
    parameters: { Bucket: bucket.bucketName, Key: sfn.JsonPath.stringAt('$.content.key') },
    resultPath: sfn.JsonPath.DISCARD,
  });
  for (const state of [copy, remove]) {
    state.addCatch(onError ?? then, { resultPath: onError ? '$.error' : '$.moveError' });
  }
  copy.next(remove).next(then);
  return { start: copy };
}
