import { Aws, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AgentCoreInvocation } from './agentcore-invocation';

/**
 * What an `InvokeAgent` step asks of the agent's runtime.
 */
export interface AgentTaskBindOptions {
  /**
   * `REQUEST_RESPONSE` (wait for the answer) or `WAIT_FOR_TASK_TOKEN` (the agent works in the
   * background and reports with the task token).
   */
  readonly integrationPattern: sfn.IntegrationPattern;

  /**
   * The request the agent receives.
   */
  readonly payload: sfn.TaskInput;

  /**
   * The step's heartbeat timeout, passed to the agent so it heartbeats in time.
   *
   * @default - none
   */
  readonly heartbeatTimeout?: sfn.Timeout;

  /**
   * The step's timeout, checked against what the runtime allows.
   *
   * @default - none
   */
  readonly taskTimeout?: sfn.Timeout;

  /**
   * The AgentCore session id (AgentCore only).
   *
   * @default - the execution's name and a UUID per invocation
   */
  readonly sessionId?: string;

  /**
   * How an AgentCore agent is called (AgentCore only).
   *
   * @default AgentCoreInvocation.relay()
   */
  readonly agentCoreInvocation?: AgentCoreInvocation;
}

/**
 * How a step invokes an agent: the Task state's fields and the permissions its role needs.
 */
export interface AgentTaskConfig {
  /**
   * The Task state's `Resource`.
   */
  readonly resourceArn: string;

  /**
   * The Task state's `Parameters`, before rendering.
   *
   * @default - none: the function receives the state input
   */
  readonly parameters?: { [key: string]: unknown };

  /**
   * The Task state's `InputPath`, when the payload is a path the function receives as it is.
   *
   * @default - the user's `inputPath`
   */
  readonly inputPath?: string;

  /**
   * The Task state's `ResultSelector`, when the runtime's answer needs unwrapping.
   *
   * @default - none
   */
  readonly resultSelector?: { [key: string]: unknown };

  /**
   * What the state machine's role must be allowed.
   */
  readonly policyStatements: iam.PolicyStatement[];

  /**
   * Errors of the invoked service that mean "throttled: try again later".
   */
  readonly throttlingErrors: string[];

  /**
   * Errors of the invoked service that are transient.
   */
  readonly transientErrors: string[];

  /**
   * The longest the step may wait for a callback, its default `taskTimeout` (callback steps only).
   *
   * @default - none
   */
  readonly maxCallbackTimeout?: Duration;
}

/** Lambda's transient service errors, as Step Functions names them (retried as aws-cdk-lib's LambdaInvoke does). */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ClientExecutionTimeoutException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException',
];

/** Lambda refusing an invocation for lack of concurrency. */
export const LAMBDA_THROTTLING_ERRORS = ['Lambda.TooManyRequestsException'];

/** Lambda's hard limit, which bounds every synchronous step through a function. */
export const LAMBDA_MAX_TIMEOUT = Duration.minutes(15);

/** `arn:<partition>:states:::<service>:<api>[.waitForTaskToken]`, an optimized or SDK integration's Resource. */
export function integrationArn(service: string, api: string, pattern: sfn.IntegrationPattern): string {
  const suffix = pattern === sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN ? '.waitForTaskToken' : '';
  return `arn:${Aws.PARTITION}:states:::${service}:${api}${suffix}`;
}

/**
 * What a long-running agent receives: the task token to report with, the heartbeat interval it
 * must keep, and the request itself.
 */
export function callbackEnvelope(options: AgentTaskBindOptions): { [key: string]: unknown } {
  const heartbeat = options.heartbeatTimeout;
  const heartbeatSeconds = heartbeat?.seconds ?? (heartbeat?.path === undefined ? undefined : sfn.JsonPath.numberAt(heartbeat.path));
  return {
    taskToken: sfn.JsonPath.taskToken,
    ...(heartbeatSeconds === undefined ? {} : { heartbeatSeconds }),
    request: options.payload.value,
  };
}

/** The path of a payload given as `TaskInput.fromJsonPathAt`, or undefined for any other payload. */
export function payloadPath(payload: sfn.TaskInput): string | undefined {
  if (payload.type !== sfn.InputType.TEXT || typeof payload.value !== 'string' || !sfn.JsonPath.isEncodedJsonPath(payload.value)) {
    return undefined;
  }
  return (sfn.FieldUtils.renderObject({ path: payload.value }) as { 'path.$': string })['path.$'];
}
