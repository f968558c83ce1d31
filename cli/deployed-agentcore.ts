import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand, type InvokeAgentRuntimeCommandOutput } from '@aws-sdk/client-bedrock-agentcore';
import type { DeployedInvokeOptions } from './deployed.js';
import { parseEnvironment, type DeployedResource } from './deployed-resource.js';
import { DeployedInvokeError, commonProblem, errorParts, serviceError } from './deployed-errors.js';
import { bodyText, parseJsonOrUndefined, readEvents, responseOfResultEvent } from './deployed-sse.js';
import { isRecord, partitionOf } from './util.js';
import { newSessionId, sessionIdProblem } from './session-id.js';

/** Throws when a given session id is outside AgentCore's 33–256 characters. */
export function checkSessionId(sessionId: string): void {
  const problem = sessionIdProblem(sessionId);
  if (problem !== undefined) throw new DeployedInvokeError(problem);
}

/**
 * The runtime's ARN. `Ref` of AWS::BedrockAgentCore::Runtime (its physical id) is the runtime
 * id (aws-cdk-lib's `CfnRuntime.runtimeRef` is `{ agentRuntimeId: this.ref, agentRuntimeArn:
 * attrAgentRuntimeArn }`), so the ARN is built as
 * `arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<id>`, taking partition and
 * account from the StackId that DescribeStackResource returned with it (the stack's own ARN), so
 * no extra call (STS, or the AgentCore control plane) is needed. An ARN as physical id is used as is.
 */
export function runtimeArn(resource: DeployedResource, environment: string): string {
  if (resource.physicalId.startsWith('arn:')) return resource.physicalId;
  const stack = resource.stackId?.split(':');
  const partition = stack !== undefined && stack[0] === 'arn' && stack[1] ? stack[1] : partitionOf(resource.region);
  const account = stack !== undefined && stack[0] === 'arn' && /^\d{12}$/.test(stack[4] ?? '') ? stack[4] : parseEnvironment(environment).account;
  if (account === undefined) {
    throw new DeployedInvokeError(
      `cannot build the ARN of AgentCore runtime ${resource.physicalId}: CloudFormation gave no stack ARN and the stack's account is not fixed in the app`,
    );
  }
  return `arn:${partition}:bedrock-agentcore:${resource.region}:${account}:runtime/${resource.physicalId}`;
}

/**
 * AgentCore: `InvokeAgentRuntime` on the runtime's endpoint (`qualifier`), with a session id.
 * A JSON answer is returned parsed; a `text/event-stream` answer is read event by event as it
 * arrives (`onStreamEvent` for each), and the `result` event's `{result, metadata}` is returned;
 * an `error` event throws.
 */
export async function invokeAgentCore(options: DeployedInvokeOptions & { readonly resource: DeployedResource }): Promise<unknown> {
  const { agent, resource, log } = options;
  if (options.sessionId !== undefined) checkSessionId(options.sessionId);
  const sessionId = options.sessionId ?? newSessionId();
  const arn = runtimeArn(resource, agent.environment);
  const qualifier = agent.endpointName ?? 'DEFAULT';
  log(`Invoking AgentCore runtime ${arn} (endpoint ${qualifier})`);
  log(`Session ${sessionId}${options.sessionId === undefined ? ' (new; pass it again to continue this session)' : ''}`);

  // AgentCore bounds a synchronous request to 15 minutes and a stream to 60: a connection silent
  // for longer than that is dead, not slow. One attempt: a retry after a timeout, a reset or a 5xx
  // would run the agent again (and pay for its model calls again).
  const client = new BedrockAgentCoreClient({
    region: resource.region,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 10_000, socketTimeout: 61 * 60_000 },
  });
  try {
    let out: InvokeAgentRuntimeCommandOutput;
    try {
      out = await client.send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: arn,
          qualifier,
          runtimeSessionId: sessionId,
          payload: new TextEncoder().encode(JSON.stringify(options.payload ?? null)),
          contentType: 'application/json',
          accept: options.stream ? 'text/event-stream' : 'application/json',
        }),
      );
    } catch (error) {
      throw agentCoreCallError(error, arn, qualifier, resource.region);
    }
    if (out.runtimeSessionId !== undefined && out.runtimeSessionId !== sessionId) log(`AgentCore used session ${out.runtimeSessionId}`);
    const contentType = (out.contentType ?? '').toLowerCase();
    if (contentType.startsWith('text/event-stream')) {
      return await readEventStream(out.response, options.onStreamEvent);
    }
    const text = await bodyText(out.response);
    const parsed = parseJsonOrUndefined(text);
    if (parsed !== undefined) return parsed;
    if (contentType === '' || contentType.includes('json')) {
      throw new DeployedInvokeError(`the agent answered invalid JSON (${contentType || 'no content type'}): ${text.slice(0, 500)}`);
    }
    log(`The agent answered ${contentType}, not JSON; returning its text`);
    return text;
  } finally {
    client.destroy();
  }
}

async function readEventStream(body: unknown, onStreamEvent: DeployedInvokeOptions['onStreamEvent']): Promise<unknown> {
  let count = 0;
  let result: { value: unknown } | undefined;
  await readEvents(body, (events) => {
    for (const event of events) {
      count += 1;
      onStreamEvent?.(event.event, event.data);
      if (event.event === 'error') throw streamError(event.data);
      if (event.event === 'result') result = { value: resultOf(event.data) };
    }
  });
  if (result === undefined) {
    throw new DeployedInvokeError(`the agent's event stream ended without a \`result\` event (${count} event${count === 1 ? '' : 's'} received)`);
  }
  return result.value;
}

function resultOf(data: string): unknown {
  const response = responseOfResultEvent(data);
  if (response === undefined) throw new DeployedInvokeError(`the agent's \`result\` event is not JSON: ${data.slice(0, 500)}`);
  return response;
}

function streamError(data: string): DeployedInvokeError {
  const parsed = parseJsonOrUndefined(data);
  if (!isRecord(parsed)) return new DeployedInvokeError(`the agent failed: ${data.slice(0, 1000)}`);
  const message = typeof parsed.error === 'string' ? parsed.error : typeof parsed.message === 'string' ? parsed.message : data;
  const status = typeof parsed.statusCode === 'number' ? ` (${parsed.statusCode})` : '';
  const cause = typeof parsed.cause === 'string' && parsed.cause !== '' ? `: ${parsed.cause}` : '';
  return new DeployedInvokeError(`the agent failed${status}: ${message}${cause}`);
}

function agentCoreCallError(error: unknown, arn: string, qualifier: string, region: string): DeployedInvokeError {
  const common = commonProblem(error, 'Amazon Bedrock AgentCore', region);
  if (common !== undefined) return new DeployedInvokeError(common, { cause: error });
  const { name } = errorParts(error);
  const hints: Record<string, string> = {
    ResourceNotFoundException: ` (is endpoint ${qualifier} deployed? run \`cdk deploy\`)`,
    AccessDeniedException: ' (your credentials need bedrock-agentcore:InvokeAgentRuntime on the runtime and its endpoints)',
    RuntimeClientError: ' (the agent itself answered with an error; see its logs)',
    ThrottlingException: ' (try again later)',
    ServiceQuotaExceededException: ' (too many concurrent sessions; try again later)',
  };
  return new DeployedInvokeError(
    `AgentCore InvokeAgentRuntime failed: ${serviceError(error)}${hints[name] ?? ''} [runtime ${arn}, endpoint ${qualifier}]`,
    { cause: error },
  );
}
