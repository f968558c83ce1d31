/**
 * What a Task state's `Resource` does, as Step Functions does it, with the work served by local
 * handlers:
 *
 * - a Lambda function ARN: the function is invoked synchronously with the state's input; its
 *   result is the task's result; a function error fails the task with `Error` = errorType and
 *   `Cause` = Lambda's error payload as a JSON string;
 * - `arn:<p>:states:::lambda:invoke`: the same, with `Parameters.FunctionName`/`Payload`/
 *   `InvocationType`/`Qualifier`; the result is `{ExecutedVersion, Payload, SdkHttpMetadata,
 *   SdkResponseMetadata, StatusCode}` (`InvocationType: Event`: StatusCode 202, not awaited);
 * - `….waitForTaskToken`: the task waits for SendTaskSuccess/SendTaskFailure of its token (see
 *   TaskTokens); the Lambda function is invoked synchronously (its failure fails the task) or, with
 *   `InvocationType: Event`, asynchronously (its failures are only retried by Lambda);
 * - any other resource: the service handler registered for it, called with the Parameters.
 *
 * A task result larger than 256 KiB fails with `States.DataLimitExceeded`.
 */
import { LambdaFunctions, UnknownFunctionError, type LambdaOutcome } from './lambda-functions.js';
import { TaskStateError, type TaskTokens } from './task-tokens.js';

/** A stand-in for a non-Lambda integration (e.g. `arn:aws:states:::aws-sdk:…`), given the Parameters. */
export type ServiceHandler = { handle(parameters: unknown, task: ServiceTask): unknown }['handle'];

export interface ServiceTask {
  readonly stateName: string;
  /** The token of a `.waitForTaskToken` task. */
  readonly taskToken?: string;
}

/** The Task fields the harness reads. */
export interface TaskStateDefinition {
  readonly Resource: string;
  readonly HeartbeatSeconds?: number;
  readonly TimeoutSeconds?: number;
}

/**
 * A mistake in the test, not a state machine failure: the interpreter neither retries nor catches
 * it (it reads these two flags), so the run ends and the harness throws it.
 */
export class HarnessError extends Error {
  public readonly name = 'HarnessError';
  public readonly isRetryable = false;
  public readonly isCatchable = false;
}

const MAX_RESULT_BYTES = 262_144;
const CALLBACK_SUFFIX = '.waitForTaskToken';

export interface TaskResourcesProps {
  readonly lambdas: LambdaFunctions;
  readonly services: Readonly<Record<string, ServiceHandler>>;
  readonly tokens: TaskTokens;
}

export class TaskResources {
  constructor(private readonly props: TaskResourcesProps) {}

  /**
   * Runs one attempt of a Task state on its effective input (after InputPath and Parameters), with
   * the task token the attempt was given, if `$$.Task.Token` was read for it.
   */
  public async run(stateName: string, state: TaskStateDefinition, input: unknown, taskToken: string | undefined): Promise<unknown> {
    const callback = state.Resource.endsWith(CALLBACK_SUFFIX);
    if (callback && (taskToken === undefined || !containsString(input, taskToken))) {
      throw new HarnessError(`${stateName}: a ${CALLBACK_SUFFIX} task must pass $$.Task.Token in its Parameters, or nobody can report its result`);
    }
    const result = await this.dispatch(stateName, state, input, callback ? taskToken : undefined);
    if (Buffer.byteLength(JSON.stringify(result) ?? 'null', 'utf8') > MAX_RESULT_BYTES) {
      throw new TaskStateError('States.DataLimitExceeded', `The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit.`);
    }
    return result;
  }

  private async dispatch(stateName: string, state: TaskStateDefinition, input: unknown, taskToken: string | undefined): Promise<unknown> {
    const resource = state.Resource;
    if (/^arn:[^:]+:lambda:/.test(resource)) {
      return payloadOf(await this.invoke(stateName, resource, input));
    }
    const base = taskToken === undefined ? resource : resource.slice(0, -CALLBACK_SUFFIX.length);
    if (/^arn:[^:]+:states:::lambda:invoke$/.test(base)) {
      return this.lambdaInvoke(stateName, state, input, taskToken);
    }
    const service = this.props.services[resource];
    if (service === undefined) {
      throw new HarnessError(`${stateName}: no service handler for Resource '${resource}'; services: ${Object.keys(this.props.services).join(', ') || 'none'}`);
    }
    const run = async (): Promise<unknown> => service(input, { stateName, ...(taskToken === undefined ? {} : { taskToken }) });
    if (taskToken === undefined) return roundTrip(await run());
    const waited = this.wait(taskToken, state);
    await run();
    return waited;
  }

  /** `lambda:invoke` and `lambda:invoke.waitForTaskToken`. */
  private async lambdaInvoke(stateName: string, state: TaskStateDefinition, input: unknown, taskToken: string | undefined): Promise<unknown> {
    const params = lambdaParameters(stateName, input);
    const functionName = params.Qualifier === undefined ? params.FunctionName : `${params.FunctionName}:${params.Qualifier}`;
    const waited = taskToken === undefined ? undefined : this.wait(taskToken, state);
    if (params.InvocationType === 'Event') {
      this.catchUnknown(stateName, () => this.props.lambdas.invokeAsync(functionName, params.Payload));
      return waited ?? { Payload: '', SdkHttpMetadata: httpMetadata(202), SdkResponseMetadata: { RequestId: 'local' }, StatusCode: 202 };
    }
    const outcome = await this.invoke(stateName, functionName, params.Payload);
    if (waited !== undefined) {
      if (!outcome.ok) this.props.tokens.expire(taskToken!);
      payloadOf(outcome);
      return waited;
    }
    return {
      ExecutedVersion: '$LATEST',
      Payload: payloadOf(outcome),
      SdkHttpMetadata: httpMetadata(200),
      SdkResponseMetadata: { RequestId: 'local' },
      StatusCode: 200,
    };
  }

  private invoke(stateName: string, functionName: string, payload: unknown): Promise<LambdaOutcome> {
    return this.catchUnknown(stateName, () => this.props.lambdas.invoke(functionName, payload));
  }

  /**
   * The callback's result, already observed (a heartbeat timeout before it is awaited is no
   * unhandled rejection). TimeoutSeconds is left to the interpreter, whose timer starts right after
   * this task does and fails the state with its own States.Timeout; the token is expired just after
   * it (a timer set one microtask later, for the same time, runs after the interpreter's).
   */
  private wait(taskToken: string, state: TaskStateDefinition): Promise<unknown> {
    const { tokens } = this.props;
    const waited = tokens.wait(taskToken, state.HeartbeatSeconds === undefined ? {} : { heartbeatSeconds: state.HeartbeatSeconds });
    let timer: NodeJS.Timeout | undefined;
    const timeoutSeconds = state.TimeoutSeconds;
    if (timeoutSeconds !== undefined) queueMicrotask(() => (timer = setTimeout(() => tokens.expire(taskToken), timeoutSeconds * 1000)));
    waited.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
    return waited;
  }

  private catchUnknown<T>(stateName: string, call: () => T): T {
    try {
      return call();
    } catch (error) {
      if (error instanceof UnknownFunctionError) throw new HarnessError(`${stateName}: ${error.message}`);
      throw error;
    }
  }
}

interface LambdaInvokeParameters {
  readonly FunctionName: string;
  readonly Payload?: unknown;
  readonly InvocationType?: 'RequestResponse' | 'Event' | 'DryRun';
  readonly Qualifier?: string;
}

function lambdaParameters(stateName: string, input: unknown): LambdaInvokeParameters {
  const params = input as Partial<LambdaInvokeParameters> | null;
  if (typeof params?.FunctionName !== 'string') throw new HarnessError(`${stateName}: lambda:invoke needs Parameters.FunctionName`);
  if (params.InvocationType === 'DryRun') throw new HarnessError(`${stateName}: InvocationType DryRun is not emulated`);
  return params as LambdaInvokeParameters;
}

/** The function's result, or its error as Step Functions reports it. */
function payloadOf(outcome: LambdaOutcome): unknown {
  if (outcome.ok) return outcome.payload;
  throw new TaskStateError(outcome.error.errorType, JSON.stringify(outcome.error));
}

function httpMetadata(status: number): Record<string, unknown> {
  return { AllHttpHeaders: {}, HttpHeaders: {}, HttpStatusCode: status };
}

function roundTrip(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function containsString(value: unknown, wanted: string): boolean {
  if (typeof value === 'string') return value === wanted;
  if (Array.isArray(value)) return value.some((v) => containsString(v, wanted));
  if (value !== null && typeof value === 'object') return Object.values(value).some((v) => containsString(v, wanted));
  return false;
}
