/**
 * The local state machine harness on hand-written definitions written with the Resource forms the
 * agent task uses (contract: bare function ARN, lambda:invoke.waitForTaskToken with an Event
 * invocation and the callback envelope): Step Functions' error, retry, callback, heartbeat and
 * intrinsic semantics, with real handlers and a real SFNClient talking to the stand-in.
 */
import { SendTaskHeartbeatCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessError, runStateMachine, TaskTokens, type LocalLambdaContext } from '../helpers/local-states.js';
import { startSfnStandIn, type SfnStandIn } from '../helpers/sfn-stand-in.js';
import { answerTaskCallbacks } from '../helpers/sfn-task-tokens.js';

const AGENT_FN = 'arn:aws:lambda:us-east-1:123456789012:function:invoices-agent';
const RELAY_FN = 'arn:aws:lambda:us-east-1:123456789012:function:agentcore-relay';
const RUNTIME_ARN = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/invoices-AbC123';
const CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/** An error as the agent throws it: its name is the Step Functions error name. */
function agentError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** A callback task invoking `functionArn` asynchronously with the contract's envelope. */
function callbackTask(functionArn: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: CALLBACK,
    Parameters: {
      FunctionName: functionArn,
      InvocationType: 'Event',
      Payload: { 'taskToken.$': '$$.Task.Token', 'request.$': '$' },
    },
    ...extra,
  };
}

let sfn: SfnStandIn;
let tokens: TaskTokens;
let client: SFNClient;

beforeAll(async () => {
  sfn = await startSfnStandIn();
  tokens = new TaskTokens();
  answerTaskCallbacks(sfn, tokens);
  client = new SFNClient({ region: 'us-east-1', endpoint: sfn.url, credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local' } });
});

afterAll(async () => {
  client?.destroy();
  await sfn?.close();
});

describe('a Lambda task by function ARN', () => {
  it('a thrown Agent.BadRequest is caught by name, and its Cause is the Lambda error JSON that States.StringToJson reads', async () => {
    const contexts: LocalLambdaContext[] = [];
    const execution = await runStateMachine(
      {
        StartAt: 'Agent',
        States: {
          Agent: {
            Type: 'Task',
            Resource: AGENT_FN,
            Catch: [{ ErrorEquals: ['Agent.BadRequest'], ResultPath: '$.failure', Next: 'Explain' }],
            Next: 'Done',
          },
          Explain: {
            Type: 'Pass',
            Parameters: { 'error.$': '$.failure.Error', 'details.$': 'States.StringToJson($.failure.Cause)' },
            End: true,
          },
          Done: { Type: 'Succeed' },
        },
      },
      { prompt: 'extract', documentId: 'doc-1' },
      {
        handlers: {
          [AGENT_FN]: async (event: unknown, context: LocalLambdaContext) => {
            contexts.push(context);
            expect(event).toEqual({ prompt: 'extract', documentId: 'doc-1' });
            throw agentError('Agent.BadRequest', 'document not allowed: s3://other/doc.pdf');
          },
        },
      },
    );

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.visited).toEqual(['Agent', 'Explain']);
    const output = execution.output as { error: string; details: { errorType: string; errorMessage: string; trace: string[] } };
    expect(output.error).toBe('Agent.BadRequest');
    expect(output.details.errorType).toBe('Agent.BadRequest');
    expect(output.details.errorMessage).toBe('document not allowed: s3://other/doc.pdf');
    expect(output.details.trace[0]).toBe('Agent.BadRequest: document not allowed: s3://other/doc.pdf');
    // The handler ran with a Lambda context: a request id and the time left of its 3 s default.
    expect(contexts).toHaveLength(1);
    expect(contexts[0]!.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(contexts[0]!.invokedFunctionArn).toBe(AGENT_FN);
    expect(contexts[0]!.getRemainingTimeInMillis()).toBeGreaterThan(2_000);
    expect(contexts[0]!.getRemainingTimeInMillis()).toBeLessThanOrEqual(3_000);
  });

  it('an uncaught error fails the execution with the error name and the Lambda error JSON as cause', async () => {
    const execution = await runStateMachine(
      { StartAt: 'Agent', States: { Agent: { Type: 'Task', Resource: AGENT_FN, End: true } } },
      {},
      { handlers: { [AGENT_FN]: async () => Promise.reject(agentError('Agent.Failed', 'model failed')) } },
    );
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Agent.Failed' });
    expect(JSON.parse(execution.cause!)).toMatchObject({ errorType: 'Agent.Failed', errorMessage: 'model failed' });
  });

  it('Retry on Agent.Throttled runs the function again and succeeds on the 3rd attempt, without waiting the real intervals', async () => {
    let attempts = 0;
    const definition = (maxAttempts: number): Record<string, unknown> => ({
      StartAt: 'Agent',
      States: {
        Agent: {
          Type: 'Task',
          Resource: AGENT_FN,
          // 5 s then 10 s between attempts on the service; the harness shortens them.
          Retry: [{ ErrorEquals: ['Agent.Throttled'], IntervalSeconds: 5, BackoffRate: 2, MaxAttempts: maxAttempts }],
          End: true,
        },
      },
    });
    const handlers = {
      [AGENT_FN]: async () => {
        attempts += 1;
        if (attempts < 3) throw agentError('Agent.Throttled', 'slow down');
        return { result: { total: 42 }, metadata: { attempts } };
      },
    };

    const execution = await runStateMachine(definition(2), { prompt: 'p' }, { handlers });
    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: { result: { total: 42 }, metadata: { attempts: 3 } } });
    expect(execution.invocations).toHaveLength(3);
    expect(execution.events.filter((e) => e.type === 'StateRetried')).toHaveLength(2);
    expect(execution.durationMs).toBeLessThan(2_000);

    // One retry fewer, and the throttling reaches the execution.
    attempts = 0;
    const exhausted = await runStateMachine(definition(1), { prompt: 'p' }, { handlers });
    expect(exhausted).toMatchObject({ status: 'FAILED', error: 'Agent.Throttled' });
    expect(exhausted.invocations).toHaveLength(2);
  });

  it('lambda:invoke wraps the function result in Payload, as the optimized integration does', async () => {
    const execution = await runStateMachine(
      {
        StartAt: 'Invoke',
        States: {
          Invoke: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'invoices-agent', 'Payload.$': '$' },
            ResultSelector: { 'agent.$': '$.Payload', 'status.$': '$.StatusCode' },
            End: true,
          },
        },
      },
      { n: 2 },
      { handlers: { [AGENT_FN]: async (event: unknown) => ({ doubled: (event as { n: number }).n * 2 }) } },
    );
    expect(execution.output).toEqual({ agent: { doubled: 4 }, status: 200 });
  });
});

describe('callback tasks (lambda:invoke.waitForTaskToken)', () => {
  it('a Map of 20 items: each iteration gets its own token, the handlers report through SFNClient, outputs stay in item order', async () => {
    const seen: string[] = [];
    const execution = await runStateMachine(
      {
        StartAt: 'Documents',
        States: {
          Documents: {
            Type: 'Map',
            ItemsPath: '$.documents',
            ItemProcessor: { StartAt: 'Agent', States: { Agent: callbackTask(AGENT_FN, { HeartbeatSeconds: 5, End: true }) } },
            End: true,
          },
        },
      },
      { documents: Array.from({ length: 20 }, (_, i) => ({ index: i })) },
      {
        tokens,
        handlers: {
          [AGENT_FN]: async (event: unknown) => {
            const { taskToken, request } = event as { taskToken: string; request: { index: number } };
            seen.push(taskToken);
            // Report in reverse order of the items, so order is the Map's doing, not the handlers'.
            setTimeout(
              () => void client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ result: { index: request.index } }) })),
              (20 - request.index) * 5,
            );
            return { status: 'accepted' };
          },
        },
      },
    );

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toEqual(Array.from({ length: 20 }, (_, i) => ({ result: { index: i } })));
    expect(new Set(execution.taskTokens).size).toBe(20);
    expect(new Set(seen)).toEqual(new Set(execution.taskTokens));
    expect(execution.invocations.every((i) => i.invocationType === 'Event')).toBe(true);
    expect(sfn.callsOf('SendTaskSuccess').filter((c) => execution.taskTokens.includes(String(c.input.taskToken)))).toHaveLength(20);
    // The tasks are closed: a second report is refused as the service refuses it.
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: execution.taskTokens[0]!, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: 'AQCEnot-a-token', output: '{}' }))).rejects.toMatchObject({ name: 'InvalidToken' });
  });

  it('an Event invocation is not awaited: the task ends with the callback, and a handler that throws afterwards is retried by Lambda', async () => {
    const reports: Array<{ attempt: number; answer: string }> = [];
    let attempt = 0;
    const execution = await runStateMachine(
      { StartAt: 'Agent', States: { Agent: callbackTask(AGENT_FN, { End: true }) } },
      { prompt: 'p' },
      {
        tokens,
        asyncRetryDelayMs: 1,
        handlers: {
          [AGENT_FN]: async (event: unknown) => {
            const current = ++attempt;
            const { taskToken } = event as { taskToken: string };
            const answer = await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ attempt: current }) })).then(
              () => 'ok',
              (error: Error) => error.name,
            );
            reports.push({ attempt: current, answer });
            throw new Error('thrown after reporting');
          },
        },
      },
    );
    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: { attempt: 1 } });
    // Lambda's two retries of the asynchronous event find the task closed.
    await Promise.all(execution.invocations.map((i) => i.outcome));
    await expect.poll(() => reports.length, { timeout: 2_000 }).toBe(3);
    expect(reports).toEqual([
      { attempt: 1, answer: 'ok' },
      { attempt: 2, answer: 'TaskTimedOut' },
      { attempt: 3, answer: 'TaskTimedOut' },
    ]);
  });

  it('a synchronous callback invocation (the relay): its answer is not the output, its error fails the task at once', async () => {
    const definition = {
      StartAt: 'Relay',
      States: {
        Relay: {
          Type: 'Task',
          Resource: CALLBACK,
          Parameters: { FunctionName: RELAY_FN, Payload: { agentRuntimeArn: RUNTIME_ARN, payload: { 'taskToken.$': '$$.Task.Token', 'request.$': '$' } } },
          HeartbeatSeconds: 30,
          End: true,
        },
      },
    };
    const accepted = await runStateMachine(definition, { prompt: 'p' }, {
      tokens,
      handlers: {
        [RELAY_FN]: async (event: unknown) => {
          const { taskToken } = (event as { payload: { taskToken: string } }).payload;
          // The agent reports after the relay has answered.
          setTimeout(() => void client.send(new SendTaskSuccessCommand({ taskToken, output: '{"result":"late"}' })), 20);
          return { status: 'accepted', sessionId: null };
        },
      },
    });
    expect(accepted).toMatchObject({ status: 'SUCCEEDED', output: { result: 'late' } });

    const refused = await runStateMachine(definition, { prompt: 'p' }, {
      tokens,
      handlers: { [RELAY_FN]: async () => Promise.reject(agentError('Agent.BadRequest', 'sessionId too short')) },
    });
    expect(refused).toMatchObject({ status: 'FAILED', error: 'Agent.BadRequest' });
    expect(refused.durationMs).toBeLessThan(5_000);
    expect(tokens.isOpen(refused.taskTokens[0]!)).toBe(false);
  });

  it.concurrent('a handler that never reports fails the task with States.HeartbeatTimeout after HeartbeatSeconds', async () => {
    const execution = await runStateMachine(
      {
        StartAt: 'Agent',
        States: {
          Agent: callbackTask(AGENT_FN, {
            HeartbeatSeconds: 1,
            Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.failure', Next: 'TimedOut' }],
            End: true,
          }),
          TimedOut: { Type: 'Pass', End: true },
        },
      },
      { prompt: 'p' },
      { tokens, timeoutMs: 5_000, handlers: { [AGENT_FN]: async () => ({ status: 'accepted' }) } },
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.visited).toEqual(['Agent', 'TimedOut']);
    expect((execution.output as { failure: { Error: string } }).failure.Error).toBe('States.HeartbeatTimeout');
    expect(execution.durationMs).toBeGreaterThanOrEqual(1_000);
    expect(execution.durationMs).toBeLessThan(3_000);
    await expect(client.send(new SendTaskHeartbeatCommand({ taskToken: execution.taskTokens[0]! }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it.concurrent('heartbeats keep a task alive past HeartbeatSeconds until it reports', async () => {
    const execution = await runStateMachine(
      { StartAt: 'Agent', States: { Agent: callbackTask(AGENT_FN, { HeartbeatSeconds: 1, End: true }) } },
      { prompt: 'p' },
      {
        tokens,
        timeoutMs: 5_000,
        handlers: {
          [AGENT_FN]: {
            timeoutSeconds: 10,
            handler: async (event: unknown) => {
              const { taskToken } = event as { taskToken: string };
              for (let i = 0; i < 4; i++) {
                await new Promise((resolve) => setTimeout(resolve, 300));
                await client.send(new SendTaskHeartbeatCommand({ taskToken }));
              }
              await client.send(new SendTaskSuccessCommand({ taskToken, output: '{"done":true}' }));
            },
          },
        },
      },
    );
    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: { done: true } });
    expect(execution.durationMs).toBeGreaterThan(1_200);
  });

  it.concurrent('TimeoutSeconds fails a task that keeps heartbeating with States.Timeout, which States.TaskFailed does not catch', async () => {
    let stop = false;
    const execution = await runStateMachine(
      {
        StartAt: 'Agent',
        States: {
          Agent: callbackTask(AGENT_FN, {
            HeartbeatSeconds: 1,
            TimeoutSeconds: 1,
            Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Caught' }],
            End: true,
          }),
          Caught: { Type: 'Pass', End: true },
        },
      },
      { prompt: 'p' },
      {
        tokens,
        timeoutMs: 5_000,
        handlers: {
          [AGENT_FN]: {
            timeoutSeconds: 10,
            handler: async (event: unknown) => {
              const { taskToken } = event as { taskToken: string };
              while (!stop) {
                await new Promise((resolve) => setTimeout(resolve, 200));
                await client.send(new SendTaskHeartbeatCommand({ taskToken })).catch(() => (stop = true));
              }
            },
          },
        },
      },
    );
    stop = true;
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(execution.visited).toEqual(['Agent']);
    expect(execution.durationMs).toBeLessThan(3_000);
    expect(tokens.isOpen(execution.taskTokens[0]!)).toBe(false);
  });
});

describe('paths', () => {
  it('ResultPath "$" replaces the input with the result, on a state and on a Catch, as when it is absent', async () => {
    const execution = await runStateMachine(
      {
        StartAt: 'Agent',
        States: {
          Agent: { Type: 'Task', Resource: AGENT_FN, Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$', Next: 'Explain' }], End: true },
          Explain: { Type: 'Pass', Parameters: { 'error.$': '$.Error' }, ResultPath: '$', End: true },
        },
      },
      { prompt: 'p' },
      { handlers: { [AGENT_FN]: async () => Promise.reject(agentError('Agent.Failed', 'model failed')) } },
    );
    expect(execution.output).toEqual({ error: 'Agent.Failed' });
  });
});

describe('intrinsics', () => {
  it("States.Format('{}-{}', $$.Execution.Name, States.UUID()) gives each Map iteration its own session id of at least 33 characters", async () => {
    const execution = await runStateMachine(
      {
        StartAt: 'Documents',
        States: {
          Documents: {
            Type: 'Map',
            ItemsPath: '$.documents',
            ItemProcessor: {
              StartAt: 'Relay',
              States: {
                Relay: {
                  Type: 'Task',
                  Resource: RELAY_FN,
                  Parameters: {
                    agentRuntimeArn: RUNTIME_ARN,
                    qualifier: 'DEFAULT',
                    'sessionId.$': "States.Format('{}-{}', $$.Execution.Name, States.UUID())",
                    'payload.$': '$',
                  },
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      },
      { documents: Array.from({ length: 20 }, (_, i) => ({ documentId: `doc-${i}` })) },
      {
        executionName: 'doc-7-execution',
        handlers: { [RELAY_FN]: async (event: unknown) => ({ sessionId: (event as { sessionId: string }).sessionId }) },
      },
    );
    const ids = (execution.output as Array<{ sessionId: string }>).map((o) => o.sessionId);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) {
      expect(id).toMatch(/^doc-7-execution-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(id.length).toBeGreaterThanOrEqual(33);
    }
  });
});

describe('the harness itself', () => {
  it('refuses an invalid definition before running it (asl-validator)', async () => {
    await expect(runStateMachine({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Missing' } } }, {})).rejects.toThrow(/invalid state machine definition[\s\S]*Missing/);
  });

  it('refuses what the interpreter would get wrong (JSONata, variables)', async () => {
    await expect(
      runStateMachine({ QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Output: '{% $states.input %}', End: true } } }, {}),
    ).rejects.toThrow(HarnessError);
    await expect(runStateMachine({ StartAt: 'A', States: { A: { Type: 'Pass', Assign: { x: 1 }, End: true } } }, {})).rejects.toThrow(/A\.Assign/);
  });

  it('a task without a handler is a harness error, not a state machine failure a Catch could hide', async () => {
    await expect(
      runStateMachine(
        { StartAt: 'Agent', States: { Agent: { Type: 'Task', Resource: AGENT_FN, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Ok' }], End: true }, Ok: { Type: 'Succeed' } } },
        {},
      ),
    ).rejects.toThrow(/no handler for Lambda function/);
  });

  it('a run past its bound throws with the states visited so far', async () => {
    await expect(
      runStateMachine(
        { StartAt: 'Start', States: { Start: { Type: 'Pass', Next: 'Agent' }, Agent: callbackTask(AGENT_FN, { End: true }) } },
        {},
        { tokens, timeoutMs: 300, handlers: { [AGENT_FN]: async () => ({ status: 'accepted' }) } },
      ),
    ).rejects.toThrow(/did not finish within 300 ms; states visited: Start → Agent; 1 task\(s\) still waiting/);
  });
});
