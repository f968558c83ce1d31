import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import { expect } from 'vitest';
import { AgentRuntimeErrors } from '../../src';
import { TEST_ENV, VALIDATION_CONTEXT } from '../helpers/test-app';

export const FIXTURES = path.join(__dirname, 'fixtures');

/**
 * Passes a value the compiler would reject, as plain JavaScript (or any jsii language at run time)
 * can: the one place these tests leave the type system, through `unknown`, never `any`.
 */
export function wrong<T>(value: unknown): T {
  return value as T;
}

/** A stack with CloudFormation validation on, in `region` of the test account, or Region-agnostic. */
export function stackIn(region: string | 'agnostic' = TEST_ENV.region): Stack {
  const app = new App({ context: VALIDATION_CONTEXT });
  return region === 'agnostic'
    ? new Stack(app, 'AgnosticStack')
    : new Stack(app, 'TestStack', { env: { account: TEST_ENV.account, region } });
}

export function promptAsset(stack: Stack, id = 'Prompt'): s3Assets.Asset {
  return new s3Assets.Asset(stack, id, { path: path.join(FIXTURES, 'prompt.txt') });
}

export function toolAsset(stack: Stack, id = 'Tool'): s3Assets.Asset {
  return new s3Assets.Asset(stack, id, { path: path.join(FIXTURES, 'tool.js') });
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** The environment of the one agent in the template, whichever the runtime. */
export function agentEnvironment(template: Template): Record<string, unknown> {
  const resources = (template.toJSON() as { Resources: Resources }).Resources;
  for (const r of Object.values(resources)) {
    if (r.Type === 'AWS::Lambda::Function' && (r.Properties.Description as string | undefined)?.startsWith('Agent ')) {
      return (r.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    }
    if (r.Type === 'AWS::BedrockAgentCore::Runtime') {
      return (r.Properties.EnvironmentVariables as Record<string, unknown> | undefined) ?? {};
    }
  }
  throw new Error('no agent runtime in the template');
}

export type ErrorKind = 'InvalidRuntimeConfigError' | 'InvalidBedrockModelError';

/** What a typed error must say: each regex is matched against the message after its fixed prefix. */
export interface ExpectedError {
  readonly kind: ErrorKind;
  /** The field, as the user wrote it, e.g. /agentDefinition\.tools/. */
  readonly field: RegExp;
  /** The value given (or a description of it: 'a string', 'an array of 2', 'undefined'). */
  readonly value: RegExp;
  /** What is allowed instead. */
  readonly allowed: RegExp;
}

/** `Invalid runtime configuration for LAMBDA: ` / `Invalid Bedrock model: ` — says nothing about the input. */
const FIXED_PREFIX = /^Invalid (runtime configuration for [^:]*|Bedrock model): /;

function render(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : `${typeof error}: ${String(error)}`;
}

/**
 * Runs `call` and checks it throws the typed error `expected` describes, never a raw TypeError.
 * The assertion messages carry the error actually thrown, so a failure shows what happens today.
 */
export function expectTypedError(call: () => unknown, expected: ExpectedError): void {
  let threw = false;
  let error: unknown;
  try {
    call();
  } catch (e) {
    threw = true;
    error = e;
  }
  expect(threw, 'expected the call to throw, it returned').toBe(true);
  expect(error instanceof TypeError, `a raw TypeError: ${render(error)}`).toBe(false);
  const typed = expected.kind === 'InvalidRuntimeConfigError'
    ? AgentRuntimeErrors.isInvalidRuntimeConfigError(error)
    : AgentRuntimeErrors.isInvalidBedrockModelError(error);
  expect(typed, `expected an ${expected.kind}, got ${render(error)}`).toBe(true);
  const details = (error as Error).message.replace(FIXED_PREFIX, '');
  expect(details, `the message names the field (${expected.field})`).toMatch(expected.field);
  expect(details, `the message names the value given (${expected.value})`).toMatch(expected.value);
  expect(details, `the message says what is allowed (${expected.allowed})`).toMatch(expected.allowed);
}

/** Escapes a literal (a path) for use in a RegExp. */
export function literal(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}
