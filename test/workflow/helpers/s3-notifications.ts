/**
 * A local S3 (s3rver on 127.0.0.1) that sends event notifications as a deployed bucket would: the
 * template's `Custom::S3BucketNotifications` says which events of which bucket go to which queue,
 * and every object created there by anyone (the test's uploads, the agents, the state machine's
 * writes) is matched against it (event type, key prefix and suffix) and, when it matches, sent as
 * the message body S3 sends to SQS:
 *
 *   {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion","eventTime","eventName":
 *    "ObjectCreated:Put", ..., "s3":{"bucket":{"name","arn"...},"object":{"key" (form-encoded:
 *    "+" for a space, UTF-8 percent-encoded, "/" kept),"size","eTag","versionId","sequencer"}}}]}
 *
 * and, when the configuration is applied, S3's `s3:TestEvent` message. What s3rver does not do is
 * said where it matters: it keeps no versions (a versioned bucket's notification still carries a
 * version id, made here; a delete removes the object instead of adding a delete marker).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3RVER_CREDENTIALS, type LocalS3 } from '../../agent/helpers/local-aws.js';
import type { ResolvedTemplate } from '../../helpers/cfn-resolve.js';

/** One event as s3rver emits it (its own shape: the key is not encoded). */
interface S3rverEvent {
  readonly Records: ReadonlyArray<{
    readonly eventName: string;
    readonly s3: { readonly bucket: { readonly name: string }; readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string } };
  }>;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
  readonly httpServer?: { closeAllConnections(): void };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(__filename)('s3rver') as S3rverConstructor;

/** Where a queue's messages go. */
export type QueueSender = (queueArn: string, body: string) => void;

/** One queue configuration of a bucket, as the template gives it. */
interface QueueConfiguration {
  readonly Id?: string;
  readonly Events: readonly string[];
  readonly QueueArn: string;
  readonly Filter?: { readonly Key?: { readonly FilterRules?: ReadonlyArray<{ readonly Name: string; readonly Value: string }> } };
}

interface BucketConfiguration {
  readonly queues: readonly QueueConfiguration[];
  readonly versioned: boolean;
}

/** An object event s3rver reported, with what was sent for it. */
export interface ObjectEvent {
  readonly eventName: string;
  readonly bucket: string;
  readonly key: string;
  /** The queues notified. */
  readonly notified: readonly string[];
}

export interface NotifyingS3 extends LocalS3 {
  /** Every object event, in order. */
  readonly events: ObjectEvent[];
  /**
   * Applies the template's bucket notifications (the custom resource's `NotificationConfiguration`)
   * and sends each configured queue S3's test message, as S3 does when a configuration is put.
   */
  configure(template: ResolvedTemplate, send: QueueSender): void;
}

/**
 * The key as S3 writes it in a notification: `application/x-www-form-urlencoded` (a space is `+`,
 * so a `+` is `%2B`; everything but letters, digits and `.-_*` percent-encoded as UTF-8) per path
 * segment, the slashes kept.
 */
export function notificationKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%20/g, '+'),
    )
    .join('/');
}

function matches(configuration: QueueConfiguration, eventName: string, key: string): boolean {
  const type = `s3:${eventName}`;
  const category = `${type.slice(0, type.indexOf(':', 3))}:*`;
  if (!configuration.Events.some((event) => event === type || event === category)) return false;
  return (configuration.Filter?.Key?.FilterRules ?? []).every(({ Name, Value }) =>
    Name.toLowerCase() === 'prefix' ? key.startsWith(Value) : Name.toLowerCase() === 'suffix' ? key.endsWith(Value) : false,
  );
}

/** The bucket notifications a template deploys, by bucket name. */
function bucketConfigurations(template: ResolvedTemplate): Map<string, BucketConfiguration> {
  const buckets = new Map<string, BucketConfiguration>();
  for (const logicalId of template.logicalIdsOfType('Custom::S3BucketNotifications')) {
    const props = template.properties(logicalId) as unknown as {
      BucketName: string;
      NotificationConfiguration: { QueueConfigurations?: QueueConfiguration[]; LambdaFunctionConfigurations?: unknown[]; TopicConfigurations?: unknown[] };
    };
    const { QueueConfigurations = [], LambdaFunctionConfigurations = [], TopicConfigurations = [] } = props.NotificationConfiguration;
    if (LambdaFunctionConfigurations.length + TopicConfigurations.length > 0) throw new Error(`${logicalId}: only queue notifications are emulated`);
    const bucketId = Object.entries(template.resources).find(([id, r]) => r.Type === 'AWS::S3::Bucket' && template.resolveString({ Ref: id }) === props.BucketName)?.[0];
    const versioning = bucketId === undefined ? undefined : (template.properties(bucketId) as { VersioningConfiguration?: { Status?: string } }).VersioningConfiguration;
    buckets.set(props.BucketName, { queues: QueueConfigurations, versioned: versioning?.Status === 'Enabled' });
  }
  return buckets;
}

/** Starts s3rver on 127.0.0.1 and a free port; its events are sent once `configure` has been called. */
export async function startNotifyingS3(region = 'us-east-1'): Promise<NotifyingS3> {
  const directory = await mkdtemp(join(tmpdir(), 'notifying-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ region, endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  const events: ObjectEvent[] = [];
  let buckets = new Map<string, BucketConfiguration>();
  let send: QueueSender | undefined;
  let partition = 'aws';
  // S3's sequencer: hex, increasing across the events of a key.
  let sequence = BigInt(Date.now()) * 1_000_000n;

  server.on('event', ({ Records }) => {
    for (const { eventName, s3 } of Records) {
      const bucket = s3.bucket.name;
      const { key } = s3.object;
      const configuration = buckets.get(bucket);
      const targets = (configuration?.queues ?? []).filter((queue) => matches(queue, eventName, key));
      events.push({ eventName, bucket, key, notified: targets.map((t) => t.QueueArn) });
      for (const target of targets) {
        sequence += 1n;
        const record = {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: region,
          eventTime: new Date().toISOString(),
          eventName,
          userIdentity: { principalId: 'AWS:AIDALOCALUPLOADER' },
          requestParameters: { sourceIPAddress: '127.0.0.1' },
          responseElements: { 'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(), 'x-amz-id-2': randomBytes(48).toString('base64') },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: target.Id ?? 'local-notification-configuration',
            bucket: { name: bucket, ownerIdentity: { principalId: 'A3LOCALOWNER' }, arn: `arn:${partition}:s3:::${bucket}` },
            object: {
              key: notificationKey(key),
              ...(s3.object.size === undefined ? {} : { size: s3.object.size }),
              ...(s3.object.eTag === undefined ? {} : { eTag: s3.object.eTag }),
              // s3rver keeps no versions; the bucket's notification would carry the new version's id.
              ...(configuration?.versioned === true ? { versionId: randomBytes(24).toString('base64url') } : {}),
              sequencer: sequence.toString(16).toUpperCase().padStart(18, '0'),
            },
          },
        };
        send?.(target.QueueArn, JSON.stringify({ Records: [record] }));
      }
    }
  });

  return {
    endpoint,
    client,
    events,
    configure(template, sender) {
      buckets = bucketConfigurations(template);
      send = sender;
      partition = template.partition;
      for (const [bucket, { queues }] of buckets) {
        for (const queue of new Set(queues.map((q) => q.QueueArn))) {
          const id = randomBytes(8).toString('hex').toUpperCase();
          sender(queue, JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: new Date().toISOString(), Bucket: bucket, RequestId: id, HostId: randomBytes(48).toString('base64') }));
        }
      }
    },
    async put(bucket, key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async close() {
      client.destroy();
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
