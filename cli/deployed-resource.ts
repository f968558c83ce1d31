/**
 * Where the deployed agent is: its Region, and its resource's physical id from the stack
 * (CloudFormation DescribeStackResource).
 */
import { CloudFormationClient, DescribeStackResourceCommand, type StackResourceDetail } from '@aws-sdk/client-cloudformation';
import type { AgentRecord } from './agent-record.js';
import { DeployedInvokeError, commonProblem, errorParts, serviceError } from './deployed-errors.js';

/** What DescribeStackResource told about the agent's resource. */
export interface DeployedResource {
  readonly region: string;
  readonly physicalId: string;
  readonly resourceType: string;
  /** `arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>`. */
  readonly stackId?: string;
}

/** The agent's Region and its resource in the stack. */
export async function findDeployedResource(agent: AgentRecord, log: (line: string) => void): Promise<DeployedResource> {
  const { client, region } = await cloudFormationClient(agent, log);
  try {
    return await describeResource(client, agent, region, log);
  } finally {
    client.destroy();
  }
}

const RESOURCE_TYPE = { LAMBDA: 'AWS::Lambda::Function', AGENTCORE: 'AWS::BedrockAgentCore::Runtime' } as const;

/** `aws://<account>/<region>`, each part undefined when the app left it unknown. */
export function parseEnvironment(environment: string): { account?: string; region?: string } {
  const match = /^aws:\/\/([^/]*)\/([^/]*)$/.exec(environment);
  if (match === null) return {};
  const [, account = '', region = ''] = match;
  return {
    ...(/^\d{12}$/.test(account) ? { account } : {}),
    ...(region !== '' && region !== 'unknown-region' && !region.includes('${') ? { region } : {}),
  };
}

/**
 * The agent's Region when the app fixed one (`env: { region }`), else the caller's configured
 * Region (AWS_REGION, the profile's `region`...), resolved once by the SDK's own chain.
 */
async function cloudFormationClient(agent: AgentRecord, log: (line: string) => void): Promise<{ client: CloudFormationClient; region: string }> {
  const fixed = parseEnvironment(agent.environment).region;
  if (fixed !== undefined) {
    log(`Region ${fixed} (the stack's environment)`);
    return { client: new CloudFormationClient({ region: fixed }), region: fixed };
  }
  const client = new CloudFormationClient({});
  let region: string;
  try {
    region = await client.config.region();
  } catch (error) {
    client.destroy();
    throw new DeployedInvokeError(
      `no AWS Region: the stack ${agent.stackName} has no fixed Region (environment ${agent.environment}) and none is configured; ` +
        'set AWS_REGION, or `region` in your AWS profile',
      { cause: error },
    );
  }
  if (region === '') {
    client.destroy();
    throw new DeployedInvokeError(`no AWS Region: set AWS_REGION, or \`region\` in your AWS profile (the stack ${agent.stackName} has none fixed)`);
  }
  log(`Region ${region} (your AWS configuration; the stack's environment is ${agent.environment})`);
  return { client, region };
}

async function describeResource(client: CloudFormationClient, agent: AgentRecord, region: string, log: (line: string) => void): Promise<DeployedResource> {
  const deploy = `run \`cdk deploy ${agent.stackArtifactId}\``;
  const account = parseEnvironment(agent.environment).account;
  let detail: StackResourceDetail | undefined;
  try {
    const out = await client.send(
      new DescribeStackResourceCommand({ StackName: agent.stackName, LogicalResourceId: agent.resourceLogicalId }),
    );
    detail = out.StackResourceDetail;
  } catch (error) {
    const common = commonProblem(error, 'CloudFormation', region);
    if (common !== undefined) throw new DeployedInvokeError(common, { cause: error });
    const { name, message } = errorParts(error);
    if (/^stack\b.*does not exist/i.test(message)) {
      const where = account === undefined ? '' : ` (the app deploys it to account ${account}: are your credentials for that account?)`;
      throw new DeployedInvokeError(`stack ${agent.stackName} is not deployed in ${region} (${deploy})${where}`, { cause: error });
    }
    if (/^resource\b.*does not exist/i.test(message)) {
      throw new DeployedInvokeError(
        `stack ${agent.stackName} in ${region} has no resource ${agent.resourceLogicalId} (agent ${agent.agentName}): ` +
          `the deployed stack is older than your app (${deploy})`,
        { cause: error },
      );
    }
    if (/AccessDenied/i.test(name)) {
      throw new DeployedInvokeError(
        `not allowed to read stack ${agent.stackName} in ${region} (cloudformation:DescribeStackResource): ${serviceError(error)}`,
        { cause: error },
      );
    }
    throw new DeployedInvokeError(
      `CloudFormation DescribeStackResource (stack ${agent.stackName}, resource ${agent.resourceLogicalId}, ${region}) failed: ${serviceError(error)}`,
      { cause: error },
    );
  }
  const status = detail?.ResourceStatus ?? 'unknown status';
  const physicalId = detail?.PhysicalResourceId;
  if (detail === undefined || physicalId === undefined || physicalId === '') {
    throw new DeployedInvokeError(
      `${agent.resourceLogicalId} in stack ${agent.stackName} (${region}) has not been created (${status}); ${deploy} and wait for it to finish`,
    );
  }
  if (status.startsWith('DELETE_') || status === 'CREATE_FAILED') {
    throw new DeployedInvokeError(
      `${agent.resourceLogicalId} in stack ${agent.stackName} (${region}) is ${status}${detail.ResourceStatusReason ? `: ${detail.ResourceStatusReason}` : ''}; ${deploy}`,
    );
  }
  const expected = RESOURCE_TYPE[agent.runtimeType];
  if (detail.ResourceType !== undefined && detail.ResourceType !== expected) {
    throw new DeployedInvokeError(
      `${agent.resourceLogicalId} in stack ${agent.stackName} is a ${detail.ResourceType}, but the app's agent ${agent.agentName} ` +
        `runs on ${agent.runtimeType} (${expected}): the deployed stack differs from your app (${deploy})`,
    );
  }
  if (!status.endsWith('_COMPLETE')) log(`Note: ${agent.resourceLogicalId} is ${status}`);
  log(`Found ${expected} ${physicalId} in stack ${agent.stackName}`);
  return {
    region,
    physicalId,
    resourceType: expected,
    ...(detail.StackId === undefined ? {} : { stackId: detail.StackId }),
  };
}
