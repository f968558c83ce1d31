import { Duration, Size } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { AgentRuntimeType, LambdaAgentRuntime } from '../../src';
import { expectValidIam } from '../helpers/iam-validity';
import { synth, testStack } from '../helpers/test-app';
import { nodeAgentCode, pythonAgentCode } from './fixtures';

describe('LambdaAgentRuntime', () => {
  it('creates a Node.js 22 ARM64 function with the seed defaults, its own role and log group', async () => {
    const stack = testStack();
    const runtime = new LambdaAgentRuntime(stack, 'Agent', { agentName: 'invoices', code: nodeAgentCode() });
    const template = synth(stack);

    expect(runtime.runtimeType).toBe(AgentRuntimeType.LAMBDA);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      Timeout: 600,
      MemorySize: 1024,
      EphemeralStorage: { Size: 512 },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('AgentLogGroup') } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
    // Logging is scoped to the agent's own log group, not AWSLambdaBasicExecutionRole's `*`.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          // The log group's ARN ends in `:*` and covers its streams (test/iam proves the decision).
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('AgentLogGroup'), 'Arn'] },
        })]),
      },
    });
    await expectValidIam(template);
  });

  it('applies timeout, memory, architecture and ephemeral storage from the config', () => {
    const stack = testStack();
    new LambdaAgentRuntime(stack, 'Agent', {
      agentName: 'a',
      code: nodeAgentCode(),
      config: { timeout: Duration.minutes(15), memorySize: 3008, architecture: lambda.Architecture.X86_64, ephemeralStorageSize: Size.gibibytes(2) },
    });
    synth(stack).hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 900, MemorySize: 3008, Architectures: ['x86_64'], EphemeralStorage: { Size: 2048 },
    });
  });

  it('runs Python code on python3.13 with its handler', () => {
    const stack = testStack();
    new LambdaAgentRuntime(stack, 'Agent', { agentName: 'py', code: pythonAgentCode() });
    synth(stack).hasResourceProperties('AWS::Lambda::Function', { Runtime: 'python3.13', Handler: 'main.handler' });
  });

  it('encrypts the environment and the log group with the given key, which the role may decrypt', async () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new LambdaAgentRuntime(stack, 'Agent', { agentName: 'a', code: nodeAgentCode(), encryptionKey: key, environment: { APP_MODE: '1' } });
    const template = synth(stack);
    const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] };
    template.hasResourceProperties('AWS::Lambda::Function', { KmsKeyArn: keyArn, Environment: { Variables: { APP_MODE: '1' } } });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: keyArn });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt', Resource: keyArn })]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'logs.us-east-1.amazonaws.com' } })]) },
    });
    await expectValidIam(template);
  });

  it('attaches to a VPC with scoped network-interface permissions', async () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const securityGroup = new ec2.SecurityGroup(stack, 'Sg', { vpc });
    new LambdaAgentRuntime(stack, 'Agent', {
      agentName: 'a', code: nodeAgentCode(),
      network: { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, securityGroups: [securityGroup] },
    });
    const template = synth(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') }]),
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Sg'), 'GroupId'] }],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'ec2:CreateNetworkInterface' })]) },
    });
    await expectValidIam(template);
  });

  it('grantInvoke gives lambda:InvokeFunction on the function; addEnvironment and addToRolePolicy reach it', () => {
    const stack = testStack();
    const runtime = new LambdaAgentRuntime(stack, 'Agent', { agentName: 'a', code: nodeAgentCode() });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    const grant = runtime.grantInvoke(caller);
    runtime.addEnvironment('LATE', 'value');
    runtime.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/k'] }));
    const template = synth(stack);

    expect(grant.success).toBe(true);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Caller') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'lambda:InvokeFunction', Resource: Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('AgentFunction'), 'Arn'] }]) })] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { LATE: 'value' } } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/k' })]) },
    });
  });

  it('uses a given execution role instead of creating one', () => {
    const stack = testStack();
    const shared = new iam.Role(stack, 'Shared', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const runtime = new LambdaAgentRuntime(stack, 'Agent', { agentName: 'a', code: nodeAgentCode(), executionRole: shared });
    expect(runtime.executionRole).toBe(shared);
    synth(stack).resourceCountIs('AWS::IAM::Role', 1);
  });
});
