/**
 * The line protocol between the `local` command's Lambda endpoint and the runner process that holds
 * the handler (Node: lambda-runner.ts; Python: python/lambda_runner.py). One JSON object per line:
 * requests on the runner's stdin, results on its file descriptor 3, so the handler's own stdout and
 * stderr stay the function's logs.
 */

/** The context fields Lambda passes to a handler (Node names; the Python runner maps them). */
export interface LambdaContextFields {
  readonly awsRequestId: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
}

export interface RunnerRequest {
  readonly id: string;
  readonly event: unknown;
  readonly context: LambdaContextFields;
  /** Epoch milliseconds at which the function times out. */
  readonly deadlineMs: number;
  /**
   * Invoke with response streaming (InvokeWithResponseStream): the handler must be streamified; the
   * runner answers with RunnerStreamMessages instead of one RunnerResult. Node runner only.
   */
  readonly stream?: boolean;
}

/** The client of a streaming invocation went away (see cli/lambda-streaming.ts for the modes). */
export interface RunnerDisconnect {
  readonly id: string;
  readonly disconnect: 'reset' | 'silent';
}

/** A streaming invocation's progress: the HTTP prelude, each body chunk (base64), then its end. */
export type RunnerStreamMessage =
  | { readonly id: string; readonly prelude: { readonly statusCode?: number; readonly headers?: Readonly<Record<string, string>>; readonly cookies?: readonly string[] } }
  | { readonly id: string; readonly body: string }
  | { readonly id: string; readonly streamed: { readonly outcome: 'completed' | 'failed' | 'timedOut' | 'disconnected'; readonly error?: LambdaError } };

/** Lambda's error shape (`errorType`, `errorMessage`, `trace`/`stackTrace`). */
export interface LambdaError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

export type RunnerResult =
  | { readonly id: string; readonly ok: true; readonly response: unknown }
  | { readonly id: string; readonly ok: false; readonly error: LambdaError };
