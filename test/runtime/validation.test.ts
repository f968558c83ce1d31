import { Duration, Size } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  AgentCode, AgentCoreDeploymentMethod, AgentRuntimeConfig, AgentRuntimeErrors, AgentRuntimeFactory, AgentRuntimeType,
  InvalidRuntimeConfigError,
} from '../../src';
import { testStack } from '../helpers/test-app';
import { nodeAgentCode } from './fixtures';

interface Case {
  readonly name: string;
  readonly runtime: AgentRuntimeConfig;
  readonly field: string;
  readonly message: RegExp;
  readonly agentName?: string;
  readonly code?: (stack: ReturnType<typeof testStack>) => AgentCode;
  readonly environment?: Record<string, string>;
  readonly layers?: boolean;
}

const LAMBDA = AgentRuntimeType.LAMBDA;
const AGENTCORE = AgentRuntimeType.AGENTCORE;
const CONTAINER = AgentCoreDeploymentMethod.CONTAINER;

const cases: Case[] = [
  { name: 'unknown runtime type', runtime: { type: 'KUBERNETES' as AgentRuntimeType }, field: 'runtime.type', message: /'KUBERNETES' is not supported; allowed: LAMBDA, AGENTCORE/ },
  { name: 'Lambda timeout over 15 minutes', runtime: { type: LAMBDA, config: { timeout: Duration.minutes(16) } }, field: 'runtime.config.timeout', message: /16 minutes; allowed: whole seconds from 1 second to 15 minutes/ },
  { name: 'Lambda timeout in fractions of a second', runtime: { type: LAMBDA, config: { timeout: Duration.millis(1500) } }, field: 'runtime.config.timeout', message: /allowed: whole seconds/ },
  { name: 'Lambda memory under 128', runtime: { type: LAMBDA, config: { memorySize: 64 } }, field: 'runtime.config.memorySize', message: /is 64; allowed: an integer from 128 to 10240 MiB/ },
  { name: 'Lambda memory over 10240', runtime: { type: LAMBDA, config: { memorySize: 10241 } }, field: 'runtime.config.memorySize', message: /10241/ },
  { name: 'Lambda ephemeral storage over 10 GiB', runtime: { type: LAMBDA, config: { ephemeralStorageSize: Size.gibibytes(11) } }, field: 'runtime.config.ephemeralStorageSize', message: /11264; allowed: an integer from 512 to 10240 MiB/ },
  { name: 'AgentCore setting on Lambda', runtime: { type: LAMBDA, config: { deploymentMethod: CONTAINER } }, field: 'runtime.config.deploymentMethod', message: /is a AGENTCORE setting and runtime.type is LAMBDA/ },
  { name: 'Lambda setting on AgentCore', runtime: { type: AGENTCORE, config: { ephemeralStorageSize: Size.gibibytes(1) } }, field: 'runtime.config.ephemeralStorageSize', message: /is a LAMBDA setting/ },
  { name: 'x86 on AgentCore', runtime: { type: AGENTCORE, config: { architecture: lambda.Architecture.X86_64 } }, field: 'runtime.config.architecture', message: /x86_64; allowed: arm64/ },
  { name: 'AgentCore timeout over 8 hours', runtime: { type: AGENTCORE, config: { timeout: Duration.hours(9) } }, field: 'runtime.config.timeout', message: /9 hours; allowed: whole seconds from 1 minute to 8 hours/ },
  { name: 'AgentCore timeout under a minute', runtime: { type: AGENTCORE, config: { timeout: Duration.seconds(30) } }, field: 'runtime.config.timeout', message: /30 seconds/ },
  { name: 'AgentCore memory out of range', runtime: { type: AGENTCORE, config: { memorySize: 20000 } }, field: 'runtime.config.memorySize', message: /20000/ },
  { name: 'idle timeout longer than timeout', runtime: { type: AGENTCORE, config: { timeout: Duration.minutes(10), idleSessionTimeout: Duration.minutes(20) } }, field: 'runtime.config.idleSessionTimeout', message: /longer than runtime.config.timeout/ },
  { name: 'CONTAINER without an image', runtime: { type: AGENTCORE, config: { deploymentMethod: CONTAINER } }, field: 'runtime.config.imageUri', message: /CONTAINER needs an image/ },
  { name: 'codeKey without codeBucket', runtime: { type: AGENTCORE, config: { codeKey: 'a.zip' } }, field: 'runtime.config.codeBucket', message: /codeKey is set but runtime.config.codeBucket is not/ },
  { name: 'codeBucket without codeKey', runtime: { type: AGENTCORE, config: { codeBucket: 'b' } }, field: 'runtime.config.codeKey', message: /codeBucket is set but runtime.config.codeKey is not/ },
  { name: 'imageUri with DIRECT_CODE', runtime: { type: AGENTCORE, config: { imageUri: '111122223333.dkr.ecr.us-east-1.amazonaws.com/a:1' } }, field: 'runtime.config.imageUri', message: /imageUri is for CONTAINER/ },
  { name: 'codeBucket with CONTAINER', runtime: { type: AGENTCORE, config: { deploymentMethod: CONTAINER, codeBucket: 'b', codeKey: 'k' } }, field: 'runtime.config.codeBucket', message: /are for DIRECT_CODE/ },
  { name: 'imageUri that is not ECR', runtime: { type: AGENTCORE, config: { deploymentMethod: CONTAINER, imageUri: 'docker.io/library/agent:1' } }, field: 'runtime.config.imageUri', message: /is not an ECR image URI/ },
  { name: 'unknown deployment method', runtime: { type: AGENTCORE, config: { deploymentMethod: 'ZIP' as AgentCoreDeploymentMethod } }, field: 'runtime.config.deploymentMethod', message: /'ZIP'; allowed: CONTAINER, DIRECT_CODE/ },
  { name: 'image code with DIRECT_CODE', runtime: { type: AGENTCORE }, field: 'runtime.config.deploymentMethod', message: /is a container image but deploymentMethod is DIRECT_CODE/, code: (s) => AgentCode.fromEcrImage(new ecr.Repository(s, 'R')) },
  { name: 'bad endpoint name', runtime: { type: AGENTCORE, config: { endpointName: 'prod-1' } }, field: 'runtime.config.endpointName', message: /'prod-1' is invalid/ },
  { name: 'bad agent name (Lambda)', runtime: { type: LAMBDA }, agentName: '-x', field: 'agentName', message: /agentName '-x' is invalid/ },
  { name: 'bad agent name (AgentCore)', runtime: { type: AGENTCORE }, agentName: 'ünïcode', field: 'agentName', message: /agentName 'ünïcode' is invalid/ },
  { name: 'bad Lambda environment name', runtime: { type: LAMBDA }, environment: { 'MY-VAR': 'x' }, field: 'environment', message: /'MY-VAR' is invalid/ },
  { name: 'bad AgentCore environment name', runtime: { type: AGENTCORE }, environment: { '1ABC': 'x' }, field: 'environment', message: /'1ABC' is invalid/ },
  { name: 'AgentCore environment value too long', runtime: { type: AGENTCORE }, environment: { BIG: 'x'.repeat(2049) }, field: 'environment', message: /2049 characters; allowed: at most 2048/ },
  { name: 'more than 50 AgentCore environment variables', runtime: { type: AGENTCORE }, environment: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`V${i}`, 'x'])), field: 'environment', message: /at most 50 per runtime/ },
  { name: 'layers on AgentCore', runtime: { type: AGENTCORE }, layers: true, field: 'layers', message: /layers are a Lambda feature/ },
  { name: 'missing code directory', runtime: { type: LAMBDA }, field: 'code', message: /does not exist/, code: () => AgentCode.fromNodejsDirectory('/nonexistent/agent') },
  { name: 'TypeScript code without an AgentCore entry', runtime: { type: AGENTCORE }, field: 'agentCoreEntry', message: /needs 'agentCoreEntry' to run on AGENTCORE/, code: () => AgentCode.fromTypeScriptEntry({ lambdaEntry: __filename }) },
];

describe('invalid runtime configurations throw InvalidRuntimeConfigError at construction', () => {
  it.each(cases)('$name', ({ runtime, field, message, agentName, code, environment, layers }) => {
    const stack = testStack();
    const create = () => AgentRuntimeFactory.create(stack, 'Agent', runtime, {
      agentName: agentName ?? 'agent',
      code: code ? code(stack) : nodeAgentCode(),
      environment,
      layers: layers ? [lambda.LayerVersion.fromLayerVersionArn(stack, 'L', 'arn:aws:lambda:us-east-1:123456789012:layer:deps:3')] : undefined,
    });
    let error: unknown;
    try {
      create();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRuntimeConfigError);
    expect(AgentRuntimeErrors.isInvalidRuntimeConfigError(error)).toBe(true);
    const typed = error as InvalidRuntimeConfigError;
    expect(typed.field).toBe(field);
    expect(typed.message).toMatch(/^Invalid runtime configuration for \w+: /);
    expect(typed.message).toMatch(message);
    expect(typed.name).toBe('InvalidRuntimeConfigError');
  });

  it('also rejects a bad name passed to addEnvironment after construction', () => {
    const stack = testStack();
    const runtime = AgentRuntimeFactory.create(stack, 'Agent', { type: AGENTCORE }, { agentName: 'a', code: nodeAgentCode() });
    expect(() => runtime.addEnvironment('has space', 'x')).toThrow(InvalidRuntimeConfigError);
  });
});

it('AgentRuntimeErrors tells a runtime foundation error from a runtime configuration error', () => {
  const runtimeError = new InvalidRuntimeConfigError(AgentRuntimeType.LAMBDA, 'x', 'agentName');
  expect(AgentRuntimeErrors.isInvalidRuntimeFoundationConfigError(runtimeError)).toBe(false);
  expect(AgentRuntimeErrors.isInvalidRuntimeFoundationConfigError(new Error('InvalidRuntimeFoundationConfigError'))).toBe(false);
});
