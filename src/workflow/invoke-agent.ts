import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { AgentErrors } from './agent-errors';
import { AgentTaskConfig } from './agent-task';
import { AgentCoreInvocation } from './agentcore-invocation';
import { requireAgent } from './require-agent';
import { validateSessionId } from './session-id';
import { callbackResource } from './task-response-grants';
import type { BaseAgent } from '../agents/base-agent';
import { IAgentRuntime } from '../runtime/agent-runtime';
import { InvalidRuntimeConfigError } from '../runtime/errors';
import { describeValue, optionalBoolean, optionalInstance } from '../runtime/input-checks';
import { AgentRuntimeType } from '../runtime/runtime-type';

/** How long a callback step waits for a heartbeat by default: a dead agent is noticed within it. */
const DEFAULT_CALLBACK_HEARTBEAT = Duration.minutes(5);

/**
 * Settings of a step that invokes an agent (`BaseAgent.createStepFunctionsTask`).
 */
export interface InvokeAgentOptions extends sfn.TaskStateBaseProps {
  /**
   * The request the agent receives (an `AgentInvocationRequest`).
   *
   * @default - the state input
   */
  readonly payload?: sfn.TaskInput;

  /**
   * The AgentCore session id (33 to 256 characters), literal or from the state
   * (`sfn.JsonPath.stringAt('$.sessionId')`). Ignored by Lambda agents, which have no sessions.
   *
   * @default - `<execution name>-<UUID>`: found from the execution, new for every invocation
   */
  readonly sessionId?: string;

  /**
   * How an AgentCore agent is called.
   *
   * @default AgentCoreInvocation.relay()
   */
  readonly agentCoreInvocation?: AgentCoreInvocation;

  /**
   * Whether to retry throttling (`Agent.Throttled`, 5 attempts from 5 seconds, doubling) and
   * transient failures of the runtime or the invoking service (`Agent.Unavailable` and Lambda's
   * service errors, 6 attempts from 2 seconds, doubling). Set `false` to replace them with your own
   * `addRetry`.
   *
   * @default true
   */
  readonly retryOnServiceExceptions?: boolean;
}

/**
 * Properties of an `InvokeAgent` step.
 */
export interface InvokeAgentProps extends InvokeAgentOptions {
  /**
   * The agent to invoke, on either runtime.
   */
  readonly agent: BaseAgent;
}

/**
 * A Step Functions step that invokes an agent, on either runtime, with the same output
 * (`{ result, metadata }`) and the same error names (`AgentErrors`) on both.
 *
 * `REQUEST_RESPONSE` (default) waits for the answer: up to 15 minutes. `WAIT_FOR_TASK_TOKEN` hands
 * the agent the task token; the agent answers at once, works in the background, heartbeats and
 * reports the same output or error itself: up to 15 minutes on Lambda and up to the runtime's
 * maximum lifetime (8 hours) on AgentCore. The state machine's role is granted the invocation,
 * and the agent's role the callback, on the state machines that contain the step.
 *
 * JSONPath only: JSONata states are refused at synth.
 */
export class InvokeAgent extends sfn.TaskStateBase {
  protected readonly taskMetrics?: sfn.TaskMetricsConfig;
  protected readonly taskPolicies?: iam.PolicyStatement[];

  private readonly runtime: IAgentRuntime;
  private readonly config: AgentTaskConfig;
  private readonly callback: boolean;
  private readonly userTimeout: boolean;

  constructor(scope: Construct, id: string, props: InvokeAgentProps) {
    validateInvokeAgentProps(props);
    const callback = props.integrationPattern === sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN;
    const heartbeatTimeout = props.heartbeatTimeout
      ?? (callback && props.heartbeat === undefined ? defaultHeartbeat(props.taskTimeout?.seconds ?? props.timeout?.toSeconds()) : undefined);
    checkHeartbeatWithinTimeout(props, heartbeatTimeout);
    super(scope, id, { ...props, heartbeatTimeout });
    this.callback = callback;
    this.userTimeout = props.taskTimeout !== undefined || props.timeout !== undefined;

    const runtime = props.agent.runtime;
    this.runtime = runtime;
    this.config = runtime.bindStepFunctionsTask(this, {
      integrationPattern: props.integrationPattern ?? sfn.IntegrationPattern.REQUEST_RESPONSE,
      payload: props.payload ?? sfn.TaskInput.fromJsonPathAt('$'),
      heartbeatTimeout: heartbeatTimeout ?? (props.heartbeat === undefined ? undefined : sfn.Timeout.duration(props.heartbeat)),
      taskTimeout: props.taskTimeout ?? (props.timeout ? sfn.Timeout.duration(props.timeout) : undefined),
      sessionId: props.sessionId,
      agentCoreInvocation: props.agentCoreInvocation,
    });
    if (this.config.inputPath !== undefined && props.inputPath !== undefined) {
      throw new InvalidRuntimeConfigError(runtime.runtimeType,
        'payload is a path and inputPath is set; a Lambda agent receives the selected input itself, so only one can select it. Allowed: one of payload (TaskInput.fromJsonPathAt) or inputPath',
        'payload');
    }
    if (this.config.resultSelector !== undefined && props.resultSelector !== undefined) {
      throw new InvalidRuntimeConfigError(runtime.runtimeType,
        'resultSelector cannot be combined with AgentCoreInvocation.sdkIntegration(), whose result the step already selects ({ response }). Allowed: resultPath/outputPath, or the relay',
        'resultSelector');
    }
    this.taskPolicies = this.config.policyStatements;

    if (props.retryOnServiceExceptions ?? true) {
      this.addRetry({
        errors: [AgentErrors.THROTTLED, ...this.config.throttlingErrors],
        interval: Duration.seconds(5),
        backoffRate: 2,
        maxAttempts: 5,
        jitterStrategy: sfn.JitterType.FULL,
      });
      this.addRetry({
        errors: [AgentErrors.UNAVAILABLE, ...this.config.transientErrors],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 6,
      });
    }
  }

  /**
   * @internal
   */
  protected _renderTask(topLevelQueryLanguage?: sfn.QueryLanguage): Record<string, unknown> {
    if (topLevelQueryLanguage === sfn.QueryLanguage.JSONATA || this.queryLanguage === sfn.QueryLanguage.JSONATA) {
      throw new InvalidRuntimeConfigError(this.runtime.runtimeType,
        `step ${this.node.path} is in a JSONata state machine or state; InvokeAgent renders JSONPath only. Allowed: queryLanguage JSON_PATH for this state`, 'queryLanguage');
    }
    const resource = this.callback ? callbackResource(this.runtime, this.config.resourceArn) : this.config.resourceArn;
    const maxCallback = this.config.maxCallbackTimeout;
    return {
      Resource: resource,
      ...(this.config.parameters === undefined ? {} : this._renderParametersOrArguments(this.config.parameters, sfn.QueryLanguage.JSON_PATH)),
      ...(this.config.inputPath === undefined ? {} : { InputPath: this.config.inputPath }),
      ...(this.config.resultSelector === undefined ? {} : { ResultSelector: sfn.FieldUtils.renderObject(this.config.resultSelector) }),
      // Without a timeout a callback step would wait up to a year for an agent that is gone.
      ...(this.callback && !this.userTimeout && maxCallback !== undefined ? { TimeoutSeconds: maxCallback.toSeconds() } : {}),
    };
  }
}

/** 5 minutes, or half the step's timeout when that is shorter: a heartbeat must come before the timeout. */
function defaultHeartbeat(timeoutSeconds: number | undefined): sfn.Timeout {
  const seconds = Math.min(DEFAULT_CALLBACK_HEARTBEAT.toSeconds(), timeoutSeconds === undefined ? Infinity : Math.floor(timeoutSeconds / 2));
  return sfn.Timeout.duration(Duration.seconds(Math.max(1, seconds)));
}

/** Step Functions requires HeartbeatSeconds to be smaller than TimeoutSeconds. */
function checkHeartbeatWithinTimeout(props: InvokeAgentProps, heartbeat: sfn.Timeout | undefined): void {
  const timeout = props.taskTimeout?.seconds ?? props.timeout?.toSeconds();
  const beat = heartbeat?.seconds ?? props.heartbeat?.toSeconds();
  if (timeout !== undefined && beat !== undefined && beat >= timeout) {
    throw new InvalidRuntimeConfigError(props.agent.runtime.runtimeType,
      `heartbeatTimeout is ${beat} seconds, not shorter than taskTimeout (${timeout} seconds); Step Functions requires the heartbeat to be shorter. Allowed: less than ${timeout} seconds`,
      'heartbeatTimeout');
  }
}

function validateInvokeAgentProps(props: InvokeAgentProps): void {
  // Plain JavaScript and other jsii languages reach here unchecked.
  const type = requireAgent('agent', (props as Partial<InvokeAgentProps> | undefined)?.agent);
  const patterns = [sfn.IntegrationPattern.REQUEST_RESPONSE, sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN];
  if (props.integrationPattern !== undefined && !patterns.includes(props.integrationPattern)) {
    throw new InvalidRuntimeConfigError(type,
      `integrationPattern is ${describeValue(props.integrationPattern)}; allowed: ${patterns.join(' or ')}`, 'integrationPattern');
  }
  optionalInstance(type, 'payload', props.payload, sfn.TaskInput, 'a TaskInput, e.g. TaskInput.fromJsonPathAt(\'$.request\')');
  if (props.payload?.type === sfn.InputType.TEXT && !sfn.JsonPath.isEncodedJsonPath(String(props.payload.value))) {
    throw new InvalidRuntimeConfigError(type,
      `payload is text (${JSON.stringify(props.payload.value)}); an agent takes a JSON object. Allowed: TaskInput.fromObject({...}) or TaskInput.fromJsonPathAt('$.path')`,
      'payload');
  }
  optionalInstance(type, 'agentCoreInvocation', props.agentCoreInvocation, AgentCoreInvocation, 'AgentCoreInvocation.relay() or AgentCoreInvocation.sdkIntegration()');
  optionalTimeout(type, 'taskTimeout', props.taskTimeout);
  optionalTimeout(type, 'heartbeatTimeout', props.heartbeatTimeout);
  optionalBoolean(type, 'retryOnServiceExceptions', props.retryOnServiceExceptions);
  if (type === AgentRuntimeType.AGENTCORE) validateSessionId(props.sessionId);
}

/** A `sfn.Timeout` (a plain object: `Timeout.duration` gives `{ seconds }`, `Timeout.at` gives `{ path }`). */
function optionalTimeout(type: AgentRuntimeType, field: string, value: unknown): void {
  if (value === undefined) return;
  const timeout = value as Partial<Record<'seconds' | 'path' | 'jsonataExpression', unknown>>;
  const shaped = typeof value === 'object' && value !== null
    && (typeof timeout.seconds === 'number' || typeof timeout.path === 'string' || typeof timeout.jsonataExpression === 'string');
  if (!shaped) {
    throw new InvalidRuntimeConfigError(type,
      `${field} is ${describeValue(value)}; allowed: a Timeout, e.g. Timeout.duration(Duration.minutes(5)) or Timeout.at('$.path')`, field);
  }
}
