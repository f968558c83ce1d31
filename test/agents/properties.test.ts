/**
 * Seed 003 correctness properties 4–11, 15, 16, 18–21 and 23 over generated BatchAgents.
 * Each run builds the same generated agent on both runtimes in one stack and synthesizes it once
 * (with CloudFormation validation): every property is checked on both agents in each of 100 runs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentCoreAgentRuntime, AgentLayer, AgentRuntimeType, BatchAgent, BedrockModel, InferenceProfileGeo, LogGroupDataProtectionProps,
} from '../../src';
import { agentDecisionCases, simulatorFor } from '../helpers/agent-decisions';
import { DecisionCase, expectDecisions } from '../helpers/iam-simulation';
import { synth, testStack } from '../helpers/test-app';
import { AGENT_FIXTURES, promptAsset, toolAsset } from './helpers';

const RUNS = { numRuns: 100 };
const SUBNETS = ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'];
const PYTHON_ONLY = ['OTEL_PYTHON_DISTRO', 'OTEL_PYTHON_CONFIGURATOR'];
const OTEL_KEYS = ['AGENT_OBSERVABILITY_ENABLED', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_EXPORTER_OTLP_LOGS_HEADERS', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_TRACES_EXPORTER', 'OTEL_SERVICE_NAME'];
const POWERTOOLS_KEYS = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_LOG_LEVEL'];

interface GeneratedAgent {
  readonly model: BedrockModel;
  readonly tools: boolean[]; // true = ZIP directory, false = file
  readonly environment: Record<string, string>;
  readonly observability: boolean;
  readonly network: boolean;
  readonly statements: string[]; // DynamoDB table names
  readonly lambdaTimeout: number;
  readonly lambdaMemory: number;
  readonly agentCoreTimeout: number;
  readonly layer: boolean;
  readonly dataProtection?: LogGroupDataProtectionProps;
  readonly prompt: string;
  readonly expectJson: boolean;
}

const modelId = fc.constantFrom('anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0', 'amazon.nova-pro-v1:0', 'meta.llama3-70b-instruct-v1:0');
const model = fc.oneof(
  modelId.map((id) => BedrockModel.foundationModel(id)),
  // The profiles that route to the stack's Region (us-east-1): the library rejects the others.
  fc.tuple(fc.constantFrom(InferenceProfileGeo.US, InferenceProfileGeo.GLOBAL), modelId).map(([geo, id]) => BedrockModel.crossRegionInferenceProfile(geo, id)),
);
const generatedAgent: fc.Arbitrary<GeneratedAgent> = fc.record({
  model,
  tools: fc.array(fc.boolean(), { maxLength: 3 }),
  environment: fc.dictionary(fc.stringMatching(/^X_[A-Z0-9_]{1,12}$/), fc.stringMatching(/^[a-zA-Z0-9 ._-]{0,40}$/), { maxKeys: 3 }),
  observability: fc.boolean(),
  network: fc.boolean(),
  statements: fc.array(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{2,20}$/), { maxLength: 2 }),
  lambdaTimeout: fc.integer({ min: 1, max: 900 }),
  lambdaMemory: fc.integer({ min: 128, max: 10240 }),
  agentCoreTimeout: fc.integer({ min: 60, max: 28800 }),
  layer: fc.boolean(),
  dataProtection: fc.option(fc.oneof(
    fc.constant({ disabled: true }),
    fc.subarray([logs.DataIdentifier.EMAILADDRESS, logs.DataIdentifier.AWSSECRETKEY, logs.DataIdentifier.CREDITCARDNUMBER, logs.DataIdentifier.IPADDRESS], { minLength: 1 })
      .map((identifiers) => ({ identifiers })),
  ), { nil: undefined }),
  prompt: fc.stringMatching(/^[a-zA-Z0-9 .,]{1,200}$/),
  expectJson: fc.boolean(),
});

type Resource = { Type: string; Properties: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Built {
  readonly stack: Stack;
  readonly agents: Record<AgentRuntimeType, BatchAgent>;
  readonly tools: s3Assets.Asset[];
  readonly template: Template;
  readonly resources: Record<string, Resource>;
}

function build(g: GeneratedAgent): Built {
  const stack = testStack();
  const systemPrompt = promptAsset(stack);
  const tools = g.tools.map((zip, i) => toolAsset(stack, `Tool${i}`, zip));
  const vpc = g.network ? ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0a1b2c3d4e5f60000', availabilityZones: ['us-east-1a', 'us-east-1b'], privateSubnetIds: SUBNETS }) : undefined;
  const make = (id: string, type: AgentRuntimeType) => new BatchAgent(stack, id, {
    agentName: 'generated-agent',
    agentDefinition: {
      bedrockModel: g.model,
      systemPrompt,
      tools,
      lambdaLayers: g.layer ? [AgentLayer.fromDirectory(path.join(AGENT_FIXTURES, 'layer'))] : undefined,
      additionalPolicyStatementsForTools: g.statements.map((table) => new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: [stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: table })],
      })),
    },
    prompt: g.prompt,
    expectJson: g.expectJson,
    environment: g.environment,
    enableObservability: g.observability,
    logGroupDataProtection: g.dataProtection,
    network: vpc ? { vpc } : undefined,
    runtime: type === AgentRuntimeType.LAMBDA
      ? { type, config: { timeout: Duration.seconds(g.lambdaTimeout), memorySize: g.lambdaMemory } }
      : { type, config: { timeout: Duration.seconds(g.agentCoreTimeout) } },
  });
  const agents = { [AgentRuntimeType.LAMBDA]: make('OnLambda', AgentRuntimeType.LAMBDA), [AgentRuntimeType.AGENTCORE]: make('OnAgentCore', AgentRuntimeType.AGENTCORE) };
  for (const [type, agent] of Object.entries(agents)) {
    agent.grantInvoke(new iam.Role(stack, `Caller${type}`, { assumedBy: new iam.AccountRootPrincipal() }));
  }
  const template = synth(stack);
  return { stack, agents, tools, template, resources: (template.toJSON() as { Resources: Record<string, Resource> }).Resources };
}

const PREFIX: Record<AgentRuntimeType, string> = { [AgentRuntimeType.LAMBDA]: 'OnLambda', [AgentRuntimeType.AGENTCORE]: 'OnAgentCore' };
const own = (b: Built, type: AgentRuntimeType, resourceType: string) =>
  Object.entries(b.resources).filter(([id, r]) => id.startsWith(PREFIX[type]) && r.Type === resourceType).map(([, r]) => r);
const ref = (b: Built, construct: { node: { defaultChild?: unknown } } | unknown) =>
  JSON.stringify(b.stack.resolve(((construct as { node: { defaultChild: { logicalId: string } } }).node.defaultChild).logicalId));
const rolePolicy = (b: Built, type: AgentRuntimeType) => JSON.stringify(own(b, type, 'AWS::IAM::Policy'));
const envOf = (b: Built, type: AgentRuntimeType): Record<string, unknown> => type === AgentRuntimeType.LAMBDA
  ? own(b, type, 'AWS::Lambda::Function')[0].Properties.Environment.Variables
  : own(b, type, 'AWS::BedrockAgentCore::Runtime')[0].Properties.EnvironmentVariables;

const checks: Record<string, (b: Built, g: GeneratedAgent, type: AgentRuntimeType) => void> = {
  // 4 and 23: the role trusts exactly the runtime's service principal; on AgentCore only for this account's runtimes.
  'Property 4/23: service principal and trust': (b, _g, type) => {
    const trust = own(b, type, 'AWS::IAM::Role')[0].Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0].Action).toBe('sts:AssumeRole');
    expect(trust[0].Principal).toEqual({ Service: type === AgentRuntimeType.LAMBDA ? 'lambda.amazonaws.com' : 'bedrock-agentcore.amazonaws.com' });
    if (type === AgentRuntimeType.AGENTCORE) {
      expect(trust[0].Condition.StringEquals['aws:SourceAccount']).toBe('123456789012');
      const runtimeName = (b.agents[type].runtime as AgentCoreAgentRuntime).runtimeName;
      expect(JSON.stringify(trust[0].Condition.ArnLike['aws:SourceArn'])).toContain(`:bedrock-agentcore:us-east-1:123456789012:runtime/${runtimeName}-*"`);
    }
  },
  // 5: the role may use the stack's key exactly as its runtime needs: Lambda decrypts its encrypted
  // environment; on AgentCore only CloudWatch Logs uses the key (key policy), so the role gets nothing.
  'Property 5: key': (b, _g, type) => {
    const statements = own(b, type, 'AWS::IAM::Policy')[0].Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>;
    const kms = statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(b.stack.resolve(b.agents[type].encryptionKey.keyArn)));
    const actions = kms.flatMap((s) => ([] as unknown[]).concat(s.Action));
    expect(actions).toEqual(type === AgentRuntimeType.LAMBDA ? ['kms:Decrypt'] : []);
  },
  // 6: the runtime's logs go to a log group the agent owns (retention, KMS), observability on or off.
  'Property 6: log group': (b, _g, type) => {
    const groups = own(b, type, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(1);
    expect(groups[0].Properties.RetentionInDays).toBe(7);
    expect(groups[0].Properties.KmsKeyId).toBeDefined();
    const logGroupId = ref(b, b.agents[type].runtime.logGroup);
    if (type === AgentRuntimeType.LAMBDA) {
      expect(JSON.stringify(own(b, type, 'AWS::Lambda::Function')[0].Properties.LoggingConfig)).toContain(logGroupId);
    } else {
      expect(JSON.stringify(own(b, type, 'AWS::Logs::DeliveryDestination'))).toContain(logGroupId);
    }
  },
  // 7: read access to every tool object (and nothing bucket-wide).
  'Property 7: tool reads': (b, _g, type) => {
    const policy = rolePolicy(b, type);
    for (const tool of b.tools) expect(policy).toContain(`/${tool.s3ObjectKey}`);
    expect(policy).not.toContain('s3:List');
  },
  // 8: exactly one runtime resource of the configured type per agent, none of the other.
  'Property 8: one runtime resource': (b, _g, type) => {
    const [mine, other] = type === AgentRuntimeType.LAMBDA ? ['AWS::Lambda::Function', 'AWS::BedrockAgentCore::Runtime'] : ['AWS::BedrockAgentCore::Runtime', 'AWS::Lambda::Function'];
    expect(own(b, type, mine)).toHaveLength(1);
    expect(own(b, type, other)).toHaveLength(0);
  },
  // 9: every environment variable reaches the runtime.
  'Property 9: environment': (b, g, type) => {
    const env = envOf(b, type);
    expect(env).toMatchObject({ ...g.environment, INVOKE_TYPE: 'batch', PROMPT: g.prompt, EXPECT_JSON: String(g.expectJson), MODEL_ID: g.model.modelId });
    expect(JSON.parse(env.TOOLS_CONFIG as string)).toHaveLength(g.tools.length);
  },
  // 10: timeout and memory in the runtime's units.
  'Property 10: resources': (b, g, type) => {
    if (type === AgentRuntimeType.LAMBDA) {
      const fn = own(b, type, 'AWS::Lambda::Function')[0].Properties;
      expect([fn.Timeout, fn.MemorySize]).toEqual([g.lambdaTimeout, g.lambdaMemory]);
    } else {
      expect(own(b, type, 'AWS::BedrockAgentCore::Runtime')[0].Properties.LifecycleConfiguration.MaxLifetime).toBe(g.agentCoreTimeout);
    }
  },
  // 11: VPC subnets and security group on both; ENI permissions on Lambda only (AgentCore uses its service-linked role).
  'Property 11: network': (b, g, type) => {
    const policy = rolePolicy(b, type);
    if (type === AgentRuntimeType.LAMBDA) {
      const vpc = own(b, type, 'AWS::Lambda::Function')[0].Properties.VpcConfig;
      expect(vpc?.SubnetIds).toEqual(g.network ? SUBNETS : undefined);
      expect(policy.includes('ec2:CreateNetworkInterface')).toBe(g.network);
    } else {
      const network = own(b, type, 'AWS::BedrockAgentCore::Runtime')[0].Properties.NetworkConfiguration;
      expect(network.NetworkMode).toBe(g.network ? 'VPC' : 'PUBLIC');
      if (g.network) expect(network.NetworkModeConfig.Subnets).toEqual(SUBNETS);
      expect(policy).not.toContain('ec2:');
    }
    expect(own(b, type, 'AWS::EC2::SecurityGroup')).toHaveLength(g.network ? 1 : 0);
  },
  // 15: every additional statement is in the role's policy.
  'Property 15: additional statements': (b, g, type) => {
    const policy = rolePolicy(b, type);
    for (const table of g.statements) expect(policy).toContain(`:dynamodb:us-east-1:123456789012:table/${table}"`);
    expect(policy.includes('dynamodb:GetItem')).toBe(g.statements.length > 0);
  },
  // 16: layers attached on Lambda, merged into the code package on AgentCore.
  'Property 16: layers': (b, g, type) => {
    if (type === AgentRuntimeType.LAMBDA) {
      expect(own(b, type, 'AWS::Lambda::Function')[0].Properties.Layers?.length ?? 0).toBe(g.layer ? 1 : 0);
    } else {
      const asset = (b.agents[type].runtime as AgentCoreAgentRuntime).node.findChild('CodeAsset') as s3Assets.Asset;
      const staged = path.join(Stage.of(b.stack)!.outdir, asset.assetPath);
      expect(fs.existsSync(path.join(staged, 'node_modules', 'extra', 'index.js'))).toBe(g.layer);
    }
  },
  // 18: Lambda: X-Ray and Powertools with observability on; neither with it off.
  'Property 18: Lambda observability': (b, g, type) => {
    if (type !== AgentRuntimeType.LAMBDA) return;
    const fn = own(b, type, 'AWS::Lambda::Function')[0].Properties;
    expect(fn.TracingConfig?.Mode).toBe(g.observability ? 'Active' : undefined);
    for (const key of POWERTOOLS_KEYS) expect(key in fn.Environment.Variables).toBe(g.observability);
  },
  // 19: AgentCore: tracing, usage logs and the OTEL environment (Node list for the default agent) with observability on.
  'Property 19: AgentCore observability': (b, g, type) => {
    if (type !== AgentRuntimeType.AGENTCORE) return;
    const runtime = own(b, type, 'AWS::BedrockAgentCore::Runtime')[0].Properties;
    const env = runtime.EnvironmentVariables;
    for (const key of OTEL_KEYS) expect(key in env).toBe(g.observability);
    for (const key of PYTHON_ONLY) expect(key in env).toBe(false);
    const logTypes = own(b, type, 'AWS::Logs::DeliverySource').map((s) => s.Properties.LogType).sort();
    expect(logTypes).toEqual(g.observability ? ['APPLICATION_LOGS', 'TRACES', 'USAGE_LOGS'] : ['APPLICATION_LOGS']);
    if (g.observability) expect(JSON.stringify(env.OTEL_RESOURCE_ATTRIBUTES)).toContain(ref(b, b.agents[type].runtime.logGroup));
  },
  // 20: the same data protection policy on both runtimes' log groups.
  'Property 20: data protection': (b, g) => {
    const [lambda] = own(b, AgentRuntimeType.LAMBDA, 'AWS::Logs::LogGroup');
    const [agentCore] = own(b, AgentRuntimeType.AGENTCORE, 'AWS::Logs::LogGroup');
    expect(lambda.Properties.DataProtectionPolicy).toEqual(agentCore.Properties.DataProtectionPolicy);
    expect(lambda.Properties.DataProtectionPolicy === undefined).toBe(g.dataProtection?.disabled === true);
  },
  // 21: grantInvoke gives the runtime's invoke action on this agent only.
  'Property 21: invoke': (b, _g, type) => {
    const caller = Object.entries(b.resources).find(([id, r]) => id.startsWith(`Caller${type}`) && r.Type === 'AWS::IAM::Policy')![1];
    const statements = caller.Properties.PolicyDocument.Statement;
    expect(statements.map((s: { Action: string }) => s.Action)).toEqual([type === AgentRuntimeType.LAMBDA ? 'lambda:InvokeFunction' : 'bedrock-agentcore:InvokeAgentRuntime']);
    expect(JSON.stringify(statements[0].Resource)).toContain(PREFIX[type]);
  },
};

/**
 * The IAM decisions of both agents (test/helpers/agent-decisions.ts), simulated over the run's
 * template: every call each role makes at run time Allowed (its objects, its model in each routed
 * Region, its logs, its VPC and tracing when on), the neighbours Denied; each caller may invoke its
 * agent and not the other; trust and resource policies. Plus the generated tool statements (15).
 */
async function expectIamDecisions(b: Built, g: GeneratedAgent): Promise<void> {
  const sim = simulatorFor(b.stack, b.template);
  const cases: DecisionCase[] = [];
  for (const type of [AgentRuntimeType.LAMBDA, AgentRuntimeType.AGENTCORE]) {
    const other = type === AgentRuntimeType.LAMBDA ? AgentRuntimeType.AGENTCORE : AgentRuntimeType.LAMBDA;
    const caller = b.stack.node.findChild(`Caller${type}`) as iam.Role;
    cases.push(...agentDecisionCases(sim, b.agents[type], { callers: [caller], otherAgents: [b.agents[other]] }));
    const role = { role: b.stack.resolve((b.agents[type].runtime.executionRole.node.defaultChild as iam.CfnRole).logicalId) as string };
    for (const table of g.statements) {
      for (const action of ['dynamodb:GetItem', 'dynamodb:Query']) {
        cases.push({ principal: role, action, resource: sim.template.arn('dynamodb', `table/${table}`), expect: 'Allowed', why: 'additional tool statement' });
      }
    }
  }
  await expectDecisions(sim, cases);
}

describe('agent properties (seed 003) on both runtimes', () => {
  // One validated synth per run serves every property, for both runtimes; synthesis dominates the cost.
  it(`properties ${Object.keys(checks).map((k) => k.split(':')[0].replace('Property ', '')).join(', ')} and the IAM decisions hold for ${RUNS.numRuns} generated agents`, async () => {
    const counts: Record<string, number> = {};
    await fc.assert(fc.asyncProperty(generatedAgent, async (g) => {
      const built = build(g);
      for (const [name, check] of Object.entries(checks)) {
        for (const type of [AgentRuntimeType.LAMBDA, AgentRuntimeType.AGENTCORE]) check(built, g, type);
        counts[name] = (counts[name] ?? 0) + 1;
      }
      await expectIamDecisions(built, g);
      counts.decisions = (counts.decisions ?? 0) + 1;
    }), RUNS);
    for (const name of [...Object.keys(checks), 'decisions']) expect(counts[name]).toBeGreaterThanOrEqual(RUNS.numRuns);
  }, 120_000);
});
