import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CommonAgentProps } from './common-props';

// Keys whose policy already lets CloudWatch Logs use them: agents share one key per stack, and
// the statement is the same for all their log groups, so it is added once.
const keysOpenToLogs = new WeakSet<kms.IKey>();

/**
 * The log group an agent owns on either runtime: retention, optional KMS key, data protection, removal policy.
 */
export function createAgentLogGroup(
  scope: Construct,
  props: Pick<CommonAgentProps, 'logRetention' | 'encryptionKey' | 'removalPolicy' | 'logGroupDataProtection'>,
): logs.LogGroup {
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
    encryptionKey: props.encryptionKey,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    dataProtectionPolicy: props.logGroupDataProtection,
  });
  if (props.encryptionKey && !keysOpenToLogs.has(props.encryptionKey)) {
    keysOpenToLogs.add(props.encryptionKey);
    // CloudWatch Logs encrypts with the key itself, so the key policy must let it. Scoped to this
    // account's log groups: naming this log group here would make key and log group depend on each other.
    const stack = Stack.of(scope);
    props.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        },
      },
    }));
  }
  return logGroup;
}
