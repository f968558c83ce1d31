import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { createAgentLogGroup } from '../runtime/agent-log-group';

/** Properties of one of the library's own functions (the AgentCore relay, the document consumer, the chat's authorizer, Sessions API and proxy). */
export interface LibraryFunctionProps {
  /** The directory of its bundle (`index.mjs`, handler `index.handler`), built with the library. */
  readonly assets: string;
  readonly description: string;
  readonly timeout: Duration;
  /** Encrypts its log group and environment. */
  readonly encryptionKey: kms.IKey;
  readonly environment?: { [key: string]: string };
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A function of the library: Node.js 22 on ARM64 from its prebuilt bundle, a role of its own that
 * may write its own log group and nothing else until granted more.
 */
export function libraryFunction(scope: Construct, props: LibraryFunctionProps): lambda.Function {
  const logGroup = createAgentLogGroup(scope, { encryptionKey: props.encryptionKey, removalPolicy: props.removalPolicy });
  const role = new iam.Role(scope, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: props.description });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  if (props.environment !== undefined) props.encryptionKey.grantDecrypt(role);
  return new lambda.Function(scope, 'Function', {
    description: props.description,
    code: lambda.Code.fromAsset(props.assets),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    timeout: props.timeout,
    role,
    logGroup,
    environment: props.environment,
    environmentEncryption: props.environment === undefined ? undefined : props.encryptionKey,
  });
}
