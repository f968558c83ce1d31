import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { AgentRuntimeType } from './runtime-type';
import { ChatFrontDoorBindOptions, ChatFrontDoorConfig } from '../agents/chat-front-door';
import { AgentTaskBindOptions, AgentTaskConfig } from '../workflow/agent-task';

/**
 * An agent's runtime, whichever it is: what agents, workflows and callers need from it.
 *
 * It is grantable: `bucket.grantRead(runtime)` gives the agent code, which runs as the execution
 * role, read access to the bucket.
 */
export interface IAgentRuntime extends IConstruct, iam.IGrantable {
  /**
   * The type of runtime, for runtime-specific logic without `instanceof`.
   */
  readonly runtimeType: AgentRuntimeType;

  /**
   * The role the agent code runs as.
   */
  readonly executionRole: iam.IRole;

  /**
   * The ARN callers invoke: the function ARN on Lambda, the runtime ARN on AgentCore.
   */
  readonly invocationArn: string;

  /**
   * The log group the agent's application logs go to.
   */
  readonly logGroup: logs.ILogGroup;

  /**
   * Lets `grantee` invoke the agent: `lambda:InvokeFunction` on Lambda,
   * `bedrock-agentcore:InvokeAgentRuntime` on the runtime and its endpoints on AgentCore.
   */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;

  /**
   * Sets an environment variable for the agent code, on either runtime.
   */
  addEnvironment(key: string, value: string): void;

  /**
   * Adds a statement to the execution role's policy (a synth warning if the role is an immutable
   * imported role, which would drop it).
   */
  addToRolePolicy(statement: iam.PolicyStatement): void;

  /**
   * How a Step Functions step invokes this agent (used by `InvokeAgent`): the Task state's
   * fields and the permissions the state machine's role needs.
   *
   * @param task the step
   * @throws InvalidRuntimeConfigError when the options ask for what this runtime cannot do
   */
  bindStepFunctionsTask(task: Construct, options: AgentTaskBindOptions): AgentTaskConfig;

  /**
   * How the chat REST API of an `InteractiveAgent` reaches this agent: the function behind
   * `POST /chat` and the longest a turn may run.
   *
   * @param scope where a front-door function is created, if the runtime needs one
   */
  bindChatFrontDoor(scope: Construct, options: ChatFrontDoorBindOptions): ChatFrontDoorConfig;
}
