import * as fs from 'fs';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import {
  AgentCode, AgentCoreAgentRuntime, AgentCoreRuntimeFoundation, AgentLayer, AgentRuntimeErrors, AgentRuntimeType, BedrockModel, InferenceProfileGeo,
  InvalidBedrockModelError, InvalidRuntimeConfigError, LambdaAgentRuntime,
} from '../../src';
import { expectValidIam } from '../helpers/iam-validity';
import { synth, testStack } from '../helpers/test-app';
import { AGENT_FIXTURES, MODEL_ID, RUNTIME_TYPES, agentEnvironment, batchAgent, resourcesOfType, toolAsset } from './helpers';

describe.each(RUNTIME_TYPES)('BatchAgent on %s', (type) => {
  it('passes the seed environment to the agent and grants exactly what it reads', async () => {
    const stack = testStack();
    const tools = [toolAsset(stack, 'ToolFile'), toolAsset(stack, 'ToolZip', true)];
    const agent = batchAgent(stack, 'Invoices', type, {
      agentName: 'invoices',
      agentDefinition: {
        bedrockModel: BedrockModel.foundationModel(MODEL_ID),
        systemPrompt: batchAgentPrompt(stack),
        tools,
      },
      expectJson: true,
      environment: { EXTRA: 'value' },
    });
    const template = synth(stack);
    const env = agentEnvironment(template.toJSON());
    expect(env).toMatchObject({
      MODEL_ID, INVOKE_TYPE: 'batch', PROMPT: 'Summarise the document.', EXPECT_JSON: 'true', EXTRA: 'value',
      SYSTEM_PROMPT_S3_BUCKET_NAME: 'cdk-hnb659fds-assets-123456789012-us-east-1',
    });
    const toolsConfig = JSON.parse(env.TOOLS_CONFIG as string);
    expect(toolsConfig).toEqual([
      { bucketName: 'cdk-hnb659fds-assets-123456789012-us-east-1', key: tools[0].s3ObjectKey, isFile: true, isZipArchive: false },
      { bucketName: 'cdk-hnb659fds-assets-123456789012-us-east-1', key: tools[1].s3ObjectKey, isFile: false, isZipArchive: true },
    ]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:us-east-1::foundation-model/${MODEL_ID}`]] },
          }),
          Match.objectLike({ Sid: 'ReadPromptAndTools', Action: 's3:GetObject', Resource: Match.arrayWith([Match.objectLike({ 'Fn::Join': Match.anyValue() })]) }),
        ]),
      },
    });
    // No bucket-wide grant anywhere in the agent's policy.
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).not.toContain('s3:List');
    expect(policies).not.toContain('s3:GetBucket');
    expect(agent.runtime.runtimeType).toBe(type);
    await expectValidIam(template);
  });

  it('shares one KMS key with rotation per stack; each role gets only the key actions its runtime uses', () => {
    const stack = testStack();
    const a = batchAgent(stack, 'A', type);
    const b = batchAgent(stack, 'B', type);
    const template = synth(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(a.encryptionKey).toBe(b.encryptionKey);
    const kmsActions = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>)
      .flatMap((statement) => ([] as string[]).concat(statement.Action))
      .filter((action) => action.startsWith('kms:'));
    // Lambda decrypts its encrypted environment; AgentCore's log group is encrypted by CloudWatch Logs under the key policy.
    expect(kmsActions).toEqual(type === AgentRuntimeType.LAMBDA ? ['kms:Decrypt', 'kms:Decrypt'] : []);
  });

  it('destroys the shared key only when every agent sharing it says DESTROY, whatever their order', () => {
    const keyPolicy = (policies: Array<RemovalPolicy | undefined>) => {
      const stack = testStack();
      policies.forEach((removalPolicy, i) => batchAgent(stack, `A${i}`, type, { removalPolicy }));
      const [key] = Object.values(synth(stack).findResources('AWS::KMS::Key'));
      return key?.DeletionPolicy;
    };
    expect(keyPolicy([RemovalPolicy.DESTROY, RemovalPolicy.DESTROY])).toBe('Delete');
    expect(keyPolicy([RemovalPolicy.DESTROY, undefined])).toBe('Retain');
    expect(keyPolicy([RemovalPolicy.RETAIN, RemovalPolicy.DESTROY])).toBe('Retain');
    expect(keyPolicy([undefined])).toBe('Retain');
  });

  it('uses a given execution role and keeps the deprecated getters', () => {
    const stack = testStack();
    const principal = type === AgentRuntimeType.LAMBDA ? 'lambda.amazonaws.com' : 'bedrock-agentcore.amazonaws.com';
    const role = new iam.Role(stack, 'Shared', { assumedBy: new iam.ServicePrincipal(principal) });
    const agent = batchAgent(stack, 'A', type, { executionRole: role });
    expect(agent.runtime.executionRole).toBe(role);
    expect(agent.agentRole).toBe(role);
    if (type === AgentRuntimeType.LAMBDA) {
      expect(agent.agentFunction).toBe((agent.runtime as LambdaAgentRuntime).agentFunction);
    } else {
      expect(agent.agentFunction).toBeUndefined();
      expect(agent.runtime).toBeInstanceOf(AgentCoreAgentRuntime);
    }
    const template = synth(stack);
    template.resourceCountIs('AWS::IAM::Role', 1);
  });

  it('applies the default data protection policy and retention to its log group', () => {
    const stack = testStack();
    batchAgent(stack, 'A', type);
    const template = synth(stack);
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 7,
      KmsKeyId: Match.anyValue(),
      DataProtectionPolicy: Match.objectLike({ Name: 'agent-a-data-protection' }),
    });
  });

  it('attaches additional tool statements and grants invoke', async () => {
    const stack = testStack();
    const statement = new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/Vendors'] });
    const agent = batchAgent(stack, 'A', type, {
      agentDefinition: { bedrockModel: BedrockModel.foundationModel(MODEL_ID), systemPrompt: batchAgentPrompt(stack), additionalPolicyStatementsForTools: [statement] },
    });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    agent.grantInvoke(caller);
    const template = synth(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'dynamodb:GetItem' })]) },
    });
    const action = type === AgentRuntimeType.LAMBDA ? 'lambda:InvokeFunction' : 'bedrock-agentcore:InvokeAgentRuntime';
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).toContain(action);
    await expectValidIam(template);
  });

  it('runs in a VPC with the permissions the runtime needs', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    batchAgent(stack, 'A', type, { network: { vpc } });
    const template = synth(stack);
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    if (type === AgentRuntimeType.LAMBDA) {
      template.hasResourceProperties('AWS::Lambda::Function', { VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() } });
      expect(policies).toContain('ec2:CreateNetworkInterface');
    } else {
      template.hasResourceProperties('AWS::BedrockAgentCore::Runtime', {
        NetworkConfiguration: { NetworkMode: 'VPC', NetworkModeConfig: { Subnets: Match.anyValue(), SecurityGroups: Match.anyValue() } },
      });
      // AgentCore manages the ENIs with its service-linked role; the execution role needs nothing.
      expect(policies).not.toContain('ec2:');
    }
  });
});

describe('observability', () => {
  it('Lambda: X-Ray and Powertools environment', () => {
    const stack = testStack();
    batchAgent(stack, 'A', AgentRuntimeType.LAMBDA, { metricNamespace: 'Invoices', logLevel: 'DEBUG' });
    synth(stack).hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'agent-a', POWERTOOLS_METRICS_NAMESPACE: 'Invoices', POWERTOOLS_LOG_LEVEL: 'DEBUG', LOG_LEVEL: 'DEBUG' }) },
    });
  });

  it('AgentCore: tracing, application and usage logs into its log group, OTEL environment naming it', () => {
    const stack = testStack();
    const agent = batchAgent(stack, 'A', AgentRuntimeType.AGENTCORE);
    const template = synth(stack);
    const logGroup = stack.resolve(agent.runtime.logGroup.logGroupName);
    const env = agentEnvironment(template.toJSON());
    expect(env).toMatchObject({
      AGENT_OBSERVABILITY_ENABLED: 'true', OTEL_SERVICE_NAME: 'agent-a', OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_RESOURCE_ATTRIBUTES: { 'Fn::Join': ['', ['service.name=agent-a,aws.log.group.names=', logGroup]] },
    });
    expect(JSON.stringify(env.OTEL_EXPORTER_OTLP_LOGS_HEADERS)).toContain(JSON.stringify(logGroup));
    expect(env).not.toHaveProperty('OTEL_PYTHON_DISTRO');
    template.resourceCountIs('AWS::Logs::Delivery', 3); // application logs, usage logs, traces
    template.hasResourceProperties('AWS::Logs::DeliverySource', { LogType: 'USAGE_LOGS' });
    template.hasResourceProperties('AWS::Logs::DeliverySource', { LogType: 'APPLICATION_LOGS' });
  });

  it('AgentCore with Python code: the ADOT distro and configurator', () => {
    const stack = testStack();
    batchAgent(stack, 'A', AgentRuntimeType.AGENTCORE, { code: AgentCode.fromPythonDirectory(path.join(__dirname, '..', 'fixtures', 'python-agent')) });
    expect(agentEnvironment(synth(stack).toJSON())).toMatchObject({ OTEL_PYTHON_DISTRO: 'aws_distro', OTEL_PYTHON_CONFIGURATOR: 'aws_configurator' });
  });

  it('off: no tracing, no telemetry environment, the log group stays', () => {
    for (const type of RUNTIME_TYPES) {
      const stack = testStack();
      batchAgent(stack, 'A', type, { enableObservability: false, logGroupDataProtection: { disabled: true } });
      const template = synth(stack);
      const env = agentEnvironment(template.toJSON());
      expect(Object.keys(env).filter((k) => k.startsWith('OTEL_') || k.startsWith('POWERTOOLS_'))).toEqual([]);
      template.resourceCountIs('AWS::Logs::LogGroup', 1);
      template.hasResourceProperties('AWS::Logs::LogGroup', { DataProtectionPolicy: Match.absent() });
    }
  });
});

describe('BedrockModel', () => {
  it('default: Claude Sonnet 4.6 through the profile of the stack\'s geography, global where none serves or the Region is unknown', () => {
    const modelIn = (region?: string) => {
      const app = new App();
      const stack = new Stack(app, 'S', region === undefined ? {} : { env: { account: '123456789012', region } });
      return BedrockModel.defaultFor(stack);
    };
    expect(modelIn('us-east-2').modelId).toBe('us.anthropic.claude-sonnet-4-6');
    expect(modelIn('eu-central-1').modelId).toBe('eu.anthropic.claude-sonnet-4-6');
    expect(modelIn('ap-northeast-1').modelId).toBe('global.anthropic.claude-sonnet-4-6');
    expect(modelIn(undefined).modelId).toBe('global.anthropic.claude-sonnet-4-6');
    const stack = testStack();
    const model = BedrockModel.defaultFor(stack);
    expect(JSON.stringify(stack.resolve(model.resourceArns(stack)))).toContain(':bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-6');
  });

  it('rejects a profile that does not serve the stack\'s Region, and Region names that do not exist', () => {
    const stack = testStack({ env: { account: '123456789012', region: 'eu-west-1' } });
    const us = BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.US, MODEL_ID);
    expect(() => us.resourceArns(stack)).toThrow(/geo: the inference profile 'us\.anthropic[^']*' routes to us-east-1, us-east-2, us-west-2, not to the stack's Region eu-west-1/);
    expect(() => BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.US, MODEL_ID, { regions: ['us-east-9'] }))
      .toThrow(/options\.regions: 'us-east-9' is not an AWS Region name/);
  });

  it('cross-Region profile: the profile and the foundation model in each routed Region', () => {
    const stack = testStack({ env: { account: '123456789012', region: 'eu-west-1' } });
    const model = BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.EU, MODEL_ID, { regions: ['eu-west-1', 'eu-central-1'] });
    expect(model.modelId).toBe(`eu.${MODEL_ID}`);
    expect(stack.resolve(model.resourceArns(stack))).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:eu-west-1:123456789012:inference-profile/eu.${MODEL_ID}`]] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:eu-west-1::foundation-model/${MODEL_ID}`]] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:eu-central-1::foundation-model/${MODEL_ID}`]] },
    ]);
  });

  it('global profile routes to any Region', () => {
    const stack = testStack();
    const arns = stack.resolve(BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.GLOBAL, MODEL_ID).resourceArns(stack));
    expect(JSON.stringify(arns[1])).toContain(`:bedrock:*::foundation-model/${MODEL_ID}`);
  });

  it('rejects ids with a geography prefix or no provider, an unknown geography and an empty Region list, naming the argument', () => {
    const cases: Array<[() => unknown, string, RegExp]> = [
      [() => BedrockModel.foundationModel(`us.${MODEL_ID}`), 'modelId', /'us\.anthropic[^']*' starts with a geography prefix; use BedrockModel\.crossRegionInferenceProfile/],
      [() => BedrockModel.foundationModel('claude'), 'modelId', /'claude' is invalid; expected '<provider>\.<model>'/],
      [() => BedrockModel.crossRegionInferenceProfile('mars' as InferenceProfileGeo, MODEL_ID), 'geo', /'mars' is not an inference profile geography; allowed: us, eu/],
      [() => BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.EU, MODEL_ID, { regions: [] }), 'options.regions', /is empty/],
      [() => BedrockModel.foundationModel(MODEL_ID).grantInvoke({ grantPrincipal: new iam.AccountRootPrincipal() }), 'grantee', /needs a construct/],
    ];
    for (const [create, field, message] of cases) {
      let thrown: unknown;
      try {
        create();
      } catch (error) {
        thrown = error;
      }
      expect(AgentRuntimeErrors.isInvalidBedrockModelError(thrown), field).toBe(true);
      expect(thrown).toBeInstanceOf(InvalidBedrockModelError);
      expect(thrown).toMatchObject({ field, name: 'InvalidBedrockModelError' });
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message.startsWith(`Invalid Bedrock model: ${field}: `)).toBe(true);
    }
  });
});

describe('layers', () => {
  const layerDir = path.join(AGENT_FIXTURES, 'layer');

  it('Lambda: directory and ARN layers are attached', () => {
    const stack = testStack();
    batchAgent(stack, 'A', AgentRuntimeType.LAMBDA, {
      agentDefinition: {
        bedrockModel: BedrockModel.foundationModel(MODEL_ID), systemPrompt: batchAgentPrompt(stack),
        lambdaLayers: [AgentLayer.fromDirectory(layerDir), AgentLayer.fromLayerVersionArn('arn:aws:lambda:us-east-1:123456789012:layer:deps:3')],
      },
    });
    const template = synth(stack);
    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    const fn = resourcesOfType(template.toJSON(), 'AWS::Lambda::Function')[0][1];
    expect((fn.Properties!.Layers as unknown[])).toHaveLength(2);
  });

  it('AgentCore: an ARN-only layer is rejected with the reason', () => {
    const stack = testStack();
    expect(() => batchAgent(stack, 'A', AgentRuntimeType.AGENTCORE, {
      agentDefinition: {
        bedrockModel: BedrockModel.foundationModel(MODEL_ID), systemPrompt: batchAgentPrompt(stack),
        lambdaLayers: [AgentLayer.fromLayerVersionArn('arn:aws:lambda:us-east-1:123456789012:layer:deps:3')],
      },
    })).toThrow(InvalidRuntimeConfigError);
    expect(() => batchAgent(testStack(), 'A', AgentRuntimeType.AGENTCORE, {
      agentDefinition: {
        bedrockModel: BedrockModel.foundationModel(MODEL_ID), systemPrompt: batchAgentPrompt(stack),
        lambdaLayers: [AgentLayer.fromLayerVersionArn('arn:aws:lambda:us-east-1:123456789012:layer:deps:3')],
      },
    })).toThrow(/known only by its ARN.*AgentLayer.fromDirectory/);
  });

  it('AgentCore: a directory layer is merged into the code package', () => {
    const stack = testStack();
    const agent = batchAgent(stack, 'A', AgentRuntimeType.AGENTCORE, {
      agentDefinition: { bedrockModel: BedrockModel.foundationModel(MODEL_ID), systemPrompt: batchAgentPrompt(stack), lambdaLayers: [AgentLayer.fromDirectory(layerDir)] },
    });
    const assembly = (stack.node.root as App).synth();
    const asset = (agent.runtime as AgentCoreAgentRuntime).node.findChild('CodeAsset') as s3Assets.Asset;
    const staged = path.join(assembly.directory, asset.assetPath);
    expect(fs.existsSync(path.join(staged, 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(staged, 'node_modules', 'extra', 'index.js'))).toBe(true);
  });
});

describe('validation', () => {
  it('rejects an invalid runtime configuration at construction', () => {
    expect(() => batchAgent(testStack(), 'A', AgentRuntimeType.LAMBDA, { runtime: { type: AgentRuntimeType.LAMBDA, config: { timeout: Duration.minutes(20) } } }))
      .toThrow(InvalidRuntimeConfigError);
    expect(() => batchAgent(testStack(), 'A', 'ECS' as AgentRuntimeType)).toThrow(InvalidRuntimeConfigError);
  });
});

function batchAgentPrompt(stack: Stack): s3Assets.Asset {
  return new s3Assets.Asset(stack, `Prompt${stack.node.children.length}`, { path: path.join(AGENT_FIXTURES, 'prompt.txt') });
}

describe('cross-account invoke', () => {
  it('Lambda: a resource policy for the other account; AgentCore: a warning, since the grant cannot apply', () => {
    const stack = testStack();
    batchAgent(stack, 'L', AgentRuntimeType.LAMBDA).grantInvoke(new iam.AccountPrincipal('111122223333'));
    const core = batchAgent(stack, 'C', AgentRuntimeType.AGENTCORE);
    expect(core.grantInvoke(new iam.AccountPrincipal('111122223333')).success).toBe(false);
    const template = synth(stack);
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: '111122223333' });
    Annotations.fromStack(stack).hasWarning('/TestStack/C', Match.stringLikeRegexp('grantInvoke could not add'));
  });
});

describe('with the runtime foundation', () => {
  it('runs an AgentCore agent under the foundation\'s shared role', async () => {
    const stack = testStack();
    const foundation = new AgentCoreRuntimeFoundation(stack, 'Foundation', { environment: 'dev', agentNamespace: 'team/agents' });
    const agent = batchAgent(stack, 'A', AgentRuntimeType.AGENTCORE, { executionRole: foundation.executionRole });
    expect(agent.runtime.executionRole).toBe(foundation.executionRole);
    const template = synth(stack);
    template.hasResourceProperties('AWS::BedrockAgentCore::Runtime', {
      RoleArn: stack.resolve(foundation.executionRole.roleArn),
    });
    const trusted = Object.values(template.findResources('AWS::IAM::Role')).map((r) => r.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service);
    expect(trusted).toEqual(['bedrock-agentcore.amazonaws.com']);
  });
});

describe('log level', () => {
  it('reaches the code on both runtimes and is validated', () => {
    for (const type of RUNTIME_TYPES) {
      const stack = testStack();
      batchAgent(stack, 'A', type, { logLevel: 'warn', enableObservability: false });
      expect(agentEnvironment(synth(stack).toJSON())).toMatchObject({ LOG_LEVEL: 'WARN' });
      expect(() => batchAgent(testStack(), 'B', type, { logLevel: 'CRITICAL' })).toThrow(/logLevel 'CRITICAL' is invalid; allowed: DEBUG, INFO, WARN, ERROR/);
    }
  });
});
