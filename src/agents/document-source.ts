import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InvalidRuntimeConfigError } from '../runtime/errors';
import { describeValue } from '../runtime/input-checks';
import { AgentRuntimeType } from '../runtime/runtime-type';

/**
 * Where an agent may read the documents it is asked to process (`contentType: 'file'` requests).
 * The agent answers any other bucket or key with a 403 and never reads it; its role may read
 * only these locations.
 */
export class DocumentSource {
  /**
   * Objects of `bucket` whose keys start with `prefix`. The prefix is a plain string prefix, as in
   * S3: end it with `/` (`incoming/`) so that it does not also match `incoming-archive/...`.
   *
   * @param bucket the bucket holding the documents
   * @param prefix the key prefix; '' for the whole bucket
   */
  public static fromBucket(bucket: s3.IBucket, prefix: string = ''): DocumentSource {
    return new DocumentSource(bucket, prefix);
  }

  private constructor(
    /** The bucket holding the documents. */
    public readonly bucket: s3.IBucket,
    /** The key prefix documents must start with. */
    public readonly prefix: string,
  ) {}

  /**
   * Lets `grantee` read the documents: `s3:GetObject` on the prefix, and `kms:Decrypt` on the
   * bucket's key when it has one. No `s3:ListBucket`: the agent reads keys it is given.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [this.bucket.arnForObjects(`${this.prefix}*`)],
    });
    this.bucket.encryptionKey?.grantDecrypt(grantee);
    return grant;
  }

  /**
   * The location as the agent reads it from `DOCUMENT_SOURCES`.
   *
   * @internal
   */
  public _location(): { bucketName: string; prefix: string } {
    return { bucketName: this.bucket.bucketName, prefix: this.prefix };
  }
}

/** Throws unless `value` is a DocumentSource with a usable prefix (plain JavaScript checks nothing). */
export function validateDocumentSource(type: AgentRuntimeType, field: string, value: unknown): void {
  if (!(value instanceof DocumentSource)) {
    throw new InvalidRuntimeConfigError(type, `${field} is ${describeValue(value)}; allowed: DocumentSource.fromBucket(bucket, prefix)`, field);
  }
  const bucket: unknown = value.bucket;
  if (typeof bucket !== 'object' || bucket === null || typeof (bucket as s3.IBucket).arnForObjects !== 'function') {
    throw new InvalidRuntimeConfigError(type, `${field}.bucket is ${describeValue(bucket)}; allowed: an s3.IBucket, e.g. s3.Bucket.fromBucketName(this, 'Docs', 'my-bucket')`, `${field}.bucket`);
  }
  const prefix: unknown = value.prefix;
  if (typeof prefix !== 'string' || (!Token.isUnresolved(prefix) && (prefix.startsWith('/') || prefix.includes('*')))) {
    throw new InvalidRuntimeConfigError(type,
      `${field}.prefix is ${describeValue(prefix)}; allowed: a key prefix without a leading '/' or '*', e.g. 'incoming/', or '' for the whole bucket`, `${field}.prefix`);
  }
}
