import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  AgentTaskBindOptions, AgentTaskConfig, callbackEnvelope, integrationArn, LAMBDA_MAX_TIMEOUT, LAMBDA_THROTTLING_ERRORS,
  LAMBDA_TRANSIENT_ERRORS, payloadPath,
} from './agent-task';
import { InvalidRuntimeConfigError } from '../runtime/errors';
import { AgentRuntimeType } from '../runtime/runtime-type';

/**
 * A step invoking an agent's Lambda function.
 *
 * Request-response: the function ARN as the Resource, so the state's result is the function's
 * answer itself (`{ result, metadata }`), not `lambda:invoke`'s `{ Payload, StatusCode }` wrapper,
 * and the user's `resultSelector` stays free. Callback: an asynchronous invocation
 * (`InvocationType: Event`) with the envelope; the agent reports with the task token.
 */
export function lambdaAgentTask(agentFunction: lambda.IFunction, options: AgentTaskBindOptions): AgentTaskConfig {
  const seconds = options.taskTimeout?.seconds;
  if (seconds !== undefined && seconds > LAMBDA_MAX_TIMEOUT.toSeconds()) {
    throw new InvalidRuntimeConfigError(AgentRuntimeType.LAMBDA,
      `taskTimeout is ${seconds} seconds; a Lambda agent runs at most 15 minutes (900 seconds). Allowed: at most 900 seconds; for longer runs, move the agent to AgentCore (runtime: { type: AgentRuntimeType.AGENTCORE }) with integrationPattern WAIT_FOR_TASK_TOKEN (up to 8 hours)`,
      'taskTimeout');
  }
  if (options.agentCoreInvocation !== undefined) {
    throw new InvalidRuntimeConfigError(AgentRuntimeType.LAMBDA,
      'agentCoreInvocation applies to AgentCore agents only; this agent runs on Lambda. Allowed: leave it unset', 'agentCoreInvocation');
  }
  const base = {
    policyStatements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [agentFunction.functionArn] })],
    throttlingErrors: LAMBDA_THROTTLING_ERRORS,
    transientErrors: LAMBDA_TRANSIENT_ERRORS,
  };
  if (options.integrationPattern === sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN) {
    return {
      ...base,
      resourceArn: integrationArn('lambda', 'invoke', options.integrationPattern),
      parameters: { FunctionName: agentFunction.functionArn, InvocationType: 'Event', Payload: callbackEnvelope(options) },
      maxCallbackTimeout: LAMBDA_MAX_TIMEOUT,
    };
  }
  const path = payloadPath(options.payload);
  if (path !== undefined) {
    // The function receives the state input itself: a path selects it, as InputPath does.
    return { ...base, resourceArn: agentFunction.functionArn, ...(path === '$' ? {} : { inputPath: path }) };
  }
  // InvokeAgent accepts an object or a path only.
  return { ...base, resourceArn: agentFunction.functionArn, parameters: options.payload.value };
}
