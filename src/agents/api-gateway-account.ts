import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

const ID = 'AgenticAiFrameworkApiGatewayAccount';

/**
 * The Region's API Gateway account setting that lets stages write logs: without a CloudWatch role
 * there, CloudFormation refuses a stage with access logs ("CloudWatch Logs role ARN must be set in
 * account settings"), and a fresh account has none. One per stack (two `AWS::ApiGateway::Account`
 * resources in one stack would race); retained on delete, since other APIs of the account may log
 * through it.
 *
 * @internal
 */
export function apiGatewayAccountFor(scope: Construct): apigateway.CfnAccount {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(ID) as Construct | undefined;
  if (existing !== undefined) return existing.node.defaultChild as apigateway.CfnAccount;
  const host = new Construct(stack, ID);
  const role = new iam.Role(host, 'CloudWatchRole', {
    assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
    description: 'Lets API Gateway write the access logs of this account\'s REST API stages',
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
  });
  role.applyRemovalPolicy(RemovalPolicy.RETAIN);
  const account = new apigateway.CfnAccount(host, 'Resource', { cloudWatchRoleArn: role.roleArn });
  account.applyRemovalPolicy(RemovalPolicy.RETAIN);
  return account;
}
