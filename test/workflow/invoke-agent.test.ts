/**
 * The Task states `InvokeAgent` renders, on both runtimes and every invocation form, read from the
 * synthesized templates with concrete ARNs; every definition valid ASL (asl-validator); one relay
 * per stack; `createStepFunctionsTask` the same step; and no dependency cycle CloudFormation would
 * refuse, with callback steps on both runtimes, an agent waited for by two state machines in its
 * own stack, and across stacks.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  AgentCoreAgentRuntime, AgentCoreInvocation, AgentRuntimeType, BatchAgent, InvalidRuntimeConfigError, InvokeAgent, InvokeAgentOptions, LambdaAgentRuntime,
} from '../../src';
import { batchAgent } from '../agents/helpers';
import { validateDefinition } from '../helpers/asl-validation';
import { ResolvedTemplate } from '../helpers/cfn-resolve';
import { synth, TEST_ENV, testStack, VALIDATION_CONTEXT } from '../helpers/test-app';
import { allDefinitions, AslDefinition, AslState, definitionOf, findDependencyCycle, logicalIdOf, TemplateJson } from '../helpers/workflow-decisions';

const { LAMBDA, AGENTCORE } = AgentRuntimeType;
const WAIT = sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN;
const TaskInput = sfn.TaskInput;
const DEFAULT_SESSION_ID = 'States.Format(\'{}-{}\', $$.Execution.Name, States.UUID())';
const LAMBDA_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const RELAY_ID = 'AgenticAiFrameworkAgentCoreRelay';

const LAMBDA_RETRY = [
  { ErrorEquals: ['Agent.Throttled', 'Lambda.TooManyRequestsException'], IntervalSeconds: 5, MaxAttempts: 5, BackoffRate: 2, JitterStrategy: 'FULL' },
  {
    ErrorEquals: ['Agent.Unavailable', 'Lambda.ClientExecutionTimeoutException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException'],
    IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2,
  },
];
const SDK_RETRY = [
  { ErrorEquals: ['Agent.Throttled', 'BedrockAgentCore.ThrottlingException', 'BedrockAgentCore.ServiceQuotaExceededException'], IntervalSeconds: 5, MaxAttempts: 5, BackoffRate: 2, JitterStrategy: 'FULL' },
  { ErrorEquals: ['Agent.Unavailable', 'BedrockAgentCore.InternalServerException'], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 },
];

/** The steps of the main stack, by state name. */
const STEPS: Record<string, (a: { lambda: BatchAgent; agentCore: BatchAgent; second: BatchAgent }) => InvokeAgentOptions & { agent: BatchAgent }> = {
  LambdaPath: (a) => ({ agent: a.lambda, payload: TaskInput.fromJsonPathAt('$.request') }),
  LambdaObject: (a) => ({ agent: a.lambda, payload: TaskInput.fromObject({ prompt: 'Summarise', documentId: sfn.JsonPath.stringAt('$.id') }) }),
  LambdaInput: (a) => ({ agent: a.lambda }),
  LambdaCallback: (a) => ({ agent: a.lambda, integrationPattern: WAIT, payload: TaskInput.fromJsonPathAt('$.request') }),
  LambdaCallbackTimed: (a) => ({
    agent: a.lambda, integrationPattern: WAIT,
    taskTimeout: sfn.Timeout.duration(Duration.minutes(10)), heartbeatTimeout: sfn.Timeout.duration(Duration.minutes(1)),
  }),
  LambdaNoRetry: (a) => ({ agent: a.lambda, retryOnServiceExceptions: false }),
  Relay: (a) => ({ agent: a.agentCore }),
  RelaySession: (a) => ({ agent: a.agentCore, sessionId: sfn.JsonPath.stringAt('$.sessionId'), payload: TaskInput.fromJsonPathAt('$.request') }),
  RelayCallback: (a) => ({ agent: a.agentCore, integrationPattern: WAIT, payload: TaskInput.fromObject({ prompt: 'Go', 'document.$': '$.doc' }) }),
  RelayCallbackTimed: (a) => ({ agent: a.agentCore, integrationPattern: WAIT, taskTimeout: sfn.Timeout.duration(Duration.hours(1)) }),
  Sdk: (a) => ({ agent: a.agentCore, agentCoreInvocation: AgentCoreInvocation.sdkIntegration(), payload: TaskInput.fromJsonPathAt('$.request') }),
  SdkNoRetry: (a) => ({ agent: a.agentCore, agentCoreInvocation: AgentCoreInvocation.sdkIntegration(), retryOnServiceExceptions: false }),
  SecondRelay: (a) => ({ agent: a.second, sessionId: 'a-literal-session-id-of-33-chars-x' }),
};

interface Main {
  readonly stack: Stack;
  readonly t: ResolvedTemplate;
  readonly template: Record<string, unknown>;
  readonly agents: { lambda: BatchAgent; agentCore: BatchAgent; second: BatchAgent };
  readonly main: AslDefinition;
  readonly again: AslDefinition;
  readonly direct: AslDefinition;
  readonly viaAgent: AslDefinition;
  readonly machines: Record<'main' | 'again' | 'direct' | 'viaAgent', sfn.StateMachine>;
}

/**
 * One stack: a Lambda agent, an AgentCore agent with a 2-hour lifetime, a second AgentCore agent on
 * the endpoint `production`. "Main" holds every step of STEPS; "Again" waits for the first two
 * agents too (an agent used by two state machines) and relays to the second; "Direct" and
 * "ViaAgent" build the same steps with `new InvokeAgent` and `createStepFunctionsTask`.
 */
function buildMain(): Main {
  const stack = testStack();
  const agents = {
    lambda: batchAgent(stack, 'OnLambda', LAMBDA),
    agentCore: batchAgent(stack, 'OnAgentCore', AGENTCORE, { runtime: { type: AGENTCORE, config: { timeout: Duration.hours(2) } } }),
    second: batchAgent(stack, 'Second', AGENTCORE, { runtime: { type: AGENTCORE, config: { endpointName: 'production' } } }),
  };
  const chainOf = (states: sfn.TaskStateBase[]) => states.slice(1).reduce((c, s) => c.next(s), sfn.Chain.start(states[0]));
  const machine = (scope: Construct, id: string, states: sfn.TaskStateBase[]) =>
    new sfn.StateMachine(scope, id, { definitionBody: sfn.DefinitionBody.fromChainable(chainOf(states)) });

  const main = machine(stack, 'Main', Object.entries(STEPS).map(([id, props]) => new InvokeAgent(stack, id, props(agents))));
  const againScope = new Construct(stack, 'AgainSteps');
  const again = machine(stack, 'Again', [
    new InvokeAgent(againScope, 'LambdaCallback', { agent: agents.lambda, integrationPattern: WAIT }),
    new InvokeAgent(againScope, 'RelayCallback', { agent: agents.agentCore, integrationPattern: WAIT }),
    new InvokeAgent(againScope, 'SecondRelay', { agent: agents.second }),
  ]);
  const same: Array<[BatchAgent, InvokeAgentOptions]> = [
    [agents.lambda, { payload: TaskInput.fromJsonPathAt('$.request'), resultPath: '$.answer' }],
    [agents.lambda, { integrationPattern: WAIT, heartbeatTimeout: sfn.Timeout.duration(Duration.seconds(90)) }],
    [agents.agentCore, { integrationPattern: WAIT, sessionId: sfn.JsonPath.stringAt('$.session') }],
    [agents.second, { agentCoreInvocation: AgentCoreInvocation.sdkIntegration(), retryOnServiceExceptions: false }],
  ];
  const directScope = new Construct(stack, 'Direct');
  const viaScope = new Construct(stack, 'ViaAgent');
  const direct = machine(directScope, 'Machine', same.map(([agent, options], i) => new InvokeAgent(directScope, `Step${i}`, { ...options, agent })));
  const viaAgent = machine(viaScope, 'Machine', same.map(([agent, options], i) => agent.createStepFunctionsTask(viaScope, `Step${i}`, options)));

  const template = synth(stack);
  const t = ResolvedTemplate.fromStack(stack, template);
  return {
    stack, t, template: template.toJSON(), agents,
    main: definitionOf(t, main), again: definitionOf(t, again), direct: definitionOf(t, direct), viaAgent: definitionOf(t, viaAgent),
    machines: { main, again, direct, viaAgent },
  };
}

let built: Main | undefined;
const fixture = () => (built ??= buildMain());

/** The concrete function ARN of a Lambda agent, the runtime ARN of an AgentCore agent, the relay's function ARN. */
const functionArn = (f: Main, agent: BatchAgent) => f.t.resolveString({ 'Fn::GetAtt': [logicalIdOf((agent.runtime as LambdaAgentRuntime).agentFunction), 'Arn'] });
const runtimeArn = (f: Main, agent: BatchAgent) => f.t.resolveString({ 'Fn::GetAtt': [logicalIdOf((agent.runtime as AgentCoreAgentRuntime).agentCoreAgent), 'AgentRuntimeArn'] });
const relayArn = (f: Main) => f.t.resolveString({ 'Fn::GetAtt': [logicalIdOf(relayFunctionOf(f.stack)), 'Arn'] });
const relayFunctionOf = (stack: Stack) => stack.node.findChild(RELAY_ID).node.findChild('Function');

function state(definition: AslDefinition, name: string): AslState {
  const found = definition.States[name];
  if (found === undefined) throw new Error(`no state ${name} in ${Object.keys(definition.States).join(', ')}`);
  return found;
}

describe('InvokeAgent on a Lambda agent', () => {
  it('request-response: the function ARN as the Resource; a path payload is the InputPath, an object the Parameters, none the state input', () => {
    const f = fixture();
    const fn = functionArn(f, f.agents.lambda);
    expect(state(f.main, 'LambdaPath')).toMatchObject({ Type: 'Task', Resource: fn, InputPath: '$.request' });
    expect(state(f.main, 'LambdaPath').Parameters).toBeUndefined();
    expect(state(f.main, 'LambdaObject')).toMatchObject({ Resource: fn, Parameters: { 'prompt': 'Summarise', 'documentId.$': '$.id' } });
    expect(state(f.main, 'LambdaObject').InputPath).toBeUndefined();
    const input = state(f.main, 'LambdaInput');
    expect([input.Resource, input.InputPath, input.Parameters, input.TimeoutSeconds, input.HeartbeatSeconds]).toEqual([fn, undefined, undefined, undefined, undefined]);
  });

  it('callback: lambda:invoke.waitForTaskToken, an Event invocation with the envelope, HeartbeatSeconds 300 and TimeoutSeconds 900 by default', () => {
    const f = fixture();
    expect(state(f.main, 'LambdaCallback')).toMatchObject({
      Resource: LAMBDA_CALLBACK,
      Parameters: {
        FunctionName: functionArn(f, f.agents.lambda),
        InvocationType: 'Event',
        Payload: { 'taskToken.$': '$$.Task.Token', 'heartbeatSeconds': 300, 'request.$': '$.request' },
      },
      HeartbeatSeconds: 300,
      TimeoutSeconds: 900,
    });
    expect(Object.keys(state(f.main, 'LambdaCallback').Parameters!.Payload as object).sort()).toEqual(['heartbeatSeconds', 'request.$', 'taskToken.$']);
  });

  it('callback: the user\'s taskTimeout and heartbeatTimeout are kept and the heartbeat reaches the agent', () => {
    const f = fixture();
    const timed = state(f.main, 'LambdaCallbackTimed');
    expect([timed.TimeoutSeconds, timed.HeartbeatSeconds]).toEqual([600, 60]);
    expect(timed.Parameters!.Payload).toEqual({ 'taskToken.$': '$$.Task.Token', 'heartbeatSeconds': 60, 'request.$': '$' });
  });
});

describe('InvokeAgent on an AgentCore agent through the relay', () => {
  it('request-response: the relay ARN as the Resource, the relay event as Parameters, a session id per execution and invocation', () => {
    const f = fixture();
    expect(state(f.main, 'Relay')).toMatchObject({
      Resource: relayArn(f),
      Parameters: { 'agentRuntimeArn': runtimeArn(f, f.agents.agentCore), 'qualifier': 'live', 'sessionId.$': DEFAULT_SESSION_ID, 'payload.$': '$' },
    });
    expect(state(f.main, 'Relay').TimeoutSeconds).toBeUndefined();
    expect(state(f.main, 'RelaySession').Parameters).toEqual({
      'agentRuntimeArn': runtimeArn(f, f.agents.agentCore), 'qualifier': 'live', 'sessionId.$': '$.sessionId', 'payload.$': '$.request',
    });
    // A literal session id as given; the endpoint the runtime was given.
    expect(state(f.main, 'SecondRelay').Parameters).toEqual({
      agentRuntimeArn: runtimeArn(f, f.agents.second), qualifier: 'production', sessionId: 'a-literal-session-id-of-33-chars-x', 'payload.$': '$',
    });
  });

  it('callback: the relay invoked with the envelope as its payload; HeartbeatSeconds 300, TimeoutSeconds the runtime\'s lifetime', () => {
    const f = fixture();
    expect(state(f.main, 'RelayCallback')).toMatchObject({
      Resource: LAMBDA_CALLBACK,
      Parameters: {
        FunctionName: relayArn(f),
        Payload: {
          'agentRuntimeArn': runtimeArn(f, f.agents.agentCore), 'qualifier': 'live', 'sessionId.$': DEFAULT_SESSION_ID,
          'payload': { 'taskToken.$': '$$.Task.Token', 'heartbeatSeconds': 300, 'request': { 'prompt': 'Go', 'document.$': '$.doc' } },
        },
      },
      HeartbeatSeconds: 300,
      TimeoutSeconds: 7200,
    });
    // The relay answers at once (the agent's 202): a synchronous invocation, so its failures fail the step.
    expect(state(f.main, 'RelayCallback').Parameters!.InvocationType).toBeUndefined();
    expect(state(f.main, 'RelayCallbackTimed').TimeoutSeconds).toBe(3600);
  });
});

describe('InvokeAgent on an AgentCore agent through the SDK integration', () => {
  it('calls invokeAgentRuntime with PascalCase parameters, the payload as a JSON string, and parses the response', () => {
    const f = fixture();
    expect(state(f.main, 'Sdk')).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:bedrockagentcore:invokeAgentRuntime',
      Parameters: {
        'AgentRuntimeArn': runtimeArn(f, f.agents.agentCore),
        'Qualifier': 'live',
        'RuntimeSessionId.$': DEFAULT_SESSION_ID,
        'ContentType': 'application/json',
        'Accept': 'application/json',
        'Payload.$': 'States.JsonToString($.request)',
      },
      ResultSelector: { 'response.$': 'States.StringToJson($.Response)' },
    });
    expect(state(f.main, 'SdkNoRetry').Parameters!['Payload.$']).toBe('States.JsonToString($)');
  });

  it('names the partition of the stack in the integration\'s ARN', () => {
    // The template keeps the partition an intrinsic; resolved in another partition it follows.
    const f = fixture();
    const cn = new ResolvedTemplate(f.t.template, { ...f.t.env, partition: 'aws-cn' });
    const id = logicalIdOf(f.machines.main);
    const definition = JSON.parse(cn.stringProperty(id, 'DefinitionString')) as AslDefinition;
    expect(state(definition, 'Sdk').Resource).toBe('arn:aws-cn:states:::aws-sdk:bedrockagentcore:invokeAgentRuntime');
    expect(state(definition, 'LambdaCallback').Resource).toBe('arn:aws-cn:states:::lambda:invoke.waitForTaskToken');
  });
});

describe('retries', () => {
  it('retry throttling and transient failures by default, with the invoked service\'s own error names', () => {
    const f = fixture();
    for (const name of ['LambdaPath', 'LambdaObject', 'LambdaInput', 'LambdaCallback', 'LambdaCallbackTimed', 'Relay', 'RelaySession', 'RelayCallback', 'RelayCallbackTimed', 'SecondRelay']) {
      expect(state(f.main, name).Retry, name).toEqual(LAMBDA_RETRY);
    }
    expect(state(f.main, 'Sdk').Retry).toEqual(SDK_RETRY);
  });

  it('retryOnServiceExceptions: false leaves no Retry', () => {
    const f = fixture();
    expect(state(f.main, 'LambdaNoRetry').Retry).toBeUndefined();
    expect(state(f.main, 'SdkNoRetry').Retry).toBeUndefined();
  });
});

describe('the stack', () => {
  it('has exactly one relay function, however many AgentCore steps, agents and state machines use it', () => {
    const f = fixture();
    const fns = f.t.logicalIdsOfType('AWS::Lambda::Function');
    expect(fns.filter((id) => id.startsWith(RELAY_ID))).toHaveLength(1);
    // Every relay step of both state machines names it.
    const relayed = [f.main, f.again].flatMap((d) => Object.values(d.States))
      .map((s) => (s.Resource === LAMBDA_CALLBACK ? s.Parameters!.FunctionName : s.Resource))
      .filter((arn) => typeof arn === 'string' && arn.includes(RELAY_ID.slice(0, 20)));
    expect(new Set(relayed)).toEqual(new Set([relayArn(f)]));
    expect(relayed.length).toBe(7);
    // The relay function: Node.js 22 on ARM64 with Lambda's maximum timeout.
    expect(f.t.properties(logicalIdOf(relayFunctionOf(f.stack)))).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Timeout: 900, Handler: 'index.handler' });
  });

  it('createStepFunctionsTask renders the same steps and grants as new InvokeAgent', () => {
    const f = fixture();
    expect(f.viaAgent).toEqual(f.direct);
    expect(Object.keys(f.direct.States)).toHaveLength(4);
    const rolePolicy = (sm: sfn.StateMachine) => {
      const role = f.t.resolveString({ Ref: logicalIdOf(sm.role) });
      return f.t.logicalIdsOfType('AWS::IAM::Policy').map((id) => f.t.properties(id)).filter((p) => (p.Roles as string[]).includes(role)).map((p) => p.PolicyDocument);
    };
    expect(rolePolicy(f.machines.viaAgent)).toEqual(rolePolicy(f.machines.direct));
    expect(rolePolicy(f.machines.direct)).toHaveLength(1);
  });

  it('every state machine definition is valid ASL', () => {
    const f = fixture();
    const definitions = allDefinitions(f.t);
    expect(definitions).toHaveLength(4);
    for (const definition of definitions) validateDefinition(definition);
  });

  it('has no dependency cycle: callback steps on both runtimes, agents waited for by two state machines of their stack', () => {
    const f = fixture();
    expect(findDependencyCycle(f.template as TemplateJson)).toBeUndefined();
    // The callback grants are there, one policy per agent and state machine that waits for it.
    const granted = f.t.logicalIdsOfType('AWS::IAM::Policy').map((id) => JSON.stringify(f.t.properties(id).PolicyDocument))
      .filter((document) => document.includes('states:SendTaskSuccess'));
    expect(granted).toHaveLength(2 /* agents */ * 2 /* Main, Again */ + 2 /* Direct, ViaAgent: Lambda and AgentCore */ * 2);
  });
});

describe('the cycle check', () => {
  /** A Lambda agent, a state machine invoking it, and aws-cdk-lib's grant of SendTask* to the agent on it. */
  const grantTaskResponse = (app: App) => {
    const stack = new Stack(app, 'TestStack', { env: TEST_ENV });
    const agent = batchAgent(stack, 'OnLambda', LAMBDA);
    const machine = new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(new InvokeAgent(stack, 'Step', { agent })) });
    machine.grantTaskResponse(agent.runtime);
    return { stack, agent, machine };
  };

  it('finds the cycle of aws-cdk-lib\'s grantTaskResponse on an agent its state machine invokes', () => {
    // The cloud assembly's template: the test apps' schema validation and aws-cdk-lib's assertions
    // Template both refuse the cycle themselves (next test); app.synth() alone does not.
    const app = new App();
    const { stack, agent, machine } = grantTaskResponse(app);
    const template = app.synth().getStackByName(stack.stackName).template as TemplateJson;
    const cycle = findDependencyCycle(template);
    expect(cycle).toBeDefined();
    expect(cycle).toEqual(expect.arrayContaining([logicalIdOf(machine), logicalIdOf((agent.runtime as LambdaAgentRuntime).agentFunction)]));
    expect(cycle![0]).toBe(cycle![cycle!.length - 1]);
    // Only a Lambda step: no relay.
    expect(Object.keys(template.Resources as object).filter((id) => id.startsWith(RELAY_ID))).toEqual([]);
  });

  it('agrees with the test apps\' CloudFormation validation (F3004) and the assertions Template, which refuse the same cycle', () => {
    const { stack } = grantTaskResponse(new App({ context: VALIDATION_CONTEXT }));
    expect(() => synth(stack)).toThrow(/Circular Dependencies for resource/);
    const unvalidated = grantTaskResponse(new App()).stack;
    expect(() => synth(unvalidated)).toThrow(/dependency cycle/);
  });

  it('follows Ref, Fn::GetAtt, Fn::Sub and DependsOn, and nothing else', () => {
    const r = (props: Record<string, unknown>) => ({ Type: 'AWS::X::Y', ...props });
    expect(findDependencyCycle({ Resources: { A: r({ Properties: { P: { Ref: 'B' } } }), B: r({ Properties: { P: { 'Fn::GetAtt': ['A', 'Arn'] } } }) } })).toEqual(['A', 'B', 'A']);
    expect(findDependencyCycle({ Resources: { A: r({ Properties: { P: { 'Fn::Sub': 'x-${B.Arn}' } } }), B: r({ DependsOn: ['A'] }) } })).toEqual(['A', 'B', 'A']);
    expect(findDependencyCycle({ Resources: { A: r({ Properties: { P: { 'Fn::GetAtt': 'A.Arn' } } }) } })).toEqual(['A', 'A']);
    // A variable of Fn::Sub shadows a resource; `${!B}` is literal; Metadata and pseudo parameters are no edges.
    expect(findDependencyCycle({
      Resources: {
        A: r({ Properties: { P: { 'Fn::Sub': ['${B}-${!B}', { B: 'x' }] }, Q: { Ref: 'AWS::Region' } }, Metadata: { R: { Ref: 'B' } } }),
        B: r({ Properties: { P: { Ref: 'A' } } }),
      },
    })).toBeUndefined();
  });
});

describe('an agent in one stack, its state machine in another', () => {
  it.each([LAMBDA, AGENTCORE])('synthesizes without a cyclic reference on %s (callback steps)', (type) => {
    const app = new App({ context: VALIDATION_CONTEXT });
    const agents = new Stack(app, 'Agents', { env: TEST_ENV });
    const workflows = new Stack(app, 'Workflows', { env: TEST_ENV });
    const agent = batchAgent(agents, 'Agent', type);
    new sfn.StateMachine(workflows, 'Machine', {
      definitionBody: sfn.DefinitionBody.fromChainable(new InvokeAgent(workflows, 'Step', { agent, integrationPattern: WAIT })),
    });
    const assembly = app.synth();
    for (const stack of assembly.stacks) expect(findDependencyCycle(stack.template), stack.stackName).toBeUndefined();
    // The agent may report to the state machine of the other stack.
    const granted = assembly.stacks.flatMap((s) => Object.values((s.template as { Resources: Record<string, { Type: string; Properties: { PolicyDocument?: unknown } }> }).Resources))
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.PolicyDocument).includes('states:SendTaskSuccess'));
    expect(granted).toHaveLength(1);
  });
});

describe('the heartbeat the agent keeps', () => {
  // Rendered without a state machine: only the step's own fields matter here.
  let agents: { stack: Stack; lambda: BatchAgent } | undefined;
  const render = (id: string, options: InvokeAgentOptions) => {
    agents ??= (() => {
      const stack = testStack();
      return { stack, lambda: batchAgent(stack, 'OnLambda', LAMBDA) };
    })();
    // The deprecated heartbeat is given on purpose: jsii's warning about it stays off stderr.
    const mode = process.env.JSII_DEPRECATED;
    process.env.JSII_DEPRECATED = 'quiet';
    let step: InvokeAgent;
    try {
      step = new InvokeAgent(agents.stack, id, { ...options, agent: agents.lambda, integrationPattern: WAIT });
    } finally {
      if (mode === undefined) delete process.env.JSII_DEPRECATED;
      else process.env.JSII_DEPRECATED = mode;
    }
    return agents.stack.resolve(step.toStateJson()) as AslState & { Parameters: { Payload: Record<string, unknown> } };
  };

  it('is the deprecated heartbeat Duration when that is what the step has', () => {
    const rendered = render('Deprecated', { heartbeat: Duration.seconds(30) });
    expect(rendered.HeartbeatSeconds, 'the step').toBe(30);
    // Without it the agent heartbeats every 60 seconds and the step times out after 30.
    expect(rendered.Parameters.Payload.heartbeatSeconds, 'the envelope').toBe(30);
  });

  it('is read from the state when the heartbeat timeout is', () => {
    const rendered = render('FromState', { heartbeatTimeout: sfn.Timeout.at('$.heartbeatSeconds') });
    expect(rendered.HeartbeatSecondsPath, 'the step').toBe('$.heartbeatSeconds');
    expect(rendered.Parameters.Payload['heartbeatSeconds.$'], 'the envelope').toBe('$.heartbeatSeconds');
  });
});

describe('a callback step in an EXPRESS state machine', () => {
  // Express workflows support request-response integrations only: Step Functions refuses the
  // definition at deploy (CreateStateMachine), so the library must refuse it at synth.
  it('is refused at synth, not at deploy', () => {
    const stack = testStack();
    const agent = batchAgent(stack, 'OnLambda', LAMBDA);
    let thrown: unknown;
    try {
      new sfn.StateMachine(stack, 'Express', {
        stateMachineType: sfn.StateMachineType.EXPRESS,
        definitionBody: sfn.DefinitionBody.fromChainable(new InvokeAgent(stack, 'Step', { agent, integrationPattern: WAIT })),
      });
      synth(stack);
    } catch (error) {
      thrown = error;
    }
    if (thrown !== undefined) {
      expect(thrown).toBeInstanceOf(InvalidRuntimeConfigError);
      expect(String(thrown)).toMatch(/EXPRESS/);
      return;
    }
    // An error annotation (cdk synth fails on it) is a refusal too.
    const errors = stack.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === 'aws:cdk:error').map((m) => String(m.data));
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/EXPRESS/)]));
  });
});
