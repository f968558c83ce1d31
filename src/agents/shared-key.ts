import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

const SHARED_KEY_ID = 'AgenticAiFrameworkAgentKey';

/** Keys whose agents have all asked for DESTROY so far. */
const destroyable = new WeakMap<kms.Key, boolean>();

/**
 * The stack's one agent key (customer managed, rotation on), created by the first agent that needs
 * it and shared by the stack's other agents: a key costs $1 a month, so not one per agent. The key
 * is destroyed with the stack only if every agent sharing it asks for DESTROY; otherwise it is
 * retained, since deleting a key makes everything encrypted with it unreadable.
 */
export function sharedAgentKey(scope: Construct, removalPolicy: RemovalPolicy = RemovalPolicy.RETAIN): kms.Key {
  const stack = Stack.of(scope);
  const key =
    (stack.node.tryFindChild(SHARED_KEY_ID) as kms.Key | undefined) ??
    new kms.Key(stack, SHARED_KEY_ID, {
      description: `Encrypts the environment and logs of the agents in stack ${stack.stackName}`,
      enableKeyRotation: true,
    });
  const allDestroy = (destroyable.get(key) ?? true) && removalPolicy === RemovalPolicy.DESTROY;
  destroyable.set(key, allDestroy);
  key.applyRemovalPolicy(allDestroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN);
  return key;
}
