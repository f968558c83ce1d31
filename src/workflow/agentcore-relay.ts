import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { sharedAgentKey } from '../agents/shared-key';
import { libraryFunction } from './library-function';

/**
 * The package's `assets/relay` directory (`index.mjs`, handler `index.handler`), bundled at
 * library build time like the default agent.
 */
export const RELAY_ASSETS = path.join(__dirname, '..', '..', 'assets', 'relay');

const RELAY_ID = 'AgenticAiFrameworkAgentCoreRelay';

/**
 * The stack's one relay function, through which Step Functions steps call AgentCore agents:
 * `InvokeAgentRuntime`, the whole answer read, the agent's JSON returned or a named error thrown.
 * It may invoke exactly the AgentCore agents that some step of the stack invokes through it.
 */
export class AgentCoreRelay extends Construct {
  /**
   * The stack's relay, created on first use.
   */
  public static of(scope: Construct): AgentCoreRelay {
    const stack = Stack.of(scope);
    return (stack.node.tryFindChild(RELAY_ID) as AgentCoreRelay | undefined) ?? new AgentCoreRelay(stack, RELAY_ID);
  }

  /**
   * The relay function.
   */
  public readonly relayFunction: lambda.Function;

  private readonly invokable = new Set<string>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.relayFunction = libraryFunction(this, {
      assets: RELAY_ASSETS,
      description: 'Relays Step Functions steps to AgentCore agents (InvokeAgentRuntime)',
      // Lambda's maximum: a synchronous AgentCore call may take up to 15 minutes.
      timeout: Duration.minutes(15),
      encryptionKey: sharedAgentKey(this),
    });
  }

  /**
   * Lets the relay invoke an AgentCore runtime through one of its endpoints.
   */
  public allowInvoke(runtimeArn: string, endpointName: string): void {
    const key = `${runtimeArn}|${endpointName}`;
    if (this.invokable.has(key)) return;
    this.invokable.add(key);
    this.relayFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['bedrock-agentcore:InvokeAgentRuntime'],
      // Authorized on both the runtime and the endpoint the qualifier names.
      resources: [runtimeArn, `${runtimeArn}/runtime-endpoint/${endpointName}`],
    }));
  }
}
