/**
 * The document consumer as shipped (assets/consumer/index.mjs) against the Step Functions stand-in,
 * with the real SFNClient (AWS_ENDPOINT_URL_SFN, fake credentials): SQS events carrying S3
 * notifications written as S3 sends them, the StartExecution requests the contract fixes, and the
 * batch item failures SQS acts on.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sfnError, startSfnStandIn, type SfnCall, type SfnStandIn } from '../helpers/sfn-stand-in.js';

/** The consumer as shipped (`npm run bundle:functions`, run by `pretest`). */
const BUNDLE = resolve(import.meta.dirname, '..', '..', 'assets', 'consumer', 'index.mjs');
/** Sources the bundle is built from; a bundle older than any of them is stale. */
const SOURCES = ['consumer/index.ts', 'consumer/handler.ts', 'consumer/notification.ts', 'consumer/document-id.ts', 'consumer/execution.ts', 'agent/core/logger.ts', 'cli/util.ts'];

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:DocumentsWorkflowA1B2C3';
const EXECUTION_PREFIX = 'arn:aws:states:us-east-1:123456789012:execution:DocumentsWorkflowA1B2C3:';
const BUCKET = 'documents-bucket-a1b2c3d4';
const ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDCONSUMERTEST',
  AWS_SECRET_ACCESS_KEY: 'consumer-test-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  STATE_MACHINE_ARN,
};

type Handler = (event: unknown, context?: { awsRequestId?: string }) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;
type LogLine = Record<string, unknown> & { level: string; message: string };

interface S3Object {
  /** The key exactly as S3 writes it in the notification (form-encoded). */
  readonly key: string;
  readonly eventName?: string;
  readonly versionId?: string;
  readonly sequencer: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly eventTime?: string;
  readonly bucket?: string;
}

/** One record of an S3 event notification, every field S3 sends (event version 2.1). */
function s3Record(object: S3Object): Record<string, unknown> {
  const bucket = object.bucket ?? BUCKET;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: object.eventTime ?? '2026-11-25T10:00:00.123Z',
    eventName: object.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AROAEXAMPLEROLEID:uploader' },
    requestParameters: { sourceIPAddress: '203.0.113.10' },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'DocumentsRawNotification',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKEXAMPLE' }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: object.key,
        size: object.size ?? 48_213,
        eTag: object.eTag ?? '9b2cf535f27731c974343645a3985328',
        ...(object.versionId === undefined ? {} : { versionId: object.versionId }),
        sequencer: object.sequencer,
      },
    },
  };
}

const notification = (...objects: S3Object[]): string => JSON.stringify({ Records: objects.map(s3Record) });

/** An SQS record as Lambda's event source mapping delivers it. */
function message(messageId: string, body: string, receiveCount = 1): Record<string, unknown> {
  return {
    messageId,
    receiptHandle: `AQEB${messageId.replace(/-/g, '')}receipt`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1795600000000',
      SenderId: 'AIDAJHIPRHEMV73VRJEBU',
      ApproximateFirstReceiveTimestamp: '1795600000100',
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:DocumentsQueue',
    awsRegion: 'us-east-1',
  };
}

const sqsEvent = (...messages: Array<Record<string, unknown>>) => ({ Records: messages });

/** The contract's document id, computed here on its own: `<slug>-<sha256(bucket\nkey\nversion)[0..16]>`. */
function documentId(slug: string, key: string, version: string, bucket = BUCKET): string {
  return `${slug}-${createHash('sha256').update(`${bucket}\n${key}\n${version}`).digest('hex').slice(0, 16)}`;
}

// Uploads as S3 notifies them. The keys are literal notification text: `+` for a space, UTF-8
// percent-encoded, `(`/`)` encoded; the decoded key, slug and CopySource are worked out by hand.
const PUT_WITH_SPACES = {
  key: 'raw/invoices/Q3+Report+%28final%29.pdf',
  versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
  sequencer: '0062F2B1B3A1D2E5F1',
  decodedKey: 'raw/invoices/Q3 Report (final).pdf',
  filename: 'Q3 Report (final).pdf',
  slug: 'q3-report-final',
  copySource: `${BUCKET}/raw/invoices/Q3%20Report%20%28final%29.pdf`,
};
const MULTIPART_UNVERSIONED = {
  key: 'raw/scans/%C3%9Cbersicht+M%C3%A4rz+2026.PDF',
  sequencer: '0062F2B1B3A1D2E5F2',
  eventName: 'ObjectCreated:CompleteMultipartUpload',
  eTag: 'd41d8cd98f00b204e9800998ecf8427e-3',
  size: 16_777_216,
  decodedKey: 'raw/scans/Übersicht März 2026.PDF',
  filename: 'Übersicht März 2026.PDF',
  slug: 'bersicht-m-rz-2026',
  copySource: `${BUCKET}/raw/scans/%C3%9Cbersicht%20M%C3%A4rz%202026.PDF`,
};
const PLUS_AND_CJK = {
  key: 'raw/%E8%AB%8B%E6%B1%82%E6%9B%B8/a%2Bb+%E8%AB%8B%E6%B1%82.txt',
  versionId: 'Wq0cGnYRHq9bR8CZ1QH4EQ3mPz7v6uXs',
  sequencer: '0062F2B1B3A1D2E5F3',
  decodedKey: 'raw/請求書/a+b 請求.txt',
  filename: 'a+b 請求.txt',
  slug: 'a-b',
  copySource: `${BUCKET}/raw/%E8%AB%8B%E6%B1%82%E6%9B%B8/a%2Bb%20%E8%AB%8B%E6%B1%82.txt`,
};

describe('document consumer (the shipped bundle, the real SFNClient, the Step Functions stand-in)', () => {
  let sfn: SfnStandIn;
  let handler: Handler;
  const savedEnv: Record<string, string | undefined> = {};
  const logLines: LogLine[] = [];

  const startCalls = (): SfnCall[] => sfn.callsOf('StartExecution');
  const callNamed = (name: string): SfnCall | undefined => startCalls().find((call) => call.input.name === name);
  const errors = (): LogLine[] => logLines.filter((line) => line.level === 'error');
  const started = (): LogLine[] => logLines.filter((line) => line.message === 'StartExecution');

  beforeAll(async () => {
    const bundle = await stat(BUNDLE).catch(() => undefined);
    if (bundle === undefined || bundle.size === 0) throw new Error(`${BUNDLE} is missing or empty: run npm run bundle:functions`);
    for (const source of SOURCES) {
      const { mtimeMs } = await stat(resolve(import.meta.dirname, '..', '..', source));
      if (mtimeMs > bundle.mtimeMs) throw new Error(`${BUNDLE} is older than ${source}: run npm run bundle:functions`);
    }
    sfn = await startSfnStandIn();
    for (const [name, value] of Object.entries({ ...ENV, AWS_ENDPOINT_URL_SFN: sfn.url })) {
      savedEnv[name] = process.env[name];
      process.env[name] = value;
    }
    // The consumer's JSON log lines go to stdout: keep them for the assertions.
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk, encoding, callback) => {
      const text = chunk.toString();
      if (text.startsWith('{"timestamp"')) {
        for (const line of text.split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as LogLine);
        return true;
      }
      return write(chunk, encoding, callback);
    });
    ({ handler } = (await import(pathToFileURL(BUNDLE).href)) as { handler: Handler });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await sfn?.close();
  });

  beforeEach(() => {
    sfn.calls.length = 0;
    sfn.executions.clear();
    logLines.length = 0;
  });

  afterEach(() => sfn.answer('StartExecution', undefined));

  it('starts one execution per upload (Put and CompleteMultipartUpload, versioned or not, encoded keys) with exactly the request the contract fixes', async () => {
    const event = sqsEvent(
      message('11111111-1111-4111-8111-111111111111', notification(PUT_WITH_SPACES)),
      message('22222222-2222-4222-8222-222222222222', notification(MULTIPART_UNVERSIONED)),
      message('33333333-3333-4333-8333-333333333333', notification(PLUS_AND_CJK)),
    );

    const out = await handler(event, { awsRequestId: 'consumer-req-1' });

    expect(out).toEqual({ batchItemFailures: [] });
    expect(startCalls()).toHaveLength(3);
    const cases = [
      { ...PUT_WITH_SPACES, id: documentId(PUT_WITH_SPACES.slug, PUT_WITH_SPACES.decodedKey, PUT_WITH_SPACES.versionId), eventName: 'ObjectCreated:Put' },
      // No versionId: the sequencer tells uploads of the key apart.
      { ...MULTIPART_UNVERSIONED, id: documentId(MULTIPART_UNVERSIONED.slug, MULTIPART_UNVERSIONED.decodedKey, MULTIPART_UNVERSIONED.sequencer) },
      { ...PLUS_AND_CJK, id: documentId(PLUS_AND_CJK.slug, PLUS_AND_CJK.decodedKey, PLUS_AND_CJK.versionId), eventName: 'ObjectCreated:Put' },
    ];
    for (const c of cases) {
      const call = callNamed(c.id);
      expect(call, `a StartExecution named ${c.id}`).toBeDefined();
      expect(Object.keys(call!.input).sort()).toEqual(['input', 'name', 'stateMachineArn']);
      expect(call!.input.stateMachineArn).toBe(STATE_MACHINE_ARN);
      expect(JSON.parse(String(call!.input.input))).toStrictEqual({
        documentId: c.id,
        contentType: 'file',
        content: { location: 's3', bucket: BUCKET, key: c.decodedKey, filename: c.filename },
        eventTime: '2026-11-25T10:00:00.123Z',
        eventName: c.eventName,
        source: 'aws:s3',
        copySource: c.copySource,
      });
      expect(call!.headers['x-amz-target']).toBe('AWSStepFunctions.StartExecution');
      expect(call!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDCONSUMERTEST\/\d{8}\/us-east-1\/states\/aws4_request/);
    }
    expect(started().map(({ documentId: id, key, executionArn, status, level }) => ({ id, key, executionArn, status, level })).sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual(
      cases
        .map((c) => ({ id: c.id, key: c.decodedKey, executionArn: `${EXECUTION_PREFIX}${c.id}`, status: 'started', level: 'info' }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(errors()).toEqual([]);
  });

  it('the same message delivered twice: the second StartExecution is answered ExecutionAlreadyExists and counts as done', async () => {
    const body = notification(PUT_WITH_SPACES);
    const id = documentId(PUT_WITH_SPACES.slug, PUT_WITH_SPACES.decodedKey, PUT_WITH_SPACES.versionId);

    expect(await handler(sqsEvent(message('44444444-4444-4444-8444-444444444444', body)))).toEqual({ batchItemFailures: [] });
    // The first execution has finished by the time SQS delivers the message again.
    for (const execution of sfn.executions.values()) execution.status = 'SUCCEEDED';
    expect(await handler(sqsEvent(message('44444444-4444-4444-8444-444444444444', body, 2)))).toEqual({ batchItemFailures: [] });

    expect(startCalls().map((call) => call.input)).toEqual([startCalls()[0]!.input, startCalls()[0]!.input]);
    expect(startCalls()[0]!.input.name).toBe(id);
    expect([...sfn.executions.keys()]).toEqual([`${EXECUTION_PREFIX}${id}`]);
    expect(started().map((line) => [line.status, line.executionArn])).toEqual([
      ['started', `${EXECUTION_PREFIX}${id}`],
      ['already-exists', `${EXECUTION_PREFIX}${id}`],
    ]);
    expect(errors()).toEqual([]);
  });

  it('the same message twice while its execution runs: Step Functions answers the first start again, one execution', async () => {
    const batch = sqsEvent(message('55555555-5555-4555-8555-555555555555', notification(MULTIPART_UNVERSIONED)));
    expect(await handler(batch)).toEqual({ batchItemFailures: [] });
    expect(await handler(batch)).toEqual({ batchItemFailures: [] });
    expect(startCalls()).toHaveLength(2);
    expect(sfn.executions.size).toBe(1);
    expect(started().map((line) => line.status)).toEqual(['started', 'started']);
  });

  it('a new version of the same key is a new document: a new id and a second execution', async () => {
    const second = { ...PUT_WITH_SPACES, versionId: 'Zq1xV9r0Ff8mK2pQw3eR4tY5uI6oP7aS', sequencer: '0062F2B1B3A1D2E6A0' };
    const out = await handler(sqsEvent(message('m-v1', notification(PUT_WITH_SPACES)), message('m-v2', notification(second))));

    expect(out).toEqual({ batchItemFailures: [] });
    const names = startCalls().map((call) => call.input.name).sort();
    expect(names).toEqual(
      [documentId(PUT_WITH_SPACES.slug, PUT_WITH_SPACES.decodedKey, PUT_WITH_SPACES.versionId), documentId(second.slug, second.decodedKey, second.versionId)].sort(),
    );
    expect(names[0]).not.toBe(names[1]);
  });

  it("acknowledges S3's s3:TestEvent without starting anything", async () => {
    const body = JSON.stringify({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2026-11-25T09:59:58.089Z',
      Bucket: BUCKET,
      RequestId: '5582815E1AEA5ADF',
      HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
    });

    expect(await handler(sqsEvent(message('66666666-6666-4666-8666-666666666666', body)))).toEqual({ batchItemFailures: [] });
    expect(sfn.calls).toEqual([]);
    expect(logLines).toMatchObject([{ level: 'info', messageId: '66666666-6666-4666-8666-666666666666' }]);
  });

  it('reports exactly the messages it cannot use (each with one ERROR line naming it and why) and still starts the others', async () => {
    const good1 = { key: 'raw/a.pdf', versionId: 'v-good-1', sequencer: '0062F2B1B3A1D2E7A1' };
    const good2 = { key: 'raw/deep/er/b.docx', versionId: 'v-good-2', sequencer: '0062F2B1B3A1D2E7A2' };
    const bad: Array<[string, string, RegExp]> = [
      ['bad-not-json', 'Records: [oops', /is not JSON/],
      ['bad-not-s3', JSON.stringify({ hello: 'world' }), /not an S3 event notification/],
      ['bad-no-records', JSON.stringify({ Records: [] }), /has no records/],
      ['bad-outside-raw', notification({ key: 'incoming/c.pdf', versionId: 'v3', sequencer: '0062F2B1B3A1D2E7A3' }), /"incoming\/c\.pdf" is outside raw\//],
      ['bad-removed', notification({ key: 'raw/d.pdf', eventName: 'ObjectRemoved:Delete', sequencer: '0062F2B1B3A1D2E7A4' }), /ObjectRemoved:Delete.*not an ObjectCreated event/],
      ['bad-encoding', notification({ key: 'raw/e%E0%A4%A.pdf', versionId: 'v5', sequencer: '0062F2B1B3A1D2E7A5' }), /is not valid URL encoding/],
      ['bad-sqs-source', JSON.stringify({ Records: [{ ...s3Record(good1), eventSource: 'aws:sqs' }] }), /eventSource is "aws:sqs"/],
    ];
    const event = sqsEvent(message('good-1', notification(good1)), ...bad.map(([id, body]) => message(id, body)), message('good-2', notification(good2)));

    const out = await handler(event);

    expect(out).toEqual({ batchItemFailures: bad.map(([id]) => ({ itemIdentifier: id })) });
    expect(startCalls().map((call) => JSON.parse(String(call.input.input)).content.key).sort()).toEqual(['raw/a.pdf', 'raw/deep/er/b.docx']);
    const lines = errors();
    expect(lines).toHaveLength(bad.length);
    for (const [id, , reason] of bad) {
      const mine = lines.filter((line) => line.messageId === id);
      expect(mine, `one ERROR line for ${id}`).toHaveLength(1);
      expect(mine[0]!.receiveCount).toBe(1);
      expect(mine[0]!.message).toContain(id);
      expect(mine[0]!.message).toMatch(reason);
    }
  });

  it('skips the empty object the S3 console makes for a folder under raw/', async () => {
    const out = await handler(sqsEvent(message('m-folder', notification({ key: 'raw/2026/', size: 0, versionId: 'v-folder', sequencer: '0062F2B1B3A1D2E8A0' }))));
    expect(out).toEqual({ batchItemFailures: [] });
    expect(sfn.calls).toEqual([]);
    expect(logLines).toMatchObject([{ level: 'info', key: 'raw/2026/' }]);
  });

  it('a StartExecution that keeps failing (throttled, a 5xx) after the SDK retries reports that message, and only it', async () => {
    const throttled = { key: 'raw/throttled.pdf', versionId: 'v-t', sequencer: '0062F2B1B3A1D2E9A1' };
    const unavailable = { key: 'raw/unavailable.pdf', versionId: 'v-u', sequencer: '0062F2B1B3A1D2E9A2' };
    const fine = { key: 'raw/fine.pdf', versionId: 'v-f', sequencer: '0062F2B1B3A1D2E9A3' };
    sfn.answer('StartExecution', (call) => {
      const name = String(call.input.name);
      if (name.startsWith('throttled-')) return sfnError('ThrottlingException', 'Rate exceeded');
      if (name.startsWith('unavailable-')) return sfnError('ServiceUnavailable', 'Service Unavailable', 503);
      return sfn.answerByDefault(call);
    });

    const out = await handler(sqsEvent(message('m-throttled', notification(throttled)), message('m-fine', notification(fine)), message('m-unavailable', notification(unavailable))));

    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-throttled' }, { itemIdentifier: 'm-unavailable' }] });
    // The SDK's default of 3 attempts: the consumer does not turn retries off.
    expect(startCalls().filter((call) => String(call.input.name).startsWith('throttled-'))).toHaveLength(3);
    expect(startCalls().filter((call) => String(call.input.name).startsWith('unavailable-'))).toHaveLength(3);
    expect([...sfn.executions.values()].map((execution) => execution.name)).toEqual([documentId('fine', 'raw/fine.pdf', 'v-f')]);
    expect(errors()).toMatchObject([
      { messageId: expect.stringMatching(/^m-(throttled|unavailable)$/), error: expect.stringMatching(/^(ThrottlingException|ServiceUnavailable)$/) },
      { messageId: expect.stringMatching(/^m-(throttled|unavailable)$/), error: expect.stringMatching(/^(ThrottlingException|ServiceUnavailable)$/) },
    ]);
    expect(new Set(errors().map((line) => line.error))).toEqual(new Set(['ThrottlingException', 'ServiceUnavailable']));
  });

  it('an event that is not an SQS batch is thrown (nothing to report per message), not answered as a success', async () => {
    await expect(handler({ detail: {} })).rejects.toThrow(/SQS event/);
    await expect(handler({ Records: [{ body: '{}' }] })).rejects.toThrow(/no messageId/);
    expect(sfn.calls).toEqual([]);
  });

  describe('without a usable STATE_MACHINE_ARN (each in a fresh process: the bundle reads it once, when loaded)', () => {
    /** Loads the bundle in a fresh Node with `env`, hands it `event`; its result and log lines. */
    async function runFresh(stateMachineArn: string | undefined, event: unknown): Promise<{ result: unknown; lines: LogLine[] }> {
      const script =
        `const { handler } = await import(${JSON.stringify(pathToFileURL(BUNDLE).href)}); ` +
        `const result = await handler(${JSON.stringify(event)}); process.stderr.write(JSON.stringify(result));`;
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH ?? '', ...ENV, STATE_MACHINE_ARN: stateMachineArn, AWS_ENDPOINT_URL_SFN: sfn.url },
        timeout: 10_000,
      });
      return { result: JSON.parse(stderr) as unknown, lines: stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogLine) };
    }
    const batch = sqsEvent(message('m-1', notification(PUT_WITH_SPACES)), message('m-2', notification(PLUS_AND_CJK)));

    it('missing: every message is reported failed, with one clear ERROR line, and nothing is called', async () => {
      const { result, lines } = await runFresh(undefined, batch);
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }] });
      expect(lines).toMatchObject([{ level: 'error', message: expect.stringMatching(/^STATE_MACHINE_ARN is not set/), messageIds: ['m-1', 'm-2'] }]);
      expect(sfn.calls).toEqual([]);
    });

    it('not a state machine ARN: the same, naming the value', async () => {
      const { result, lines } = await runFresh('arn:aws:lambda:us-east-1:123456789012:function:oops', batch);
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }] });
      expect(lines).toMatchObject([{ level: 'error', message: expect.stringContaining('is not a state machine ARN ("arn:aws:lambda:') }]);
      expect(sfn.calls).toEqual([]);
    });
  });
});
