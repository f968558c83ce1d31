import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The role AgentCore assumes to run an agent, with the confused-deputy conditions AWS recommends:
 * this account, and this runtime only (its ARN is `runtime/<runtime name>-<generated suffix>`), so
 * that no other runtime or gateway in the account can run as the agent. aws-cdk-lib's own `Runtime`
 * scopes its role's `aws:SourceArn` to `runtime/<runtime name>*` the same way.
 */
export function createAgentCoreExecutionRole(scope: Construct, agentName: string, runtimeName: string): iam.Role {
  const stack = Stack.of(scope);
  return new iam.Role(scope, 'ExecutionRole', {
    assumedBy: new iam.ServicePrincipal('bedrock-agentcore.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'bedrock-agentcore', resource: 'runtime', resourceName: `${runtimeName}-*` }) },
      },
    }),
    description: `Execution role of agent ${agentName} (AgentCore)`,
  });
}

/**
 * The execution-role statements AgentCore's documentation lists for a runtime, scoped to this
 * runtime where the service allows it. We add them ourselves (the L2 gets a read-only view of
 * the role) so that code artifacts get object-level rather than bucket-level S3 access.
 */
export function agentCoreRuntimeStatements(scope: Construct, runtimeName: string, logGroup: logs.ILogGroup): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  // AgentCore writes this runtime's logs to `/aws/bedrock-agentcore/runtimes/<runtime id>-<endpoint>/runtime-logs`,
  // the runtime id being `<runtime name>-<generated suffix>`: known only once the runtime exists, and
  // the runtime must not exist before its role can write them, so the group is matched by the name.
  // Runtime names cannot contain '-', so no other runtime's groups match.
  const runtimeLogGroups = stack.formatArn({
    service: 'logs', resource: 'log-group', resourceName: `/aws/bedrock-agentcore/runtimes/${runtimeName}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  return [
    new iam.PolicyStatement({
      sid: 'RuntimeLogGroups',
      actions: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'],
      resources: [runtimeLogGroups],
    }),
    new iam.PolicyStatement({
      sid: 'RuntimeLogStreams',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      // The agent's log group: its ARN ends in `:*` and so covers its streams.
      resources: [`${runtimeLogGroups}:log-stream:*`, logGroup.logGroupArn],
    }),
    new iam.PolicyStatement({
      sid: 'DescribeLogGroups',
      // No resource-level permissions for this action.
      actions: ['logs:DescribeLogGroups'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'XRay',
      // No resource-level permissions for these actions. PutSpans: the X-Ray OTLP endpoint, where
      // the default agent (and ADOT) send OpenTelemetry spans.
      actions: ['xray:PutTraceSegments', 'xray:PutSpans', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'RuntimeMetrics',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': 'bedrock-agentcore' } },
    }),
    new iam.PolicyStatement({
      sid: 'WorkloadAccessToken',
      actions: [
        'bedrock-agentcore:GetWorkloadAccessToken',
        'bedrock-agentcore:GetWorkloadAccessTokenForJWT',
        'bedrock-agentcore:GetWorkloadAccessTokenForUserId',
      ],
      resources: [
        stack.formatArn({ service: 'bedrock-agentcore', resource: 'workload-identity-directory', resourceName: 'default' }),
        stack.formatArn({ service: 'bedrock-agentcore', resource: 'workload-identity-directory', resourceName: `default/workload-identity/${runtimeName}-*` }),
      ],
    }),
  ];
}
