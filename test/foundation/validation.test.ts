import { Lazy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import {
  AgentCoreRuntimeFoundation,
  FoundationGateway,
  FoundationMemory,
  FoundationModelFamily,
  FoundationTrustedService,
  InvalidRuntimeFoundationConfigError,
  type AgentCoreRuntimeFoundationProps,
} from '../../src/foundation';
import { AgentRuntimeErrors, InvalidRuntimeConfigError } from '../../src/runtime/errors';
import { AgentRuntimeType } from '../../src/runtime/runtime-type';
import { testStack } from '../helpers/test-app';
import { BASE_PROPS } from './fixtures';

/**
 * Runs `fn`, expecting an InvalidRuntimeFoundationConfigError about `field` whose message says it
 * is about the runtime foundation and names `value` and what is allowed. It stays an
 * InvalidRuntimeConfigError, so code catching that keeps working.
 */
function expectInvalid(fn: () => unknown, field: string, value: string): InvalidRuntimeFoundationConfigError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InvalidRuntimeFoundationConfigError);
  expect(error).toBeInstanceOf(InvalidRuntimeConfigError);
  const invalid = error as InvalidRuntimeFoundationConfigError;
  expect(invalid.name).toBe('InvalidRuntimeFoundationConfigError');
  expect(AgentRuntimeErrors.isInvalidRuntimeFoundationConfigError(error)).toBe(true);
  expect(invalid.field).toBe(field);
  expect(invalid.runtimeType).toBe(AgentRuntimeType.AGENTCORE);
  expect(invalid.message).toMatch(/^Invalid runtime foundation configuration: /);
  expect(invalid.message).not.toContain('runtime configuration for');
  expect(invalid.message).toContain(value);
  expect(invalid.message).toContain('allowed');
  return invalid;
}

function construct(props: Partial<AgentCoreRuntimeFoundationProps>): AgentCoreRuntimeFoundation {
  return new AgentCoreRuntimeFoundation(testStack(), 'Foundation', { ...BASE_PROPS, ...props });
}

describe('environment', () => {
  it.each(['dev', 'staging', 'prod', 'qa-2', 'a', 'x123456789abcdef'])('accepts %j', (environment) => {
    expect(() => construct({ environment })).not.toThrow();
  });

  it.each(['', 'Dev', 'PROD', '1dev', '-dev', 'dev-', 'dev_1', 'dev/1', 'dev 1', 'x123456789abcdefg', 'prod.eu'])(
    'rejects %j, naming the field, the value and what is allowed',
    (environment) => {
      const error = expectInvalid(() => construct({ environment }), 'environment', `"${environment}"`);
      expect(error.message).toContain('lowercase');
    },
  );

  it('rejects a token: it names SSM parameters and resources', () => {
    expectInvalid(() => construct({ environment: Lazy.string({ produce: () => 'dev' }) }), 'environment', 'token');
  });

  it('is validated by parameterNamesFor too', () => {
    expectInvalid(() => AgentCoreRuntimeFoundation.parameterNamesFor('Prod'), 'environment', '"Prod"');
  });
});

describe('agentNamespace', () => {
  it.each(['myorg/customer-support', 'team', 'a/b/c/d', 'org-1/team-2', '0/1'])('accepts %j', (agentNamespace) => {
    expect(() => construct({ agentNamespace })).not.toThrow();
  });

  it.each([
    '',
    'MyOrg/team',
    '/myorg',
    'myorg/',
    'myorg//team',
    'a/b/c/d/e',
    '-org/team',
    'org-/team',
    'org_team',
    'org.team',
    'org team',
    'a'.repeat(41),
  ])('rejects %j', (agentNamespace) => {
    expectInvalid(() => construct({ agentNamespace }), 'agentNamespace', `"${agentNamespace}"`);
  });

  it('rejects a token', () => {
    expectInvalid(() => construct({ agentNamespace: Lazy.string({ produce: () => 'a/b' }) }), 'agentNamespace', 'token');
  });
});

describe('logRetention', () => {
  it('rejects a number CloudWatch Logs does not accept, listing the allowed ones', () => {
    const error = expectInvalid(() => construct({ logRetention: 8 as logs.RetentionDays }), 'logRetention', 'logRetention 8');
    expect(error.message).toContain('1, 3, 5, 7, 14, 30');
    expect(error.message).toContain('3653');
  });
});

describe('tags', () => {
  it.each([
    ['aws:createdBy', 'key "aws:createdBy"'],
    ['AWS:team', 'key "AWS:team"'],
    ['', 'key ""'],
    ['k'.repeat(129), `key "${'k'.repeat(129)}"`],
    ['bad#key', 'key "bad#key"'],
  ])('rejects key %j', (key, mentioned) => {
    expectInvalid(() => construct({ tags: { [key]: 'v' } }), 'tags', mentioned);
  });

  it('rejects the key __proto__, which CDK tagging would drop silently', () => {
    const tags: Record<string, string> = {};
    Object.defineProperty(tags, '__proto__', { value: 'x', enumerable: true });
    expectInvalid(() => construct({ tags }), 'tags', '"__proto__"');
  });

  it('rejects a value over 256 characters or with disallowed characters', () => {
    expectInvalid(() => construct({ tags: { Team: 'v'.repeat(257) } }), 'tags', `"${'v'.repeat(257)}"`);
    expectInvalid(() => construct({ tags: { Team: 'a;b' } }), 'tags', '"a;b"');
  });

  it('rejects more than 49 tags', () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    expectInvalid(() => construct({ tags }), 'tags', '50 entries');
  });

  it('rejects an Environment tag that contradicts the environment, accepts a matching one', () => {
    expectInvalid(() => construct({ tags: { Environment: 'prod' } }), 'tags', '"prod"');
    expect(() => construct({ tags: { Environment: 'dev' } })).not.toThrow();
  });

  it('accepts 49 tags, empty values and Unicode letters', () => {
    const tags = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, i === 0 ? '' : 'Équipe données']));
    expect(() => construct({ tags })).not.toThrow();
  });
});

describe('choices', () => {
  it('rejects an empty or unknown trustedServices list', () => {
    expectInvalid(() => construct({ trustedServices: [] }), 'trustedServices', '[]');
    expectInvalid(
      () => construct({ trustedServices: ['ECS' as FoundationTrustedService] }),
      'trustedServices',
      '"ECS"',
    );
  });

  it('rejects an empty modelFamilies list and malformed family prefixes', () => {
    expectInvalid(() => construct({ modelFamilies: [] }), 'modelFamilies', '[]');
    for (const prefix of ['anthropic', 'anthropic.claude-*', 'Anthropic.Claude', 'anthropic.claude-', '']) {
      expectInvalid(() => FoundationModelFamily.of(prefix), 'modelFamilies', `"${prefix}"`);
    }
  });

  it('rejects an invalid role name', () => {
    expectInvalid(() => construct({ roleName: 'has space' }), 'roleName', '"has space"');
    expectInvalid(() => construct({ roleName: 'r'.repeat(65) }), 'roleName', 'r'.repeat(65));
  });
});

describe('gateway and memory references', () => {
  it('rejects malformed gateway ARNs and ids', () => {
    for (const arn of ['gateway/abc', 'arn:aws:bedrock:us-east-1:123456789012:gateway/abc', 'arn:aws:bedrock-agentcore:us-east-1:123456789012:memory/abc']) {
      expectInvalid(() => FoundationGateway.fromGatewayArn(arn), 'gateway', `"${arn}"`);
    }
    expectInvalid(() => FoundationGateway.fromGatewayId('bad id'), 'gateway', '"bad id"');
    expectInvalid(() => FoundationGateway.fromSsmParameter('no spaces allowed'), 'gateway', '"no spaces allowed"');
  });

  it('rejects malformed memory and policy ARNs', () => {
    expectInvalid(
      () => FoundationMemory.fromMemoryArn('arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/x'),
      'memory',
      'gateway/x',
    );
    expectInvalid(() => FoundationMemory.fromPolicyArn('arn:aws:iam::123:policy/x'), 'memory', 'arn:aws:iam::123:policy/x');
    expectInvalid(() => FoundationMemory.fromSsmPolicyParameter('/aws/reserved'), 'memory', '"/aws/reserved"');
  });

  it('accepts tokens where values are only known at deploy time', () => {
    const token = Lazy.string({ produce: () => 'x' });
    expect(() => FoundationGateway.fromGatewayArn(token)).not.toThrow();
    expect(() => FoundationMemory.fromMemoryArn(token)).not.toThrow();
    expect(() => FoundationMemory.fromPolicyArn(token)).not.toThrow();
  });
});

/** A value of the wrong type, as plain JavaScript (or another jsii language at run time) passes it. */
function untyped<T>(value: unknown): T {
  return value as T;
}

describe('inputs of the wrong type (plain JavaScript, other jsii languages at run time)', () => {
  const cases: Array<[string, () => unknown, string, string]> = [
    ['props missing', () => new AgentCoreRuntimeFoundation(testStack(), 'Foundation', untyped(undefined)), 'props', 'undefined'],
    ['props a string', () => new AgentCoreRuntimeFoundation(testStack(), 'Foundation', untyped('dev')), 'props', '"dev"'],
    ['environment missing', () => construct({ environment: untyped(undefined) }), 'environment', 'undefined'],
    ['environment a number', () => construct({ environment: untyped(42) }), 'environment', '42'],
    ['agentNamespace missing', () => construct({ agentNamespace: untyped(undefined) }), 'agentNamespace', 'undefined'],
    ['agentNamespace an array', () => construct({ agentNamespace: untyped(['myorg']) }), 'agentNamespace', 'array'],
    ['xrayTracingEnabled a string', () => construct({ xrayTracingEnabled: untyped('false') }), 'xrayTracingEnabled', '"false"'],
    ['logRetention a string', () => construct({ logRetention: untyped('7') }), 'logRetention', '"7"'],
    ['logGroupRemovalPolicy unknown', () => construct({ logGroupRemovalPolicy: untyped('delete') }), 'logGroupRemovalPolicy', '"delete"'],
    ['tags a string', () => construct({ tags: untyped('Team=platform') }), 'tags', '"Team=platform"'],
    ['tags an array', () => construct({ tags: untyped(['Team']) }), 'tags', 'array'],
    ['a tag value a number', () => construct({ tags: untyped({ Team: 5 }) }), 'tags', '5'],
    ['gateway an ARN string', () => construct({ gateway: untyped('arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/g') }), 'gateway', 'gateway/g'],
    ['gateway a factory not called', () => construct({ gateway: untyped(FoundationGateway.withEnvironmentTag) }), 'gateway', 'function'],
    ['gateway a plain object', () => construct({ gateway: untyped({ gatewayArn: 'x' }) }), 'gateway', 'object'],
    ['memory an ARN string', () => construct({ memory: untyped('arn:aws:bedrock-agentcore:us-east-1:123456789012:memory/m') }), 'memory', 'memory/m'],
    ['trustedServices a string', () => construct({ trustedServices: untyped('BEDROCK') }), 'trustedServices', '"BEDROCK"'],
    ['modelFamilies a string', () => construct({ modelFamilies: untyped('anthropic.claude') }), 'modelFamilies', '"anthropic.claude"'],
    ['modelFamilies of strings', () => construct({ modelFamilies: untyped(['anthropic.claude']) }), 'modelFamilies', '"anthropic.claude"'],
    ['roleName a number', () => construct({ roleName: untyped(42) }), 'roleName', '42'],
    ['requireGatewayEnvironmentTag a string', () => construct({ requireGatewayEnvironmentTag: untyped('yes') }), 'requireGatewayEnvironmentTag', '"yes"'],
    ['fromGateway(undefined)', () => FoundationGateway.fromGateway(untyped(undefined)), 'gateway', 'undefined'],
    ['fromGateway without an ARN', () => FoundationGateway.fromGateway(untyped({ gatewayId: 'g' })), 'gateway', 'undefined'],
    ['fromGatewayArn(undefined)', () => FoundationGateway.fromGatewayArn(untyped(undefined)), 'gateway', 'undefined'],
    ['fromGatewayId(undefined)', () => FoundationGateway.fromGatewayId(untyped(undefined)), 'gateway', 'undefined'],
    ['fromSsmParameter(42)', () => FoundationGateway.fromSsmParameter(untyped(42)), 'gateway', '42'],
    ['fromMemory(undefined)', () => FoundationMemory.fromMemory(untyped(undefined)), 'memory', 'undefined'],
    ['fromMemoryArn(42)', () => FoundationMemory.fromMemoryArn(untyped(42)), 'memory', '42'],
    ['fromPolicyArn(undefined)', () => FoundationMemory.fromPolicyArn(untyped(undefined)), 'memory', 'undefined'],
    ['fromSsmPolicyParameter(42)', () => FoundationMemory.fromSsmPolicyParameter(untyped(42)), 'memory', '42'],
    ['FoundationModelFamily.of(undefined)', () => FoundationModelFamily.of(untyped(undefined)), 'modelFamilies', 'undefined'],
    ['parameterNamesFor(undefined)', () => AgentCoreRuntimeFoundation.parameterNamesFor(untyped(undefined)), 'environment', 'undefined'],
  ];

  it.each(cases)('%s: a typed error naming the field, the value and what is allowed', (_, fn, field, value) => {
    expectInvalid(fn, field, value);
  });

  it('treats null like an omitted optional prop', () => {
    const nulls = {
      xrayTracingEnabled: null,
      logRetention: null,
      logGroupRemovalPolicy: null,
      tags: null,
      gateway: null,
      requireGatewayEnvironmentTag: null,
      memory: null,
      trustedServices: null,
      modelFamilies: null,
      roleName: null,
    };
    expect(() => construct(untyped(nulls))).not.toThrow();
  });
});
