/**
 * A standard SQS queue with a redrive policy and the Lambda event source mapping that polls it,
 * as much as a consumer's tests need, and no more:
 *
 * - `send(body)` enqueues a message; `poll()` is one receive by the event source mapping: up to
 *   `batchSize` visible messages, each receive incrementing its receive count, handed to the
 *   function as the SQS event Lambda builds (messageId, receiptHandle, body, attributes with
 *   ApproximateReceiveCount, md5OfBody, eventSourceARN...).
 * - With `ReportBatchItemFailures` the messages named in `batchItemFailures` stay on the queue and
 *   the others are deleted; a thrown invocation, or a failure naming a message not in the batch,
 *   keeps the whole batch (Lambda's rule).
 * - A message that stays becomes visible again after the visibility timeout: here, at the next
 *   `poll()` (no time passes).
 * - Redrive: a message already received `maxReceiveCount` times is moved to the dead-letter queue
 *   when it would be received once more, as SQS does.
 * - `duplicate(messageId)` puts a copy of a message received before back on the queue: a standard
 *   queue delivers at least once, and may deliver a message again after it was deleted.
 */
import { createHash, randomUUID } from 'node:crypto';

export interface QueueSettings {
  readonly queueArn: string;
  readonly region: string;
  /** The redrive policy's maxReceiveCount. */
  readonly maxReceiveCount: number;
  /** The event source mapping's BatchSize. */
  readonly batchSize: number;
}

export interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentTimestamp: number;
  receiveCount: number;
  firstReceiveTimestamp?: number;
}

export interface SqsBatchResponse {
  readonly batchItemFailures?: ReadonlyArray<{ readonly itemIdentifier?: string }>;
}

/** The function the event source mapping invokes. */
export type QueueConsumer = (event: { Records: unknown[] }) => Promise<SqsBatchResponse | undefined | null>;

/** One invocation of the function by the mapping. */
export interface Delivery {
  readonly messageIds: readonly string[];
  /** The ids that stayed on the queue. */
  readonly failed: readonly string[];
  readonly error?: unknown;
}

export class LocalQueue {
  /** Messages moved after too many receives. */
  public readonly deadLetters: QueuedMessage[] = [];
  public readonly deliveries: Delivery[] = [];
  private readonly visible: QueuedMessage[] = [];
  private readonly received = new Map<string, QueuedMessage>();

  constructor(public readonly settings: QueueSettings) {}

  public send(body: string): string {
    const message: QueuedMessage = { messageId: randomUUID(), body, sentTimestamp: Date.now(), receiveCount: 0 };
    this.visible.push(message);
    return message.messageId;
  }

  /** A copy of a message received before, delivered again (at-least-once delivery). */
  public duplicate(messageId: string): void {
    const message = this.received.get(messageId);
    if (message === undefined) throw new Error(`message ${messageId} was never received`);
    this.visible.push({ ...message });
  }

  /** A message as it was last received. */
  public message(messageId: string): QueuedMessage | undefined {
    return this.received.get(messageId);
  }

  /** How many messages wait on the queue. */
  public get depth(): number {
    return this.visible.length;
  }

  /** One receive and invocation; resolves with what the mapping did (undefined: nothing to receive). */
  public async poll(consumer: QueueConsumer): Promise<Delivery | undefined> {
    const batch: QueuedMessage[] = [];
    while (batch.length < this.settings.batchSize && this.visible.length > 0) {
      const message = this.visible.shift()!;
      if (message.receiveCount >= this.settings.maxReceiveCount) {
        this.deadLetters.push(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= Date.now();
      this.received.set(message.messageId, message);
      batch.push(message);
    }
    if (batch.length === 0) return undefined;

    const ids = batch.map((m) => m.messageId);
    let failed: string[];
    let error: unknown;
    try {
      const response = await consumer({ Records: batch.map((m) => this.record(m)) });
      const named = (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
      // An empty or unknown identifier makes Lambda treat the whole batch as failed.
      failed = named.every((id): id is string => typeof id === 'string' && ids.includes(id)) ? [...new Set(named as string[])] : ids;
    } catch (thrown) {
      error = thrown;
      failed = ids;
    }
    this.visible.push(...batch.filter((m) => failed.includes(m.messageId)));
    const delivery: Delivery = { messageIds: ids, failed, ...(error === undefined ? {} : { error }) };
    this.deliveries.push(delivery);
    return delivery;
  }

  /** Polls until the queue is empty, at most `rounds` times (a message failing forever ends in the dead-letter queue). */
  public async drain(consumer: QueueConsumer, rounds = 10): Promise<Delivery[]> {
    const done: Delivery[] = [];
    for (let round = 0; round < rounds && this.visible.length > 0; round++) {
      const delivery = await this.poll(consumer);
      if (delivery !== undefined) done.push(delivery);
    }
    if (this.visible.length > 0) throw new Error(`${this.visible.length} message(s) still on the queue after ${rounds} polls`);
    return done;
  }

  /** The SQS record Lambda's event source mapping puts in the event. */
  private record(message: QueuedMessage): Record<string, unknown> {
    return {
      messageId: message.messageId,
      receiptHandle: `AQEB${Buffer.from(`${message.messageId}:${message.receiveCount}`).toString('base64')}`,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentTimestamp),
        SenderId: 'AIDAS3NOTIFICATIONS',
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body, 'utf8').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.settings.queueArn,
      awsRegion: this.settings.region,
    };
  }
}
