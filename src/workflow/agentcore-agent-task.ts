import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  AgentTaskBindOptions, AgentTaskConfig, callbackEnvelope, integrationArn, LAMBDA_MAX_TIMEOUT, LAMBDA_THROTTLING_ERRORS,
  LAMBDA_TRANSIENT_ERRORS, payloadPath,
} from './agent-task';
import { AgentCoreInvocation } from './agentcore-invocation';
import { AgentCoreRelay } from './agentcore-relay';
import { defaultSessionId } from './session-id';
import { InvalidRuntimeConfigError } from '../runtime/errors';
import { AgentRuntimeType } from '../runtime/runtime-type';

const TYPE = AgentRuntimeType.AGENTCORE;

/** The AgentCore runtime a step invokes. */
export interface AgentCoreTarget {
  readonly runtimeArn: string;
  readonly endpointName: string;
  /** The runtime's maximum session lifetime, which bounds a callback step. */
  readonly maxLifetime: Duration;
}

/**
 * A step invoking an AgentCore agent: through the stack's relay function (default), or through
 * Step Functions' AWS SDK integration for short request-response calls.
 */
export function agentCoreAgentTask(scope: Construct, target: AgentCoreTarget, options: AgentTaskBindOptions): AgentTaskConfig {
  const invocation = options.agentCoreInvocation ?? AgentCoreInvocation.relay();
  const callback = options.integrationPattern === sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN;
  checkTimeout(target, options, callback);
  const sessionId = options.sessionId ?? defaultSessionId();
  if (invocation.direct) {
    return sdkIntegrationTask(target, options, sessionId, callback);
  }

  const relay = AgentCoreRelay.of(scope);
  relay.allowInvoke(target.runtimeArn, target.endpointName);
  const relayEvent = {
    agentRuntimeArn: target.runtimeArn,
    qualifier: target.endpointName,
    sessionId,
    payload: callback ? callbackEnvelope(options) : options.payload.value,
  };
  const base = {
    policyStatements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [relay.relayFunction.functionArn] })],
    throttlingErrors: LAMBDA_THROTTLING_ERRORS,
    transientErrors: LAMBDA_TRANSIENT_ERRORS,
  };
  if (callback) {
    // The relay answers as soon as the agent accepted the work; the step then waits for the token.
    return {
      ...base,
      resourceArn: integrationArn('lambda', 'invoke', options.integrationPattern),
      parameters: { FunctionName: relay.relayFunction.functionArn, Payload: relayEvent },
      maxCallbackTimeout: target.maxLifetime,
    };
  }
  // The relay function's ARN as the Resource: the state's result is the agent's answer itself.
  return { ...base, resourceArn: relay.relayFunction.functionArn, parameters: relayEvent };
}

function sdkIntegrationTask(target: AgentCoreTarget, options: AgentTaskBindOptions, sessionId: string, callback: boolean): AgentTaskConfig {
  if (callback) {
    throw new InvalidRuntimeConfigError(TYPE,
      'agentCoreInvocation AgentCoreInvocation.sdkIntegration() supports REQUEST_RESPONSE only; allowed: the relay (AgentCoreInvocation.relay(), the default) for WAIT_FOR_TASK_TOKEN',
      'agentCoreInvocation');
  }
  const path = payloadPath(options.payload);
  if (path === undefined) {
    throw new InvalidRuntimeConfigError(TYPE,
      'payload must be a path (TaskInput.fromJsonPathAt) with AgentCoreInvocation.sdkIntegration(): the integration takes the request as a JSON string, which States.JsonToString makes from a path only. Allowed: a path, or the relay (the default) for any payload',
      'payload');
  }
  return {
    resourceArn: integrationArn('aws-sdk', 'bedrockagentcore:invokeAgentRuntime', options.integrationPattern),
    parameters: {
      AgentRuntimeArn: target.runtimeArn,
      Qualifier: target.endpointName,
      RuntimeSessionId: sessionId,
      ContentType: 'application/json',
      Accept: 'application/json',
      Payload: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt(path)),
    },
    resultSelector: { response: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Response')) },
    policyStatements: [new iam.PolicyStatement({
      actions: ['bedrock-agentcore:InvokeAgentRuntime'],
      resources: [target.runtimeArn, `${target.runtimeArn}/runtime-endpoint/${target.endpointName}`],
    })],
    throttlingErrors: ['BedrockAgentCore.ThrottlingException', 'BedrockAgentCore.ServiceQuotaExceededException'],
    transientErrors: ['BedrockAgentCore.InternalServerException'],
  };
}

function checkTimeout(target: AgentCoreTarget, options: AgentTaskBindOptions, callback: boolean): void {
  const seconds = options.taskTimeout?.seconds;
  if (seconds === undefined) return;
  if (!callback && seconds > LAMBDA_MAX_TIMEOUT.toSeconds()) {
    throw new InvalidRuntimeConfigError(TYPE,
      `taskTimeout is ${seconds} seconds; a synchronous AgentCore step waits at most 15 minutes (900 seconds, the relay function's limit). Allowed: at most 900 seconds; for longer runs use integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN (up to the runtime's maximum lifetime, 8 hours)`,
      'taskTimeout');
  }
  if (callback && seconds > target.maxLifetime.toSeconds()) {
    throw new InvalidRuntimeConfigError(TYPE,
      `taskTimeout is ${seconds} seconds, longer than the runtime's maximum session lifetime (${target.maxLifetime.toSeconds()} seconds, runtime.config.timeout); AgentCore would end the session first. Allowed: at most ${target.maxLifetime.toSeconds()} seconds, or raise runtime.config.timeout (up to 8 hours)`,
      'taskTimeout');
  }
}
