import {
  Annotations, Aspects, DefaultTokenResolver, IAspect, IPostProcessor, IResolvable, IResolveContext, Stack, StringConcat,
  Token, Tokenization,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { IConstruct } from 'constructs';
import { IAgentRuntime } from '../runtime/agent-runtime';

/** The actions an agent reports a long run with. No resource types in IAM's reference; Step Functions authorizes them on the state machine. */
const TASK_RESPONSE_ACTIONS = ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'];

/**
 * A callback step's `Resource`, which also says which agent will report to the state machine
 * whose definition contains it.
 */
class CallbackResource implements IResolvable {
  public readonly creationStack: string[] = [];

  constructor(public readonly runtime: IAgentRuntime, private readonly arn: string) {}

  public resolve(): string {
    return this.arn;
  }

  public toString(): string {
    return Token.asString(this);
  }
}

/** Resolves a definition only to see which callback resources are in it. */
class CallbackFinder extends DefaultTokenResolver {
  public readonly runtimes = new Set<IAgentRuntime>();

  constructor() {
    super(new StringConcat());
  }

  public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): unknown {
    if (t instanceof CallbackResource) this.runtimes.add(t.runtime);
    return super.resolveToken(t, context, postProcessor);
  }
}

/**
 * Gives each agent that a state machine waits for `states:SendTask*` on that state machine, once
 * the app is complete. Not at the step: the step does not know its state machine, and the agent's
 * own policy cannot name it (the state machine depends on the agent, so the agent's role policy,
 * which the agent depends on, would close a cycle). A separate policy on the role can.
 */
class TaskResponseGrants implements IAspect {
  private readonly granted = new Set<string>();

  public visit(node: IConstruct): void {
    if (!(node instanceof sfn.CfnStateMachine) || node.definitionString === undefined) return;
    const finder = new CallbackFinder();
    // `preparing`: cross-stack references are not assigned yet, and need not be to be seen.
    Tokenization.resolve(node.definitionString, { scope: node, resolver: finder, preparing: true });
    for (const runtime of finder.runtimes) this.grant(runtime, node);
  }

  private grant(runtime: IAgentRuntime, stateMachine: sfn.CfnStateMachine): void {
    const id = `TaskResponse${stateMachine.node.addr.slice(0, 8)}`;
    if (this.granted.has(`${runtime.node.addr}/${id}`)) return;
    this.granted.add(`${runtime.node.addr}/${id}`);
    const statement = new iam.PolicyStatement({ actions: TASK_RESPONSE_ACTIONS, resources: [stateMachine.attrArn] });
    if (!(runtime.executionRole instanceof iam.Role)) {
      Annotations.of(runtime).addWarningV2('agentic-ai-framework:taskResponseNotGranted',
        `The agent reports long runs to state machine ${stateMachine.node.path}, but its execution role ${runtime.executionRole.node.path} is imported: add this statement to it yourself: ${JSON.stringify(Stack.of(runtime).resolve(statement.toStatementJson()))}`);
      return;
    }
    new iam.Policy(runtime, id, { statements: [statement], roles: [runtime.executionRole] });
  }
}

const rootsWithGrants = new WeakSet<IConstruct>();

/**
 * The `Resource` of a step that waits for `runtime`'s callback; the state machine that contains it
 * lets the runtime's role report to it.
 */
export function callbackResource(runtime: IAgentRuntime, arn: string): string {
  const root = runtime.node.root;
  if (!rootsWithGrants.has(root)) {
    rootsWithGrants.add(root);
    Aspects.of(root).add(new TaskResponseGrants());
  }
  return new CallbackResource(runtime, arn).toString();
}
