import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentCoreRuntimeConfig, AgentRuntimeConfig, AgentRuntimeFactory, AgentRuntimeType, IAgentRuntime,
  InvalidRuntimeConfigError, LambdaRuntimeConfig,
} from '../../src';
import { synth, testStack } from '../helpers/test-app';
import { nodeAgentCode } from './fixtures';

const RUNS = { numRuns: 100 };
const LAMBDA_RESOURCES = ['AWS::Lambda::Function'];
const AGENTCORE_RESOURCES = ['AWS::BedrockAgentCore::Runtime', 'AWS::BedrockAgentCore::RuntimeEndpoint'];

const agentName = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/);
const lambdaConfig: fc.Arbitrary<LambdaRuntimeConfig> = fc.record({
  timeout: fc.option(fc.integer({ min: 1, max: 900 }).map((s) => Duration.seconds(s)), { nil: undefined }),
  memorySize: fc.option(fc.integer({ min: 128, max: 10240 }), { nil: undefined }),
}, { requiredKeys: [] });
const agentCoreConfig: fc.Arbitrary<AgentCoreRuntimeConfig> = fc.record({
  timeout: fc.option(fc.integer({ min: 60, max: 28800 }).map((s) => Duration.seconds(s)), { nil: undefined }),
}, { requiredKeys: [] });
const validRuntime: fc.Arbitrary<AgentRuntimeConfig> = fc.oneof(
  lambdaConfig.map((config) => ({ type: AgentRuntimeType.LAMBDA, config })),
  agentCoreConfig.map((config) => ({ type: AgentRuntimeType.AGENTCORE, config })),
  fc.constantFrom(AgentRuntimeType.LAMBDA, AgentRuntimeType.AGENTCORE).map((type) => ({ type })),
);

function resourceTypes(template: Template): Set<string> {
  const resources = (template.toJSON() as { Resources: Record<string, { Type: string }> }).Resources;
  return new Set(Object.values(resources).map((r) => r.Type));
}

/** One synthesized agent, with a caller granted invoke, shared by the checks of one generated configuration. */
function synthesizeAgent(runtimeConfig: AgentRuntimeConfig, name: string) {
  const stack = testStack();
  const runtime = AgentRuntimeFactory.create(stack, 'Agent', runtimeConfig, { agentName: name, code: nodeAgentCode() });
  runtime.grantInvoke(new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() }));
  return { runtime, template: synth(stack) };
}

// Property 1: every valid runtime configuration is accepted (construction and validated synthesis succeed).
function checkProperty1(runtimeConfig: AgentRuntimeConfig, runtime: IAgentRuntime): void {
  expect(runtime.runtimeType).toBe(runtimeConfig.type);
}

// Property 2: the stack holds the selected runtime's resources and none of the other's.
function checkProperty2(runtimeConfig: AgentRuntimeConfig, template: Template): void {
  const types = resourceTypes(template);
  const [own, other] = runtimeConfig.type === AgentRuntimeType.LAMBDA
    ? [LAMBDA_RESOURCES, AGENTCORE_RESOURCES] : [AGENTCORE_RESOURCES, LAMBDA_RESOURCES];
  for (const type of own) expect(types.has(type)).toBe(true);
  for (const type of other) expect(types.has(type)).toBe(false);
}

// Property 4: the execution role trusts the runtime's real service principal (conditions on AgentCore).
function checkProperty4(runtimeConfig: AgentRuntimeConfig, template: Template): void {
  const trust = Object.values(template.findResources('AWS::IAM::Role'))
    .map((r) => r.Properties.AssumeRolePolicyDocument.Statement[0] as { Principal: { Service?: string }; Condition?: object })
    .filter((statement) => statement.Principal.Service !== undefined);
  expect(trust).toHaveLength(1);
  if (runtimeConfig.type === AgentRuntimeType.LAMBDA) {
    expect(trust[0].Principal.Service).toBe('lambda.amazonaws.com');
  } else {
    expect(trust[0].Principal.Service).toBe('bedrock-agentcore.amazonaws.com');
    expect(JSON.stringify(trust[0].Condition)).toContain('aws:SourceAccount');
    expect(JSON.stringify(trust[0].Condition)).toContain('aws:SourceArn');
  }
}

// Property 10: timeout and memory reach the runtime resource in the right units.
function checkProperty10(runtimeConfig: AgentRuntimeConfig, template: Template): void {
  const config = runtimeConfig.config ?? {};
  if (runtimeConfig.type === AgentRuntimeType.LAMBDA) {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: config.timeout?.toSeconds() ?? 600,
      MemorySize: config.memorySize ?? 1024,
    });
  } else {
    const lifecycle = Object.values(template.findResources('AWS::BedrockAgentCore::Runtime'))[0].Properties.LifecycleConfiguration as { MaxLifetime?: number };
    expect(lifecycle.MaxLifetime).toBe(config.timeout?.toSeconds());
  }
}

// Property 21: grantInvoke gives exactly the runtime's invoke action, on that agent.
function checkProperty21(runtimeConfig: AgentRuntimeConfig, template: Template): void {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes('Caller'));
  expect(policies).toHaveLength(1);
  const statements = policies[0].Properties.PolicyDocument.Statement as Array<{ Action: string; Resource: unknown }>;
  const lambda = runtimeConfig.type === AgentRuntimeType.LAMBDA;
  expect(statements.map((s) => s.Action)).toEqual([lambda ? 'lambda:InvokeFunction' : 'bedrock-agentcore:InvokeAgentRuntime']);
  expect(JSON.stringify(statements[0].Resource)).toContain(lambda ? 'AgentLambdaFunction' : 'AgentAgentCoreRuntime');
}

describe('runtime properties (seed 003)', () => {
  // One validated synth per generated configuration serves five properties: synthesis dominates the cost.
  it('Properties 1, 2, 4, 10 and 21 hold for every generated valid configuration', () => {
    fc.assert(fc.property(validRuntime, agentName, (runtimeConfig, name) => {
      const { runtime, template } = synthesizeAgent(runtimeConfig, name);
      checkProperty1(runtimeConfig, runtime);
      checkProperty2(runtimeConfig, template);
      checkProperty4(runtimeConfig, template);
      checkProperty10(runtimeConfig, template);
      checkProperty21(runtimeConfig, template);
    }), RUNS);
  });

  it('Property 3: invalid runtime types and out-of-range values throw InvalidRuntimeConfigError', () => {
    const unknownType = fc.string({ minLength: 1, maxLength: 20 })
      .filter((s) => !(Object.values(AgentRuntimeType) as string[]).includes(s))
      .map((type): AgentRuntimeConfig => ({ type: type as AgentRuntimeType }));
    const outOfRange = fc.oneof(
      fc.integer({ min: 901, max: 100_000 }).map((s): AgentRuntimeConfig => ({ type: AgentRuntimeType.LAMBDA, config: { timeout: Duration.seconds(s) } })),
      fc.oneof(fc.integer({ min: -10_000, max: 127 }), fc.integer({ min: 10_241, max: 100_000 }))
        .map((memorySize): AgentRuntimeConfig => ({ type: AgentRuntimeType.LAMBDA, config: { memorySize } })),
      fc.oneof(fc.integer({ min: 1, max: 59 }), fc.integer({ min: 28_801, max: 1_000_000 }))
        .map((s): AgentRuntimeConfig => ({ type: AgentRuntimeType.AGENTCORE, config: { timeout: Duration.seconds(s) } })),
    );
    fc.assert(fc.property(fc.oneof(unknownType, outOfRange), (runtimeConfig) => {
      const stack = testStack();
      expect(() => AgentRuntimeFactory.create(stack, 'Agent', runtimeConfig, { agentName: 'a', code: nodeAgentCode() }))
        .toThrow(InvalidRuntimeConfigError);
    }), RUNS);
  });
});
