/**
 * Seed 003 correctness properties 1, 2, 3, 4, 10 and 21 over generated runtime configurations.
 * Every check states something a wrong implementation breaks (a default, a range, a unit, a
 * principal, a resource); the last block runs each check against wrong templates to keep it so.
 */
import { Duration, Size } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ProtocolType, RuntimeAuthorizerConfiguration } from 'aws-cdk-lib/aws-bedrockagentcore';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AgentCoreDeploymentMethod, AgentCoreRuntimeConfig, AgentRuntimeConfig, AgentRuntimeFactory, AgentRuntimeType,
  InvalidRuntimeConfigError, LambdaRuntimeConfig,
} from '../../src';
import { testStack } from '../helpers/test-app';
import { nodeAgentCode } from './fixtures';
import { thrownBy } from '../helpers/thrown';

const RUNS = { numRuns: 100 };
/** Rejections stop before synthesis (milliseconds each): enough runs to reach every branch near its bounds. */
const INVALID_RUNS = { numRuns: 500 };
const LAMBDA = AgentRuntimeType.LAMBDA;
const AGENTCORE = AgentRuntimeType.AGENTCORE;
const FUNCTION = 'AWS::Lambda::Function';
const RUNTIME = 'AWS::BedrockAgentCore::Runtime';
const ENDPOINT = 'AWS::BedrockAgentCore::RuntimeEndpoint';
const RESOURCES_OF: Record<AgentRuntimeType, string[]> = { [LAMBDA]: [FUNCTION], [AGENTCORE]: [RUNTIME, ENDPOINT] };
const ASSET_BUCKET = 'cdk-hnb659fds-assets-123456789012-us-east-1';
/** AgentCore's own defaults (DESIGN.md facts): max lifetime 8 h, idle timeout 15 min. */
const SERVICE_MAX_LIFETIME = 28_800;
const SERVICE_IDLE_TIMEOUT = 900;

// ---------------------------------------------------------------------------------------------
// Generators

const seconds = (min: number, max: number) => fc.integer({ min, max }).map((s) => Duration.seconds(s));
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const agentName = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9 _.-]{0,63}$/);

const lambdaConfig: fc.Arbitrary<LambdaRuntimeConfig> = fc.record({
  // Minutes as well as seconds: the template takes seconds, whatever unit the user wrote.
  timeout: optional(fc.oneof(seconds(1, 900), fc.integer({ min: 1, max: 15 }).map((m) => Duration.minutes(m)))),
  memorySize: optional(fc.integer({ min: 128, max: 10240 })),
  ephemeralStorageSize: optional(fc.oneof(
    fc.integer({ min: 512, max: 10240 }).map((m) => Size.mebibytes(m)),
    fc.integer({ min: 1, max: 10 }).map((g) => Size.gibibytes(g)),
  )),
  architecture: optional(fc.constantFrom(lambda.Architecture.ARM_64, lambda.Architecture.X86_64)),
}, { requiredKeys: [] });

const prebuiltZip = fc.record({
  codeBucket: fc.stringMatching(/^[a-z0-9][a-z0-9-]{2,40}[a-z0-9]$/),
  codeKey: fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}(\/[a-zA-Z0-9_-]{1,20}){0,2}\.zip$/),
});

const agentCoreConfig: fc.Arbitrary<AgentCoreRuntimeConfig> = fc.record({
  timeout: optional(seconds(60, SERVICE_MAX_LIFETIME)),
  idleSeconds: optional(fc.integer({ min: 60, max: SERVICE_MAX_LIFETIME })),
  memorySize: optional(fc.integer({ min: 128, max: 10240 })),
  endpointName: optional(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,47}$/)),
  zip: optional(prebuiltZip),
}).map(({ timeout, idleSeconds, zip, ...rest }): AgentCoreRuntimeConfig => ({
  ...rest,
  timeout,
  // The idle timeout may not exceed the lifetime.
  idleSessionTimeout: idleSeconds === undefined ? undefined : Duration.seconds(Math.min(idleSeconds, timeout?.toSeconds() ?? SERVICE_MAX_LIFETIME)),
  ...(zip ? { deploymentMethod: AgentCoreDeploymentMethod.DIRECT_CODE, ...zip } : {}),
}));

const validRuntime: fc.Arbitrary<AgentRuntimeConfig> = fc.oneof(
  lambdaConfig.map((config) => ({ type: LAMBDA, config })),
  agentCoreConfig.map((config) => ({ type: AGENTCORE, config })),
  fc.constantFrom(LAMBDA, AGENTCORE).map((type) => ({ type })),
);

/** An invalid configuration: a valid one with exactly one field made wrong, and that field's name. */
interface Invalid {
  readonly runtime: AgentRuntimeConfig;
  readonly field: string;
}

const without = <T extends object>(config: T, ...keys: string[]): T =>
  Object.fromEntries(Object.entries(config).filter(([key]) => !keys.includes(key))) as T;

const nonWholeSeconds = (maxSeconds: number) => fc.integer({ min: 1001, max: maxSeconds * 1000 - 1 }).filter((ms) => ms % 1000 !== 0).map((ms) => Duration.millis(ms));
/**
 * Integers outside [min, max] (and not below `floor`): mostly just outside, where a range widened
 * by a wrong implementation shows (128 → 64 MiB is missed by values drawn from -10,000..127), some far.
 */
const outside = (min: number, max: number, floor = -1_000_000) => fc.oneof(
  { arbitrary: fc.integer({ min: Math.max(floor, min - 64), max: min - 1 }), weight: 3 },
  { arbitrary: fc.integer({ min: max + 1, max: max + 64 }), weight: 3 },
  { arbitrary: fc.integer({ min: floor, max: min - 1 }), weight: 1 },
  { arbitrary: fc.integer({ min: max + 1, max: max * 100 }), weight: 1 },
);
const memoryOutOfRange = fc.oneof(outside(128, 10240), fc.constantFrom(128.5, 1024.25));

const lambdaInvalid: fc.Arbitrary<Invalid> = fc.tuple(lambdaConfig, fc.oneof(
  fc.oneof(outside(1, 900, 0).map((s) => Duration.seconds(s)), nonWholeSeconds(900))
    .map((timeout) => ({ patch: { timeout }, field: 'runtime.config.timeout' })),
  memoryOutOfRange.map((memorySize) => ({ patch: { memorySize }, field: 'runtime.config.memorySize' })),
  outside(512, 10240, 1)
    .map((m) => ({ patch: { ephemeralStorageSize: Size.mebibytes(m) }, field: 'runtime.config.ephemeralStorageSize' })),
  // A setting of the other runtime, with a value that would be valid there.
  fc.constantFrom<[string, unknown]>(
    ['deploymentMethod', AgentCoreDeploymentMethod.DIRECT_CODE],
    ['imageUri', '123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1'],
    ['codeBucket', 'code-bucket'],
    ['codeKey', 'agent.zip'],
    ['idleSessionTimeout', Duration.minutes(5)],
    ['protocol', ProtocolType.HTTP],
    ['authorizer', RuntimeAuthorizerConfiguration.usingIAM()],
    ['endpointName', 'live'],
  ).map(([key, value]) => ({ patch: { [key]: value }, field: `runtime.config.${key}` })),
)).map(([config, { patch, field }]) => ({ runtime: { type: LAMBDA, config: { ...config, ...patch } }, field }));

const agentCoreInvalid: fc.Arbitrary<Invalid> = fc.tuple(agentCoreConfig, fc.oneof(
  fc.oneof(outside(60, SERVICE_MAX_LIFETIME, 0).map((s) => Duration.seconds(s)), nonWholeSeconds(SERVICE_MAX_LIFETIME))
    // Without an idle timeout, so that only the timeout is wrong.
    .map((timeout) => ({ patch: { timeout }, drop: ['idleSessionTimeout'], field: 'runtime.config.timeout' })),
  outside(60, SERVICE_MAX_LIFETIME, 0).map((s) => Duration.seconds(s))
    .map((idleSessionTimeout) => ({ patch: { idleSessionTimeout }, drop: [], field: 'runtime.config.idleSessionTimeout' })),
  // Each valid alone, the idle timeout longer than the lifetime.
  fc.integer({ min: 60, max: SERVICE_MAX_LIFETIME - 1 }).chain((timeout) => fc.integer({ min: timeout + 1, max: SERVICE_MAX_LIFETIME })
    .map((idle) => ({ patch: { timeout: Duration.seconds(timeout), idleSessionTimeout: Duration.seconds(idle) }, drop: [], field: 'runtime.config.idleSessionTimeout' }))),
  memoryOutOfRange.map((memorySize) => ({ patch: { memorySize }, drop: [], field: 'runtime.config.memorySize' })),
  fc.stringMatching(/^([0-9_][a-zA-Z0-9_]{0,20}|[a-zA-Z][a-zA-Z0-9_]{0,10}[-. ][a-zA-Z0-9_]{0,10}|[a-zA-Z][a-zA-Z0-9_]{48,60})$/)
    .map((endpointName) => ({ patch: { endpointName }, drop: [], field: 'runtime.config.endpointName' })),
  fc.constantFrom('codeBucket', 'codeKey').map((given) => ({
    patch: { [given]: given === 'codeBucket' ? 'code-bucket' : 'agent.zip' },
    drop: ['codeBucket', 'codeKey', 'deploymentMethod'],
    field: `runtime.config.${given === 'codeBucket' ? 'codeKey' : 'codeBucket'}`,
  })),
  // Settings of the other runtime.
  fc.integer({ min: 512, max: 10240 }).map((m) => ({ patch: { ephemeralStorageSize: Size.mebibytes(m) }, drop: [], field: 'runtime.config.ephemeralStorageSize' })),
  fc.constant({ patch: { architecture: lambda.Architecture.X86_64 }, drop: [], field: 'runtime.config.architecture' }),
)).map(([config, { patch, drop, field }]) => ({ runtime: { type: AGENTCORE, config: { ...without(config, ...drop), ...patch } }, field }));

const unknownType = fc.oneof(
  fc.string({ maxLength: 20 }),
  // Near misses a lenient implementation might accept.
  fc.constantFrom('lambda', 'agentcore', 'Lambda', 'AgentCore', ' LAMBDA', 'AGENTCORE ', 'ECS', 'FARGATE'),
).filter((s) => !(Object.values(AgentRuntimeType) as string[]).includes(s));

// ---------------------------------------------------------------------------------------------
// Synthesis and the checks. The checks read only the template and the warnings, so the last block
// can hand them wrong ones.

type Resource = { Type: string; Properties: Record<string, unknown> };

interface Synthesized {
  readonly resources: Record<string, Resource>;
  readonly warnings: string[];
}

/** One synthesized agent (CloudFormation validation on), with a caller granted invoke. */
function synthesizeAgent(runtimeConfig: AgentRuntimeConfig, name: string): Synthesized {
  const stack = testStack();
  const runtime = AgentRuntimeFactory.create(stack, 'Agent', runtimeConfig, { agentName: name, code: nodeAgentCode() });
  runtime.grantInvoke(new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() }));
  const template = Template.fromStack(stack);
  // Read from the construct tree: Annotations.fromStack would synthesize the app a second time.
  const warnings = stack.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
  return { resources: (template.toJSON() as { Resources: Record<string, Resource> }).Resources, warnings };
}

function ofType(s: Synthesized, type: string): Array<[string, Resource]> {
  return Object.entries(s.resources).filter(([, r]) => r.Type === type);
}

/** The one resource of `type`; fails unless there is exactly one. */
function only(s: Synthesized, type: string): [logicalId: string, properties: Record<string, unknown>] {
  const found = ofType(s, type);
  expect(found.map(([id]) => id), `exactly one ${type}`).toHaveLength(1);
  return [found[0][0], found[0][1].Properties];
}

// Properties 1 and 10: the configuration is accepted and each value reaches the runtime resource,
// in the template's units, defaults included.
function checkValuesReachTemplate(runtimeConfig: AgentRuntimeConfig, name: string, s: Synthesized): void {
  if (runtimeConfig.type === LAMBDA) {
    const config: LambdaRuntimeConfig = runtimeConfig.config ?? {};
    const [, fn] = only(s, FUNCTION);
    expect(fn.Timeout, 'Timeout (s)').toBe(config.timeout?.toSeconds() ?? 600);
    expect(fn.MemorySize, 'MemorySize (MiB)').toBe(config.memorySize ?? 1024);
    expect(fn.EphemeralStorage, 'EphemeralStorage (MiB)').toEqual({ Size: config.ephemeralStorageSize?.toMebibytes() ?? 512 });
    expect(fn.Architectures, 'Architectures').toEqual([config.architecture?.name ?? 'arm64']);
    expect(fn.Description).toContain(name);
    return;
  }
  const config: AgentCoreRuntimeConfig = runtimeConfig.config ?? {};
  const [, runtime] = only(s, RUNTIME);
  const [, endpoint] = only(s, ENDPOINT);
  // Compared as the service applies them: an absent value is the service default.
  const lifecycle = (runtime.LifecycleConfiguration ?? {}) as { MaxLifetime?: number; IdleRuntimeSessionTimeout?: number };
  const maxLifetime = lifecycle.MaxLifetime ?? SERVICE_MAX_LIFETIME;
  expect(maxLifetime, 'MaxLifetime (s)').toBe(config.timeout?.toSeconds() ?? SERVICE_MAX_LIFETIME);
  expect(lifecycle.IdleRuntimeSessionTimeout ?? SERVICE_IDLE_TIMEOUT, 'IdleRuntimeSessionTimeout (s)')
    .toBe(config.idleSessionTimeout?.toSeconds() ?? Math.min(SERVICE_IDLE_TIMEOUT, maxLifetime));
  expect(endpoint.Name, 'endpoint name').toBe(config.endpointName ?? 'live');
  expect(runtime.AgentRuntimeName).toMatch(/^[a-zA-Z][a-zA-Z0-9_]{0,47}$/);
  expect(runtime.Description).toContain(name);
  const code = (runtime.AgentRuntimeArtifact as { CodeConfiguration: { Code: { S3: { Bucket: string; Prefix: string } } } }).CodeConfiguration.Code.S3;
  if (config.codeBucket !== undefined) {
    expect(code).toEqual({ Bucket: config.codeBucket, Prefix: config.codeKey });
  } else {
    expect(code.Bucket).toBe(ASSET_BUCKET);
  }
  // AgentCore sizes its microVMs itself: a memory size is ignored, and the user is told.
  expect(s.warnings.some((w) => w.includes('memorySize')), 'a memorySize warning').toBe(config.memorySize !== undefined);
}

// Property 2: the stack holds the selected runtime's resources, once each, and none of the other's.
function checkOnlyOwnResources(type: AgentRuntimeType, s: Synthesized): void {
  const other = type === LAMBDA ? AGENTCORE : LAMBDA;
  for (const resourceType of RESOURCES_OF[type]) expect(ofType(s, resourceType), resourceType).toHaveLength(1);
  for (const resourceType of RESOURCES_OF[other]) expect(ofType(s, resourceType), resourceType).toHaveLength(0);
}

// Property 4: the execution role trusts exactly the runtime's real service principal; on AgentCore
// only for this account's runtimes in this Region (confused-deputy conditions).
function checkTrust(type: AgentRuntimeType, s: Synthesized): void {
  const trusting = Object.values(s.resources)
    .filter((r) => r.Type === 'AWS::IAM::Role')
    .map((r) => (r.Properties.AssumeRolePolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement)
    .filter((statements) => statements.some((st) => (st.Principal as { Service?: string }).Service !== undefined));
  expect(trusting, 'one role trusted by a service').toHaveLength(1);
  const [statement, ...more] = trusting[0];
  expect(more).toEqual([]);
  expect(statement.Action).toBe('sts:AssumeRole');
  expect(statement.Effect).toBe('Allow');
  if (type === LAMBDA) {
    expect(statement.Principal).toEqual({ Service: 'lambda.amazonaws.com' });
    return;
  }
  expect(statement.Principal).toEqual({ Service: 'bedrock-agentcore.amazonaws.com' });
  const condition = statement.Condition as { StringEquals?: Record<string, unknown>; ArnLike?: Record<string, unknown> };
  expect(condition?.StringEquals?.['aws:SourceAccount']).toBe('123456789012');
  // This runtime only: runtime/<runtime name>-<generated suffix>.
  expect(JSON.stringify(condition?.ArnLike?.['aws:SourceArn'])).toMatch(/":bedrock-agentcore:us-east-1:123456789012:runtime\/TestStack_[A-Za-z0-9_]+_[0-9a-f]{8}-\*"/);
}

// Property 21: grantInvoke gives the caller exactly the runtime's invoke action on exactly this agent
// (and its versions or endpoints), nothing else.
function checkInvokeGrant(type: AgentRuntimeType, s: Synthesized): void {
  const policies = ofType(s, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.Roles).includes('Caller'));
  expect(policies, 'one caller policy').toHaveLength(1);
  const statements = (policies[0][1].Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
  const [id, attribute, suffix, action] = type === LAMBDA
    ? [only(s, FUNCTION)[0], 'Arn', ':*', 'lambda:InvokeFunction']
    : [only(s, RUNTIME)[0], 'AgentRuntimeArn', '/*', 'bedrock-agentcore:InvokeAgentRuntime'];
  const arn = { 'Fn::GetAtt': [id, attribute] };
  expect(statements).toEqual([{ Action: action, Effect: 'Allow', Resource: [arn, { 'Fn::Join': ['', [arn, suffix]] }] }]);
}

function checkAll(runtimeConfig: AgentRuntimeConfig, name: string, s: Synthesized): void {
  checkValuesReachTemplate(runtimeConfig, name, s);
  checkOnlyOwnResources(runtimeConfig.type, s);
  checkTrust(runtimeConfig.type, s);
  checkInvokeGrant(runtimeConfig.type, s);
}

function expectRejected(runtime: AgentRuntimeConfig, field: string, value?: string): void {
  const error = thrownBy(() => AgentRuntimeFactory.create(testStack(), 'Agent', runtime, { agentName: 'agent', code: nodeAgentCode() }));
  expect(error, `rejected: ${field}`).toBeInstanceOf(InvalidRuntimeConfigError);
  expect((error as InvalidRuntimeConfigError).field).toBe(field);
  expect((error as Error).message).toContain(field);
  if (value !== undefined) expect((error as Error).message).toContain(value);
}

// ---------------------------------------------------------------------------------------------

describe('runtime properties (seed 003)', () => {
  // One validated synth per generated configuration serves four properties: synthesis dominates the cost.
  it('Properties 1, 2, 4, 10 and 21: every valid configuration is accepted, its values reach the template, and the resources, trust and invoke grant are the runtime\'s', () => {
    fc.assert(fc.property(validRuntime, agentName, (runtimeConfig, name) => {
      checkAll(runtimeConfig, name, synthesizeAgent(runtimeConfig, name));
    }), RUNS);
  });

  it('Property 1, converse: a configuration with one value out of range, or a setting of the other runtime, is rejected naming that field', () => {
    fc.assert(fc.property(fc.oneof(lambdaInvalid, agentCoreInvalid), ({ runtime, field }) => {
      expectRejected(runtime, field);
    }), INVALID_RUNS);
  });

  it('Property 3: a runtime type other than LAMBDA and AGENTCORE is rejected naming runtime.type and the value', () => {
    fc.assert(fc.property(unknownType, (type) => {
      expectRejected({ type: type as AgentRuntimeType }, 'runtime.type', type);
    }), INVALID_RUNS);
  });
});

// ---------------------------------------------------------------------------------------------
// The checks above can fail: each rejects a template a wrong implementation would produce.

describe('the property checks reject wrong templates', () => {
  type Mutation = [name: string, runtimeType: AgentRuntimeType, mutate: (s: Synthesized) => void];
  const lambdaConfigUnderTest: AgentRuntimeConfig = { type: LAMBDA, config: { timeout: Duration.minutes(5), memorySize: 2048 } };
  const agentCoreConfigUnderTest: AgentRuntimeConfig = { type: AGENTCORE, config: { timeout: Duration.minutes(10), endpointName: 'prod' } };
  const props = (s: Synthesized, type: string) => ofType(s, type)[0][1].Properties;
  const trust = (s: Synthesized) => {
    const role = Object.values(s.resources).find((r) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r.Properties).includes('"Service"'))!;
    return (role.Properties.AssumeRolePolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement[0];
  };
  const callerStatement = (s: Synthesized) => {
    const [, policy] = ofType(s, 'AWS::IAM::Policy').find(([, p]) => JSON.stringify(p.Properties.Roles).includes('Caller'))!;
    return (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement[0];
  };

  const mutations: Mutation[] = [
    ['the default Lambda timeout used instead of the one given', LAMBDA, (s) => { props(s, FUNCTION).Timeout = 600; }],
    ['a timeout in minutes where seconds are due', LAMBDA, (s) => { props(s, FUNCTION).Timeout = 5; }],
    ['memory not passed through', LAMBDA, (s) => { delete props(s, FUNCTION).MemorySize; }],
    ['x86_64 by default', LAMBDA, (s) => { props(s, FUNCTION).Architectures = ['x86_64']; }],
    ['ephemeral storage default changed', LAMBDA, (s) => { props(s, FUNCTION).EphemeralStorage = { Size: 1024 }; }],
    ['an AgentCore runtime beside the function', LAMBDA, (s) => { s.resources.Extra = { Type: RUNTIME, Properties: {} }; }],
    ['the invoke grant on every function', LAMBDA, (s) => { callerStatement(s).Resource = '*'; }],
    ['lambda:InvokeFunctionUrl instead of InvokeFunction', LAMBDA, (s) => { callerStatement(s).Action = 'lambda:InvokeFunctionUrl'; }],
    ['the timeout dropped from the lifecycle', AGENTCORE, (s) => { props(s, RUNTIME).LifecycleConfiguration = {}; }],
    ['an idle timeout longer than the lifetime', AGENTCORE, (s) => { props(s, RUNTIME).LifecycleConfiguration = { MaxLifetime: 600, IdleRuntimeSessionTimeout: 900 }; }],
    ['the endpoint name ignored', AGENTCORE, (s) => { props(s, ENDPOINT).Name = 'live'; }],
    ['a hyphen in the runtime name', AGENTCORE, (s) => { props(s, RUNTIME).AgentRuntimeName = 'my-agent'; }],
    ['a Lambda function for an AgentCore agent', AGENTCORE, (s) => { s.resources.Extra = { Type: FUNCTION, Properties: {} }; }],
    ['no endpoint', AGENTCORE, (s) => { delete s.resources[ofType(s, ENDPOINT)[0][0]]; }],
    ['the seed\'s principal agentcore.amazonaws.com', AGENTCORE, (s) => { trust(s).Principal = { Service: 'agentcore.amazonaws.com' }; }],
    ['no confused-deputy conditions', AGENTCORE, (s) => { delete trust(s).Condition; }],
    ['the invoke grant on the runtime only, not its endpoints', AGENTCORE, (s) => { callerStatement(s).Resource = (callerStatement(s).Resource as unknown[]).slice(0, 1); }],
    ['a memorySize warning when no memorySize was given', AGENTCORE, (s) => { s.warnings.push('runtime.config.memorySize (2048 MiB) is ignored'); }],
  ];

  const configs = { [LAMBDA]: lambdaConfigUnderTest, [AGENTCORE]: agentCoreConfigUnderTest };
  const samples = new Map<AgentRuntimeType, Synthesized>();
  beforeAll(() => {
    for (const type of [LAMBDA, AGENTCORE]) samples.set(type, synthesizeAgent(configs[type], 'sample agent'));
  });

  it('the unmutated samples pass every check', () => {
    for (const type of [LAMBDA, AGENTCORE]) checkAll(configs[type], 'sample agent', samples.get(type)!);
  });

  for (const [name, type, mutate] of mutations) {
    it(`${type}: ${name}`, () => {
      const [config, synthesized] = [configs[type], samples.get(type)!];
      const wrong: Synthesized = structuredClone(synthesized);
      mutate(wrong);
      expect(() => checkAll(config, 'sample agent', wrong)).toThrow();
    });
  }

  it('the generators only produce what they claim (a wrong generator would make the properties vacuous)', () => {
    fc.assert(fc.property(fc.oneof(lambdaInvalid, agentCoreInvalid), ({ runtime, field }) => {
      expect(field.startsWith('runtime.config.')).toBe(true);
      expect(runtime.config).toBeDefined();
    }), { numRuns: 20 });
    const sample = fc.sample(validRuntime, 200);
    expect(sample.some((r) => r.type === LAMBDA && (r.config as LambdaRuntimeConfig | undefined)?.architecture === lambda.Architecture.X86_64)).toBe(true);
    expect(sample.some((r) => r.type === AGENTCORE && (r.config as AgentCoreRuntimeConfig | undefined)?.codeBucket !== undefined)).toBe(true);
  });
});
