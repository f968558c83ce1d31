// Reading one SQS message body as the S3 event notification S3 sends to the queue.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
import { isRecord } from '../cli/util.js';

/** One object-created record of a notification, its key decoded. */
export interface S3ObjectCreated {
  readonly eventName: string;
  readonly eventTime: string;
  readonly bucket: string;
  /** The object's key as stored (decoded from the notification's URL encoding). */
  readonly key: string;
  /** Present when the bucket is versioned. */
  readonly versionId?: string;
  /** Orders the events of one key; present on every object event. */
  readonly sequencer?: string;
}

/** What a message body is: S3's test message (sent when the notification is configured), or records. */
export type S3Notification = { readonly kind: 'test-event' } | { readonly kind: 'records'; readonly records: readonly S3ObjectCreated[] };

/** A body that is not a usable S3 notification; the message says why. */
export class NotificationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotificationError';
  }
}

const MAX_SHOWN = 200;

function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/**
 * The key as stored. S3 writes keys in notifications form-encoded: a space is `+` (so a `+` of the
 * key is `%2B`) and everything else outside a small safe set is percent-encoded UTF-8.
 */
export function decodeS3Key(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch (error) {
    throw new NotificationError(`object key ${shown(encoded)} is not valid URL encoding`, { cause: error });
  }
}

function text(record: Record<string, unknown>, field: string, where: string): string {
  const value = record[field];
  if (typeof value !== 'string' || value === '') throw new NotificationError(`${where}${field} must be a non-empty string, got ${shown(value)}`);
  return value;
}

function optionalText(record: Record<string, unknown>, field: string, where: string): string | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new NotificationError(`${where}${field} must be a string, got ${shown(value)}`);
  return value;
}

function objectCreated(record: unknown, index: number): S3ObjectCreated {
  const at = `Records[${index}]: `;
  if (!isRecord(record)) throw new NotificationError(`${at}expected an object, got ${shown(record)}`);
  if (record.eventSource !== 'aws:s3') throw new NotificationError(`${at}eventSource is ${shown(record.eventSource)}, not "aws:s3"`);
  const eventVersion = text(record, 'eventVersion', at);
  // Every 2.x version adds fields only; a 3.x could move the ones read here.
  if (!eventVersion.startsWith('2.')) throw new NotificationError(`${at}eventVersion ${shown(eventVersion)} is not a 2.x S3 event`);
  const eventName = text(record, 'eventName', at);
  // The bucket sends only ObjectCreated events to this queue; anything else was sent by mistake.
  if (!eventName.startsWith('ObjectCreated:')) throw new NotificationError(`${at}eventName ${shown(eventName)} is not an ObjectCreated event`);
  const eventTime = text(record, 'eventTime', at);
  const s3 = record.s3;
  if (!isRecord(s3) || !isRecord(s3.bucket) || !isRecord(s3.object)) throw new NotificationError(`${at}s3.bucket and s3.object must be objects, got s3 = ${shown(s3)}`);
  const bucket = text(s3.bucket, 'name', `${at}s3.bucket.`);
  const key = decodeS3Key(text(s3.object, 'key', `${at}s3.object.`));
  const versionId = optionalText(s3.object, 'versionId', `${at}s3.object.`);
  const sequencer = optionalText(s3.object, 'sequencer', `${at}s3.object.`);
  return {
    eventName,
    eventTime,
    bucket,
    key,
    ...(versionId === undefined ? {} : { versionId }),
    ...(sequencer === undefined ? {} : { sequencer }),
  };
}

/**
 * The notification in an SQS message body. Throws a NotificationError naming what is wrong for a
 * body that is not JSON, not an S3 notification, or holds a record this consumer cannot use.
 */
export function parseS3Notification(body: string): S3Notification {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new NotificationError(`the body is not JSON (${error instanceof Error ? error.message : String(error)}): ${shown(body)}`, { cause: error });
  }
  if (isRecord(parsed) && parsed.Event === 's3:TestEvent') return { kind: 'test-event' };
  if (!isRecord(parsed) || !Array.isArray(parsed.Records)) throw new NotificationError(`the body is not an S3 event notification (no Records array): ${shown(parsed)}`);
  if (parsed.Records.length === 0) throw new NotificationError('the S3 event notification has no records');
  return { kind: 'records', records: parsed.Records.map(objectCreated) };
}
