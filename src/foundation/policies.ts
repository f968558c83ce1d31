// The execution role's trust and permission statements, one builder per concern.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { FoundationGatewayConfig } from './gateway';
import type { FoundationModelFamily } from './model-family';
import { environmentParameterPath, toolFunctionNamePattern } from './names';
import { FoundationTrustedService } from './trusted-service';

/** The tag the foundation puts on its resources and requires on gateways. */
export const ENVIRONMENT_TAG_KEY = 'Environment';

/** Where AgentCore Runtime writes runtime logs: `/aws/bedrock-agentcore/runtimes/<runtime-id>-<endpoint>/...`. */
export const AGENTCORE_RUNTIME_LOG_GROUP_PREFIX = '/aws/bedrock-agentcore/runtimes/';

/** ECR repositories the role may pull from: `bedrock-agentcore-*`. */
export const ECR_REPOSITORY_PATTERN = 'bedrock-agentcore-*';

/** Memory data-plane actions of AgentCore Memory. */
export const MEMORY_DATA_PLANE_ACTIONS: readonly string[] = [
  'bedrock-agentcore:CreateEvent',
  'bedrock-agentcore:GetEvent',
  'bedrock-agentcore:ListEvents',
  'bedrock-agentcore:DeleteEvent',
  'bedrock-agentcore:GetMemory',
  'bedrock-agentcore:GetMemoryRecord',
  'bedrock-agentcore:ListMemoryRecords',
  'bedrock-agentcore:RetrieveMemoryRecords',
];

/**
 * X-Ray write and sampling actions (none has a resource type, so `*` is the only resource).
 * `PutSpans` is what the X-Ray OTLP endpoint (`/v1/traces`) requires of OpenTelemetry exporters.
 */
export const XRAY_ACTIONS: readonly string[] = [
  'xray:PutTraceSegments',
  'xray:PutSpans',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
];

/**
 * The CloudWatch namespace AgentCore agents publish their own metrics to (OpenTelemetry / ADOT
 * metrics of the agent code). The service's vended runtime metrics, in `AWS/Bedrock-AgentCore`,
 * are published by AgentCore itself and need no permission of the role.
 */
export const AGENTCORE_METRICS_NAMESPACE = 'bedrock-agentcore';

/**
 * AgentCore Identity: the workload access token of the agent, alone or on behalf of a user (by
 * JWT or user id), which the agent exchanges for OAuth tokens and API keys of outbound credential
 * providers.
 */
export const WORKLOAD_ACCESS_TOKEN_ACTIONS: readonly string[] = [
  'bedrock-agentcore:GetWorkloadAccessToken',
  'bedrock-agentcore:GetWorkloadAccessTokenForJWT',
  'bedrock-agentcore:GetWorkloadAccessTokenForUserId',
];

/** The workload identity directory AgentCore creates its workload identities in. */
export const WORKLOAD_IDENTITY_DIRECTORY = 'workload-identity-directory/default';

const SERVICE_PRINCIPALS: Readonly<Record<FoundationTrustedService, string>> = {
  [FoundationTrustedService.BEDROCK_AGENTCORE]: 'bedrock-agentcore.amazonaws.com',
  [FoundationTrustedService.BEDROCK]: 'bedrock.amazonaws.com',
  [FoundationTrustedService.LAMBDA]: 'lambda.amazonaws.com',
};

/** Services that pass their caller's account and resource ARN when assuming a role. */
const SOURCE_ARN_SERVICES: Readonly<Partial<Record<FoundationTrustedService, string>>> = {
  [FoundationTrustedService.BEDROCK_AGENTCORE]: 'bedrock-agentcore',
  [FoundationTrustedService.BEDROCK]: 'bedrock',
};

/** The service principal name of a trusted service. */
export function servicePrincipalName(service: FoundationTrustedService): string {
  return SERVICE_PRINCIPALS[service];
}

/**
 * One principal per trusted service. AgentCore and Bedrock are pinned to this account and to
 * their own resources in this Region (confused-deputy protection); Lambda passes no such context.
 */
export function trustPrincipal(stack: Stack, services: readonly FoundationTrustedService[]): iam.IPrincipal {
  const principals = services.map((service) => {
    const sourceService = SOURCE_ARN_SERVICES[service];
    if (sourceService === undefined) return new iam.ServicePrincipal(servicePrincipalName(service));
    return new iam.ServicePrincipal(servicePrincipalName(service), {
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: sourceService, resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }) },
      },
    });
  });
  return principals.length === 1 ? principals[0] : new iam.CompositePrincipal(...principals);
}

/** Bedrock model invocation: foundation models (any Region) and system-defined inference profiles. */
export function modelInvocationStatement(stack: Stack, families: readonly FoundationModelFamily[]): iam.PolicyStatement {
  const foundationModels = families.map((family) =>
    stack.formatArn({ service: 'bedrock', region: '*', account: '', resource: 'foundation-model', resourceName: `${family.modelIdPrefix}-*` }),
  );
  const inferenceProfiles = families.map((family) =>
    stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: `*.${family.modelIdPrefix}-*` }),
  );
  return new iam.PolicyStatement({
    sid: 'InvokeBedrockModels',
    actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
    resources: [...foundationModels, ...inferenceProfiles],
  });
}

/** Gateway invocation, restricted to gateways tagged with the environment when asked. */
export function gatewayStatement(
  gateway: FoundationGatewayConfig,
  environment: string,
  requireEnvironmentTag: boolean,
): iam.PolicyStatement {
  const tagged = requireEnvironmentTag || gateway.needsEnvironmentTag;
  return new iam.PolicyStatement({
    sid: 'InvokeGateway',
    actions: ['bedrock-agentcore:InvokeGateway', 'bedrock-agentcore:GetGateway'],
    resources: gateway.gatewayArns,
    conditions: tagged ? { StringEquals: { [`aws:ResourceTag/${ENVIRONMENT_TAG_KEY}`]: environment } } : undefined,
  });
}

/** Lambda tools named `{namespace}-*-tool-*` in this account and Region. */
export function lambdaToolStatement(stack: Stack, agentNamespace: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'InvokeLambdaTools',
    actions: ['lambda:InvokeFunction'],
    resources: [
      stack.formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: toolFunctionNamePattern(agentNamespace),
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ],
  });
}

/** ECR image pull from `bedrock-agentcore-*` repositories; the token call has no resource type. */
export function ecrPullStatements(stack: Stack): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'PullAgentImages',
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      resources: [stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: ECR_REPOSITORY_PATTERN })],
    }),
    new iam.PolicyStatement({
      sid: 'GetEcrAuthorizationToken',
      actions: ['ecr:GetAuthorizationToken'],
      resources: ['*'],
    }),
  ];
}

function logGroupArn(stack: Stack, logGroupName: string): string {
  return stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

function logStreamsArn(stack: Stack, logGroupName: string): string {
  return stack.formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: `${logGroupName}:log-stream:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * Writing logs: to the foundation's log group (replacing the Terraform module's AWSLambdaBasicExecutionRole,
 * which allows every log group of the account) and to AgentCore's own runtime log groups.
 */
export function logStatements(stack: Stack, foundationLogGroupName: string): iam.PolicyStatement[] {
  const runtimeGroups = `${AGENTCORE_RUNTIME_LOG_GROUP_PREFIX}*`;
  return [
    new iam.PolicyStatement({
      sid: 'WriteFoundationLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logStreamsArn(stack, foundationLogGroupName)],
    }),
    new iam.PolicyStatement({
      sid: 'DescribeFoundationLogStreams',
      actions: ['logs:DescribeLogStreams'],
      resources: [logGroupArn(stack, foundationLogGroupName)],
    }),
    new iam.PolicyStatement({
      sid: 'CreateRuntimeLogGroups',
      actions: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'],
      resources: [logGroupArn(stack, runtimeGroups)],
    }),
    new iam.PolicyStatement({
      sid: 'WriteRuntimeLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logStreamsArn(stack, runtimeGroups)],
    }),
  ];
}

/** X-Ray trace and telemetry writes plus sampling rules. */
export function xrayStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: 'WriteXRayTraces', actions: [...XRAY_ACTIONS], resources: ['*'] });
}

/**
 * Publishing the agents' own metrics: `cloudwatch:PutMetricData` names no metric resource (its
 * only resource type, an OTLP dataset, is optional), so it is on `*`, restricted to the
 * `bedrock-agentcore` namespace by the `cloudwatch:namespace` condition.
 */
export function metricsStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'PutAgentCoreMetrics',
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': AGENTCORE_METRICS_NAMESPACE } },
  });
}

/**
 * Workload access tokens from the default workload identity directory. Each action requires both
 * resource types: the directory and the workload identity. AgentCore names a runtime's workload
 * identity after the runtime (`{runtimeName}-...`); runtimes are named by whoever deploys them,
 * not by the foundation, so the identities are `*` within the directory.
 */
export function workloadAccessTokenStatement(stack: Stack): iam.PolicyStatement {
  const directory = stack.formatArn({ service: 'bedrock-agentcore', resource: WORKLOAD_IDENTITY_DIRECTORY, arnFormat: ArnFormat.NO_RESOURCE_NAME });
  return new iam.PolicyStatement({
    sid: 'GetWorkloadAccessTokens',
    actions: [...WORKLOAD_ACCESS_TOKEN_ACTIONS],
    resources: [directory, `${directory}/workload-identity/*`],
  });
}

/** Reading the environment's SSM contract: `/agentcore/{env}` and everything below it. */
export function ssmReadStatement(stack: Stack, environment: string): iam.PolicyStatement {
  const path = environmentParameterPath(environment).slice(1); // formatArn adds the `/`
  return new iam.PolicyStatement({
    sid: 'ReadEnvironmentParameters',
    actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
    resources: [
      stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: path }),
      stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${path}/*` }),
    ],
  });
}

/** AgentCore Memory data plane on the given memories. */
export function memoryStatement(memoryArns: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: 'UseMemory', actions: [...MEMORY_DATA_PLANE_ACTIONS], resources: [...memoryArns] });
}
