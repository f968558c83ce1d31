/**
 * Runs an Amazon States Language definition (as CloudFormation deploys it, intrinsics resolved)
 * in this process with aws-local-stepfunctions, its Task states served by real handlers (see
 * TaskResources), so a test executes a state machine the way Step Functions would.
 *
 * - The definition is validated with asl-validator first; features the interpreter would silently
 *   get wrong (JSONata, variables, distributed Map, …Path timeouts) are refused.
 * - Every callback task attempt gets its own task token (`$$.Task.Token`), waited on in `tokens`,
 *   which a Step Functions stand-in answers from.
 * - Retry intervals and Wait states are shortened (`retryIntervalMs`, `waitMs`) through the
 *   interpreter's overrides; HeartbeatSeconds and TimeoutSeconds run in real time.
 * - The run is bounded: past `timeoutMs` it is aborted and the harness throws, naming the states
 *   visited and the tasks still waiting.
 *
 *   const sfn = await startSfnStandIn();          // handlers' SFNClient → sfn.url
 *   const tokens = new TaskTokens();
 *   answerTaskCallbacks(sfn, tokens);              // SendTask* complete the callback tasks
 *   const run = await runStateMachine(definition, input, { handlers: { [functionArn]: handler }, tokens });
 *   expect(run).toMatchObject({ status: 'SUCCEEDED', output: { result: ... } });
 *
 * Known differences from Step Functions (the interpreter's): inside a Map iteration or a Parallel
 * branch `$$.Execution.Input` is the iteration's input and `$$.Execution.StartTime` its start;
 * `$$.State` has only `EnteredTime` (the harness's: see STATE_CONTEXT); a Task without
 * TimeoutSeconds times out after 60 s (the service: never); a Map runs at most 40 iterations at a
 * time.
 */
import './node22-polyfill.js';
import { randomUUID } from 'node:crypto';
import { ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { validateDefinition } from './asl-validation.js';
import { LambdaFunctions, type LambdaFunctionConfig, type LambdaHandler, type LambdaInvocation } from './lambda-functions.js';
import { HarnessError, TaskResources, type ServiceHandler, type TaskStateDefinition } from './task-resources.js';
import { TaskTokens } from './task-tokens.js';

export { HarnessError } from './task-resources.js';
export type { ServiceHandler, ServiceTask } from './task-resources.js';
export type { LambdaHandler, LambdaFunctionConfig, LambdaInvocation, LocalLambdaContext } from './lambda-functions.js';
export { TaskStateError, TaskTokens, type TaskTokenAnswer } from './task-tokens.js';

export type ExecutionEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
// The interpreter's own types, which it does not export by name.
type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
type LocalTaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JsonValue = Parameters<StateMachine['run']>[0];

export interface RunStateMachineOptions {
  /** Lambda functions by unqualified ARN: their handler, or handler and configuration. */
  readonly handlers?: Readonly<Record<string, LambdaHandler | LambdaFunctionConfig>>;
  /** Other integrations by their exact `Resource` (e.g. `arn:aws:states:::aws-sdk:bedrockagentcore:invokeAgentRuntime`). */
  readonly services?: Readonly<Record<string, ServiceHandler>>;
  /** Where task tokens are issued and answered; share it with the Step Functions stand-in. @default a new one */
  readonly tokens?: TaskTokens;
  /** @default arn:aws:states:us-east-1:123456789012:stateMachine:LocalStateMachine */
  readonly stateMachineArn?: string;
  /** @default a UUID, as StartExecution names an execution */
  readonly executionName?: string;
  /** The bound on the whole run. @default 10_000 */
  readonly timeoutMs?: number;
  /** Every Retry waits this long instead of IntervalSeconds × BackoffRate^n. @default 0 */
  readonly retryIntervalMs?: number;
  /** Every Wait state waits this long. @default 0 */
  readonly waitMs?: number;
  /** Delay before Lambda retries a failed asynchronous invocation. @default 10 */
  readonly asyncRetryDelayMs?: number;
}

export interface LocalExecution {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly executionArn: string;
  /** The interpreter's event log. */
  readonly events: readonly ExecutionEvent[];
  /** States entered, in order; a Map iteration's as `Name[index]`. */
  readonly visited: readonly string[];
  readonly invocations: readonly LambdaInvocation[];
  /** Task tokens issued, in order. */
  readonly taskTokens: readonly string[];
  readonly durationMs: number;
}

type StateRecord = Record<string, unknown>;

/**
 * `$$.State.EnteredTime`, which the interpreter does not provide: the time it is read. A state reads
 * it while its InputPath and Parameters are evaluated, at once on entering it, so this is its entry
 * time to the millisecond; on a retry it is the attempt's time (the service keeps the first entry's).
 */
const STATE_CONTEXT = {
  get EnteredTime(): string {
    return new Date().toISOString();
  },
};

/** Executes `definition` on `input`; resolves with how the execution ended, rejects on a harness error or past the bound. */
export async function runStateMachine(definition: unknown, input: unknown, options: RunStateMachineOptions = {}): Promise<LocalExecution> {
  const started = performance.now();
  validateDefinition(definition);
  const states = statesOf(definition as StateRecord);
  refuseUnsupported(definition as StateRecord, states);

  const tokens = options.tokens ?? new TaskTokens();
  const lambdas = new LambdaFunctions(options.handlers ?? {}, { ...(options.asyncRetryDelayMs === undefined ? {} : { asyncRetryDelayMs: options.asyncRetryDelayMs }) });
  const resources = new TaskResources({ lambdas, services: options.services ?? {}, tokens });
  const issued: string[] = [];
  // `$$.Task.Token` is read while the state's Parameters are evaluated, and the interpreter calls
  // the task's handler right after, synchronously: the token read is handed to that attempt.
  let pending: string | undefined;
  const take = (): string | undefined => {
    const token = pending;
    pending = undefined;
    return token;
  };
  const Task = {
    get Token(): string {
      if (pending === undefined) issued.push((pending = tokens.issue()));
      return pending;
    },
  };

  const taskHandlers: LocalTaskHandlers = {};
  const retryIntervalOverrides: Record<string, number> = {};
  const waitTimeOverrides: Record<string, number> = {};
  for (const [name, state] of states) {
    if (state.Type === 'Task') {
      const task = taskFields(state);
      taskHandlers[name] = (taskInput) => resources.run(name, task, taskInput, take()) as Promise<JsonValue>;
    }
    if (Array.isArray(state.Retry)) retryIntervalOverrides[name] = options.retryIntervalMs ?? 0;
    if (state.Type === 'Wait') waitTimeOverrides[name] = options.waitMs ?? 0;
  }

  const stateMachineArn = options.stateMachineArn ?? 'arn:aws:states:us-east-1:123456789012:stateMachine:LocalStateMachine';
  const stateMachineName = stateMachineArn.split(':')[6] ?? 'LocalStateMachine';
  const executionName = options.executionName ?? randomUUID();
  const executionArn = stateMachineArn.replace(':stateMachine:', ':execution:') + `:${executionName}`;
  // Validated above; the interpreter's own validation (an older asl-validator) would repeat it.
  const machine = new StateMachine(withoutRootResultPaths(definition) as StateMachineDefinition, { validationOptions: { noValidate: true } });
  const execution = machine.run(roundTrip(input) as JsonValue, {
    overrides: { taskResourceLocalHandlers: taskHandlers, retryIntervalOverrides, waitTimeOverrides },
    context: {
      Execution: { Id: executionArn, Name: executionName, RoleArn: `arn:aws:iam::${stateMachineArn.split(':')[4]}:role/LocalStateMachineRole`, RedriveCount: 0 },
      StateMachine: { Id: stateMachineArn, Name: stateMachineName },
      State: STATE_CONTEXT,
      Task,
    },
  });

  const events: ExecutionEvent[] = [];
  const logged = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  const finish = async (): Promise<void> => {
    // Tasks still open belong to an execution that is over: their tokens are refused from now on.
    for (const token of issued) tokens.expire(token);
    // The event log is read asynchronously: its last events may still be on their way.
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([logged, new Promise((resolve) => (grace = setTimeout(resolve, 50)))]);
    clearTimeout(grace);
  };
  const report = (ended: Pick<LocalExecution, 'status' | 'output' | 'error' | 'cause'>): LocalExecution => ({
    ...ended,
    executionArn,
    events,
    visited: visitedStates(events),
    invocations: lambdas.invocations,
    taskTokens: issued,
    durationMs: performance.now() - started,
  });

  const timeoutMs = options.timeoutMs ?? 10_000;
  let bound: NodeJS.Timeout | undefined;
  const overdue = new Promise<'overdue'>((resolve) => (bound = setTimeout(() => resolve('overdue'), timeoutMs)));
  const settled = execution.result.then(
    (output) => ({ ok: true as const, output }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const outcome = await Promise.race([settled, overdue]);
  clearTimeout(bound);
  if (outcome === 'overdue') {
    const waiting = issued.filter((token) => tokens.isOpen(token)).length;
    execution.abort();
    await finish();
    throw new Error(
      `the state machine did not finish within ${timeoutMs} ms; states visited: ${visitedStates(events).join(' → ') || 'none'}; ` +
        `${waiting} task(s) still waiting for a callback; ${lambdas.invocations.length} Lambda invocation(s)`,
    );
  }
  await finish();
  if (outcome.ok) return report({ status: 'SUCCEEDED', output: outcome.output });
  if (outcome.error instanceof ExecutionTimeoutError) return report({ status: 'TIMED_OUT' });
  const failure = outcome.error instanceof ExecutionError ? outcome.error.cause : outcome.error;
  if (failure instanceof HarnessError || !(failure instanceof Error)) throw failure;
  return report({ status: 'FAILED', error: failure.name, cause: failure.message });
}

/** Every state of the definition, nested ones (Map, Parallel) included, by name. */
function statesOf(scope: StateRecord, into = new Map<string, StateRecord>()): Map<string, StateRecord> {
  for (const [name, state] of Object.entries((scope.States ?? {}) as Record<string, StateRecord>)) {
    into.set(name, state);
    for (const nested of [state.Iterator, state.ItemProcessor, ...(Array.isArray(state.Branches) ? state.Branches : [])]) {
      if (nested !== undefined) statesOf(nested as StateRecord, into);
    }
  }
  return into;
}

/** Fields the interpreter does not implement: running them would give a wrong answer without a word. */
const UNSUPPORTED_FIELDS = [
  'QueryLanguage',
  'Arguments',
  'Output',
  'Assign',
  'Credentials',
  'HeartbeatSecondsPath',
  'TimeoutSecondsPath',
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'ToleratedFailureCount',
  'ToleratedFailurePercentage',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
  'Label',
];

function refuseUnsupported(definition: StateRecord, states: Map<string, StateRecord>): void {
  const found: string[] = [];
  if (definition.QueryLanguage !== undefined && definition.QueryLanguage !== 'JSONPath') found.push(`QueryLanguage ${String(definition.QueryLanguage)}`);
  for (const [name, state] of states) {
    for (const field of UNSUPPORTED_FIELDS) {
      if (state[field] === undefined || (field === 'QueryLanguage' && state[field] === 'JSONPath')) continue;
      found.push(`${name}.${field}`);
    }
    const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
    if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') found.push(`${name}: distributed Map`);
  }
  if (found.length > 0) throw new HarnessError(`the local interpreter cannot run: ${found.join(', ')}`);
}

/**
 * A copy without `ResultPath: "$"` (the result replaces the input), which means what an absent
 * ResultPath means; aws-local-stepfunctions 3.0.0 would write the result to a field named "$".
 */
function withoutRootResultPaths(definition: unknown): unknown {
  const copy = roundTrip(definition) as StateRecord;
  for (const state of statesOf(copy).values()) {
    const catchers = Array.isArray(state.Catch) ? (state.Catch as StateRecord[]) : [];
    for (const holder of [state, ...catchers]) if (holder.ResultPath === '$') delete holder.ResultPath;
  }
  return copy;
}

/** The Task fields the harness reads (asl-validator has checked their types). */
function taskFields(state: StateRecord): TaskStateDefinition {
  return {
    Resource: String(state.Resource),
    ...(typeof state.HeartbeatSeconds === 'number' ? { HeartbeatSeconds: state.HeartbeatSeconds } : {}),
    ...(typeof state.TimeoutSeconds === 'number' ? { TimeoutSeconds: state.TimeoutSeconds } : {}),
  };
}

function visitedStates(events: readonly ExecutionEvent[]): string[] {
  return events.flatMap((event) => {
    if (event.type !== 'StateEntered') return [];
    return [event.index === undefined ? event.state.name : `${event.state.name}[${event.index}]`];
  });
}

function roundTrip(value: unknown): unknown {
  return value === undefined ? {} : JSON.parse(JSON.stringify(value));
}
