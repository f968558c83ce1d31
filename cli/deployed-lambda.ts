import { InvokeCommand, LambdaClient, type InvocationResponse } from '@aws-sdk/client-lambda';
import type { DeployedInvokeOptions } from './deployed.js';
import type { DeployedResource } from './deployed-resource.js';
import { DeployedInvokeError, commonProblem, errorParts, serviceError } from './deployed-errors.js';
import { parseJsonOrUndefined } from './deployed-sse.js';
import { isRecord } from './util.js';

/**
 * Lambda: the physical id (Ref) of an AWS::Lambda::Function is its name. A synchronous
 * `Invoke` (RequestResponse) with the JSON payload; the function's answer is the response.
 * There is no streaming and no session on Lambda: `--stream` and a session id are ignored, with
 * a line saying so.
 */
export async function invokeLambda(options: DeployedInvokeOptions & { readonly resource: DeployedResource }): Promise<unknown> {
  const { resource, log } = options;
  const functionName = resource.physicalId;
  if (options.stream) log('--stream applies to AgentCore runtimes only; a Lambda function answers once, when it is done');
  if (options.sessionId !== undefined) log('A session id applies to AgentCore runtimes only; ignored for a Lambda function');
  log(`Invoking Lambda function ${functionName} (${resource.region})`);

  // A synchronous invocation lasts at most 15 minutes, during which the connection is silent:
  // past 16 minutes without a byte it is dead, not slow. One attempt: a retry after a timeout, a reset
  // or a 5xx would run the agent again (and pay for its model calls again).
  const client = new LambdaClient({ region: resource.region, maxAttempts: 1, requestHandler: { connectionTimeout: 10_000, socketTimeout: 16 * 60_000 } });
  let out: InvocationResponse;
  try {
    out = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(options.payload ?? null)),
      }),
    );
  } catch (error) {
    throw lambdaCallError(error, functionName, resource.region);
  } finally {
    client.destroy();
  }

  const text = out.Payload === undefined ? '' : new TextDecoder().decode(out.Payload);
  if (out.FunctionError !== undefined && out.FunctionError !== '') {
    const payload = parseJsonOrUndefined(text);
    const errorType = isRecord(payload) && typeof payload.errorType === 'string' ? payload.errorType : out.FunctionError;
    const errorMessage = isRecord(payload) && typeof payload.errorMessage === 'string' ? payload.errorMessage : text;
    throw new DeployedInvokeError(
      `the Lambda function ${functionName} failed: ${errorType}: ${errorMessage} (see its CloudWatch logs, /aws/lambda/${functionName})`,
    );
  }
  if (text.trim() === '') return null;
  const parsed = parseJsonOrUndefined(text);
  if (parsed === undefined) {
    throw new DeployedInvokeError(`the Lambda function ${functionName} answered something that is not JSON: ${text.slice(0, 500)}`);
  }
  return parsed;
}

function lambdaCallError(error: unknown, functionName: string, region: string): DeployedInvokeError {
  const common = commonProblem(error, 'Lambda', region);
  if (common !== undefined) return new DeployedInvokeError(common, { cause: error });
  const { name } = errorParts(error);
  const hint =
    name === 'ResourceNotFoundException'
      ? ' (the stack lists it: was the function deleted outside CloudFormation? run `cdk deploy`)'
      : /AccessDenied/i.test(name)
        ? ' (your credentials need lambda:InvokeFunction on it)'
        : '';
  return new DeployedInvokeError(`Lambda Invoke of ${functionName} (${region}) failed: ${serviceError(error)}${hint}`, { cause: error });
}
