/**
 * The IAM decisions an agent must get, on either runtime, simulated over its synthesized template
 * (iam-simulation.ts): every call its execution role makes at run time Allowed, the obvious
 * neighbours Denied, its callers, its trust policy and the resource policies it relies on.
 *
 * What the agent does at run time is read from the template, not from the construct: the objects
 * and the model in the environment its code receives, the log group its logs go to, the code
 * package AgentCore pulls. The construct only says which resources are the agent's.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { AgentCoreAgentRuntime, AgentRuntimeType, BaseAgent, LambdaAgentRuntime } from '../../src';
import { CfnTemplate, ResolvedTemplate } from './cfn-resolve';
import { DecisionCase, expectDecisions, IamSimulator } from './iam-simulation';

/**
 * The Regions each geography's system-defined inference profiles route to (Amazon Bedrock user
 * guide, "Supported Regions and models for inference profiles"), and a Region each does not.
 */
const PROFILE_REGIONS: Record<string, { routed: string[]; notRouted?: string }> = {
  us: { routed: ['us-east-1', 'us-east-2', 'us-west-2'], notRouted: 'eu-west-1' },
  eu: { routed: ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'], notRouted: 'us-east-1' },
  apac: { routed: ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-4'], notRouted: 'us-east-1' },
  // Any commercial Region.
  global: { routed: ['us-east-1', 'eu-west-1', 'ap-southeast-2'] },
};

const OTHER_MODEL = 'amazon.titan-text-express-v1';
const OTHER_ACCOUNT = '999999999999';
const INVOKE_MODEL = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
const WORKLOAD_TOKEN = ['bedrock-agentcore:GetWorkloadAccessToken', 'bedrock-agentcore:GetWorkloadAccessTokenForJWT', 'bedrock-agentcore:GetWorkloadAccessTokenForUserId'];
const WRITE_LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

export interface AgentDecisionOptions {
  /** Roles that were given `agent.grantInvoke(role)`. */
  readonly callers?: readonly iam.IRole[];
  /** Agents of the same template the callers were not given: invoking them must be Denied. */
  readonly otherAgents?: readonly BaseAgent[];
}

/** Everything the checks need to know about one agent, read from the template. */
export interface AgentFacts {
  readonly type: AgentRuntimeType;
  readonly roleId: string;
  readonly roleArn: string;
  readonly environment: Record<string, string>;
  readonly logGroupName: string;
  /** The key of the log group (and of the Lambda environment), if any. */
  readonly logGroupKeyArn?: string;
  readonly lambda?: { readonly functionArn: string; readonly functionName: string; readonly envKeyArn?: string; readonly tracing: boolean; readonly vpc?: { subnets: string[]; securityGroups: string[] } };
  readonly agentCore?: {
    readonly runtimeArn: string;
    readonly runtimeId: string;
    readonly runtimeName: string;
    readonly endpoints: string[];
    readonly workloadIdentityArn: string;
    readonly codeObjectArn?: string;
    /** The ECR repository of a container runtime's image, when in this account and Region. */
    readonly imageRepositoryArn?: string;
    /** Delivery sources of the runtime, by log type. */
    readonly deliverySources: Record<string, string>;
  };
}

/** The resolved properties of AWS::Lambda::Function this file reads. */
interface FunctionProperties {
  readonly Role: string;
  readonly KmsKeyArn?: string;
  readonly Environment?: { readonly Variables?: Record<string, string> };
  readonly LoggingConfig?: { readonly LogGroup?: string };
  readonly TracingConfig?: { readonly Mode?: string };
  readonly VpcConfig?: { readonly SubnetIds: string[]; readonly SecurityGroupIds: string[] };
}

/** The resolved properties of AWS::BedrockAgentCore::Runtime this file reads. */
interface RuntimeProperties {
  readonly RoleArn: string;
  readonly AgentRuntimeName: string;
  readonly EnvironmentVariables?: Record<string, string>;
  readonly AgentRuntimeArtifact: {
    readonly CodeConfiguration?: { readonly Code: { readonly S3: { readonly Bucket: string; readonly Prefix: string } } };
    readonly ContainerConfiguration?: { readonly ContainerUri: string };
  };
}

/** A simulator for a template of `stack` (a `Template`, its JSON, or synthesized here). */
export function simulatorFor(stack: Stack, template?: Template | CfnTemplate): IamSimulator {
  return new IamSimulator(ResolvedTemplate.fromStack(stack, template));
}

/** The agent's resources and run-time configuration, from the template. */
export function agentFacts(sim: IamSimulator, agent: BaseAgent): AgentFacts {
  const t = sim.template;
  const stack = Stack.of(agent);
  const logicalId = (construct: IConstruct) => stack.resolve(((construct.node.defaultChild ?? construct) as CfnResource).logicalId) as string;
  const roleByArn = (arn: string) => {
    const id = t.logicalIdsOfType('AWS::IAM::Role').find((r) => sim.roleArn(r) === arn);
    if (id === undefined) throw new Error(`the agent's role ${arn} is not in the template: its policies cannot be simulated`);
    return id;
  };
  const logGroupId = logicalId(agent.runtime.logGroup);
  const logGroupName = t.resolveString({ Ref: logGroupId });
  const keyId = t.properties(logGroupId).KmsKeyId;
  const logGroupKeyArn = typeof keyId === 'string' ? keyId : undefined;

  if (agent.runtime.runtimeType === AgentRuntimeType.LAMBDA) {
    const fnId = logicalId((agent.runtime as LambdaAgentRuntime).agentFunction);
    const fn = t.properties(fnId) as unknown as FunctionProperties;
    if (fn.LoggingConfig?.LogGroup !== logGroupName) {
      throw new Error(`the function logs to ${fn.LoggingConfig?.LogGroup}, not to the agent's log group ${logGroupName}`);
    }
    return {
      type: AgentRuntimeType.LAMBDA, roleId: roleByArn(fn.Role), roleArn: fn.Role, logGroupName, logGroupKeyArn,
      environment: fn.Environment?.Variables ?? {},
      lambda: {
        functionArn: t.resolveString({ 'Fn::GetAtt': [fnId, 'Arn'] }),
        functionName: t.resolveString({ Ref: fnId }),
        envKeyArn: fn.KmsKeyArn,
        tracing: fn.TracingConfig?.Mode === 'Active',
        vpc: fn.VpcConfig && { subnets: fn.VpcConfig.SubnetIds, securityGroups: fn.VpcConfig.SecurityGroupIds },
      },
    };
  }

  const runtime = agent.runtime as AgentCoreAgentRuntime;
  const runtimeId = logicalId(runtime.agentCoreAgent);
  const props = t.properties(runtimeId) as unknown as RuntimeProperties;
  const runtimeArn = t.resolveString({ 'Fn::GetAtt': [runtimeId, 'AgentRuntimeArn'] });
  const id = t.resolveString({ 'Fn::GetAtt': [runtimeId, 'AgentRuntimeId'] });
  const endpoints = t.logicalIdsOfType('AWS::BedrockAgentCore::RuntimeEndpoint')
    .filter((e) => t.stringProperty(e, 'AgentRuntimeId') === id).map((e) => t.stringProperty(e, 'Name'));
  const code = props.AgentRuntimeArtifact.CodeConfiguration?.Code.S3;
  const image = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)/.exec(props.AgentRuntimeArtifact.ContainerConfiguration?.ContainerUri ?? '');
  const deliverySources: Record<string, string> = {};
  for (const source of t.logicalIdsOfType('AWS::Logs::DeliverySource')) {
    if (t.stringProperty(source, 'ResourceArn') === runtimeArn) {
      deliverySources[t.stringProperty(source, 'LogType')] = t.resolveString({ 'Fn::GetAtt': [source, 'Arn'] });
    }
  }
  // The log group the application logs are delivered to must be the agent's.
  const applicationLogsTo = t.logicalIdsOfType('AWS::Logs::Delivery')
    .filter((d) => deliverySources.APPLICATION_LOGS?.endsWith(`:delivery-source:${t.stringProperty(d, 'DeliverySourceName')}`))
    .map((d) => t.stringProperty(d, 'DeliveryDestinationArn'))
    .flatMap((arn) => t.logicalIdsOfType('AWS::Logs::DeliveryDestination').filter((dd) => t.resolveString({ 'Fn::GetAtt': [dd, 'Arn'] }) === arn))
    .map((dd) => t.stringProperty(dd, 'DestinationResourceArn'));
  const logGroupArn = t.resolveString({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
  if (applicationLogsTo.length !== 1 || applicationLogsTo[0] !== logGroupArn) {
    throw new Error(`the runtime's application logs go to ${JSON.stringify(applicationLogsTo)}, not to the agent's log group ${logGroupArn}`);
  }
  return {
    type: AgentRuntimeType.AGENTCORE, roleId: roleByArn(props.RoleArn), roleArn: props.RoleArn, logGroupName, logGroupKeyArn,
    environment: props.EnvironmentVariables ?? {},
    agentCore: {
      runtimeArn, runtimeId: id, runtimeName: props.AgentRuntimeName, endpoints,
      workloadIdentityArn: t.resolveString({ 'Fn::GetAtt': [runtimeId, 'WorkloadIdentityDetails.WorkloadIdentityArn'] }),
      codeObjectArn: code && `arn:${t.partition}:s3:::${code.Bucket}/${code.Prefix}`,
      imageRepositoryArn: image === null ? undefined : t.arn('ecr', `repository/${image[3]}`, { account: image[1], region: image[2] }),
      deliverySources,
    },
  };
}

/** Every decision the agent's role, callers, trust and resource policies must get. */
export function agentDecisionCases(sim: IamSimulator, agent: BaseAgent, options: AgentDecisionOptions = {}): DecisionCase[] {
  const facts = agentFacts(sim, agent);
  const t = sim.template;
  const role = { role: facts.roleId };
  const cases: DecisionCase[] = [];
  const allow = (action: string | string[], resources: string | string[], why: string, context?: Record<string, string | string[]>) =>
    each(action, resources, (a, r) => cases.push({ principal: role, action: a, resource: r, context, expect: 'Allowed', why }));
  const deny = (action: string | string[], resources: string | string[], why: string, context?: Record<string, string | string[]>) =>
    each(action, resources, (a, r) => cases.push({ principal: role, action: a, resource: r, context, expect: 'Denied', why }));
  const logStream = (group: string, stream: string) => t.arn('logs', `log-group:${group}:log-stream:${stream}`);
  const logGroup = (group: string) => t.arn('logs', `log-group:${group}`);
  const s3 = (bucket: string, key?: string) => `arn:${t.partition}:s3:::${bucket}${key === undefined ? '' : `/${key}`}`;

  // What the agent code reads: its system prompt and tools, from the environment it is given.
  const env = facts.environment;
  const objects: Array<[string, string]> = [[env.SYSTEM_PROMPT_S3_BUCKET_NAME, env.SYSTEM_PROMPT_S3_KEY]];
  for (const tool of JSON.parse(env.TOOLS_CONFIG ?? '[]') as Array<{ bucketName: string; key: string }>) objects.push([tool.bucketName, tool.key]);
  // The SDK calls S3 over TLS (a bucket policy of the template may require it).
  const tls = { 'aws:SecureTransport': 'true' };
  for (const [bucket, key] of objects) {
    allow('s3:GetObject', s3(bucket, key), 'the agent reads its prompt and tools', tls);
    deny('s3:PutObject', s3(bucket, key), 'the agent only reads its objects', tls);
    deny('s3:ListBucket', s3(bucket), 'no bucket-wide access', tls);
  }
  deny('s3:GetObject', s3(env.SYSTEM_PROMPT_S3_BUCKET_NAME, 'another-agents-prompt.txt'), 'another object in the asset bucket', tls);
  // The documents it may be asked to read: objects under each source's prefix, decrypted through S3.
  for (const source of JSON.parse(env.DOCUMENT_SOURCES ?? '[]') as Array<{ bucketName: string; prefix: string }>) {
    allow('s3:GetObject', s3(source.bucketName, `${source.prefix}2026/invoice-0001.pdf`), 'a document under a document source', tls);
    if (source.prefix !== '') deny('s3:GetObject', s3(source.bucketName, `not-${source.prefix}invoice-0001.pdf`), 'a document outside the source\'s prefix', tls);
    deny(['s3:PutObject', 's3:DeleteObject'], s3(source.bucketName, `${source.prefix}2026/invoice-0001.pdf`), 'documents are read, not written', tls);
    deny('s3:ListBucket', s3(source.bucketName), 'the agent reads keys it is given', tls);
    const bucketKey = bucketKeyArn(sim, source.bucketName);
    if (bucketKey !== undefined) {
      allow('kms:Decrypt', bucketKey, 'S3 decrypts the document with the bucket\'s key as the role', { 'kms:ViaService': `s3.${t.region}.amazonaws.com` });
    }
  }

  // The model: the foundation model, or the profile and the model in each Region it routes to.
  const modelId = env.MODEL_ID;
  const geo = /^(us|eu|apac|global)\.(.+)$/.exec(modelId);
  const foundationModel = (region: string, id: string) => `arn:${t.partition}:bedrock:${region}::foundation-model/${id}`;
  if (geo === null) {
    allow(INVOKE_MODEL, foundationModel(t.region, modelId), 'the agent calls its model');
    deny(INVOKE_MODEL, t.arn('bedrock', `inference-profile/us.${modelId}`), 'a profile of the model is not the model');
  } else {
    const [, prefix, baseModel] = geo;
    const profileArn = t.arn('bedrock', `inference-profile/${modelId}`);
    allow(INVOKE_MODEL, profileArn, 'the agent calls its inference profile');
    // Bedrock authorizes the routed call on the model with the profile it came through.
    const viaProfile = { 'bedrock:InferenceProfileArn': profileArn };
    allow(INVOKE_MODEL, PROFILE_REGIONS[prefix].routed.map((region) => foundationModel(region, baseModel)), 'the profile routes to the model in these Regions', viaProfile);
    const notRouted = PROFILE_REGIONS[prefix].notRouted;
    if (notRouted !== undefined) deny(INVOKE_MODEL, foundationModel(notRouted, baseModel), 'a Region the profile does not route to', viaProfile);
    deny(INVOKE_MODEL, foundationModel(PROFILE_REGIONS[prefix].routed[0], baseModel), 'the model through any other profile, e.g. one the caller made itself',
      { 'bedrock:InferenceProfileArn': t.arn('bedrock', 'application-inference-profile/a1b2c3d4e5f6') });
    deny(INVOKE_MODEL, t.arn('bedrock', `inference-profile/${prefix === 'us' ? 'eu' : 'us'}.${baseModel}`), 'another geography\'s profile');
  }
  const otherModel = modelId.endsWith(OTHER_MODEL) ? 'amazon.nova-micro-v1:0' : OTHER_MODEL;
  deny(INVOKE_MODEL, foundationModel(t.region, otherModel), 'another model');

  // Its own log group's streams, and no other group's.
  allow(WRITE_LOGS, logStream(facts.logGroupName, facts.type === AgentRuntimeType.LAMBDA ? '2026/01/01/[$LATEST]0123456789abcdef' : 'otel-logs'),
    'the agent writes its logs to its log group');
  deny(WRITE_LOGS, logStream('/aws/lambda/another-function', '2026/01/01/[$LATEST]0123456789abcdef'), 'another log group');
  deny('iam:PassRole', facts.roleArn, 'the agent passes no role');

  // Trust: the runtime's service, from this account only where the service says which.
  if (facts.lambda) {
    const fn = facts.lambda;
    cases.push({ principal: { service: 'lambda.amazonaws.com' }, action: 'sts:AssumeRole', resource: facts.roleArn, expect: 'Allowed', why: 'Lambda runs the function as the role' });
    cases.push({ principal: { service: 'bedrock-agentcore.amazonaws.com' }, action: 'sts:AssumeRole', resource: facts.roleArn, context: agentCoreSource(t.account, t.arn('bedrock-agentcore', 'runtime/x-0123456789')), expect: 'Denied', why: 'another service' });
    if (fn.envKeyArn !== undefined) {
      allow('kms:Decrypt', fn.envKeyArn, 'Lambda decrypts the environment as the execution role',
        { 'kms:ViaService': `lambda.${t.region}.amazonaws.com`, 'kms:EncryptionContext:LambdaFunctionName': fn.functionName });
    }
    if (fn.tracing) allow(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], '*', 'active tracing: Lambda sends segments as the role');
    if (fn.vpc) {
      allow('ec2:CreateNetworkInterface', [t.arn('ec2', 'network-interface/eni-0123456789abcdef0'), ...fn.vpc.subnets.map((s) => t.arn('ec2', `subnet/${s}`)),
        ...fn.vpc.securityGroups.map((g) => t.arn('ec2', `security-group/${g}`))], 'Lambda creates the function\'s ENIs as the role');
      allow(['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'], t.arn('ec2', 'network-interface/eni-0123456789abcdef0'), 'ENI lifecycle');
      allow(['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVpcs'], '*', 'ENI lookups');
      deny('ec2:CreateNetworkInterface', t.arn('ec2', 'subnet/subnet-0a1b2c3d4e5f6ffff', { region: 'us-west-1' }), 'a subnet in another Region');
    }
    deny('logs:CreateLogGroup', logGroup(facts.logGroupName), 'the log group exists; Lambda creates none');
    for (const caller of options.callers ?? []) {
      const principal = { role: roleLogicalId(sim, caller) };
      each('lambda:InvokeFunction', [fn.functionArn, `${fn.functionArn}:live`], (a, r) => cases.push({ principal, action: a, resource: r, expect: 'Allowed', why: 'grantInvoke: the function, its versions and aliases' }));
      cases.push({ principal, action: 'lambda:InvokeFunction', resource: t.arn('lambda', 'function:another-function'), expect: 'Denied', why: 'another function' });
      for (const other of options.otherAgents ?? []) cases.push({ principal, ...invocation(agentFacts(sim, other)), expect: 'Denied', why: 'an agent the caller was not given' });
    }
  }

  if (facts.agentCore) {
    const rt = facts.agentCore;
    const trust = { principal: { service: 'bedrock-agentcore.amazonaws.com' }, action: 'sts:AssumeRole', resource: facts.roleArn };
    cases.push({ ...trust, context: agentCoreSource(t.account, rt.runtimeArn), expect: 'Allowed', why: 'AgentCore runs the runtime as the role' });
    cases.push({ ...trust, context: agentCoreSource(OTHER_ACCOUNT, rt.runtimeArn.replace(t.account, OTHER_ACCOUNT)), expect: 'Denied', why: 'a runtime of another account (confused deputy)' });
    cases.push({ ...trust, context: agentCoreSource(t.account, rt.runtimeArn.replace(`:${t.region}:`, ':eu-west-1:')), expect: 'Denied', why: 'a runtime of another Region' });
    // A role the runtime made for itself trusts this runtime only; a shared role (e.g. the runtime
    // foundation's) is for every runtime of the account.
    if (agent.runtime.executionRole.node.scope === agent.runtime) {
      cases.push({ ...trust, context: agentCoreSource(t.account, t.arn('bedrock-agentcore', 'runtime/another_agent_0badc0de-AbCdEfGhIj')), expect: 'Denied', why: 'another runtime of this account' });
      cases.push({ ...trust, context: agentCoreSource(t.account, t.arn('bedrock-agentcore', 'gateway/gw-0123456789')), expect: 'Denied', why: 'a gateway of this account' });
    }
    cases.push({ principal: { service: 'lambda.amazonaws.com' }, action: 'sts:AssumeRole', resource: facts.roleArn, expect: 'Denied', why: 'another service' });

    if (rt.codeObjectArn !== undefined) {
      allow('s3:GetObject', rt.codeObjectArn, 'AgentCore pulls the code package as the role');
      deny('s3:ListBucket', rt.codeObjectArn.replace(/\/.*$/, ''), 'no bucket-wide access');
    }
    if (rt.imageRepositoryArn !== undefined) {
      allow(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], rt.imageRepositoryArn, 'AgentCore pulls the image as the role');
      allow('ecr:GetAuthorizationToken', '*', 'ECR sign-in has no resource type');
      deny('ecr:BatchGetImage', rt.imageRepositoryArn.replace(/repository\/.*$/, 'repository/another-image'), 'another repository');
      deny('ecr:PutImage', rt.imageRepositoryArn, 'the role only pulls');
    }
    allow(['xray:PutSpans', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'], '*', 'AgentCore\'s X-Ray permissions');
    allow('cloudwatch:PutMetricData', '*', 'runtime metrics', { 'cloudwatch:namespace': 'bedrock-agentcore' });
    deny('cloudwatch:PutMetricData', '*', 'metrics in another namespace', { 'cloudwatch:namespace': 'AWS/Lambda' });
    allow(WORKLOAD_TOKEN, [t.arn('bedrock-agentcore', 'workload-identity-directory/default'), rt.workloadIdentityArn], 'the runtime\'s workload identity');
    deny(WORKLOAD_TOKEN, t.arn('bedrock-agentcore', 'workload-identity-directory/default/workload-identity/another_agent_0badc0de-AbCdEfGhIj'), 'another runtime\'s workload identity');
    // The runtime's own service log groups, one per endpoint: `<runtime id>-<endpoint>/runtime-logs`.
    for (const endpoint of ['DEFAULT', ...rt.endpoints]) {
      const group = `/aws/bedrock-agentcore/runtimes/${rt.runtimeId}-${endpoint}/runtime-logs`;
      allow(['logs:CreateLogGroup', 'logs:DescribeLogStreams'], logGroup(group), 'AgentCore creates the runtime\'s log group as the role');
      allow(WRITE_LOGS, logStream(group, '2026/01/01/[runtime-logs]0123456789abcdef'), 'AgentCore writes the runtime\'s logs as the role');
    }
    allow('logs:DescribeLogGroups', '*', 'AgentCore\'s documented permissions');
    const otherRuntimeGroup = '/aws/bedrock-agentcore/runtimes/another_agent_0badc0de-AbCdEfGhIj-DEFAULT/runtime-logs';
    deny(['logs:CreateLogGroup', 'logs:DescribeLogStreams'], logGroup(otherRuntimeGroup), 'another runtime\'s log group');
    deny(WRITE_LOGS, logStream(otherRuntimeGroup, 'x'), 'another runtime\'s log group');
    deny(WRITE_LOGS, logStream('/aws/bedrock-agentcore/runtimes/anything-else', 'x'), 'not a runtime log group of this runtime');

    // Vended log delivery into the agent's log group: CloudWatch Logs' resource policy.
    const delivery = { principal: { service: 'delivery.logs.amazonaws.com' }, resource: logStream(facts.logGroupName, 'delivery-stream') };
    for (const [logType, source] of Object.entries(rt.deliverySources).filter(([type]) => type !== 'TRACES')) {
      for (const action of WRITE_LOGS) {
        cases.push({ ...delivery, action, context: sourceOf(t.account, source), expect: 'Allowed', why: `${logType} delivery into the agent's log group` });
        cases.push({ ...delivery, action, context: sourceOf(OTHER_ACCOUNT, source.replace(t.account, OTHER_ACCOUNT)), expect: 'Denied', why: 'a delivery of another account' });
      }
      cases.push({ ...delivery, resource: logStream('/aws/lambda/another-function', 'x'), action: 'logs:PutLogEvents', context: sourceOf(t.account, source), expect: 'Denied', why: 'delivery into another log group' });
    }
    if (rt.deliverySources.TRACES !== undefined) {
      const traces = { principal: { service: 'delivery.logs.amazonaws.com' }, action: 'xray:PutTraceSegments', resource: '*' };
      cases.push({ ...traces, context: { ...sourceOf(t.account, rt.deliverySources.TRACES), 'logs:LogGeneratingResourceArns': [rt.runtimeArn] }, expect: 'Allowed', why: 'trace delivery to X-Ray' });
      cases.push({ ...traces, context: { ...sourceOf(t.account, rt.deliverySources.TRACES), 'logs:LogGeneratingResourceArns': [t.arn('bedrock-agentcore', 'runtime/another_agent_0badc0de-AbCdEfGhIj')] }, expect: 'Denied', why: 'traces of a runtime not in this stack' });
    }

    for (const caller of options.callers ?? []) {
      const principal = { role: roleLogicalId(sim, caller) };
      const invoke = (resource: string, expect: 'Allowed' | 'Denied', why: string) => cases.push({ principal, action: 'bedrock-agentcore:InvokeAgentRuntime', resource, expect, why });
      invoke(rt.runtimeArn, 'Allowed', 'grantInvoke: the runtime');
      for (const endpoint of ['DEFAULT', ...rt.endpoints]) invoke(`${rt.runtimeArn}/runtime-endpoint/${endpoint}`, 'Allowed', 'grantInvoke: each endpoint');
      const another = t.arn('bedrock-agentcore', 'runtime/another_agent_0badc0de-AbCdEfGhIj');
      invoke(another, 'Denied', 'another runtime');
      invoke(`${another}/runtime-endpoint/DEFAULT`, 'Denied', 'another runtime\'s endpoint');
      for (const other of options.otherAgents ?? []) cases.push({ principal, ...invocation(agentFacts(sim, other)), expect: 'Denied', why: 'an agent the caller was not given' });
    }
  }

  // The key policy lets CloudWatch Logs encrypt this log group (CloudWatch Logs, not the role, uses the key).
  if (facts.logGroupKeyArn !== undefined) {
    const logs = { principal: { service: `logs.${t.region}.amazonaws.com` }, resource: facts.logGroupKeyArn };
    for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey']) {
      cases.push({ ...logs, action, context: { 'kms:EncryptionContext:aws:logs:arn': logGroup(facts.logGroupName) }, expect: 'Allowed', why: 'CloudWatch Logs encrypts the agent\'s log group' });
      cases.push({ ...logs, action, context: { 'kms:EncryptionContext:aws:logs:arn': t.arn('logs', `log-group:${facts.logGroupName}`, { account: OTHER_ACCOUNT }) }, expect: 'Denied', why: 'a log group of another account' });
    }
  }
  return cases;
}

/**
 * KMS least privilege: the key actions the role does not use must be Denied. Lambda only decrypts
 * its environment; on AgentCore the role uses no key (CloudWatch Logs encrypts the log group
 * through the key policy).
 */
export function leastPrivilegeKmsCases(sim: IamSimulator, agent: BaseAgent): DecisionCase[] {
  const facts = agentFacts(sim, agent);
  const key = facts.lambda?.envKeyArn ?? facts.logGroupKeyArn;
  if (key === undefined) return [];
  const unused = facts.type === AgentRuntimeType.LAMBDA ? ['kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];
  return unused.map((action) => ({ principal: { role: facts.roleId }, action, resource: key, expect: 'Denied' as const, why: `the ${facts.type} runtime does not use ${action}` }));
}

/** Throws, listing every wrong decision, unless the agent's IAM decisions are right. */
export async function expectAgentDecisions(sim: IamSimulator, agent: BaseAgent, options: AgentDecisionOptions = {}): Promise<void> {
  await expectDecisions(sim, agentDecisionCases(sim, agent, options));
}

/** The KMS key of a bucket of the template encrypted with SSE-KMS, if any. */
function bucketKeyArn(sim: IamSimulator, bucketName: string): string | undefined {
  const t = sim.template;
  const bucket = t.logicalIdsOfType('AWS::S3::Bucket').find((id) => t.resolveString({ Ref: id }) === bucketName);
  if (bucket === undefined) return undefined;
  type Encryption = { ServerSideEncryptionConfiguration: Array<{ ServerSideEncryptionByDefault?: { KMSMasterKeyID?: string } }> };
  const encryption = t.properties(bucket).BucketEncryption as unknown as Encryption | undefined;
  return encryption?.ServerSideEncryptionConfiguration.map((rule) => rule.ServerSideEncryptionByDefault?.KMSMasterKeyID).find((key) => key !== undefined);
}

/** The call that invokes an agent: the function on Lambda, the runtime on AgentCore. */
function invocation(facts: AgentFacts): { action: string; resource: string } {
  return facts.lambda
    ? { action: 'lambda:InvokeFunction', resource: facts.lambda.functionArn }
    : { action: 'bedrock-agentcore:InvokeAgentRuntime', resource: facts.agentCore!.runtimeArn };
}

function roleLogicalId(sim: IamSimulator, role: iam.IRole): string {
  const id = Stack.of(role).resolve((role.node.defaultChild as CfnResource | undefined)?.logicalId);
  if (typeof id !== 'string') throw new Error(`caller ${role.node.path} is not a role of the template`);
  sim.roleArn(id);
  return id;
}

function agentCoreSource(account: string, runtimeArn: string): Record<string, string> {
  return { 'aws:SourceAccount': account, 'aws:SourceArn': runtimeArn };
}

function sourceOf(account: string, sourceArn: string): Record<string, string> {
  return { 'aws:SourceAccount': account, 'aws:SourceArn': sourceArn };
}

function each(actions: string | string[], resources: string | string[], fn: (action: string, resource: string) => void): void {
  for (const action of ([] as string[]).concat(actions)) {
    for (const resource of ([] as string[]).concat(resources)) fn(action, resource);
  }
}
