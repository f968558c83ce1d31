/**
 * Lambda functions served in this process by their real handlers, invoked as Lambda invokes them
 * for Step Functions: the event and the result go through JSON; the handler gets a context with
 * `awsRequestId`, `getRemainingTimeInMillis` and the function's names; a thrown error becomes
 * Lambda's error payload `{errorType, errorMessage, trace}` (as the Node.js runtime builds it); the
 * function's timeout ends an invocation with `Sandbox.Timedout`; an asynchronous (`Event`) invocation
 * is not awaited by the caller and is retried after a failure (MaximumRetryAttempts, default 2).
 *
 * Not emulated: a timed-out handler is not frozen (its promise is abandoned, not stopped); no
 * concurrency limits, no cold starts, no payload size limits of Lambda itself.
 */
import { randomUUID } from 'node:crypto';
import type { LambdaContextFields, LambdaError } from '../../cli/lambda-protocol.js';

export interface LocalLambdaContext extends LambdaContextFields {
  readonly callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

/**
 * A handler as Lambda calls it. (Declared as a method so that handlers typed with a narrower event,
 * or an optional context, are accepted: method parameters are compared bivariantly.)
 */
export type LambdaHandler = { handle(event: unknown, context: LocalLambdaContext): unknown }['handle'];

export interface LambdaFunctionConfig {
  readonly handler: LambdaHandler;
  /** The function's timeout. @default 3 (Lambda's default) */
  readonly timeoutSeconds?: number;
  /** @default 128 */
  readonly memorySize?: number;
  /** Retries of a failed asynchronous invocation (the EventInvokeConfig). @default 2 */
  readonly maximumRetryAttempts?: number;
}

export type InvocationType = 'RequestResponse' | 'Event';

export type LambdaOutcome = { readonly ok: true; readonly payload: unknown } | { readonly ok: false; readonly error: LambdaError };

export interface LambdaInvocation {
  /** The ARN the function was invoked by (with its qualifier, if the caller gave one). */
  readonly invokedFunctionArn: string;
  readonly invocationType: InvocationType;
  readonly event: unknown;
  readonly awsRequestId: string;
  /** 1 for the first attempt; an asynchronous retry counts up. */
  readonly attempt: number;
  /** Settles (never rejects) when the handler returns, throws or times out. */
  readonly outcome: Promise<LambdaOutcome>;
}

export interface LambdaFunctionsOptions {
  /** Delay before retrying a failed asynchronous invocation (Lambda waits about 1 then 2 minutes). @default 10 */
  readonly asyncRetryDelayMs?: number;
}

interface FunctionEntry {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  readonly account: string;
  readonly config: LambdaFunctionConfig;
}

/** Step Functions' error for a FunctionName no function answers to (Lambda's ResourceNotFoundException). */
export class UnknownFunctionError extends Error {
  public readonly name = 'UnknownFunctionError';
}

/** The payload Lambda's Node.js runtime returns for a thrown value (its toRapidResponse). */
export function lambdaErrorPayload(thrown: unknown): LambdaError {
  if (thrown instanceof Error) {
    return { errorType: thrown.name, errorMessage: thrown.message, trace: (thrown.stack ?? '').split('\n') };
  }
  return { errorType: typeof thrown, errorMessage: String(thrown), trace: [] };
}

export class LambdaFunctions {
  /** Every invocation, in the order it started. */
  public readonly invocations: LambdaInvocation[] = [];
  private readonly functions: FunctionEntry[];
  private readonly asyncRetryDelayMs: number;

  constructor(functions: Readonly<Record<string, LambdaHandler | LambdaFunctionConfig>>, options: LambdaFunctionsOptions = {}) {
    this.functions = Object.entries(functions).map(([arn, value]) => {
      const parts = parseFunctionRef(arn);
      if (parts.region === undefined || parts.account === undefined || parts.qualifier !== undefined) {
        throw new Error(`handlers are keyed by an unqualified function ARN (arn:aws:lambda:<region>:<account>:function:<name>); got '${arn}'`);
      }
      return { arn, name: parts.name, region: parts.region, account: parts.account, config: typeof value === 'function' ? { handler: value } : value };
    });
    this.asyncRetryDelayMs = options.asyncRetryDelayMs ?? 10;
  }

  /** Whether a FunctionName (name, partial or full ARN, with or without qualifier) has a handler. */
  public has(functionName: string): boolean {
    return this.find(functionName) !== undefined;
  }

  /** A synchronous invocation: the handler's outcome. */
  public invoke(functionName: string, payload: unknown): Promise<LambdaOutcome> {
    return this.start(functionName, payload, 'RequestResponse', 1).outcome;
  }

  /** An asynchronous invocation: returns at once; a failure is retried in the background. */
  public invokeAsync(functionName: string, payload: unknown): LambdaInvocation {
    const first = this.start(functionName, payload, 'Event', 1);
    const retries = this.find(functionName)!.entry.config.maximumRetryAttempts ?? 2;
    const retry = async (previous: LambdaInvocation): Promise<void> => {
      const outcome = await previous.outcome;
      if (outcome.ok || previous.attempt > retries) return;
      await new Promise((resolve) => setTimeout(resolve, this.asyncRetryDelayMs));
      await retry(this.start(functionName, payload, 'Event', previous.attempt + 1));
    };
    void retry(first);
    return first;
  }

  private find(functionName: string): { entry: FunctionEntry; invokedArn: string } | undefined {
    const ref = parseFunctionRef(functionName);
    const entry = this.functions.find(
      (f) => f.name === ref.name && (ref.account === undefined || ref.account === f.account) && (ref.region === undefined || ref.region === f.region),
    );
    if (entry === undefined) return undefined;
    return { entry, invokedArn: ref.qualifier === undefined ? entry.arn : `${entry.arn}:${ref.qualifier}` };
  }

  private start(functionName: string, payload: unknown, invocationType: InvocationType, attempt: number): LambdaInvocation {
    const found = this.find(functionName);
    if (found === undefined) {
      throw new UnknownFunctionError(`no handler for Lambda function '${functionName}'; handlers: ${this.functions.map((f) => f.arn).join(', ') || 'none'}`);
    }
    const { entry, invokedArn } = found;
    const awsRequestId = randomUUID();
    // Lambda hands the handler its own parse of the serialized payload.
    const event = payload === undefined ? {} : JSON.parse(JSON.stringify(payload));
    const timeoutSeconds = entry.config.timeoutSeconds ?? 3;
    const deadline = Date.now() + timeoutSeconds * 1000;
    const context: LocalLambdaContext = {
      awsRequestId,
      functionName: entry.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: invokedArn,
      memoryLimitInMB: String(entry.config.memorySize ?? 128),
      logGroupName: `/aws/lambda/${entry.name}`,
      logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    const invocation: LambdaInvocation = {
      invokedFunctionArn: invokedArn,
      invocationType,
      event: JSON.parse(JSON.stringify(event)),
      awsRequestId,
      attempt,
      outcome: runHandler(entry.config.handler, event, context, timeoutSeconds),
    };
    this.invocations.push(invocation);
    return invocation;
  }
}

async function runHandler(handler: LambdaHandler, event: unknown, context: LocalLambdaContext, timeoutSeconds: number): Promise<LambdaOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<LambdaOutcome>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ok: false,
          error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${context.awsRequestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds` },
        }),
      timeoutSeconds * 1000,
    );
  });
  const ran = (async (): Promise<LambdaOutcome> => {
    try {
      const result = await handler(event, context);
      // JSON.stringify(undefined) is undefined: Lambda returns null then.
      return { ok: true, payload: result === undefined ? null : JSON.parse(JSON.stringify(result)) };
    } catch (error) {
      return { ok: false, error: lambdaErrorPayload(error) };
    }
  })();
  try {
    return await Promise.race([ran, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

interface FunctionRef {
  readonly name: string;
  readonly qualifier?: string;
  readonly region?: string;
  readonly account?: string;
}

/** A FunctionName as Lambda accepts it: `name[:qualifier]`, `account:function:name[:qualifier]` or the ARN. */
export function parseFunctionRef(functionName: string): FunctionRef {
  const parts = functionName.split(':');
  if (parts[0] === 'arn' && parts[2] === 'lambda' && parts[5] === 'function' && parts.length >= 7 && parts.length <= 8) {
    return { region: parts[3], account: parts[4], name: parts[6]!, ...(parts[7] === undefined ? {} : { qualifier: parts[7] }) };
  }
  if (parts[1] === 'function' && parts.length >= 3 && parts.length <= 4) {
    return { account: parts[0], name: parts[2]!, ...(parts[3] === undefined ? {} : { qualifier: parts[3] }) };
  }
  if (parts.length <= 2) return { name: parts[0]!, ...(parts[1] === undefined ? {} : { qualifier: parts[1] }) };
  throw new Error(`'${functionName}' is not a Lambda function name, partial ARN or ARN`);
}
