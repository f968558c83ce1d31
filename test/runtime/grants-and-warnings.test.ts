import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { AgentCoreAgentRuntime, AgentRuntimeFactory, AgentRuntimeType, IAgentRuntime } from '../../src';
import { ExecutionRolePrincipal } from '../../src/runtime/execution-role';
import { synth, testStack } from '../helpers/test-app';
import { nodeAgentCode } from './fixtures';

const TYPES = [AgentRuntimeType.LAMBDA, AgentRuntimeType.AGENTCORE] as const;

function runtime(stack: Stack, type: AgentRuntimeType, executionRole?: iam.IRole): IAgentRuntime {
  return AgentRuntimeFactory.create(stack, 'Agent', { type }, { agentName: 'grants', code: nodeAgentCode(), executionRole });
}

function roleStatements(stack: Stack) {
  return Object.values(synth(stack).findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
}

describe.each(TYPES)('%s runtime', (type) => {
  it('is grantable: a grant to the runtime lands on its execution role', () => {
    const stack = testStack();
    const agent = runtime(stack, type);
    const bucket = new s3.Bucket(stack, 'Data');
    expect((agent.grantPrincipal as ExecutionRolePrincipal).role).toBe(agent.executionRole);
    const grant = bucket.grantRead(agent);
    expect(grant.success).toBe(true);
    const bucketArn = stack.resolve(bucket.bucketArn);
    expect(roleStatements(stack).some((s) => ([] as string[]).concat(s.Action).includes('s3:GetObject*')
      && JSON.stringify(s.Resource).includes(JSON.stringify(bucketArn)))).toBe(true);
  });

  it.each([
    ['a role of its own', () => undefined],
    ['a mutable imported role', (stack: Stack) => iam.Role.fromRoleArn(stack, 'Mutable', 'arn:aws:iam::123456789012:role/shared')],
  ])('does not warn that statements are dropped when the execution role is %s', (_name, role) => {
    const stack = testStack();
    const agent = runtime(stack, type, role(stack));
    new s3.Bucket(stack, 'Data').grantRead(agent);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('does not accept new statements'))).toEqual([]);
  });

  it('warns at synth when the execution role is an immutable import that would drop its statements', () => {
    const stack = testStack();
    const role = iam.Role.fromRoleArn(stack, 'Shared', 'arn:aws:iam::123456789012:role/shared', { mutable: false });
    const agent = runtime(stack, type, role);
    new s3.Bucket(stack, 'Data').grantRead(agent);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('does not accept new statements .*add this statement to it yourself'))
      .map((warning) => JSON.stringify(warning.entry.data));
    // The runtime's own statements and a grant made to the runtime are all reported, tokens resolved.
    expect(warnings.some((warning) => warning.includes('logs:PutLogEvents'))).toBe(true);
    expect(warnings.some((warning) => warning.includes('s3:GetObject*'))).toBe(true);
    expect(warnings.join('\n')).not.toContain('${Token');
  });
});

it('AgentCore: agentCoreAgent is the CloudFormation resource, which has no role to drop grants on', () => {
  const stack = testStack();
  const agent = runtime(stack, AgentRuntimeType.AGENTCORE) as AgentCoreAgentRuntime;
  expect(agent.agentCoreAgent).toBeInstanceOf(agentcore.CfnRuntime);
  expect(stack.resolve(agent.invocationArn)).toEqual(stack.resolve(agent.agentCoreAgent.attrAgentRuntimeArn));
});

describe('AgentCore in a VPC', () => {
  const build = (subnetType: ec2.SubnetType) => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }, { name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    new AgentCoreAgentRuntime(stack, 'Agent', { agentName: 'vpc', code: nodeAgentCode(), network: { vpc, vpcSubnets: { subnetType } } });
    return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('selects only public subnets'));
  };

  it('warns when every selected subnet is public (no way out without NAT or VPC endpoints)', () => {
    expect(build(ec2.SubnetType.PUBLIC)).toHaveLength(1);
  });

  it('does not warn for private subnets', () => {
    expect(build(ec2.SubnetType.PRIVATE_ISOLATED)).toHaveLength(0);
  });
});
