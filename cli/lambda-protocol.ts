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
}

/** Lambda's error shape (`errorType`, `errorMessage`, `trace`/`stackTrace`). */
export interface LambdaError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

export type RunnerResult =
  | { readonly id: string; readonly ok: true; readonly response: unknown }
  | { readonly id: string; readonly ok: false; readonly error: LambdaError };
