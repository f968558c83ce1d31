/**
 * The IAM decisions of `AgenticDocumentProcessing` on concrete ARNs (DESIGN.md decision 7), every
 * call each role makes at run time Allowed and the neighbours Denied:
 *
 * - the state machine's role: the agents as their runtimes require (the function; the relay), the
 *   enrichment and post-processing functions, its table, its bucket's prefixes, its keys;
 * - the consumer's role: StartExecution on its state machine, its queue, nothing of S3;
 * - the agents' roles: documents under raw/ of their workflow's bucket only, and every decision
 *   they have without the workflow (`expectAgentDecisions`);
 * - S3's service principal: notifications to the queue for this bucket only; the queue's key as AWS documents it.
 *
 * Two workflows in one stack, each the other's neighbour: processing on AgentCore as a long run
 * (through the relay) with classification on Lambda, enrichment and post-processing; processing on
 * Lambda with classification on AgentCore, in the user's bucket under the user's key.
 *
 * SQS queue policies are evaluated here (`QueueAwareSimulator`): iam-simulation.ts refuses them.
 */
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { AgenticDocumentProcessing, AgentRuntimeType, BatchAgent, LambdaAgentRuntime } from '../../src';
import { batchAgent } from '../agents/helpers';
import { agentDecisionCases, agentFacts } from '../helpers/agent-decisions';
import { ResolvedTemplate } from '../helpers/cfn-resolve';
import { DecisionCase, formatMismatches, IamSimulator, mismatches, PolicyDocument, RequestPrincipal } from '../helpers/iam-simulation';
import { synth, testStack } from '../helpers/test-app';
import {
  allowedGrants, logicalIdOf, relayFacts, relayOf, StepUse, taskResponseDecision, workflowDecisionCases, WorkflowUnderTest,
} from '../helpers/workflow-decisions';

const { LAMBDA, AGENTCORE } = AgentRuntimeType;
const TLS = { 'aws:SecureTransport': 'true' };

/**
 * The template's SQS queue policies as the resource policy of requests on a queue (the statements
 * whose Resource names the queue); every other service as iam-simulation.ts evaluates it.
 */
class QueueAwareSimulator extends IamSimulator {
  public resourcePolicy(action: string, resource: string): PolicyDocument | undefined {
    if (action.split(':')[0].toLowerCase() !== 'sqs') return super.resourcePolicy(action, resource);
    const t = this.template;
    const statements = t.logicalIdsOfType('AWS::SQS::QueuePolicy')
      .flatMap((id) => (t.properties(id).PolicyDocument as unknown as PolicyDocument).Statement)
      .filter((statement) => ([] as unknown[]).concat(statement.Resource).includes(resource));
    return statements.length === 0 ? undefined : { Version: '2012-10-17', Statement: statements };
  }
}

interface Workflow {
  readonly workflow: AgenticDocumentProcessing;
  readonly processing: BatchAgent;
  readonly classification: BatchAgent;
  readonly steps: StepUse[];
  readonly functions: lambda.IFunction[];
  /** The bucket's own key, when the user's bucket has one. */
  readonly bucketKey?: kms.IKey;
}

interface Fixture {
  readonly sim: IamSimulator;
  readonly t: ResolvedTemplate;
  /** Processing on AgentCore (long run, relay), classification on Lambda, enrichment and post-processing. */
  readonly a: Workflow;
  /** Processing on Lambda, classification on AgentCore (relay), the user's bucket and key. */
  readonly b: Workflow;
  readonly workflows: WorkflowUnderTest;
}

function build(): Fixture {
  const stack = testStack();
  const fn = (id: string) => new lambda.Function(stack, id, {
    code: lambda.Code.fromInline('exports.handler = async (state) => state.processingResult;'),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_22_X,
  });
  const aAgents = { processing: batchAgent(stack, 'AProcessor', AGENTCORE), classification: batchAgent(stack, 'AClassifier', LAMBDA) };
  const aFunctions = [fn('Enrich'), fn('Post')];
  const aWorkflow = new AgenticDocumentProcessing(stack, 'A', {
    processingAgent: aAgents.processing,
    processingStep: { integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN },
    classificationAgent: aAgents.classification,
    enrichment: aFunctions[0],
    postProcessing: aFunctions[1],
  });
  const bAgents = { processing: batchAgent(stack, 'BProcessor', LAMBDA), classification: batchAgent(stack, 'BClassifier', AGENTCORE) };
  const bucketKey = new kms.Key(stack, 'UserKey', { enableKeyRotation: true });
  const bucket = new s3.Bucket(stack, 'UserBucket', { encryption: s3.BucketEncryption.KMS, encryptionKey: bucketKey, enforceSSL: true });
  const bWorkflow = new AgenticDocumentProcessing(stack, 'B', { processingAgent: bAgents.processing, classificationAgent: bAgents.classification, bucket });

  const a: Workflow = {
    workflow: aWorkflow, ...aAgents, functions: aFunctions,
    steps: [{ agent: aAgents.classification, kind: 'lambda', callback: false }, { agent: aAgents.processing, kind: 'relay', callback: true }],
  };
  const b: Workflow = {
    workflow: bWorkflow, ...bAgents, functions: [], bucketKey,
    steps: [{ agent: bAgents.classification, kind: 'relay', callback: false }, { agent: bAgents.processing, kind: 'lambda', callback: false }],
  };
  const sim = new QueueAwareSimulator(ResolvedTemplate.fromStack(stack, synth(stack)));
  return {
    sim, t: sim.template, a, b,
    workflows: {
      stateMachines: [a, b].map((w) => ({ stateMachine: w.workflow.stateMachine, steps: w.steps })),
      agents: [a.processing, a.classification, b.processing, b.classification],
    },
  };
}

let built: Fixture | undefined;
const fixture = () => (built ??= build());

async function expectNoMismatch(sim: IamSimulator, cases: DecisionCase[]): Promise<void> {
  const wrong = await mismatches(sim, cases);
  expect(formatMismatches(wrong), `${wrong.length} of ${cases.length} decisions are wrong`).toBe('');
}

const arnOf = (f: Fixture, construct: IConstruct) => f.t.resolveString({ 'Fn::GetAtt': [logicalIdOf(construct), 'Arn'] });
const refOf = (f: Fixture, construct: IConstruct) => f.t.resolveString({ Ref: logicalIdOf(construct) });
const bucketArn = (f: Fixture, w: Workflow) => arnOf(f, w.workflow.bucket);
const object = (f: Fixture, w: Workflow, key: string) => `${bucketArn(f, w)}/${key}`;
const queueKeyArn = (f: Fixture, w: Workflow) => f.t.resolveString(f.t.properties(logicalIdOf(w.workflow.queue)).KmsMasterKeyId);
const roleOf = (construct: sfn.StateMachine | lambda.IFunction) => ({ role: logicalIdOf(construct.role!) });

/** Cases for one principal: `allow(action, resources, why)`, `deny(...)`. */
function caseList(principal: RequestPrincipal, context?: Record<string, string | string[]>) {
  const cases: DecisionCase[] = [];
  const add = (expect: 'Allowed' | 'Denied') => (actions: string | string[], resources: string | string[], why: string, extra?: Record<string, string | string[]>) => {
    for (const action of ([] as string[]).concat(actions)) {
      for (const resource of ([] as string[]).concat(resources)) cases.push({ principal, action, resource, expect, why, context: { ...context, ...extra } });
    }
  };
  return { cases, allow: add('Allowed'), deny: add('Denied') };
}

describe('IAM decisions of AgenticDocumentProcessing', () => {
  it('each state machine invokes its agents as their runtimes require (function, relay), not the other workflow\'s; the relay the relayed runtimes; a long run reports to its state machine only', async () => {
    const f = fixture();
    const { cases, taskResponse } = workflowDecisionCases(f.sim, f.workflows);
    expect(cases.filter((c) => c.expect === 'Allowed').length).toBeGreaterThanOrEqual(6);
    await expectNoMismatch(f.sim, cases);
    const wrong = taskResponse.flatMap((c) => {
      const actual = taskResponseDecision(f.sim, c);
      return (c.expect === 'Denied' ? actual !== 'Allowed' : actual === c.expect) ? [] : [{ case: c, actual }];
    });
    expect(formatMismatches(wrong)).toBe('');
    // Only A's processing agent waits: SendTask* Allowed for it on A, three actions.
    expect(taskResponse.filter((c) => c.expect === 'Allowed')).toHaveLength(3);
  });

  it('each state machine role holds exactly the invocations of its steps: agents\' functions, the relay, the enrichment and post-processing functions', () => {
    const f = fixture();
    const relay = relayFacts(f.sim, relayOf(f.a.workflow.stateMachine.stack)!).functionArn;
    const fnArn = (agent: BatchAgent) => arnOf(f, (agent.runtime as LambdaAgentRuntime).agentFunction);
    const expected = (w: Workflow) => [
      `lambda:InvokeFunction ${relay}`,
      `lambda:InvokeFunction ${fnArn(w === f.a ? f.a.classification : f.b.processing)}`,
      // LambdaInvoke grants the function and its versions and aliases.
      ...w.functions.flatMap((fn) => [`lambda:InvokeFunction ${arnOf(f, fn)}`, `lambda:InvokeFunction ${arnOf(f, fn)}:*`]),
    ].sort();
    for (const w of [f.a, f.b]) {
      const invocations = allowedGrants(f.sim, roleOf(w.workflow.stateMachine).role).filter((g) => /^(lambda|bedrock-agentcore):/.test(g));
      expect(invocations, w.workflow.node.path).toEqual(expected(w));
    }
  });

  it('the state machine role: PutItem and UpdateItem on its table, nothing else of it and nothing of another table', async () => {
    const f = fixture();
    const cases: DecisionCase[] = [];
    for (const [w, other] of [[f.a, f.b], [f.b, f.a]] as const) {
      const list = caseList(roleOf(w.workflow.stateMachine));
      const table = arnOf(f, w.workflow.table);
      list.allow(['dynamodb:PutItem', 'dynamodb:UpdateItem'], table, 'InitMetadata puts the record; Complete and RecordFailure update it');
      list.deny(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:DeleteTable'], table, 'the workflow neither reads nor deletes records');
      list.deny(['dynamodb:PutItem', 'dynamodb:UpdateItem'], [arnOf(f, other.workflow.table), f.t.arn('dynamodb', 'table/another-table')], 'another table');
      cases.push(...list.cases);
    }
    await expectNoMismatch(f.sim, cases);
  });

  it('the state machine role: GetObject(Tagging) and DeleteObject under raw/, PutObject(Tagging) under processed/ and failed/ of its bucket; not PutObject under raw/, not another bucket', async () => {
    const f = fixture();
    const cases: DecisionCase[] = [];
    for (const [w, other] of [[f.a, f.b], [f.b, f.a]] as const) {
      const list = caseList(roleOf(w.workflow.stateMachine), TLS);
      const raw = object(f, w, 'raw/2026/invoice 0001.pdf');
      list.allow(['s3:GetObject', 's3:GetObjectTagging'], raw, 'CopyObject reads the uploaded document and its tags');
      list.allow('s3:DeleteObject', raw, 'the document leaves raw/ once copied');
      for (const prefix of ['processed', 'failed']) {
        list.allow(['s3:PutObject', 's3:PutObjectTagging'], object(f, w, `${prefix}/invoice-0001-0123456789abcdef/invoice 0001.pdf`), `the copy under ${prefix}/`);
        list.deny(['s3:DeleteObject', 's3:GetObject'], object(f, w, `${prefix}/invoice-0001-0123456789abcdef/invoice 0001.pdf`), `${prefix}/ is written once, not read or deleted`);
      }
      list.allow('s3:PutObject', object(f, w, 'processed/invoice-0001-0123456789abcdef/result.json'), 'StoreResult');
      list.deny(['s3:PutObject', 's3:PutObjectTagging'], raw, 'uploads come from the uploaders, not the workflow');
      list.deny(['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], object(f, w, 'other/invoice.pdf'), 'a key outside the three prefixes');
      list.deny('s3:ListBucket', bucketArn(f, w), 'the workflow reads keys it is given');
      list.deny('s3:PutBucketPolicy', bucketArn(f, w), 'no bucket configuration');
      list.deny(['s3:GetObject', 's3:DeleteObject'], object(f, other, 'raw/2026/invoice.pdf'), 'the other workflow\'s bucket');
      list.deny('s3:PutObject', [object(f, other, 'processed/x/result.json'), 'arn:aws:s3:::another-bucket/processed/x/result.json'], 'another bucket');
      cases.push(...list.cases);
    }
    await expectNoMismatch(f.sim, cases);
  });

  it('the state machine role: Decrypt and GenerateDataKey on its keys (the workflow\'s, and the user\'s bucket key), through S3; not another key, not Encrypt', async () => {
    const f = fixture();
    const viaS3 = { 'kms:ViaService': `s3.${f.t.region}.amazonaws.com` };
    const cases: DecisionCase[] = [];
    for (const [w, other] of [[f.a, f.b], [f.b, f.a]] as const) {
      const list = caseList(roleOf(w.workflow.stateMachine), viaS3);
      const keys = [arnOf(f, w.workflow.encryptionKey), ...(w.bucketKey ? [arnOf(f, w.bucketKey)] : [])];
      list.allow(['kms:Decrypt', 'kms:GenerateDataKey'], keys, 'S3 decrypts the source of CopyObject and encrypts what the workflow writes');
      list.deny(['kms:Encrypt', 'kms:ReEncryptFrom', 'kms:CreateGrant', 'kms:ScheduleKeyDeletion'], keys, 'not used');
      list.deny(['kms:Decrypt', 'kms:GenerateDataKey'], [queueKeyArn(f, w), queueKeyArn(f, other), ...(other.bucketKey ? [arnOf(f, other.bucketKey)] : [])], 'the queues\' keys, the other workflow\'s bucket key');
      cases.push(...list.cases);
    }
    await expectNoMismatch(f.sim, cases);
  });

  it('the consumer role: StartExecution on its state machine only, its queue only, its logs; nothing of S3', async () => {
    const f = fixture();
    const cases: DecisionCase[] = [];
    for (const [w, other] of [[f.a, f.b], [f.b, f.a]] as const) {
      const consumer = w.workflow.consumerFunction;
      const list = caseList(roleOf(consumer));
      list.allow('states:StartExecution', refOf(f, w.workflow.stateMachine), 'one execution per document');
      list.deny('states:StartExecution', [refOf(f, other.workflow.stateMachine), f.t.arn('states', 'stateMachine:another-state-machine')], 'another state machine');
      list.deny('states:StopExecution', f.t.arn('states', `execution:${f.t.resolveString({ 'Fn::GetAtt': [logicalIdOf(w.workflow.stateMachine), 'Name'] })}:doc-0123456789abcdef`), 'the consumer only starts executions');
      const queue = arnOf(f, w.workflow.queue);
      list.allow(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'], queue, 'the event source mapping polls the queue as the role', TLS);
      list.deny('sqs:SendMessage', queue, 'only S3 sends to the queue', TLS);
      list.deny(['sqs:ReceiveMessage', 'sqs:DeleteMessage'], [arnOf(f, w.workflow.deadLetterQueue), arnOf(f, other.workflow.queue)], 'the dead-letter queue, the other workflow\'s queue', TLS);
      list.allow('kms:Decrypt', queueKeyArn(f, w), 'SQS decrypts the messages received', { 'kms:ViaService': `sqs.${f.t.region}.amazonaws.com` });
      list.deny('kms:Decrypt', queueKeyArn(f, other), 'the other workflow\'s queue key', { 'kms:ViaService': `sqs.${f.t.region}.amazonaws.com` });
      list.allow('kms:Decrypt', arnOf(f, w.workflow.encryptionKey), 'Lambda decrypts its environment (STATE_MACHINE_ARN) as the role');
      list.deny(['kms:Encrypt', 'kms:GenerateDataKey'], arnOf(f, w.workflow.encryptionKey), 'the consumer only reads its environment');
      list.deny(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], [object(f, w, 'raw/2026/invoice.pdf'), object(f, w, 'processed/x/invoice.pdf')], 'the consumer reads only the notification', TLS);
      list.deny('s3:ListBucket', bucketArn(f, w), 'nothing of S3', TLS);
      const group = (f.t.properties(logicalIdOf(consumer)).LoggingConfig as { LogGroup: string }).LogGroup;
      list.allow(['logs:CreateLogStream', 'logs:PutLogEvents'], f.t.arn('logs', `log-group:${group}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`), 'its log group');
      list.deny('logs:PutLogEvents', f.t.arn('logs', `log-group:/aws/lambda/${refOf(f, consumer)}:log-stream:x`), 'Lambda\'s default group: the consumer has its own');
      cases.push(...list.cases);
    }
    await expectNoMismatch(f.sim, cases);
  });

  it('the agents read documents under raw/ of their workflow\'s bucket only: not processed/ or failed/, not the other bucket, and write nothing of it', async () => {
    const f = fixture();
    const cases: DecisionCase[] = [];
    for (const [w, other] of [[f.a, f.b], [f.b, f.a]] as const) {
      for (const agent of [w.processing, w.classification]) {
        const list = caseList({ role: agentFacts(f.sim, agent).roleId }, TLS);
        list.allow('s3:GetObject', object(f, w, 'raw/2026/invoice 0001.pdf'), 'the document the agent is asked to process');
        list.deny('s3:GetObject', [object(f, w, 'processed/x/invoice.pdf'), object(f, w, 'failed/x/invoice.pdf'), object(f, w, 'processed/x/result.json')], 'results and moved documents are the workflow\'s');
        list.deny('s3:GetObject', object(f, other, 'raw/2026/invoice.pdf'), 'the other workflow\'s bucket');
        for (const key of ['raw/2026/invoice.pdf', 'processed/x/result.json', 'failed/x/invoice.pdf', 'other.pdf']) {
          list.deny(['s3:PutObject', 's3:DeleteObject'], object(f, w, key), 'agents write nothing in the bucket');
        }
        list.deny('s3:ListBucket', bucketArn(f, w), 'the agent reads keys it is given');
        cases.push(...list.cases);
      }
    }
    await expectNoMismatch(f.sim, cases);
  });

  it('the agents keep every decision they have without the workflow (expectAgentDecisions), the other agents Denied', async () => {
    const f = fixture();
    const all = f.workflows.agents as BatchAgent[];
    await expectNoMismatch(f.sim, all.flatMap((agent) => agentDecisionCases(f.sim, agent, { otherAgents: all.filter((a) => a !== agent) })));
  });

  it('S3 may send notifications to the queue for the workflow\'s bucket only (queue policy with aws:SourceArn)', async () => {
    const f = fixture();
    const cases: DecisionCase[] = [];
    for (const [w, other] of [[f.a, f.b], [f.b, f.a]] as const) {
      const s3 = { service: 's3.amazonaws.com' };
      const from = (bucket: string) => ({ ...TLS, 'aws:SourceArn': bucket, 'aws:SourceAccount': f.t.account });
      const queue = arnOf(f, w.workflow.queue);
      cases.push(
        { principal: s3, action: 'sqs:SendMessage', resource: queue, context: from(bucketArn(f, w)), expect: 'Allowed', why: 'the bucket\'s notification' },
        { principal: s3, action: 'sqs:SendMessage', resource: queue, context: from(bucketArn(f, other)), expect: 'Denied', why: 'another bucket of the account' },
        { principal: s3, action: 'sqs:SendMessage', resource: queue, context: from('arn:aws:s3:::someone-elses-bucket'), expect: 'Denied', why: 'a bucket of anyone' },
        { principal: s3, action: 'sqs:SendMessage', resource: arnOf(f, w.workflow.deadLetterQueue), context: from(bucketArn(f, w)), expect: 'Denied', why: 'only SQS moves messages to the dead-letter queue' },
        { principal: s3, action: 'sqs:SendMessage', resource: queue, context: { 'aws:SecureTransport': 'false', 'aws:SourceArn': bucketArn(f, w), 'aws:SourceAccount': f.t.account }, expect: 'Denied', why: 'SSL only' },
      );
    }
    await expectNoMismatch(f.sim, cases);
  });

  // AWS documents the key policy for S3 notifications to an encrypted queue without a condition,
  // and whether S3 passes aws:SourceArn to KMS in that flow is not documented: the queue policy
  // above is what limits S3 to this bucket, and only the workflow's queues use this key.
  it('S3 may use the queue\'s key to send the notifications, and not the workflow\'s key', async () => {
    const f = fixture();
    const cases: DecisionCase[] = [];
    for (const w of [f.a, f.b]) {
      const s3 = { service: 's3.amazonaws.com' };
      const from = (bucket: string) => ({ 'aws:SourceArn': bucket, 'aws:SourceAccount': f.t.account });
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        cases.push({ principal: s3, action, resource: queueKeyArn(f, w), context: from(bucketArn(f, w)), expect: 'Allowed', why: 'S3 encrypts the notification for the encrypted queue' });
      }
      cases.push({ principal: s3, action: 'kms:GenerateDataKey', resource: arnOf(f, w.workflow.encryptionKey), context: from(bucketArn(f, w)), expect: 'Denied', why: 'the workflow\'s key is not the queues\'' });
    }
    await expectNoMismatch(f.sim, cases);
  });
});
