// A local stand-in for the Step Functions API, speaking its AWS JSON 1.0 protocol as the real SDK
// (`@aws-sdk/client-sfn`) sends it: `POST /`, `X-Amz-Target: AWSStepFunctions.<Operation>`,
// `Content-Type: application/x-amz-json-1.0`, a JSON body, SigV4-signed. Errors come back as the
// service sends them: a 4xx with `{"__type": "com.amazonaws.swf.service.v2.model#<Name>",
// "message"}`, which the SDK turns into an exception named <Name> (TaskTimedOut...).
//
//   const sfn = await startSfnStandIn();            // point the SDK at sfn.url (AWS_ENDPOINT_URL_SFN)
//   sfn.answer('SendTaskHeartbeat', () => sfnError('TaskTimedOut', 'Task Timed Out'));
//   await sfn.waitFor((calls) => calls.some((c) => c.operation === 'SendTaskSuccess'), 2_000);
//   await sfn.close();
//
// StartExecution is answered as the service does for a Standard state machine: executions are
// kept by name (`sfn.executions`); a name already used is ExecutionAlreadyExists unless the same
// input reaches a still RUNNING execution, which gets the first call's answer again (idempotent).
// Set an execution's status to close it; replace the answer for some calls and give the others to
// `answerByDefault`.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One API call as received. */
export interface SfnCall {
  /** `SendTaskSuccess`, `SendTaskFailure`, `SendTaskHeartbeat`, `StartExecution`... */
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  /** `Date.now()` when it arrived. */
  readonly at: number;
}

/** What the stand-in answers: a status and a JSON body. */
export interface SfnReply {
  readonly status: number;
  readonly body: unknown;
}

/** Answers one call; may be async (to delay or hang an answer). */
export type SfnAnswer = (call: SfnCall) => SfnReply | Promise<SfnReply>;

/** An execution StartExecution started. */
export interface SfnExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  /** The input as sent (a JSON string; `{}` when none was sent). */
  readonly input: string;
  /** Epoch seconds, as the service answers it. */
  readonly startDate: number;
  /** `RUNNING` when started; set another status to close it. */
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
}

export interface SfnStandIn {
  /** `http://127.0.0.1:<port>`: the SDK's `endpoint`, or AWS_ENDPOINT_URL_SFN. */
  readonly url: string;
  /** Every call received, in order (protocol errors included). */
  readonly calls: SfnCall[];
  /** Replaces the answer to `operation`; `undefined` restores the default. */
  answer(operation: string, handler: SfnAnswer | undefined): void;
  /** The stand-in's own answer to `call` (for a replacement that changes only some calls). */
  answerByDefault(call: SfnCall): SfnReply | Promise<SfnReply>;
  /** The executions StartExecution started, by execution ARN. */
  readonly executions: Map<string, SfnExecution>;
  /** Resolves once `done(calls)` holds; rejects after `timeoutMs` naming `what`. */
  waitFor(done: (calls: readonly SfnCall[]) => boolean, timeoutMs: number, what?: string): Promise<void>;
  /** The calls of one operation. */
  callsOf(operation: string): SfnCall[];
  close(): Promise<void>;
}

const TARGET_PREFIX = 'AWSStepFunctions.';
const ERROR_NAMESPACE = 'com.amazonaws.swf.service.v2.model';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** Step Functions' limit on a task's output (bytes in UTF-8). */
const MAX_OUTPUT_BYTES = 262_144;

/** A service error as Step Functions sends it (status 400 unless given). */
export function sfnError(name: string, message: string, status = 400): SfnReply {
  return { status, body: { __type: `${ERROR_NAMESPACE}#${name}`, message } };
}

const ok: SfnReply = { status: 200, body: {} };

function requireToken(input: Record<string, unknown>): SfnReply | undefined {
  const token = input.taskToken;
  return typeof token === 'string' && token.length >= 1 && token.length <= 1024
    ? undefined
    : sfnError('ValidationException', "1 validation error detected: Value at 'taskToken' failed to satisfy constraint: Member must have length between 1 and 1024");
}

/** The default answers: the SendTask* operations succeed when their input is what the service accepts. */
const DEFAULTS: Record<string, SfnAnswer> = {
  SendTaskHeartbeat: ({ input }) => requireToken(input) ?? ok,
  SendTaskSuccess: ({ input }) => {
    const output = input.output;
    if (typeof output !== 'string') return sfnError('ValidationException', "1 validation error detected: Value null at 'output' failed to satisfy constraint: Member must not be null");
    if (Buffer.byteLength(output) > MAX_OUTPUT_BYTES) {
      return sfnError('ValidationException', `1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to ${MAX_OUTPUT_BYTES}`);
    }
    try {
      JSON.parse(output);
    } catch {
      return sfnError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
    }
    return requireToken(input) ?? ok;
  },
  SendTaskFailure: ({ input }) => {
    if (typeof input.error === 'string' && input.error.length > 256) {
      return sfnError('ValidationException', "1 validation error detected: Value at 'error' failed to satisfy constraint: Member must have length less than or equal to 256");
    }
    if (typeof input.cause === 'string' && input.cause.length > 32_768) {
      return sfnError('ValidationException', "1 validation error detected: Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to 32768");
    }
    return requireToken(input) ?? ok;
  },
};

/** Step Functions' limit on an execution's input (bytes in UTF-8). */
const MAX_INPUT_BYTES = 262_144;
// arn:<partition>:states:<region>:<account>:stateMachine:<name>[:<version or alias>]
const STATE_MACHINE_ARN = /^(arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}):stateMachine:([^:\s]{1,80})(?::[^:\s]+)?$/;
// What the StartExecution reference forbids in a name: whitespace, brackets, wildcards, specials, control characters.
const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

/** StartExecution as the service answers it for a Standard state machine (any well-formed ARN exists). */
function startExecutionAnswer(executions: Map<string, SfnExecution>): SfnAnswer {
  return ({ input }) => {
    const { stateMachineArn, name = randomUUID(), input: executionInput = '{}' } = input;
    const arn = typeof stateMachineArn === 'string' ? STATE_MACHINE_ARN.exec(stateMachineArn) : null;
    if (typeof stateMachineArn !== 'string' || arn === null) return sfnError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${String(stateMachineArn)}'`);
    if (typeof name !== 'string' || name.length < 1 || name.length > 80 || NAME_FORBIDDEN.test(name)) return sfnError('InvalidName', `Invalid Name: '${String(name)}'`);
    if (typeof executionInput !== 'string') return sfnError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input must be a string');
    if (Buffer.byteLength(executionInput) > MAX_INPUT_BYTES) {
      return sfnError('InvalidExecutionInput', `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${MAX_INPUT_BYTES}`);
    }
    try {
      JSON.parse(executionInput);
    } catch {
      return sfnError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not valid JSON');
    }
    const executionArn = `${arn[1]}:execution:${arn[2]}:${name}`;
    const existing = executions.get(executionArn);
    if (existing !== undefined) {
      // The same name and input while the execution runs is the same call again; anything else is refused.
      if (existing.status === 'RUNNING' && existing.input === executionInput) return { status: 200, body: { executionArn, startDate: existing.startDate } };
      return sfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution: SfnExecution = { executionArn, stateMachineArn, name, input: executionInput, startDate: Date.now() / 1000, status: 'RUNNING' };
    executions.set(executionArn, execution);
    return { status: 200, body: { executionArn, startDate: execution.startDate } };
  };
}

/** Starts the stand-in on 127.0.0.1 and a free port. */
export async function startSfnStandIn(): Promise<SfnStandIn> {
  const calls: SfnCall[] = [];
  const answers = new Map<string, SfnAnswer>();
  const waiters = new Set<() => void>();
  const executions = new Map<string, SfnExecution>();
  const defaults: Record<string, SfnAnswer> = { ...DEFAULTS, StartExecution: startExecutionAnswer(executions) };
  const noAnswer = (operation: string): SfnReply => sfnError('UnknownOperationException', `No answer for ${operation} in the stand-in; give one with answer()`);

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (answer: SfnReply): void => {
        const text = JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text), 'x-amzn-RequestId': randomUUID() });
        res.end(text);
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
      let input: Record<string, unknown> = {};
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) input = parsed as Record<string, unknown>;
      } catch {
        input = {};
      }
      const call: SfnCall = { operation, input, headers: req.headers, at: Date.now() };
      calls.push(call);
      for (const wake of [...waiters]) wake();
      // What the real endpoint refuses before any operation runs.
      if (req.method !== 'POST' || (req.url ?? '/') !== '/') return reply(sfnError('UnknownOperationException', `${req.method} ${req.url}`, 404));
      if (!target.startsWith(TARGET_PREFIX)) return reply(sfnError('UnknownOperationException', `Unknown target: ${target}`));
      if (!String(req.headers['content-type'] ?? '').startsWith(CONTENT_TYPE)) return reply(sfnError('UnknownOperationException', `Content-Type must be ${CONTENT_TYPE}`));
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) return reply(sfnError('MissingAuthenticationTokenException', 'Missing Authentication Token'));
      const handler = answers.get(operation) ?? defaults[operation];
      if (handler === undefined) return reply(noAnswer(operation));
      Promise.resolve()
        .then(() => handler(call))
        .then(reply, (error: unknown) => reply(sfnError('InternalFailure', String(error), 500)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    executions,
    answer(operation, handler) {
      if (handler === undefined) answers.delete(operation);
      else answers.set(operation, handler);
    },
    answerByDefault: (call) => defaults[call.operation]?.(call) ?? noAnswer(call.operation),
    callsOf: (operation) => calls.filter((call) => call.operation === operation),
    waitFor(done, timeoutMs, what = 'the expected Step Functions calls') {
      if (done(calls)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!done(calls)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; calls so far: ${calls.map((c) => c.operation).join(', ') || 'none'}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
