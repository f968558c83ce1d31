/**
 * `InvokeAgent` refuses, at construction, what a state machine could not run, from inputs as plain
 * JavaScript or another jsii language may pass them (cast through `unknown`): an
 * `InvalidRuntimeConfigError` naming the field, the value given and what is allowed. The accepted
 * neighbours of each bound are built too, so a check that refuses too much fails here as well.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import {
  AgentCoreInvocation, AgentRuntimeType, BatchAgent, InvokeAgent, InvokeAgentProps,
} from '../../src';
import { batchAgent } from '../agents/helpers';
import { testStack } from '../helpers/test-app';
import { refusal } from '../helpers/thrown';

const { LAMBDA, AGENTCORE } = AgentRuntimeType;
const WAIT = sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN;
const TaskInput = sfn.TaskInput;
const timeout = (duration: Duration) => sfn.Timeout.duration(duration);

interface Fixture {
  readonly stack: Stack;
  readonly agents: Record<AgentRuntimeType, BatchAgent>;
}

/** One stack with an agent on each runtime (a 2-hour AgentCore lifetime); no synth. */
let built: Fixture | undefined;
function fixture(): Fixture {
  if (built === undefined) {
    const stack = testStack();
    built = {
      stack,
      agents: {
        [LAMBDA]: batchAgent(stack, 'OnLambda', LAMBDA),
        [AGENTCORE]: batchAgent(stack, 'OnAgentCore', AGENTCORE, { runtime: { type: AGENTCORE, config: { timeout: Duration.hours(2) } } }),
      },
    };
  }
  return built;
}

let ids = 0;
/**
 * A step in the fixture's stack, under a new id each time (a refused step may stay in the tree).
 * Deprecated props are given on purpose: jsii's warning about them stays off stderr.
 */
function step(props: Record<string, unknown>): InvokeAgent {
  const mode = process.env.JSII_DEPRECATED;
  process.env.JSII_DEPRECATED = 'quiet';
  try {
    return new InvokeAgent(fixture().stack, `Step${ids++}`, props as unknown as InvokeAgentProps);
  } finally {
    if (mode === undefined) delete process.env.JSII_DEPRECATED;
    else process.env.JSII_DEPRECATED = mode;
  }
}

interface Case {
  readonly name: string;
  readonly runtime: AgentRuntimeType;
  /** The step's props besides `agent` (which `agent` itself replaces when given). */
  readonly props: Record<string, unknown>;
  readonly field: string;
  /** The value given and what is allowed, as the message must say them. */
  readonly message: RegExp[];
}

const sdk = () => AgentCoreInvocation.sdkIntegration();

const CASES: Case[] = [
  { name: 'no agent', runtime: LAMBDA, props: { agent: undefined }, field: 'agent', message: [/agent is undefined/, /allowed: an agent/] },
  { name: 'an agent name instead of an agent', runtime: LAMBDA, props: { agent: 'invoices' }, field: 'agent', message: [/agent is "invoices"/, /allowed: an agent/] },
  { name: 'a Lambda function instead of an agent', runtime: LAMBDA, props: { agent: lambda.Function.fromFunctionName(new Stack(), 'Fn', 'f') }, field: 'agent', message: [/agent is a \w+/, /allowed: an agent/] },
  { name: 'integrationPattern RUN_JOB', runtime: LAMBDA, props: { integrationPattern: sfn.IntegrationPattern.RUN_JOB }, field: 'integrationPattern', message: [/integrationPattern is "RUN_JOB"/, /allowed: REQUEST_RESPONSE or WAIT_FOR_TASK_TOKEN/] },
  { name: 'a payload that is not a TaskInput', runtime: AGENTCORE, props: { payload: { prompt: 'x' } }, field: 'payload', message: [/payload is an object \{"prompt":"x"\}/, /allowed: a TaskInput/] },
  { name: 'a text payload on Lambda', runtime: LAMBDA, props: { payload: TaskInput.fromText('summarise') }, field: 'payload', message: [/payload is text \("summarise"\)/, /Allowed: TaskInput.fromObject/] },
  { name: 'a text payload on Lambda, callback', runtime: LAMBDA, props: { integrationPattern: WAIT, payload: TaskInput.fromText('summarise') }, field: 'payload', message: [/payload is text \("summarise"\)/, /Allowed: TaskInput.fromObject/] },
  { name: 'a text payload on AgentCore', runtime: AGENTCORE, props: { payload: TaskInput.fromText('summarise') }, field: 'payload', message: [/payload is text \("summarise"\)/, /Allowed: TaskInput.fromObject/] },
  { name: 'agentCoreInvocation of the wrong type', runtime: AGENTCORE, props: { agentCoreInvocation: 'sdk' }, field: 'agentCoreInvocation', message: [/agentCoreInvocation is "sdk"/, /allowed: AgentCoreInvocation.relay\(\) or AgentCoreInvocation.sdkIntegration\(\)/] },
  { name: 'agentCoreInvocation for a Lambda agent', runtime: LAMBDA, props: { agentCoreInvocation: AgentCoreInvocation.relay() }, field: 'agentCoreInvocation', message: [/applies to AgentCore agents only; this agent runs on Lambda/, /Allowed: leave it unset/] },
  { name: 'a session id of 32 characters', runtime: AGENTCORE, props: { sessionId: 's'.repeat(32) }, field: 'sessionId', message: [new RegExp(`sessionId '${'s'.repeat(32)}' is 32 characters`), /allowed: 33 to 256 characters/] },
  { name: 'a session id of 257 characters', runtime: AGENTCORE, props: { sessionId: 's'.repeat(257) }, field: 'sessionId', message: [/is 257 characters/, /allowed: 33 to 256 characters/] },
  { name: 'a session id that is not a string', runtime: AGENTCORE, props: { sessionId: 12345 }, field: 'sessionId', message: [/sessionId is number/, /allowed: a string of 33 to 256 characters/] },
  { name: 'taskTimeout of 16 minutes on Lambda', runtime: LAMBDA, props: { taskTimeout: timeout(Duration.minutes(16)) }, field: 'taskTimeout', message: [/taskTimeout is 960 seconds/, /Allowed: at most 900 seconds/, /AgentCore/] },
  { name: 'taskTimeout of 16 minutes on Lambda, callback', runtime: LAMBDA, props: { integrationPattern: WAIT, taskTimeout: timeout(Duration.minutes(16)) }, field: 'taskTimeout', message: [/taskTimeout is 960 seconds/, /Allowed: at most 900 seconds/, /AgentCore/] },
  { name: 'timeout (deprecated) of 16 minutes on Lambda', runtime: LAMBDA, props: { timeout: Duration.minutes(16) }, field: 'taskTimeout', message: [/taskTimeout is 960 seconds/] },
  { name: 'taskTimeout of 16 minutes on synchronous AgentCore', runtime: AGENTCORE, props: { taskTimeout: timeout(Duration.minutes(16)) }, field: 'taskTimeout', message: [/taskTimeout is 960 seconds/, /Allowed: at most 900 seconds/, /WAIT_FOR_TASK_TOKEN/] },
  { name: 'taskTimeout of 9 hours on callback AgentCore', runtime: AGENTCORE, props: { integrationPattern: WAIT, taskTimeout: timeout(Duration.hours(9)) }, field: 'taskTimeout', message: [/taskTimeout is 32400 seconds/, /Allowed: at most 7200 seconds/] },
  { name: 'taskTimeout beyond the runtime\'s lifetime', runtime: AGENTCORE, props: { integrationPattern: WAIT, taskTimeout: timeout(Duration.hours(3)) }, field: 'taskTimeout', message: [/taskTimeout is 10800 seconds/, /Allowed: at most 7200 seconds, or raise runtime.config.timeout/] },
  { name: 'taskTimeout a Duration, not a Timeout', runtime: LAMBDA, props: { taskTimeout: Duration.minutes(20) }, field: 'taskTimeout', message: [/taskTimeout is a Duration/, /allowed: a Timeout/] },
  { name: 'heartbeatTimeout a number', runtime: LAMBDA, props: { integrationPattern: WAIT, heartbeatTimeout: 60 }, field: 'heartbeatTimeout', message: [/heartbeatTimeout is number 60/, /allowed: a Timeout/] },
  { name: 'retryOnServiceExceptions a string', runtime: LAMBDA, props: { retryOnServiceExceptions: 'no' }, field: 'retryOnServiceExceptions', message: [/retryOnServiceExceptions is "no"/, /allowed: true or false/] },
  { name: 'the SDK integration with WAIT_FOR_TASK_TOKEN', runtime: AGENTCORE, props: { agentCoreInvocation: sdk(), integrationPattern: WAIT }, field: 'agentCoreInvocation', message: [/sdkIntegration\(\) supports REQUEST_RESPONSE only/, /allowed: the relay .* for WAIT_FOR_TASK_TOKEN/] },
  { name: 'the SDK integration with an object payload', runtime: AGENTCORE, props: { agentCoreInvocation: sdk(), payload: TaskInput.fromObject({ prompt: 'x' }) }, field: 'payload', message: [/payload must be a path \(TaskInput.fromJsonPathAt\)/, /Allowed: a path, or the relay/] },
  { name: 'the SDK integration with a resultSelector', runtime: AGENTCORE, props: { agentCoreInvocation: sdk(), resultSelector: { 'answer.$': '$.Response' } }, field: 'resultSelector', message: [/resultSelector cannot be combined with AgentCoreInvocation.sdkIntegration\(\)/, /Allowed: resultPath\/outputPath, or the relay/] },
  { name: 'a path payload and an inputPath on Lambda', runtime: LAMBDA, props: { payload: TaskInput.fromJsonPathAt('$.request'), inputPath: '$.job' }, field: 'payload', message: [/payload is a path and inputPath is set/, /Allowed: one of payload .* or inputPath/] },
];

describe('InvokeAgent refuses invalid props at construction', () => {
  it.each(CASES)('$name', ({ runtime, props, field, message }) => {
    const error = refusal(() => step({ agent: fixture().agents[runtime], ...props }));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(/^Invalid runtime configuration for (LAMBDA|AGENTCORE): /);
    for (const part of message) expect(error.message).toMatch(part);
  });

  it.each([
    ['a state machine', (s: sfn.IChainable) => ({ queryLanguage: sfn.QueryLanguage.JSONATA, definitionBody: sfn.DefinitionBody.fromChainable(s) }), {}],
    ['a state', (s: sfn.IChainable) => ({ definitionBody: sfn.DefinitionBody.fromChainable(s) }), { queryLanguage: sfn.QueryLanguage.JSONATA }],
  ] as const)('refuses JSONata in %s', (_name, machine, stepProps) => {
    for (const runtime of [LAMBDA, AGENTCORE]) {
      const s = step({ agent: fixture().agents[runtime], ...stepProps });
      const error = refusal(() => new sfn.StateMachine(fixture().stack, `Machine${ids++}`, machine(s)));
      expect(error.field).toBe('queryLanguage');
      expect(error.message).toMatch(new RegExp(`step ${s.node.path} is in a JSONata state machine or state`));
      expect(error.message).toMatch(/Allowed: queryLanguage JSON_PATH/);
    }
  });
});

describe('InvokeAgent accepts the neighbours of each bound', () => {
  it.each([
    ['a session id of 33 characters', AGENTCORE, { sessionId: 's'.repeat(33) }],
    ['a session id of 256 characters', AGENTCORE, { sessionId: 's'.repeat(256) }],
    ['a session id from the state', AGENTCORE, { sessionId: sfn.JsonPath.stringAt('$.session') }],
    ['a session id from the state, SDK integration', AGENTCORE, { sessionId: sfn.JsonPath.stringAt('$.session'), agentCoreInvocation: sdk() }],
    ['taskTimeout of 15 minutes on Lambda', LAMBDA, { taskTimeout: timeout(Duration.minutes(15)) }],
    ['taskTimeout of 15 minutes on synchronous AgentCore', AGENTCORE, { taskTimeout: timeout(Duration.minutes(15)) }],
    ['taskTimeout of the runtime\'s lifetime on callback AgentCore', AGENTCORE, { integrationPattern: WAIT, taskTimeout: timeout(Duration.hours(2)) }],
    ['taskTimeout from the state', AGENTCORE, { integrationPattern: WAIT, taskTimeout: sfn.Timeout.at('$.timeout') }],
    ['an inputPath with a path payload, on AgentCore', AGENTCORE, { payload: TaskInput.fromJsonPathAt('$.request'), inputPath: '$.job' }],
    ['an inputPath with the state input as payload, on Lambda', LAMBDA, { inputPath: '$.job' }],
    ['a resultSelector through the relay', AGENTCORE, { resultSelector: { 'answer.$': '$.result' } }],
    ['a resultSelector on Lambda', LAMBDA, { resultSelector: { 'answer.$': '$.result' } }],
    ['a text payload that is a path', LAMBDA, { payload: TaskInput.fromText(sfn.JsonPath.stringAt('$.request')) }],
    ['a session id given to a Lambda agent (ignored)', LAMBDA, { sessionId: 'short' }],
  ] as const)('%s', (_name, runtime, props) => {
    expect(step({ agent: fixture().agents[runtime], ...props })).toBeInstanceOf(InvokeAgent);
  });
});

describe('a session id given to a Lambda agent', () => {
  const warnings = (s: InvokeAgent) => s.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));

  it('is ignored with the sessionIdIgnored warning on the step', () => {
    const s = step({ agent: fixture().agents[LAMBDA], sessionId: sfn.JsonPath.stringAt('$.session') });
    expect(warnings(s)).toEqual([expect.stringMatching(/sessionId is ignored: this agent runs on Lambda.*\[ack: agentic-ai-framework:sessionIdIgnored\]/)]);
  });

  it('warns neither without a session id nor on AgentCore', () => {
    expect(warnings(step({ agent: fixture().agents[LAMBDA] }))).toEqual([]);
    expect(warnings(step({ agent: fixture().agents[AGENTCORE], sessionId: 's'.repeat(40) }))).toEqual([]);
  });
});

describe('a callback step\'s heartbeat is shorter than its timeout, as Step Functions requires', () => {
  const rendered = (s: InvokeAgent) => s.toStateJson() as { TimeoutSeconds?: number; HeartbeatSeconds?: number };

  it.each([LAMBDA, AGENTCORE])('%s: by default 5 minutes, or half a shorter taskTimeout', (runtime) => {
    const agent = fixture().agents[runtime];
    expect(rendered(step({ agent, integrationPattern: WAIT, taskTimeout: timeout(Duration.minutes(2)) }))).toMatchObject({ TimeoutSeconds: 120, HeartbeatSeconds: 60 });
    expect(rendered(step({ agent, integrationPattern: WAIT, taskTimeout: timeout(Duration.minutes(12)) }))).toMatchObject({ TimeoutSeconds: 720, HeartbeatSeconds: 300 });
  });

  it('a heartbeatTimeout not shorter than taskTimeout is refused, naming both', () => {
    const error = refusal(() => step({ agent: fixture().agents[AGENTCORE], integrationPattern: WAIT, taskTimeout: timeout(Duration.minutes(2)), heartbeatTimeout: timeout(Duration.minutes(2)) }));
    expect(error.field).toBe('heartbeatTimeout');
    expect(error.message).toMatch(/heartbeatTimeout is 120 seconds, not shorter than taskTimeout \(120 seconds\).*less than 120 seconds/);
    expect(() => step({ agent: fixture().agents[AGENTCORE], integrationPattern: WAIT, taskTimeout: timeout(Duration.minutes(2)), heartbeatTimeout: timeout(Duration.seconds(119)) })).not.toThrow();
  });
});
