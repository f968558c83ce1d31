/**
 * The document-processing example (examples/document-processing, `DocumentProcessingStack`) end
 * to end on this machine (DESIGN.md decision 7), from an upload to the document's record, result
 * and final place, nothing reaching AWS:
 *
 *   a document written with the real S3 client to s3rver (the template's bucket)
 *   → the S3 event notification the template configures, as S3 writes it to SQS
 *   → the queue (its redrive policy, the event source mapping's batch size, batch item failures)
 *   → the shipped consumer bundle (staged asset, template environment, its own process)
 *   → StartExecution on the Step Functions stand-in
 *   → the execution's input through the synthesized definition (local interpreter), each Task
 *     served by the real thing: the classifier (Lambda bundle), the processor (relay bundle →
 *     AgentCore data-plane stand-in → the AgentCore bundle as a child-process server, reporting
 *     back with SendTask* through the stand-in), DynamoDB (dynalite, real client) and S3 (s3rver,
 *     real client).
 *
 * One change to the example, made with CDK's escape hatch: MODEL_MAX_ATTEMPTS=1 in both agents'
 * environments, so that a throttled model reaches the step at once as Agent.Throttled and the
 * step's default Retry is what recovers (the agents' own backoff would wait seconds instead).
 * Synthesized once, services started once; cases run one after another (each lists raw/).
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CfnElement, CfnResource, Stack, type App, type StackProps } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DocumentProcessingStack } from '../../examples/document-processing/stack.js';
import { synthesizeExample, type SynthesizedExample } from '../examples/assembly.js';
import { EXPECTED_ANSWER, INVOICE_TEXT } from '../examples/invoice-model.js';
import type { AgentCoreDataPlane } from '../helpers/agentcore-data-plane.js';
import type { ExecutionEvent, LocalExecution, TaskTokens } from '../helpers/local-states.js';
import { sfnError, type SfnStandIn } from '../helpers/sfn-stand-in.js';
import { startDocumentCloud, type DocumentCloud } from './helpers/document-cloud.js';
import { DocumentAgentsModel, THROTTLE_ONCE } from './helpers/document-agents-model.js';
import { DocumentProcessingDeployment, type WorkflowResources } from './helpers/document-processing-deployment.js';
import { LocalApp } from './helpers/local-app.js';
import { notificationKey, type NotifyingS3 } from './helpers/s3-notifications.js';

const RELAY_ID = 'AgenticAiFrameworkAgentCoreRelay';
/** The example's model (`BedrockModel.crossRegionInferenceProfile(US, ...)`). */
const MODEL_ID = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
/** What the relay, imported in this process, sees: the Lambda runtime's variables. */
const RELAY_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDDOCUMENTSE2E',
  AWS_SECRET_ACCESS_KEY: 'documents-e2e-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
};
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const COMPLETED_PATH = ['InitMetadata', 'Classify', 'Process', 'StoreResult', 'CopyToProcessed', 'DeleteRawAfterProcessed', 'Complete'];

let cloud: DocumentCloud;
let s3: NotifyingS3;
let sfn: SfnStandIn;
let plane: AgentCoreDataPlane;
let tokens: TaskTokens;
let example: SynthesizedExample;
let agents: LocalApp | undefined;
let deployment: DocumentProcessingDeployment | undefined;
const model = new DocumentAgentsModel();
const savedEnv: Record<string, string | undefined> = {};
const resources: { -readonly [K in keyof WorkflowResources]: string } = { bucket: '', table: '', stateMachine: '', queue: '', consumer: '' };

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

/** MODEL_MAX_ATTEMPTS=1 in the agent's function or runtime environment (CDK's escape hatch). */
function oneModelAttempt(agent: IConstruct): void {
  for (const resource of agent.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c))) {
    if (resource.cfnResourceType === 'AWS::Lambda::Function') resource.addPropertyOverride('Environment.Variables.MODEL_MAX_ATTEMPTS', '1');
    if (resource.cfnResourceType === 'AWS::BedrockAgentCore::Runtime') resource.addPropertyOverride('EnvironmentVariables.MODEL_MAX_ATTEMPTS', '1');
  }
}

function setEnv(name: string, value: string): void {
  if (!(name in savedEnv)) savedEnv[name] = process.env[name];
  process.env[name] = value;
}

function workflow(): DocumentProcessingDeployment {
  if (deployment === undefined) throw new Error('the app was not deployed');
  return deployment;
}

interface Processed {
  readonly documentId: string;
  readonly executionArn: string;
  readonly run: LocalExecution;
  readonly input: { content: { key: string; filename: string }; copySource: string };
  readonly messageId: string;
}

/** Uploads a document, delivers the queue to the consumer, and waits for the one execution it started. */
async function upload(key: string, body: string | Uint8Array, contentType: string): Promise<Processed> {
  const app = workflow();
  const startsBefore = app.startReplies.length;
  const deliveriesBefore = app.queue.deliveries.length;
  await s3.put(app.bucket, key, body, contentType);
  const deliveries = await app.deliverAll();
  expect(deliveries.map((d) => d.failed)).toEqual([[]]);
  const started = app.startReplies.slice(startsBefore);
  expect(started).toEqual([expect.objectContaining({ status: 200 })]);
  const executionArn = started[0]!.executionArn!;
  const run = await app.run(executionArn);
  const execution = sfn.executions.get(executionArn)!;
  return {
    documentId: execution.name,
    executionArn,
    run,
    input: JSON.parse(execution.input) as Processed['input'],
    messageId: app.queue.deliveries[deliveriesBefore]!.messageIds[0]!,
  };
}

/** The document's record, its attributes as plain strings. */
async function record(documentId: string): Promise<Record<string, string>> {
  const app = workflow();
  const { Item } = await app.dynamodb.client.send(new GetItemCommand({ TableName: app.tableName, Key: { documentId: { S: documentId } }, ConsistentRead: true }));
  expect(Item).toBeDefined();
  return Object.fromEntries(Object.entries(Item ?? {}).map(([name, value]) => [name, value.S ?? JSON.stringify(value)]));
}

async function keysUnder(prefix: string): Promise<string[]> {
  const { Contents = [] } = await s3.client.send(new ListObjectsV2Command({ Bucket: workflow().bucket, Prefix: prefix }));
  return Contents.map((object) => object.Key!).sort();
}

async function bytesOf(key: string): Promise<Buffer> {
  const { Body } = await s3.client.send(new GetObjectCommand({ Bucket: workflow().bucket, Key: key }));
  return Buffer.from(await Body!.transformToByteArray());
}

async function exists(key: string): Promise<boolean> {
  try {
    await s3.client.send(new HeadObjectCommand({ Bucket: workflow().bucket, Key: key }));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'NotFound') return false;
    throw error;
  }
}

function retriesOf(run: LocalExecution, state: string): number {
  return run.events.filter((event: ExecutionEvent) => event.type === 'StateRetried' && 'state' in event && event.state.name === state).length;
}

/**
 * The consumer's JSON log lines that mention `text`, once there are `count` of them: its process
 * writes them to stdout, which may arrive after the invocation's result.
 */
async function consumerLines(text: string, count: number): Promise<Array<Record<string, unknown>>> {
  const lines = (): string[] => workflow().consumerLogs.filter((line) => line.includes(text));
  await vi.waitFor(() => expect(lines().length).toBeGreaterThanOrEqual(count), { timeout: 2_000, interval: 10 });
  return lines().map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  for (const [name, value] of Object.entries(RELAY_ENV)) setEnv(name, value);
  // The relay's one JSON log line per call would flood the output.
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk, encoding, callback) =>
    String(chunk).includes('"InvokeAgentRuntime') ? true : write(chunk, encoding, callback),
  );

  cloud = await startDocumentCloud(model.respond, 'document-processing-e2e');
  ({ s3, sfn, plane, tokens } = cloud);
  setEnv('AWS_ENDPOINT_URL_BEDROCK_AGENTCORE', plane.url);

  example = await synthesizeExample((app: App, id: string, props: StackProps) => {
    const stack = new DocumentProcessingStack(app, id, props);
    oneModelAttempt(stack.classifier);
    oneModelAttempt(stack.processor);
    const { workflow: documents } = stack;
    Object.assign(resources, {
      bucket: logicalId(documents.bucket),
      table: logicalId(documents.table),
      stateMachine: logicalId(documents.stateMachine),
      queue: logicalId(documents.queue),
      consumer: logicalId(documents.consumerFunction),
    });
    return stack;
  }, { classifier: (s) => s.classifier, processor: (s) => s.processor, relay: (s) => s.node.findChild(RELAY_ID) });

  agents = await LocalApp.deploy(example, cloud.local);
  deployment = await DocumentProcessingDeployment.deploy({ app: example, agents, cloud: cloud.local, resources, sfn, tokens, executionTimeoutMs: 8_000 });
}, 40_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await deployment?.close();
  await agents?.close();
  await cloud?.close();
  await example?.dispose();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('AgenticDocumentProcessing, deployed locally from the example', () => {
  it("S3's test message, sent when the notification is configured, is acknowledged: nothing started", async () => {
    const app = workflow();
    const deliveries = await app.deliverAll();

    expect(deliveries).toEqual([{ messageIds: [expect.any(String)], failed: [] }]);
    expect(JSON.parse(app.queue.message(deliveries[0]!.messageIds[0]!)!.body)).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: app.bucket });
    expect(sfn.callsOf('StartExecution')).toEqual([]);
    expect(await consumerLines('S3 test event acknowledged', 1)).toHaveLength(1);
  });

  it('a text invoice: classified, processed on AgentCore (callback), result stored, document moved, record completed', async () => {
    const key = 'raw/invoices/INV-2025-0042.txt';
    const { documentId, executionArn, run, messageId } = await upload(key, INVOICE_TEXT, 'text/plain');

    expect(run.status, `${run.error}: ${run.cause}`).toBe('SUCCEEDED');
    expect(run.visited).toEqual(COMPLETED_PATH);
    expect(documentId).toMatch(/^inv-2025-0042-[0-9a-f]{16}$/);
    expect(executionArn).toBe(`${workflow().stateMachineArn.replace(':stateMachine:', ':execution:')}:${documentId}`);
    // The notification as S3 sends it: the key form-encoded, a version id (the bucket is versioned), a sequencer.
    const notification = JSON.parse(workflow().queue.message(messageId)!.body) as { Records: Array<{ eventName: string; s3: { object: Record<string, unknown> } }> };
    expect(notification.Records).toEqual([expect.objectContaining({ eventName: 'ObjectCreated:Put', s3: expect.objectContaining({ object: expect.objectContaining({ key, versionId: expect.any(String), sequencer: expect.stringMatching(/^[0-9A-F]+$/) }) }) })]);

    const item = await record(documentId);
    expect(item).toEqual({
      documentId,
      key,
      status: 'completed',
      createdAt: expect.stringMatching(ISO_TIME),
      executionArn,
      completedAt: expect.stringMatching(ISO_TIME),
      resultKey: `processed/${documentId}.result.json`,
      processedKey: `processed/${documentId}/INV-2025-0042.txt`,
      classification: 'invoice',
    });
    expect(Date.parse(item.completedAt!)).toBeGreaterThanOrEqual(Date.parse(item.createdAt!));

    // The processing agent's answer, as it reported it with SendTaskSuccess.
    expect(JSON.parse((await bytesOf(`processed/${documentId}.result.json`)).toString('utf8'))).toEqual({
      result: EXPECTED_ANSWER,
      metadata: { executionTime: expect.any(Number), tokensUsed: expect.any(Number), modelId: MODEL_ID },
    });
    expect(tokens.calls.filter(({ call }) => call.taskToken === run.taskTokens[0]).map(({ call, answer }) => [call.action, answer.ok])).toEqual([['SendTaskSuccess', true]]);
    expect(await keysUnder('raw/')).toEqual([]);
    expect(await keysUnder(`processed/${documentId}`)).toEqual([`processed/${documentId}.result.json`, `processed/${documentId}/INV-2025-0042.txt`]);
    expect((await bytesOf(`processed/${documentId}/INV-2025-0042.txt`)).toString('utf8')).toBe(INVOICE_TEXT);
    // The classifier read it once; the processor called its tool, then answered.
    expect(model.callsAbout(key).map((c) => c.agent)).toEqual(['classifier', 'processor', 'processor']);
    // Only the upload notified the queue: the state machine's own writes are outside raw/.
    const notified = s3.events.filter((event) => event.notified.length > 0).map((event) => event.key);
    expect(notified).toContain(key);
    expect(notified.every((k) => k.startsWith('raw/'))).toBe(true);
    expect(s3.events).toContainEqual({ eventName: 'ObjectCreated:Copy', bucket: workflow().bucket, key: `processed/${documentId}/INV-2025-0042.txt`, notified: [] });
  });

  it('a document the agent cannot read (random bytes, raw/blob.bin): Agent.BadRequest recorded with the agent\'s message, document moved to failed/', async () => {
    const key = 'raw/blob.bin';
    // 0xFF never occurs in UTF-8: the bytes cannot be read as text, and .bin is no format the model takes.
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x81]), Buffer.from(Array.from({ length: 60 }, (_, i) => (i * 97 + 13) % 256))]);
    const { documentId, run } = await upload(key, bytes, 'application/octet-stream');

    expect(run).toMatchObject({ status: 'FAILED', error: 'DocumentProcessingFailed' });
    expect(run.visited).toEqual(['InitMetadata', 'Classify', 'RecordFailure', 'CopyToFailed', 'DeleteRawAfterFailed', 'Failed']);
    expect(retriesOf(run, 'Classify')).toBe(0);
    const item = await record(documentId);
    expect(item).toEqual({
      documentId,
      key,
      status: 'failed',
      createdAt: expect.stringMatching(ISO_TIME),
      executionArn: expect.any(String),
      errorName: 'Agent.BadRequest',
      errorCause: expect.any(String),
      failedAt: expect.stringMatching(ISO_TIME),
    });
    // The cause is Lambda's error payload: the agent's own message.
    const cause = JSON.parse(item.errorCause!) as { errorType: string; errorMessage: string };
    expect(cause.errorType).toBe('Agent.BadRequest');
    expect(cause.errorMessage).toContain(`s3://${workflow().bucket}/${key} is neither UTF-8 text nor a supported binary format`);
    expect(run.cause).toBe(item.errorCause);
    expect(await keysUnder('raw/')).toEqual([]);
    expect(await keysUnder(`processed/${documentId}/`)).toEqual([]);
    expect(await bytesOf(`failed/${documentId}/blob.bin`)).toEqual(bytes);
    expect(model.callsAbout(key)).toEqual([]);
  });

  it("the model throttled once for each agent: each step's default Retry recovers, the document completes", async () => {
    const key = 'raw/inv-throttled.txt';
    const { documentId, run } = await upload(key, `${INVOICE_TEXT}\n${THROTTLE_ONCE}`, 'text/plain');

    expect(run.status, `${run.error}: ${run.cause}`).toBe('SUCCEEDED');
    expect(retriesOf(run, 'Classify')).toBe(1);
    expect(retriesOf(run, 'Process')).toBe(1);
    // Classify: the Lambda agent failed the first attempt with Agent.Throttled.
    const classifier = agents!.functionArn('classifier');
    const attempts = run.invocations.filter((i) => i.invokedFunctionArn === classifier);
    expect(attempts).toHaveLength(2);
    expect(await attempts[0]!.outcome).toMatchObject({ ok: false, error: { errorType: 'Agent.Throttled' } });
    // Process: the AgentCore agent reported Agent.Throttled with the first token; the retry got a new token and a new session.
    expect(run.taskTokens).toHaveLength(2);
    const reports = run.taskTokens.map((token) => tokens.calls.filter(({ call }) => call.taskToken === token && call.action !== 'SendTaskHeartbeat').map(({ call }) => call));
    expect(reports).toEqual([[expect.objectContaining({ action: 'SendTaskFailure', error: 'Agent.Throttled' })], [expect.objectContaining({ action: 'SendTaskSuccess' })]]);
    const sessions = plane.calls.filter((call) => call.body.includes(key)).map((call) => call.sessionId);
    expect(sessions).toHaveLength(2);
    expect(new Set(sessions).size).toBe(2);
    for (const session of sessions) expect(session.startsWith(`${documentId}-`)).toBe(true);
    expect(model.callsAbout(key).map((c) => [c.agent, c.throttled])).toEqual([
      ['classifier', true], ['classifier', false], ['processor', true], ['processor', false], ['processor', false],
    ]);
    expect(await record(documentId)).toMatchObject({ status: 'completed', classification: 'invoice', resultKey: `processed/${documentId}.result.json` });
    expect(JSON.parse((await bytesOf(`processed/${documentId}.result.json`)).toString('utf8'))).toMatchObject({ result: EXPECTED_ANSWER });
    expect(await keysUnder('raw/')).toEqual([]);
  });

  it('the same SQS message delivered twice: one execution; the second StartExecution is answered ExecutionAlreadyExists and counts as done', async () => {
    const key = 'raw/dup/invoice-twice.txt';
    const first = await upload(key, INVOICE_TEXT, 'text/plain');
    expect(first.run.status, `${first.run.error}: ${first.run.cause}`).toBe('SUCCEEDED');
    const completed = await record(first.documentId);
    const app = workflow();
    const startsBefore = app.startReplies.length;

    app.queue.duplicate(first.messageId);
    const deliveries = await app.deliverAll();

    expect(deliveries).toEqual([{ messageIds: [first.messageId], failed: [] }]);
    expect(app.startReplies.slice(startsBefore)).toEqual([{ name: first.documentId, status: 400, error: 'ExecutionAlreadyExists' }]);
    expect([...app.runs.keys()].filter((arn) => arn.endsWith(`:${first.documentId}`))).toEqual([first.executionArn]);
    const lines = await consumerLines(first.documentId, 2);
    expect(lines.map((line) => line.status)).toEqual(['started', 'already-exists']);
    expect(lines[1]).toMatchObject({ level: 'info', messageId: first.messageId, executionArn: first.executionArn });
    // Nothing ran again: the record, the documents and the model calls are as the first run left them.
    expect(await record(first.documentId)).toEqual(completed);
    expect(await keysUnder(`processed/${first.documentId}`)).toEqual([`processed/${first.documentId}.result.json`, `processed/${first.documentId}/invoice-twice.txt`]);
    expect(model.callsAbout(key)).toHaveLength(3);
  });

  it('a malformed message next to a good one: only it is a batch item failure, received 5 times, then moved to the dead-letter queue', async () => {
    const app = workflow();
    const startsBefore = app.startReplies.length;
    const body = 'this is not an S3 notification {';
    const malformed = app.queue.send(body);
    const key = 'raw/next-to-malformed.txt';
    await s3.put(app.bucket, key, INVOICE_TEXT, 'text/plain');

    const deliveries = await app.deliverAll();

    // One batch with both, four more receives of the malformed one; the next receive moves it.
    expect(deliveries.map((d) => d.messageIds.length)).toEqual([2, 1, 1, 1, 1]);
    expect(deliveries.map((d) => d.failed)).toEqual([[malformed], [malformed], [malformed], [malformed], [malformed]]);
    expect(app.queue.depth).toBe(0);
    expect(app.queue.deadLetters).toEqual([expect.objectContaining({ messageId: malformed, body, receiveCount: 5 })]);
    const errors = (await consumerLines(malformed, 5)).filter((line) => line.level === 'error');
    expect(errors.map((line) => line.receiveCount)).toEqual([1, 2, 3, 4, 5]);
    expect(String(errors[0]!.message)).toContain(`Message ${malformed} is not a usable S3 notification: the body is not JSON`);
    // The good one started once and completed.
    const started = app.startReplies.slice(startsBefore);
    expect(started).toEqual([expect.objectContaining({ status: 200 })]);
    const run = await app.run(started[0]!.executionArn!);
    expect(run.status, `${run.error}: ${run.cause}`).toBe('SUCCEEDED');
    expect(await record(started[0]!.name)).toMatchObject({ key, status: 'completed' });
  });

  it('StartExecution unavailable (503 on every SDK attempt): a batch item failure, and the next receive starts the one execution', async () => {
    const app = workflow();
    const startsBefore = app.startReplies.length;
    const unavailable = sfnError('ServiceUnavailable', 'Service unavailable', 503);
    // The consumer's client makes 3 attempts: all of them fail this delivery.
    app.nextStarts.push(unavailable, unavailable, unavailable);
    const key = 'raw/start-unavailable.txt';
    await s3.put(app.bucket, key, INVOICE_TEXT, 'text/plain');

    const deliveries = await app.deliverAll();

    const [messageId] = deliveries[0]!.messageIds;
    expect(deliveries).toEqual([{ messageIds: [messageId], failed: [messageId] }, { messageIds: [messageId], failed: [] }]);
    const started = app.startReplies.slice(startsBefore);
    expect(started.map((reply) => reply.status)).toEqual([503, 503, 503, 200]);
    expect(new Set(started.map((reply) => reply.name)).size).toBe(1);
    const lines = await consumerLines(messageId!, 2);
    expect(lines.map((line) => [line.level, line.receiveCount])).toEqual([['error', 1], ['info', 2]]);
    expect(lines[0]).toMatchObject({ error: 'ServiceUnavailable' });
    const run = await app.run(started[3]!.executionArn!);
    expect(run.status, `${run.error}: ${run.cause}`).toBe('SUCCEEDED');
    expect(await record(started[3]!.name)).toMatchObject({ key, status: 'completed' });
  });

  it('a key with spaces and non-ASCII characters goes all the way through (form-encoded notification, URL-encoded CopySource)', async () => {
    // Spaces, non-ASCII letters, and characters whose escapes (%2B, %2C, %26) a lenient decoder would keep.
    const file = 'Rechnung März – Büro (Kopie) + Belege, Nr. 5 & 6.txt';
    const key = `raw/Eingang 2025/${file}`;
    const { documentId, run, input, messageId } = await upload(key, INVOICE_TEXT, 'text/plain; charset=utf-8');

    const sent = JSON.parse(workflow().queue.message(messageId)!.body) as { Records: Array<{ s3: { object: { key: string } } }> };
    expect(sent.Records[0]!.s3.object.key).toBe('raw/Eingang+2025/Rechnung+M%C3%A4rz+%E2%80%93+B%C3%BCro+%28Kopie%29+%2B+Belege%2C+Nr.+5+%26+6.txt');
    expect(notificationKey(key)).toBe(sent.Records[0]!.s3.object.key);
    expect(input.content).toMatchObject({ key, filename: file });
    expect(input.copySource).toBe(`${workflow().bucket}/raw/Eingang%202025/Rechnung%20M%C3%A4rz%20%E2%80%93%20B%C3%BCro%20%28Kopie%29%20%2B%20Belege%2C%20Nr.%205%20%26%206.txt`);

    expect(run.status, `${run.error}: ${run.cause}`).toBe('SUCCEEDED');
    expect(run.visited).toEqual(COMPLETED_PATH);
    expect(documentId).toMatch(/^rechnung-m-rz-b-ro-kopie-belege-nr-5-6-[0-9a-f]{16}$/);
    const copy = workflow().storage.calls.find((call) => call.stateName === 'CopyToProcessed' && call.parameters.CopySource === input.copySource);
    expect(copy).toMatchObject({ parameters: { Key: `processed/${documentId}/${file}` } });
    expect(copy?.error).toBeUndefined();
    expect(await record(documentId)).toMatchObject({ key, status: 'completed', processedKey: `processed/${documentId}/${file}`, classification: 'invoice' });
    expect(await exists(key)).toBe(false);
    expect(await keysUnder('raw/')).toEqual([]);
    expect((await bytesOf(`processed/${documentId}/${file}`)).toString('utf8')).toBe(INVOICE_TEXT);
    expect(model.callsAbout(key).map((c) => c.agent)).toEqual(['classifier', 'processor', 'processor']);
  });
});
