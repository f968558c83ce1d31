import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

const SHARED_KEY_ID = 'AgenticAiFrameworkAgentKey';

/**
 * The stack's one agent key (customer managed, rotation on), created by the first agent that needs
 * it and shared by the stack's other agents: a key costs $1 a month, so not one per agent.
 */
export function sharedAgentKey(scope: Construct, removalPolicy?: RemovalPolicy): kms.Key {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(SHARED_KEY_ID);
  if (existing) {
    return existing as kms.Key;
  }
  return new kms.Key(stack, SHARED_KEY_ID, {
    description: `Encrypts the environment and logs of the agents in stack ${stack.stackName}`,
    enableKeyRotation: true,
    removalPolicy: removalPolicy ?? RemovalPolicy.RETAIN,
  });
}
