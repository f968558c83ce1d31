import {
  Annotations, Aspects, DefaultTokenResolver, IAspect, IPostProcessor, IResolvable, IResolveContext, Stack, StringConcat,
  Token, Tokenization,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { IConstruct } from 'constructs';
import { IAgentRuntime } from '../runtime/agent-runtime';
import { InvalidRuntimeConfigError } from '../runtime/errors';

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
  public visit(node: IConstruct): void {
    if (!(node instanceof sfn.CfnStateMachine) || node.definitionString === undefined) return;
    const finder = new CallbackFinder();
    // `preparing`: cross-stack references are not assigned yet, and need not be to be seen.
    Tokenization.resolve(node.definitionString, { scope: node, resolver: finder, preparing: true });
    for (const runtime of finder.runtimes) {
      if (node.stateMachineType === sfn.StateMachineType.EXPRESS) {
        throw new InvalidRuntimeConfigError(runtime.runtimeType,
          `state machine ${node.node.path} is EXPRESS and waits for an agent's callback (integrationPattern WAIT_FOR_TASK_TOKEN); Express workflows support request-response steps only. Allowed: a STANDARD state machine, or REQUEST_RESPONSE`,
          'integrationPattern');
      }
      grant(runtime, node);
    }
  }
}

/**
 * The policy lives with the state machine, so that references go from its stack to the agent's
 * only, whether they are one stack or two.
 */
function grant(runtime: IAgentRuntime, stateMachine: sfn.CfnStateMachine): void {
  const scope = stateMachine.node.scope ?? stateMachine;
  const id = `TaskResponse${runtime.node.addr.slice(0, 8)}`;
  if (scope.node.tryFindChild(id) !== undefined) return;
  const statement = new iam.PolicyStatement({ actions: TASK_RESPONSE_ACTIONS, resources: [stateMachine.attrArn] });
  if (!(runtime.executionRole instanceof iam.Role)) {
    Annotations.of(runtime).addWarningV2('agentic-ai-framework:taskResponseNotGranted',
      `The agent reports long runs to state machine ${stateMachine.node.path}, but its execution role ${runtime.executionRole.node.path} is imported: add this statement to it yourself: ${JSON.stringify(Stack.of(stateMachine).resolve(statement.toStatementJson()))}`);
    return;
  }
  new iam.Policy(scope, id, { statements: [statement], roles: [runtime.executionRole] });
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
