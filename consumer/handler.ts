import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createJsonLogger, type Logger } from '../agent/core/logger.js';
import { isRecord } from '../cli/util.js';
import { documentExecutionOf, isFolderMarker, type DocumentExecution } from './execution.js';
import { NotificationError, parseS3Notification } from './notification.js';

/** The part of an SQS record the consumer reads. */
export interface SqsRecord {
  readonly messageId: string;
  readonly body: string;
  /** How many times SQS has delivered it (the queue moves it to the dead-letter queue after 3). */
  readonly receiveCount?: number;
}

/** What Lambda reads back with `reportBatchItemFailures`: the messages to leave on the queue. */
export interface SqsBatchResponse {
  readonly batchItemFailures: Array<{ readonly itemIdentifier: string }>;
}

/** The part of the Lambda context the consumer uses. */
export interface ConsumerContext {
  readonly awsRequestId?: string;
}

export type ConsumerHandler = (event: unknown, context?: ConsumerContext) => Promise<SqsBatchResponse>;

/** The part of the Step Functions client the consumer uses. */
export type StepFunctionsSender = Pick<SFNClient, 'send'>;

export interface ConsumerOptions {
  /** The Step Functions client; by default one is made on the first call and reused while warm. */
  readonly client?: StepFunctionsSender;
  /** The state machine to start; without a valid one every message is reported failed. */
  readonly stateMachineArn?: string;
  /** Where the log lines go; stdout (CloudWatch Logs) by default. */
  readonly logger?: Logger;
}

// arn:<partition>:states:<region>:<account>:stateMachine:<name>[:<version or alias>]
const STATE_MACHINE_ARN = /^(arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}):stateMachine:([^:\s]{1,80})(?::[^:\s]+)?$/;
/** Messages handled at once: the event source's batch size, so a batch runs in one round. */
const CONCURRENCY = 10;

function defaultClient(): SFNClient {
  // The SDK's default retries (3 attempts) stay: a repeated StartExecution with the same name and
  // input is idempotent, and ExecutionAlreadyExists counts as success anyway. The timeouts keep a
  // hung connection well inside the function's one minute.
  return new SFNClient({ requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 } });
}

function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  return { error: error.name, errorMessage: error.message.slice(0, 500) };
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The event's records; an event that is not an SQS batch is thrown (Lambda retries it whole). */
function sqsRecordsOf(event: unknown): SqsRecord[] {
  if (!isRecord(event) || !Array.isArray(event.Records)) throw new TypeError('The consumer expects an SQS event ({"Records": [...]})');
  return event.Records.map((record: unknown, index) => {
    if (!isRecord(record) || typeof record.messageId !== 'string' || record.messageId === '' || typeof record.body !== 'string') {
      throw new TypeError(`SQS event Records[${index}] has no messageId and body: it cannot be reported failed on its own`);
    }
    const receiveCount = isRecord(record.attributes) ? Number(record.attributes.ApproximateReceiveCount) : NaN;
    return { messageId: record.messageId, body: record.body, ...(Number.isInteger(receiveCount) ? { receiveCount } : {}) };
  });
}

/**
 * The consumer's Lambda handler (an SQS event source with `reportBatchItemFailures`): for each S3
 * object created under `raw/`, starts one execution of the state machine named after the document.
 * Returns the messages that could not be used or whose execution could not be started; SQS
 * delivers them again and, after the queue's receive limit, moves them to the dead-letter queue.
 */
export function createConsumerHandler(options: ConsumerOptions = {}): ConsumerHandler {
  const logger = options.logger ?? createJsonLogger();
  const stateMachineArn = options.stateMachineArn;
  const arnParts = stateMachineArn === undefined ? null : STATE_MACHINE_ARN.exec(stateMachineArn);
  let client = options.client;

  return async (event, context) => {
    const records = sqsRecordsOf(event);
    const requestId = context?.awsRequestId;
    if (stateMachineArn === undefined || stateMachineArn === '' || arnParts === null) {
      logger.error(
        stateMachineArn === undefined || stateMachineArn === ''
          ? 'STATE_MACHINE_ARN is not set: no execution can be started, every message of the batch is reported failed'
          : `STATE_MACHINE_ARN is not a state machine ARN (${JSON.stringify(stateMachineArn)}): no execution can be started, every message of the batch is reported failed`,
        { requestId, messageIds: records.map((record) => record.messageId) },
      );
      return { batchItemFailures: records.map((record) => ({ itemIdentifier: record.messageId })) };
    }
    const executionArnOf = (name: string): string => `${arnParts[1]}:execution:${arnParts[2]}:${name}`;

    /** Starts one document's execution; false when the message should come back. */
    const start = async ({ messageId, receiveCount }: SqsRecord, execution: DocumentExecution): Promise<boolean> => {
      const fields = { requestId, messageId, receiveCount, documentId: execution.input.documentId, bucket: execution.input.content.bucket, key: execution.input.content.key };
      try {
        client ??= defaultClient();
        const out = await client.send(new StartExecutionCommand({ stateMachineArn, name: execution.name, input: JSON.stringify(execution.input) }));
        logger.info('StartExecution', { ...fields, status: 'started', executionArn: out.executionArn });
        return true;
      } catch (error) {
        if (error instanceof Error && error.name === 'ExecutionAlreadyExists') {
          // This document's execution was started by an earlier delivery of the same notification.
          logger.info('StartExecution', { ...fields, status: 'already-exists', executionArn: executionArnOf(execution.name) });
          return true;
        }
        logger.error('StartExecution failed: the message is reported failed and SQS delivers it again', { ...fields, ...errorFields(error) });
        return false;
      }
    };

    const consume = async (message: SqsRecord): Promise<boolean> => {
      const { messageId, body, receiveCount } = message;
      let executions: DocumentExecution[];
      try {
        const notification = parseS3Notification(body);
        if (notification.kind === 'test-event') {
          logger.info('S3 test event acknowledged: nothing to start', { requestId, messageId });
          return true;
        }
        executions = [];
        for (const record of notification.records) {
          if (isFolderMarker(record.key)) {
            // The S3 console's "Create folder": an empty object, no document.
            logger.info('Folder marker skipped: nothing to start', { requestId, messageId, bucket: record.bucket, key: record.key });
            continue;
          }
          executions.push(documentExecutionOf(record));
        }
      } catch (error) {
        if (!(error instanceof NotificationError)) throw error;
        logger.error(`Message ${messageId} is not a usable S3 notification: ${error.message}`, { requestId, messageId, receiveCount, reason: error.message });
        return false;
      }
      let ok = true;
      for (const execution of executions) ok = (await start(message, execution)) && ok;
      return ok;
    };

    const outcomes = await mapLimited(records, CONCURRENCY, consume);
    return { batchItemFailures: records.filter((_, index) => !outcomes[index]).map((record) => ({ itemIdentifier: record.messageId })) };
  };
}
