/**
 * `AgenticDocumentProcessing` at construct level, read from synthesized templates with concrete
 * ARNs: the bucket, its notification, the queues, the consumer, the table and the state machine;
 * the definition's states and transitions for every combination of the optional parts (each Task
 * state caught, every definition valid ASL); the agents' document sources; no dependency cycle; a
 * user's bucket with and without its own key; cdk-nag AwsSolutions over the workflow on both
 * runtimes, each finding acknowledged with a reason (the proposal for examples/nag-acknowledgements.ts);
 * and the props refused from plain JavaScript.
 *
 * One stack holds every workflow the template checks read (one synth); the cdk-nag apps are two more.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { acknowledgeAgentFindings, acknowledgeDocumentProcessingFindings } from '../../examples/nag-acknowledgements';
import {
  AgentCoreAgentRuntime, AgentCoreInvocation, AgenticDocumentProcessing, AgenticDocumentProcessingProps, AgentRuntimeType, BaseAgent, BatchAgent,
  LambdaAgentRuntime,
} from '../../src';
import { batchAgent } from '../agents/helpers';
import { validateDefinition } from '../helpers/asl-validation';
import { ResolvedTemplate } from '../helpers/cfn-resolve';
import { synth, TEST_ENV, testStack, VALIDATION_CONTEXT } from '../helpers/test-app';
import { refusal } from '../helpers/thrown';
import { AslDefinition, definitionOf, findDependencyCycle, logicalIdOf, TemplateJson } from '../helpers/workflow-decisions';

const { LAMBDA, AGENTCORE } = AgentRuntimeType;
const WAIT = sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN;
const other = (runtime: AgentRuntimeType) => (runtime === LAMBDA ? AGENTCORE : LAMBDA);

/** One combination of the optional parts. */
interface Combo {
  readonly processing: AgentRuntimeType;
  readonly classification?: AgentRuntimeType;
  readonly enrichment: boolean;
  readonly postProcessing: boolean;
  /** The processing step is a callback (WAIT_FOR_TASK_TOKEN). */
  readonly longRun: boolean;
}

/**
 * Classification, enrichment and post-processing on and off (8), each with processing on either
 * runtime (16); classification on the other runtime; the processing step a long run in half of
 * them (on Lambda without enrichment, on AgentCore with it), so that each part meets both.
 */
const COMBOS: Combo[] = [LAMBDA, AGENTCORE].flatMap((processing) => [0, 1, 2, 3, 4, 5, 6, 7].map((bits) => ({
  processing,
  classification: bits & 1 ? other(processing) : undefined,
  enrichment: (bits & 2) !== 0,
  postProcessing: (bits & 4) !== 0,
  longRun: ((bits >> 1) & 1) === (processing === LAMBDA ? 0 : 1),
})));

const comboName = (c: Combo) => [`processing on ${c.processing}${c.longRun ? ' (long run)' : ''}`,
  c.classification ? `classification on ${c.classification}` : 'no classification',
  c.enrichment ? 'enrichment' : 'no enrichment', c.postProcessing ? 'post-processing' : 'no post-processing'].join(', ');

interface Fixture {
  readonly stack: Stack;
  readonly t: ResolvedTemplate;
  readonly template: TemplateJson;
  readonly agents: Record<AgentRuntimeType, BatchAgent>;
  readonly functions: { readonly enrich: lambda.Function; readonly post: lambda.Function };
  /** One workflow per combination, in COMBOS order. */
  readonly combos: AgenticDocumentProcessing[];
  /** Only the classification step is a callback. */
  readonly classificationLongRun: AgenticDocumentProcessing;
  /** A user's bucket encrypted with the user's key, and a bucket imported by name (no key known). */
  readonly userKeyed: { readonly workflow: AgenticDocumentProcessing; readonly bucket: s3.Bucket; readonly key: kms.Key };
  readonly imported: { readonly workflow: AgenticDocumentProcessing; readonly bucket: s3.IBucket };
  /** Every workflow with the runtimes of the agents it was given. */
  readonly served: ReadonlyArray<{ readonly workflow: AgenticDocumentProcessing; readonly runtimes: readonly AgentRuntimeType[] }>;
}

function build(): Fixture {
  const stack = testStack();
  const agents = { [LAMBDA]: batchAgent(stack, 'OnLambda', LAMBDA), [AGENTCORE]: batchAgent(stack, 'OnAgentCore', AGENTCORE) };
  const fn = (id: string) => new lambda.Function(stack, id, {
    code: lambda.Code.fromInline('exports.handler = async (state) => state.processingResult;'),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_22_X,
  });
  const functions = { enrich: fn('Enrich'), post: fn('Post') };
  const combos = COMBOS.map((c, i) => new AgenticDocumentProcessing(stack, `Docs${i}`, {
    processingAgent: agents[c.processing],
    processingStep: c.longRun ? { integrationPattern: WAIT } : undefined,
    classificationAgent: c.classification && agents[c.classification],
    enrichment: c.enrichment ? functions.enrich : undefined,
    postProcessing: c.postProcessing ? functions.post : undefined,
  }));
  const classificationLongRun = new AgenticDocumentProcessing(stack, 'ClassifyLong', {
    processingAgent: agents[LAMBDA],
    classificationAgent: agents[AGENTCORE],
    classificationStep: { integrationPattern: WAIT },
  });
  const key = new kms.Key(stack, 'UserKey', { enableKeyRotation: true });
  const userBucket = new s3.Bucket(stack, 'UserBucket', { encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true });
  const userKeyed = { workflow: new AgenticDocumentProcessing(stack, 'UserKeyed', { processingAgent: agents[LAMBDA], bucket: userBucket }), bucket: userBucket, key };
  const importedBucket = s3.Bucket.fromBucketName(stack, 'ImportedBucket', 'user-documents-bucket');
  const imported = { workflow: new AgenticDocumentProcessing(stack, 'Imported', { processingAgent: agents[AGENTCORE], bucket: importedBucket }), bucket: importedBucket };

  const served = [
    ...combos.map((workflow, i) => ({ workflow, runtimes: [COMBOS[i].processing, ...(COMBOS[i].classification ? [COMBOS[i].classification!] : [])] })),
    { workflow: classificationLongRun, runtimes: [LAMBDA, AGENTCORE] },
    { workflow: userKeyed.workflow, runtimes: [LAMBDA] },
    { workflow: imported.workflow, runtimes: [AGENTCORE] },
  ];

  const template = synth(stack);
  return {
    stack, t: ResolvedTemplate.fromStack(stack, template), template: template.toJSON() as TemplateJson,
    agents, functions, combos, classificationLongRun, userKeyed, imported, served,
  };
}

let built: Fixture | undefined;
const fixture = () => (built ??= build());

/** The full workflow: classification, enrichment and post-processing, processing on AgentCore as a long run. */
const fullCombo = () => COMBOS.findIndex((c) => c.processing === AGENTCORE && c.classification && c.enrichment && c.postProcessing);

type Props = Record<string, unknown>;
const props = (f: Fixture, construct: IConstruct) => f.t.properties(logicalIdOf(construct)) as Props;
const arnOf = (f: Fixture, construct: IConstruct) => f.t.resolveString({ 'Fn::GetAtt': [logicalIdOf(construct), 'Arn'] });
const refOf = (f: Fixture, construct: IConstruct) => f.t.resolveString({ Ref: logicalIdOf(construct) });

/** The resources of a type whose resolved property `property` equals `value`. */
function resourcesWhere(f: Fixture, type: string, property: string, value: unknown): Props[] {
  return f.t.logicalIdsOfType(type).map((id) => f.t.properties(id) as Props).filter((p) => JSON.stringify(p[property]) === JSON.stringify(value));
}

/** The one notification configuration of a bucket (aws-cdk-lib's Custom::S3BucketNotifications). */
function notificationOf(f: Fixture, bucketName: string): Props {
  const found = resourcesWhere(f, 'Custom::S3BucketNotifications', 'BucketName', bucketName);
  expect(found, `notification resources of ${bucketName}`).toHaveLength(1);
  return found[0];
}

/** The environment the agent's code receives, on either runtime. */
function agentEnvironment(f: Fixture, agent: BaseAgent): Record<string, string> {
  return agent.runtime instanceof LambdaAgentRuntime
    ? (props(f, agent.runtime.agentFunction).Environment as { Variables: Record<string, string> }).Variables
    : props(f, (agent.runtime as AgentCoreAgentRuntime).agentCoreAgent).EnvironmentVariables as Record<string, string>;
}

function definition(f: Fixture, workflow: AgenticDocumentProcessing): AslDefinition & { readonly TimeoutSeconds?: number } {
  return definitionOf(f.t, workflow.stateMachine);
}

const FAILURE_PATH = ['RecordFailure', 'CopyToFailed', 'DeleteRawAfterFailed', 'Failed'];

function mainPath(c: Pick<Combo, 'classification' | 'enrichment' | 'postProcessing'>): string[] {
  return [
    'InitMetadata', ...(c.classification ? ['Classify'] : []), 'Process', ...(c.enrichment ? ['Enrich'] : []),
    ...(c.postProcessing ? ['PostProcess'] : []), 'StoreResult', 'CopyToProcessed', 'DeleteRawAfterProcessed', 'Complete',
  ];
}

/** The states, their transitions and catches, as the contract gives them. */
function expectFlow(d: AslDefinition, c: Pick<Combo, 'classification' | 'enrichment' | 'postProcessing'>): void {
  const main = mainPath(c);
  expect(d.StartAt).toBe('InitMetadata');
  expect(Object.keys(d.States).sort()).toEqual([...main, ...FAILURE_PATH].sort());
  main.forEach((name, i) => {
    const s = d.States[name];
    expect(s.Type, name).toBe('Task');
    if (i + 1 < main.length) expect([s.Next, s.End], name).toEqual([main[i + 1], undefined]);
    else expect([s.Next, s.End], name).toEqual([undefined, true]);
    // Everything: a failing step records the failure and moves the document to failed/.
    expect(s.Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }]);
  });
  // The failure path goes on whatever fails in it, and ends in the Fail state.
  expect(d.States.RecordFailure).toMatchObject({ Type: 'Task', Next: 'CopyToFailed', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'CopyToFailed' }] });
  expect(d.States.CopyToFailed).toMatchObject({ Type: 'Task', Next: 'DeleteRawAfterFailed', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }] });
  expect(d.States.DeleteRawAfterFailed).toMatchObject({ Type: 'Task', Next: 'Failed', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }] });
  expect(d.States.Failed).toEqual({ Type: 'Fail', Error: 'DocumentProcessingFailed', CausePath: '$.error.Cause' });
  // The catches of the failure path keep $.error, which RecordFailure and Failed read.
  for (const name of ['RecordFailure', 'CopyToFailed', 'DeleteRawAfterFailed']) {
    const catches = d.States[name].Catch as Array<{ ResultPath?: string }>;
    expect(catches.map((k) => k.ResultPath), name).not.toContain('$.error');
  }
  // Every Task state of the definition is caught (a check that does not rely on the lists above).
  for (const [name, s] of Object.entries(d.States).filter(([, s]) => s.Type === 'Task')) {
    expect((s.Catch as unknown[] | undefined)?.length ?? 0, `${name} has a Catch`).toBeGreaterThan(0);
  }
}

/** The definition as a branch (no TimeoutSeconds), every state name suffixed, so that branches do not collide. */
function renamed(d: AslDefinition, suffix: string): { StartAt: string; States: Record<string, unknown> } {
  const name = (n: string) => `${n}${suffix}`;
  const states = Object.entries(d.States).map(([n, s]) => {
    const copy: Record<string, unknown> = { ...s };
    if (typeof s.Next === 'string') copy.Next = name(s.Next);
    if (Array.isArray(s.Catch)) copy.Catch = (s.Catch as Array<{ Next: string }>).map((k) => ({ ...k, Next: name(k.Next) }));
    return [name(n), copy];
  });
  return { StartAt: name(d.StartAt), States: Object.fromEntries(states) };
}

describe('AgenticDocumentProcessing: resources', () => {
  it('the bucket: SSE-KMS with the workflow\'s key (bucket key on), versioned, public access blocked, an SSL-only bucket policy', () => {
    const f = fixture();
    const w = f.combos[fullCombo()];
    const bucketId = logicalIdOf(w.bucket);
    const keyArn = arnOf(f, w.encryptionKey);
    expect(props(f, w.bucket)).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    expect(f.t.resource(bucketId)).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const bucketArn = arnOf(f, w.bucket);
    const policies = resourcesWhere(f, 'AWS::S3::BucketPolicy', 'Bucket', refOf(f, w.bucket));
    expect(policies).toHaveLength(1);
    expect((policies[0].PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual({
      Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: [bucketArn, `${bucketArn}/*`],
    });
  });

  it('the notification: ObjectCreated under raw/ to the queue, and nothing else', () => {
    const f = fixture();
    for (const w of [f.combos[0], f.combos[fullCombo()]]) {
      expect(notificationOf(f, refOf(f, w.bucket)).NotificationConfiguration).toEqual({
        QueueConfigurations: [{ Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'raw/' }] } }, QueueArn: arnOf(f, w.queue) }],
      });
    }
  });

  it('the queue and its dead-letter queue: KMS with a queue key of their own (rotated), 5 receives, visibility 6 × the consumer\'s timeout, SSL only', () => {
    const f = fixture();
    const w = f.combos[fullCombo()];
    const queue = props(f, w.queue);
    const dlq = props(f, w.deadLetterQueue);
    const queueKey = queue.KmsMasterKeyId as string;
    expect(dlq.KmsMasterKeyId).toBe(queueKey);
    expect(queueKey).not.toBe(arnOf(f, w.encryptionKey));
    const keyId = f.t.logicalIdsOfType('AWS::KMS::Key').find((id) => f.t.resolveString({ 'Fn::GetAtt': [id, 'Arn'] }) === queueKey);
    expect(keyId, 'the queue key is a key of the stack').toBeDefined();
    expect(f.t.properties(keyId!).EnableKeyRotation).toBe(true);
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(f, w.deadLetterQueue), maxReceiveCount: 5 });
    const consumerTimeout = props(f, w.consumerFunction).Timeout as number;
    expect(queue.VisibilityTimeout).toBe(6 * consumerTimeout);
    expect(dlq.MessageRetentionPeriod).toBe(Duration.days(14).toSeconds());
    for (const q of [w.queue, w.deadLetterQueue]) {
      const policies = f.t.logicalIdsOfType('AWS::SQS::QueuePolicy').map((id) => f.t.properties(id) as Props)
        .filter((p) => (p.Queues as string[]).includes(refOf(f, q)));
      expect(policies.flatMap((p) => (p.PolicyDocument as { Statement: unknown[] }).Statement), q.node.path).toContainEqual({
        Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: arnOf(f, q),
      });
    }
  });

  it('the queue key: S3 may use it as AWS documents for notifications to an encrypted queue, and as the queue grant names the bucket (default, user\'s and imported bucket)', () => {
    const f = fixture();
    const cases: Array<[AgenticDocumentProcessing, string]> = [
      [f.combos[0], arnOf(f, f.combos[0].bucket)],
      [f.userKeyed.workflow, arnOf(f, f.userKeyed.bucket)],
      [f.imported.workflow, 'arn:aws:s3:::user-documents-bucket'],
    ];
    for (const [workflow, bucketArn] of cases) {
      const forS3 = queueKeyStatementsForS3(f, workflow);
      // aws-cdk-lib's SqsDestination: the documented statement, and its queue grant's, which names the bucket.
      expect(forS3.filter((st) => st.Condition === undefined).map((st) => st.Action), workflow.node.path).toEqual([['kms:GenerateDataKey*', 'kms:Decrypt']]);
      const conditioned = forS3.filter((st) => st.Condition !== undefined);
      expect(conditioned.map((st) => st.Condition), workflow.node.path).toEqual(conditioned.map(() => ({ ArnLike: { 'aws:SourceArn': bucketArn } })));
    }
  });

  it('the consumer: Node.js 22 on ARM64, index.handler, STATE_MACHINE_ARN, environment encrypted, an SQS event source reporting batch item failures', () => {
    const f = fixture();
    const w = f.combos[fullCombo()];
    expect(props(f, w.consumerFunction)).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: { Variables: { STATE_MACHINE_ARN: refOf(f, w.stateMachine) } },
      KmsKeyArn: arnOf(f, w.encryptionKey),
    });
    const mappings = resourcesWhere(f, 'AWS::Lambda::EventSourceMapping', 'FunctionName', refOf(f, w.consumerFunction));
    expect(mappings).toHaveLength(1);
    expect(mappings[0]).toMatchObject({ EventSourceArn: arnOf(f, w.queue), FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('the table: partition key documentId (string), KMS with the workflow\'s key, point-in-time recovery, retained', () => {
    const f = fixture();
    const w = f.combos[fullCombo()];
    expect(props(f, w.table)).toMatchObject({
      KeySchema: [{ AttributeName: 'documentId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'documentId', AttributeType: 'S' }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arnOf(f, w.encryptionKey) },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(f.t.resource(logicalIdOf(w.table))).toMatchObject({ DeletionPolicy: 'Retain' });
  });

  it('the state machine: STANDARD, traced, logging ALL (no execution data) to a KMS-encrypted log group', () => {
    const f = fixture();
    const w = f.combos[fullCombo()];
    const sm = props(f, w.stateMachine);
    expect(sm).toMatchObject({ StateMachineType: 'STANDARD', TracingConfiguration: { Enabled: true } });
    const logging = sm.LoggingConfiguration as { Level: string; IncludeExecutionData: boolean; Destinations: Array<{ CloudWatchLogsLogGroup: { LogGroupArn: string } }> };
    expect([logging.Level, logging.IncludeExecutionData, logging.Destinations.length]).toEqual(['ALL', false, 1]);
    const groupId = f.t.logicalIdsOfType('AWS::Logs::LogGroup')
      .find((id) => f.t.resolveString({ 'Fn::GetAtt': [id, 'Arn'] }) === logging.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn);
    expect(groupId).toBeDefined();
    expect(f.t.properties(groupId!)).toMatchObject({ KmsKeyId: arnOf(f, w.encryptionKey), RetentionInDays: 30 });
  });

  it('the execution timeout: 1 hour, plus the longest a callback step may wait (15 minutes on Lambda, 8 hours on AgentCore)', () => {
    const f = fixture();
    const callback = (runtime: AgentRuntimeType) => (runtime === LAMBDA ? 15 * 60 : 8 * 3600);
    COMBOS.forEach((c, i) => expect(definition(f, f.combos[i]).TimeoutSeconds, comboName(c)).toBe(3600 + (c.longRun ? callback(c.processing) : 0)));
    expect(definition(f, f.classificationLongRun).TimeoutSeconds).toBe(3600 + callback(AGENTCORE));
  });

  it('both agents\' DOCUMENT_SOURCES hold raw/ of the bucket of every workflow they serve, and of no other', () => {
    const f = fixture();
    const byName = (a: { bucketName: string }, b: { bucketName: string }) => a.bucketName.localeCompare(b.bucketName);
    for (const runtime of [LAMBDA, AGENTCORE]) {
      const sources = JSON.parse(agentEnvironment(f, f.agents[runtime]).DOCUMENT_SOURCES) as Array<{ bucketName: string; prefix: string }>;
      const expected = f.served.filter((s) => s.runtimes.includes(runtime)).map((s) => ({ bucketName: f.t.resolveString(f.stack.resolve(s.workflow.bucket.bucketName)), prefix: 'raw/' }));
      expect(expected.map((e) => e.bucketName), 'the imported bucket is among them').toContain(runtime === AGENTCORE ? 'user-documents-bucket' : refOf(f, f.userKeyed.bucket));
      expect(sources.sort(byName), runtime).toEqual(expected.sort(byName));
    }
  });

  it('no dependency cycle CloudFormation would refuse, with every combination, both runtimes, long runs and users\' buckets in one stack', () => {
    expect(findDependencyCycle(fixture().template)).toBeUndefined();
  });
});

describe('AgenticDocumentProcessing: the definition', () => {
  it.each(COMBOS.map((c, i) => [comboName(c), i] as const))('%s: the states, transitions and catches of the contract', (_name, i) => {
    const f = fixture();
    expectFlow(definition(f, f.combos[i]), COMBOS[i]);
  });

  it('every definition is valid ASL (asl-validator)', () => {
    const f = fixture();
    const all = [...f.combos, f.classificationLongRun, f.userKeyed.workflow, f.imported.workflow].map((w) => definition(f, w));
    // One whole definition as it is (TimeoutSeconds included); all of them as the branches of one
    // Parallel state, their states renamed apart: one asl-validator call instead of 19 (~150 ms each).
    validateDefinition(all[fullCombo()]);
    validateDefinition({ StartAt: 'All', States: { All: { Type: 'Parallel', End: true, Branches: all.map((d, i) => renamed(d, `W${i}`)) } } });
  });

  it('the steps\' data: the record, the agents\' requests and results, the result and the document under processed/<documentId>/', () => {
    const f = fixture();
    const w = f.combos[fullCombo()];
    const d = definition(f, w);
    const table = refOf(f, w.table);
    const bucket = refOf(f, w.bucket);
    const request = {
      'documentId.$': '$.documentId', 'contentType.$': '$.contentType', 'content.$': '$.content',
      'eventTime.$': '$.eventTime', 'eventName.$': '$.eventName', 'source.$': '$.source',
    };
    expect(d.States.InitMetadata).toMatchObject({
      Resource: 'arn:aws:states:::dynamodb:putItem', ResultPath: null,
      Parameters: {
        TableName: table,
        Item: {
          'documentId': { 'S.$': '$.documentId' }, 'key': { 'S.$': '$.content.key' }, 'status': { S: 'pending' },
          'createdAt': { 'S.$': '$$.Execution.StartTime' }, 'executionArn': { 'S.$': '$$.Execution.Id' },
        },
      },
    });
    expect(d.States.Classify).toMatchObject({ ResultPath: '$.classificationResult', ResultSelector: { 'documentClassification.$': '$.result' }, Parameters: request });
    // Processing on AgentCore as a long run: the relay's envelope carries the request.
    expect((d.States.Process.Parameters as { Payload: { payload: { request: unknown } } }).Payload.payload.request)
      .toEqual({ ...request, 'classificationResult.$': '$.classificationResult' });
    expect(d.States.Process.ResultPath).toBe('$.processingResult');
    expect(d.States.Enrich).toMatchObject({ Resource: arnOf(f, f.functions.enrich), ResultPath: '$.processingResult' });
    expect(d.States.PostProcess).toMatchObject({ Resource: arnOf(f, f.functions.post), ResultPath: '$.postProcessingResult' });
    expect(d.States.StoreResult).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:s3:putObject', ResultPath: null,
      Parameters: { 'Bucket': bucket, 'Key.$': 'States.Format(\'processed/{}.result.json\', $.documentId)', 'Body.$': 'States.JsonToString($.processingResult)', 'ContentType': 'application/json' },
    });
    for (const [suffix, prefix] of [['Processed', 'processed'], ['Failed', 'failed']]) {
      expect(d.States[`CopyTo${suffix}`]).toMatchObject({
        Resource: 'arn:aws:states:::aws-sdk:s3:copyObject',
        Parameters: { 'Bucket': bucket, 'CopySource.$': '$.copySource', 'Key.$': `States.Format('${prefix}/{}/{}', $.documentId, $.content.filename)` },
      });
      expect(d.States[`DeleteRawAfter${suffix}`]).toMatchObject({
        Resource: 'arn:aws:states:::aws-sdk:s3:deleteObject', Parameters: { 'Bucket': bucket, 'Key.$': '$.content.key' },
      });
    }
    expect(d.States.Complete).toMatchObject({
      Resource: 'arn:aws:states:::dynamodb:updateItem',
      Parameters: {
        TableName: table,
        UpdateExpression: 'SET #status = :status, completedAt = :at, resultKey = :resultKey, processedKey = :processedKey, classification = :classification',
        ExpressionAttributeValues: {
          ':status': { S: 'completed' },
          ':resultKey': { 'S.$': 'States.Format(\'processed/{}.result.json\', $.documentId)' },
          ':processedKey': { 'S.$': 'States.Format(\'processed/{}/{}\', $.documentId, $.content.filename)' },
          ':classification': { 'S.$': '$.classificationResult.documentClassification' },
        },
      },
    });
    expect(d.States.RecordFailure).toMatchObject({
      Parameters: {
        TableName: table,
        UpdateExpression: 'SET #status = :status, errorName = :errorName, errorCause = :errorCause, failedAt = :at',
        ExpressionAttributeValues: { ':status': { S: 'failed' }, ':errorName': { 'S.$': '$.error.Error' }, ':errorCause': { 'S.$': '$.error.Cause' } },
      },
    });
  });

  it('without classification, neither the processing request nor the record mentions it', () => {
    const f = fixture();
    const i = COMBOS.findIndex((c) => c.processing === LAMBDA && !c.classification && !c.longRun);
    const d = definition(f, f.combos[i]);
    expect(JSON.stringify(d.States.Process)).not.toMatch(/classification/);
    expect(JSON.stringify(d.States.Complete)).not.toMatch(/classification/);
    // A Lambda agent, request-response: its function ARN as the Resource, the request as the Parameters.
    expect(d.States.Process.Resource).toBe(arnOf(f, (f.agents[LAMBDA].runtime as LambdaAgentRuntime).agentFunction));
  });
});

describe('AgenticDocumentProcessing with the user\'s bucket', () => {
  it('with its own key: no bucket of the workflow; the notification, the grants and the queue key\'s condition are on the user\'s bucket; its key is granted', () => {
    const f = fixture();
    const { workflow, bucket, key } = f.userKeyed;
    expect(workflow.bucket).toBe(bucket);
    expect(workflow.node.tryFindChild('Bucket')).toBeUndefined();
    const bucketArn = arnOf(f, bucket);
    expect(notificationOf(f, refOf(f, bucket)).NotificationConfiguration).toMatchObject({ QueueConfigurations: [{ QueueArn: arnOf(f, workflow.queue) }] });
    const policy = JSON.stringify(f.t.properties(logicalIdOf(workflow.stateMachine.role.node.findChild('DefaultPolicy'))));
    for (const prefix of ['raw', 'processed', 'failed']) expect(policy).toContain(`"${bucketArn}/${prefix}/*"`);
    expect(policy).toContain(`"${arnOf(f, key)}"`);
    expect(policy).toContain(`"${arnOf(f, workflow.encryptionKey)}"`);
    expect(queueKeyStatementsForS3(f, workflow).map((st) => st.Condition)).toContainEqual({ ArnLike: { 'aws:SourceArn': bucketArn } });
    const d = definition(f, workflow);
    expect(d.States.StoreResult.Parameters).toMatchObject({ Bucket: refOf(f, bucket) });
  });

  it('imported by name (no key known): notification, grants and definition on that bucket; only the workflow\'s key is granted', () => {
    const f = fixture();
    const { workflow } = f.imported;
    const bucketArn = 'arn:aws:s3:::user-documents-bucket';
    expect(notificationOf(f, 'user-documents-bucket')).toMatchObject({
      Managed: false,
      NotificationConfiguration: { QueueConfigurations: [{ Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'raw/' }] } }, QueueArn: arnOf(f, workflow.queue) }] },
    });
    const policy = f.t.properties(logicalIdOf(workflow.stateMachine.role.node.findChild('DefaultPolicy'))) as { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } };
    const kmsResources = policy.PolicyDocument.Statement.filter((s) => ([] as string[]).concat(s.Action).some((a) => a.startsWith('kms:'))).map((s) => s.Resource);
    expect(kmsResources).toEqual([arnOf(f, workflow.encryptionKey)]);
    expect(JSON.stringify(policy)).toContain(`"${bucketArn}/processed/*"`);
    expect(queueKeyStatementsForS3(f, workflow).map((st) => st.Condition)).toContainEqual({ ArnLike: { 'aws:SourceArn': bucketArn } });
    expect(definition(f, workflow).States.DeleteRawAfterProcessed.Parameters).toMatchObject({ Bucket: 'user-documents-bucket' });
  });
});

/** The statements of the workflow's queue key for S3's service principal. */
function queueKeyStatementsForS3(f: Fixture, workflow: AgenticDocumentProcessing): Array<{ Action: unknown; Condition?: unknown }> {
  const queueKey = props(f, workflow.queue).KmsMasterKeyId as string;
  const keyId = f.t.logicalIdsOfType('AWS::KMS::Key').find((id) => f.t.resolveString({ 'Fn::GetAtt': [id, 'Arn'] }) === queueKey)!;
  type Statement = { Principal?: { Service?: string }; Action: unknown; Condition?: unknown };
  return (f.t.properties(keyId).KeyPolicy as { Statement: Statement[] }).Statement.filter((st) => st.Principal?.Service === 's3.amazonaws.com');
}

// ---------------------------------------------------------------------------------------------
// cdk-nag

interface NagApp {
  readonly app: App;
  readonly outdir: string;
  readonly acknowledge: () => void;
}

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/**
 * Two stacks: processing on AgentCore as a long run with classification on Lambda; processing on
 * Lambda with classification on AgentCore, enrichment and post-processing functions imported.
 */
function nagApp(): NagApp {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'document-processing-nag-'));
  outdirs.push(outdir);
  const app = new App({ context: VALIDATION_CONTEXT, outdir });
  const a = new Stack(app, 'AgentCoreProcessing', { env: TEST_ENV });
  const aAgents = [batchAgent(a, 'Processor', AGENTCORE), batchAgent(a, 'Classifier', LAMBDA)];
  const aWorkflow = new AgenticDocumentProcessing(a, 'Documents', { processingAgent: aAgents[0], classificationAgent: aAgents[1], processingStep: { integrationPattern: WAIT } });
  const b = new Stack(app, 'LambdaProcessing', { env: TEST_ENV });
  const bAgents = [batchAgent(b, 'Processor', LAMBDA), batchAgent(b, 'Classifier', AGENTCORE)];
  const functions = [
    lambda.Function.fromFunctionName(b, 'Enrichment', 'document-enrichment'),
    lambda.Function.fromFunctionArn(b, 'PostProcessing', 'arn:aws:lambda:us-east-1:123456789012:function:document-post-processing'),
  ];
  const bWorkflow = new AgenticDocumentProcessing(b, 'Documents', {
    processingAgent: bAgents[0], classificationAgent: bAgents[1], enrichment: functions[0], postProcessing: functions[1],
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    app,
    outdir,
    acknowledge: () => {
      [...aAgents, ...bAgents].forEach(acknowledgeAgentFindings);
      acknowledgeDocumentProcessingFindings(aWorkflow, aAgents);
      acknowledgeDocumentProcessingFindings(bWorkflow, bAgents, functions);
    },
  };
}

/** `<construct path> <finding id>` for every unacknowledged finding of the app's synth. */
function nagFindings(nag: NagApp): string[] {
  let error: unknown;
  try {
    nag.app.synth();
  } catch (e) {
    error = e;
  }
  const report = path.join(nag.outdir, 'validation-report.json');
  if (!fs.existsSync(report)) {
    if (error !== undefined) throw error;
    return [];
  }
  type Report = { pluginReports: Array<{ violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }> }> };
  const parsed = JSON.parse(fs.readFileSync(report, 'utf8')) as Report;
  const findings = parsed.pluginReports.flatMap((r) => r.violations.flatMap((v) => v.violatingConstructs.map((c) => `${c.constructPath.replace(/\/Resource$/, '')} ${v.ruleName}`)));
  if (findings.length > 0 && error === undefined) throw new Error('cdk-nag reported findings without failing the synth');
  return [...new Set(findings)].sort();
}

describe('cdk-nag AwsSolutions over the workflow on both runtimes', () => {
  it('lists every finding of the workflow and its agents', () => {
    const findings = nagFindings(nagApp())
      // Agents' runtime-specific names (the runtime's generated id) vary with the stack.
      .map((f) => f.replace(/_agent_(\w+?)_[0-9a-f]{8}-\*/g, '_agent_$1_<hash>-*').replace(/Bucket[0-9A-F]{8}\.Arn/g, 'Bucket<hash>.Arn'));
    const workflow = (stack: string, extra: string[] = []) => [
      `${stack}/AgenticAiFrameworkAgentCoreRelay/Function AwsSolutions-L1`,
      `${stack}/BucketNotificationsHandler050a0587b7544547bf325f094a3db834/Role AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]`,
      `${stack}/Documents/Bucket AwsSolutions-S1`,
      `${stack}/Documents/Consumer/Function AwsSolutions-L1`,
      `${stack}/Documents/StateMachine/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]`,
      `${stack}/Documents/StateMachine/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<DocumentsBucket<hash>.Arn>/failed/*]`,
      `${stack}/Documents/StateMachine/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<DocumentsBucket<hash>.Arn>/processed/*]`,
      `${stack}/Documents/StateMachine/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<DocumentsBucket<hash>.Arn>/raw/*]`,
      ...extra,
    ];
    const lambdaAgent = (stack: string, id: string) => [
      `${stack}/${id}/RuntimeLambda/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::*]`,
      `${stack}/${id}/RuntimeLambda/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::<DocumentsBucket<hash>.Arn>/raw/*]`,
      `${stack}/${id}/RuntimeLambda/Function AwsSolutions-L1`,
    ];
    const agentCoreAgent = (stack: string, id: string) => {
      const name = `${stack}_agent_${id.toLowerCase()}_<hash>`;
      return [
        `${stack}/${id}/RuntimeAgentCore/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::*]`,
        `${stack}/${id}/RuntimeAgentCore/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::<DocumentsBucket<hash>.Arn>/raw/*]`,
        `${stack}/${id}/RuntimeAgentCore/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock-agentcore:us-east-1:123456789012:workload-identity-directory/default/workload-identity/${name}-*]`,
        `${stack}/${id}/RuntimeAgentCore/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws/bedrock-agentcore/runtimes/${name}-*:log-stream:*]`,
        `${stack}/${id}/RuntimeAgentCore/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws/bedrock-agentcore/runtimes/${name}-*]`,
      ];
    };
    const expected = [
      ...workflow('AgentCoreProcessing'), ...agentCoreAgent('AgentCoreProcessing', 'Processor'), ...lambdaAgent('AgentCoreProcessing', 'Classifier'),
      ...workflow('LambdaProcessing', [
        'LambdaProcessing/Documents/StateMachine/Role/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:us-east-1:123456789012:function:document-enrichment:*]',
        'LambdaProcessing/Documents/StateMachine/Role/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:lambda:us-east-1:123456789012:function:document-post-processing:*]',
      ]),
      ...lambdaAgent('LambdaProcessing', 'Processor'), ...agentCoreAgent('LambdaProcessing', 'Classifier'),
    ].map((f) => f.replace(/_agent_(\w+?)_[0-9a-f]{8}-\*/g, '_agent_$1_<hash>-*'));
    expect(findings).toEqual([...new Set(expected)].sort());
  });

  it('with the examples\' acknowledgements (acknowledgeAgentFindings, acknowledgeDocumentProcessingFindings): no unacknowledged finding', () => {
    const nag = nagApp();
    nag.acknowledge();
    expect(nagFindings(nag)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Validation from plain JavaScript

let validation: { stack: Stack; agent: BatchAgent } | undefined;
/** One stack and one Lambda agent for every case; no synth. */
function validationFixture(): { stack: Stack; agent: BatchAgent } {
  if (validation === undefined) {
    const stack = testStack();
    validation = { stack, agent: batchAgent(stack, 'Agent', LAMBDA) };
  }
  return validation;
}

let ids = 0;
/** A workflow under a new id each time (a refused workflow may stay in the tree). */
function workflowWith(overrides: Record<string, unknown>): AgenticDocumentProcessing {
  const { stack, agent } = validationFixture();
  return new AgenticDocumentProcessing(stack, `Workflow${ids++}`, { processingAgent: agent, ...overrides } as unknown as AgenticDocumentProcessingProps);
}

describe('AgenticDocumentProcessing refuses invalid props from plain JavaScript', () => {
  const fn = () => lambda.Function.fromFunctionName(validationFixture().stack, `Fn${ids++}`, 'enrich');
  const cases: Array<[string, () => Record<string, unknown>, string, RegExp[]]> = [
    ['no processingAgent', () => ({ processingAgent: undefined }), 'processingAgent', [/processingAgent is undefined/, /allowed: an agent/]],
    ['an agent name as processingAgent', () => ({ processingAgent: 'invoices' }), 'processingAgent', [/processingAgent is "invoices"/, /allowed: an agent/]],
    ['a Lambda function as processingAgent', () => ({ processingAgent: fn() }), 'processingAgent', [/processingAgent is a \w+/, /allowed: an agent/]],
    ['a Lambda function as classificationAgent', () => ({ classificationAgent: fn() }), 'classificationAgent', [/classificationAgent is a \w+/, /allowed: an agent/]],
    ['an object as classificationAgent', () => ({ classificationAgent: { agentName: 'classifier' } }), 'classificationAgent', [/classificationAgent is an object \{"agentName":"classifier"\}/, /allowed: an agent/]],
    ['an agent as enrichment', () => ({ enrichment: validationFixture().agent }), 'enrichment', [/enrichment is a BatchAgent/, /allowed: a Lambda function/]],
    ['a function ARN as enrichment', () => ({ enrichment: 'arn:aws:lambda:us-east-1:123456789012:function:enrich' }), 'enrichment', [/enrichment is "arn:aws:lambda:us-east-1:123456789012:function:enrich"/, /allowed: a Lambda function/]],
    ['a function name as postProcessing', () => ({ postProcessing: 'post' }), 'postProcessing', [/postProcessing is "post"/, /allowed: a Lambda function/]],
    ['a bucket name as bucket', () => ({ bucket: 'my-documents' }), 'bucket', [/bucket is "my-documents"/, /allowed: an s3.IBucket/]],
    ['an object as bucket', () => ({ bucket: { bucketName: 'my-documents' } }), 'bucket', [/bucket is an object \{"bucketName":"my-documents"\}/, /allowed: an s3.IBucket/]],
    ['seconds as workflowTimeout', () => ({ workflowTimeout: 3600 }), 'workflowTimeout', [/workflowTimeout is number 3600/, /allowed: a Duration/]],
    ['a Timeout as workflowTimeout', () => ({ workflowTimeout: sfn.Timeout.duration(Duration.hours(1)) }), 'workflowTimeout', [/workflowTimeout is an object/, /allowed: a Duration/]],
    ['a string as workflowTimeout', () => ({ workflowTimeout: '1h' }), 'workflowTimeout', [/workflowTimeout is "1h"/, /allowed: a Duration/]],
  ];

  it.each(cases)('%s', (_name, overrides, field, message) => {
    const error = refusal(() => workflowWith(overrides()));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(/^Invalid runtime configuration for (LAMBDA|AGENTCORE): /);
    for (const part of message) expect(error.message).toMatch(part);
  });

  // The workflow's requests are objects and its steps read `$.result`: the SDK integration can
  // take neither (a path payload only, and its result is { response }). Today InvokeAgent refuses
  // it naming `payload`, which the user never set.
  it.each(['processingStep', 'classificationStep'])('%s.agentCoreInvocation sdkIntegration(): refused naming that field (the workflow\'s steps need the relay)', (step) => {
    const { stack } = validationFixture();
    const agent = batchAgent(stack, `Sdk${ids++}`, AGENTCORE);
    const error = refusal(() => workflowWith({
      ...(step === 'processingStep' ? { processingAgent: agent } : { classificationAgent: agent }),
      [step]: { agentCoreInvocation: AgentCoreInvocation.sdkIntegration() },
    }));
    expect(error.field).toBe(`${step}.agentCoreInvocation`);
    expect(error.message).toContain(`${step}.agentCoreInvocation`);
    expect(error.message).toMatch(/sdkIntegration\(\).*relay|relay.*sdkIntegration\(\)/);
  });

  it.each([LAMBDA, AGENTCORE])('refuses a %s agent in another stack than the workflow (the two would reference each other), naming the field', (runtime) => {
    const app = new App();
    const agents = new Stack(app, 'Agents', { env: TEST_ENV });
    const workflows = new Stack(app, 'Workflows', { env: TEST_ENV });
    const error = refusal(() => new AgenticDocumentProcessing(workflows, 'Documents', { processingAgent: batchAgent(agents, 'Processor', runtime) }));
    expect(error.field).toBe('processingAgent');
    expect(error.message).toMatch(/agent Agents\/Processor is in stack Agents, the workflow in Workflows.*Allowed: the agents in the workflow's stack/);
  });

  it('a key of the user\'s lets CloudWatch Logs encrypt the workflow\'s log groups (else their creation fails at deploy)', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'UsersKey', { enableKeyRotation: true });
    new AgenticDocumentProcessing(stack, 'Documents', { processingAgent: batchAgent(stack, 'Processor', LAMBDA), encryptionKey: key });
    const template = synth(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const keyId = stack.resolve((key.node.defaultChild as kms.CfnKey).logicalId) as string;
    const statements = (template.Resources[keyId]!.Properties.KeyPolicy as { Statement: Array<{ Principal?: { Service?: string } }> }).Statement;
    expect(statements.some((st) => st.Principal?.Service === 'logs.us-east-1.amazonaws.com')).toBe(true);
    const logGroups = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Logs::LogGroup' && JSON.stringify(r.Properties.KmsKeyId).includes(keyId));
    expect(logGroups.length, 'the state machine\'s and the consumer\'s log groups').toBe(2);
  });

  it('refuses props that are not an object', () => {
    for (const given of [undefined, 'props']) {
      const error = refusal(() => new AgenticDocumentProcessing(validationFixture().stack, `Workflow${ids++}`, given as unknown as AgenticDocumentProcessingProps));
      expect(error.field).toBe('props');
    }
  });

  it('accepts the neighbours: an imported function, an imported bucket, a Duration, an agent of either runtime', () => {
    const { stack } = validationFixture();
    const accepted = workflowWith({
      classificationAgent: batchAgent(stack, 'Classifier', AGENTCORE),
      enrichment: lambda.Function.fromFunctionArn(stack, 'ImportedFn', 'arn:aws:lambda:us-east-1:123456789012:function:enrich'),
      bucket: s3.Bucket.fromBucketName(stack, 'ImportedBucket', 'my-documents'),
      workflowTimeout: Duration.hours(2),
    });
    expect(accepted.bucket.bucketName).toBe('my-documents');
    expect(Token.isUnresolved(accepted.stateMachine.stateMachineArn)).toBe(true);
  });
});
