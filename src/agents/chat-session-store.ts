import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Where conversation history lives in the bucket: `sessions/<user key>/<session id>/…`. */
const SESSION_PREFIX = 'sessions/';

/** @internal */
export interface ChatSessionStoreProps {
  readonly encryptionKey: kms.IKey;
  readonly sessionTtl: Duration;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The durable side of a chat: history in S3 (one prefix per user) and an index in DynamoDB (user →
 * sessions, a per-session lock, a TTL). Both forget a session `sessionTtl` after its last turn: the
 * index through DynamoDB's TTL on `expiresAt`, the history through a lifecycle rule on objects that
 * each turn rewrites.
 *
 * @internal
 */
export class ChatSessionStore extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly table: dynamodb.Table;
  private readonly encryptionKey: kms.IKey;
  private readonly sessionTtl: Duration;

  constructor(scope: Construct, id: string, props: ChatSessionStoreProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.sessionTtl = props.sessionTtl;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Not versioned: each turn overwrites a session's snapshot, and old versions would outlive the TTL.
      lifecycleRules: [{ id: 'ExpireSessions', prefix: SESSION_PREFIX, expiration: Duration.days(props.sessionTtl.toDays()) }],
      removalPolicy,
    });
    this.table = new dynamodb.Table(this, 'Index', {
      partitionKey: { name: 'userKey', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sessionId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy,
    });
  }

  /** The SESSION_* variables the agent code and the Sessions API read. */
  public get environment(): { [key: string]: string } {
    return {
      SESSION_BUCKET: this.bucket.bucketName,
      SESSION_TABLE: this.table.tableName,
      SESSION_TTL_SECONDS: String(this.sessionTtl.toSeconds()),
    };
  }

  /**
   * What a turn does: read and write history objects (listing only under `sessions/`, so a missing
   * snapshot reads as missing, not denied), create, lock and update index items. No deletes.
   */
  public grantTurns(grantee: iam.IGrantable): void {
    this.grant(grantee, ['s3:GetObject', 's3:PutObject'], ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  }

  /** What the Sessions API does: list and read a user's sessions, delete them. No writes. */
  public grantBrowse(grantee: iam.IGrantable): void {
    this.grant(grantee, ['s3:GetObject', 's3:DeleteObject'], ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DeleteItem']);
  }

  private grant(grantee: iam.IGrantable, objectActions: string[], tableActions: string[]): void {
    const region = Stack.of(this).region;
    const statements = [
      new iam.PolicyStatement({ actions: objectActions, resources: [this.bucket.arnForObjects(`${SESSION_PREFIX}*`)] }),
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${SESSION_PREFIX}*`] } },
      }),
      new iam.PolicyStatement({ actions: tableActions, resources: [this.table.tableArn] }),
      // Objects and items are encrypted with the key: usable through S3 and DynamoDB only.
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': [`s3.${region}.amazonaws.com`, `dynamodb.${region}.amazonaws.com`] } },
      }),
    ];
    for (const statement of statements) grantee.grantPrincipal.addToPrincipalPolicy(statement);
  }
}
