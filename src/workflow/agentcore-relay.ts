import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { sharedAgentKey } from '../agents/shared-key';
import { createAgentLogGroup } from '../runtime/agent-log-group';

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

  private readonly role: iam.Role;
  private readonly invokable = new Set<string>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const logGroup = createAgentLogGroup(this, { encryptionKey: sharedAgentKey(this) });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Relay from Step Functions to AgentCore agents',
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));
    this.relayFunction = new lambda.Function(this, 'Function', {
      description: 'Relays Step Functions steps to AgentCore agents (InvokeAgentRuntime)',
      code: lambda.Code.fromAsset(RELAY_ASSETS),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Lambda's maximum: a synchronous AgentCore call may take up to 15 minutes.
      timeout: Duration.minutes(15),
      role: this.role,
      logGroup,
    });
  }

  /**
   * Lets the relay invoke an AgentCore runtime through one of its endpoints.
   */
  public allowInvoke(runtimeArn: string, endpointName: string): void {
    const key = `${runtimeArn}|${endpointName}`;
    if (this.invokable.has(key)) return;
    this.invokable.add(key);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['bedrock-agentcore:InvokeAgentRuntime'],
      // Authorized on both the runtime and the endpoint the qualifier names.
      resources: [runtimeArn, `${runtimeArn}/runtime-endpoint/${endpointName}`],
    }));
  }
}
