/**
 * The IAM decisions of `InvokeAgent` steps on concrete ARNs (DESIGN.md decision 7): what the state
 * machine's role may invoke on each runtime and each invocation form, what the stack's AgentCore
 * relay may invoke and write, which state machines each agent may report a callback to, and that
 * the agents keep every decision they had without steps. See test/helpers/workflow-decisions.ts.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { AgentCoreInvocation, AgentRuntimeType, BatchAgent, InvokeAgent, InvokeAgentOptions } from '../../src';
import { batchAgent } from '../agents/helpers';
import { agentDecisionCases, agentFacts, simulatorFor } from '../helpers/agent-decisions';
import { DecisionCase, formatMismatches, IamSimulator, mismatches } from '../helpers/iam-simulation';
import { synth, testStack } from '../helpers/test-app';
import {
  allowedGrants, logicalIdOf, relayFacts, relayOf, StepUse, TASK_RESPONSE_ACTIONS, taskResponseDecision, workflowDecisionCases, WorkflowUnderTest,
} from '../helpers/workflow-decisions';

const { LAMBDA, AGENTCORE } = AgentRuntimeType;
const WAIT = sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN;

interface Built {
  readonly sim: IamSimulator;
  readonly workflow: WorkflowUnderTest;
  readonly agents: Record<'lambda' | 'idleLambda' | 'agentCore' | 'direct' | 'idleAgentCore', BatchAgent>;
  readonly work: sfn.StateMachine;
  readonly other: sfn.StateMachine;
}

/**
 * Five agents: a Lambda agent and an AgentCore agent invoked synchronously and with callbacks
 * (the AgentCore one through the relay), an AgentCore agent on a named endpoint invoked through
 * the SDK integration only, and one idle agent of each runtime. Two state machines: "Work" with
 * all those steps, "Other" with an SDK step only (it waits for nobody). Synthesized once.
 */
function build(): Built {
  const stack = testStack();
  const agents = {
    lambda: batchAgent(stack, 'OnLambda', LAMBDA),
    idleLambda: batchAgent(stack, 'IdleLambda', LAMBDA),
    agentCore: batchAgent(stack, 'OnAgentCore', AGENTCORE),
    direct: batchAgent(stack, 'Direct', AGENTCORE, { runtime: { type: AGENTCORE, config: { endpointName: 'production' } } }),
    idleAgentCore: batchAgent(stack, 'IdleAgentCore', AGENTCORE),
  };
  const sdk = AgentCoreInvocation.sdkIntegration();
  const uses: Array<StepUse & { id: string; options?: InvokeAgentOptions }> = [
    { id: 'LambdaSync', agent: agents.lambda, kind: 'lambda', callback: false, options: { payload: sfn.TaskInput.fromJsonPathAt('$.request') } },
    { id: 'LambdaCallback', agent: agents.lambda, kind: 'lambda', callback: true },
    { id: 'RelaySync', agent: agents.agentCore, kind: 'relay', callback: false },
    { id: 'RelayCallback', agent: agents.agentCore, kind: 'relay', callback: true },
    { id: 'Sdk', agent: agents.direct, kind: 'sdk', callback: false, options: { agentCoreInvocation: sdk } },
  ];
  const steps = uses.map((u) => new InvokeAgent(stack, u.id, { agent: u.agent, integrationPattern: u.callback ? WAIT : undefined, ...u.options }));
  const chain = steps.slice(1).reduce((c, s) => c.next(s), sfn.Chain.start(steps[0]));
  const work = new sfn.StateMachine(stack, 'Work', { definitionBody: sfn.DefinitionBody.fromChainable(chain) });
  const other = new sfn.StateMachine(stack, 'Other', {
    definitionBody: sfn.DefinitionBody.fromChainable(agents.direct.createStepFunctionsTask(stack, 'OtherSdk', { agentCoreInvocation: sdk })),
  });
  const workflow: WorkflowUnderTest = {
    stateMachines: [{ stateMachine: work, steps: uses }, { stateMachine: other, steps: [{ agent: agents.direct, kind: 'sdk', callback: false }] }],
    agents: Object.values(agents),
  };
  return { sim: simulatorFor(stack, synth(stack)), workflow, agents, work, other };
}

let built: Built | undefined;
const fixture = () => (built ??= build());

async function expectNoMismatch(sim: IamSimulator, cases: DecisionCase[]): Promise<void> {
  const wrong = await mismatches(sim, cases);
  expect(formatMismatches(wrong), `${wrong.length} of ${cases.length} decisions are wrong`).toBe('');
}

describe('IAM decisions of InvokeAgent steps', () => {
  it('the state machine role invokes exactly what its steps call; the relay exactly the runtimes relay steps call', async () => {
    const { sim, workflow } = fixture();
    const { cases } = workflowDecisionCases(sim, workflow);
    // The list covers each form both ways (a check that it is not silently short).
    const allowed = cases.filter((c) => c.expect === 'Allowed').map((c) => `${c.action} ${c.resource.replace(/^.*:(function|runtime)\//, '$1/').replace(/^.*:function:/, 'function:')}`);
    expect(allowed).toEqual(expect.arrayContaining([
      expect.stringMatching(/^lambda:InvokeFunction function:TestStack-OnLambda/),
      expect.stringMatching(/^lambda:InvokeFunction function:TestStack-AgenticAiFrameworkAgentCoreRelay/),
      expect.stringMatching(/^bedrock-agentcore:InvokeAgentRuntime runtime\/TestStack_agent_direct_\w+-\w+\/runtime-endpoint\/production$/),
      expect.stringMatching(/^bedrock-agentcore:InvokeAgentRuntime runtime\/TestStack_agent_onagentcore_\w+-\w+\/runtime-endpoint\/live$/),
    ]));
    expect(cases.filter((c) => c.expect === 'Denied').length).toBeGreaterThan(30);
    await expectNoMismatch(sim, cases);
  });

  it('the Lambda step: its function, not another agent\'s nor a version or alias of it', async () => {
    const { sim, agents, work } = fixture();
    const role = { role: logicalIdOf(work.role) };
    const fn = agentFacts(sim, agents.lambda).lambda!.functionArn;
    const idle = agentFacts(sim, agents.idleLambda).lambda!.functionArn;
    await expectNoMismatch(sim, [
      { principal: role, action: 'lambda:InvokeFunction', resource: fn, expect: 'Allowed', why: 'the step\'s Resource is the function ARN' },
      { principal: role, action: 'lambda:InvokeFunction', resource: `${fn}:live`, expect: 'Denied', why: 'an alias' },
      { principal: role, action: 'lambda:InvokeFunction', resource: `${fn}:1`, expect: 'Denied', why: 'a version' },
      { principal: role, action: 'lambda:InvokeFunction', resource: idle, expect: 'Denied', why: 'another agent\'s function' },
    ]);
  });

  it('the relay: invoked by the state machine; it invokes the relayed runtime on its endpoint, not another agent nor another endpoint', async () => {
    const { sim, agents, work } = fixture();
    const relay = relayFacts(sim, relayOf(work.stack)!);
    const runtime = agentFacts(sim, agents.agentCore).agentCore!.runtimeArn;
    const idle = agentFacts(sim, agents.idleAgentCore).agentCore!.runtimeArn;
    const direct = agentFacts(sim, agents.direct).agentCore!.runtimeArn;
    const relayRole = { role: relay.roleId };
    const invoke = 'bedrock-agentcore:InvokeAgentRuntime';
    await expectNoMismatch(sim, [
      { principal: { role: logicalIdOf(work.role) }, action: 'lambda:InvokeFunction', resource: relay.functionArn, expect: 'Allowed', why: 'relay steps' },
      { principal: { role: logicalIdOf(work.role) }, action: invoke, resource: runtime, expect: 'Denied', why: 'the relay calls AgentCore, not the state machine' },
      { principal: relayRole, action: invoke, resource: runtime, expect: 'Allowed', why: 'the relayed runtime' },
      { principal: relayRole, action: invoke, resource: `${runtime}/runtime-endpoint/live`, expect: 'Allowed', why: 'on the endpoint the steps name' },
      { principal: relayRole, action: invoke, resource: `${runtime}/runtime-endpoint/DEFAULT`, expect: 'Denied', why: 'another endpoint of the runtime' },
      { principal: relayRole, action: invoke, resource: idle, expect: 'Denied', why: 'an AgentCore agent no step invokes' },
      { principal: relayRole, action: invoke, resource: `${idle}/runtime-endpoint/live`, expect: 'Denied', why: 'an AgentCore agent no step invokes' },
      { principal: relayRole, action: invoke, resource: `${direct}/runtime-endpoint/production`, expect: 'Denied', why: 'an agent invoked through the SDK integration only' },
    ]);
  });

  it('the relay role writes its own log group and holds nothing else', async () => {
    const { sim, agents, work } = fixture();
    const relay = relayFacts(sim, relayOf(work.stack)!);
    const t = sim.template;
    const runtime = agentFacts(sim, agents.agentCore).agentCore!.runtimeArn;
    expect(allowedGrants(sim, relay.roleId)).toEqual([
      `bedrock-agentcore:InvokeAgentRuntime ${runtime}`,
      `bedrock-agentcore:InvokeAgentRuntime ${runtime}/runtime-endpoint/live`,
      `logs:CreateLogStream ${t.arn('logs', `log-group:${relay.logGroupName}:*`)}`,
      `logs:PutLogEvents ${t.arn('logs', `log-group:${relay.logGroupName}:*`)}`,
    ]);
    // The decisions on the streams are in workflowDecisionCases; the key is the agents' (CloudWatch Logs uses it, not the role).
    const key = agentFacts(sim, agents.agentCore).logGroupKeyArn!;
    await expectNoMismatch(sim, ['kms:Decrypt', 'kms:GenerateDataKey'].map((action) => ({ principal: { role: relay.roleId }, action, resource: key, expect: 'Denied', why: 'the relay uses no key' })));
  });

  it('the SDK integration: the state machine invokes the runtime on its endpoint directly, not another endpoint', async () => {
    const { sim, agents, work, other } = fixture();
    const runtime = agentFacts(sim, agents.direct).agentCore!.runtimeArn;
    const invoke = 'bedrock-agentcore:InvokeAgentRuntime';
    const cases: DecisionCase[] = [work, other].flatMap((sm) => {
      const role = { role: logicalIdOf(sm.role) };
      return [
        { principal: role, action: invoke, resource: runtime, expect: 'Allowed', why: 'AgentRuntimeArn' },
        { principal: role, action: invoke, resource: `${runtime}/runtime-endpoint/production`, expect: 'Allowed', why: 'Qualifier' },
        { principal: role, action: invoke, resource: `${runtime}/runtime-endpoint/DEFAULT`, expect: 'Denied', why: 'another endpoint' },
      ] satisfies DecisionCase[];
    });
    const relay = relayFacts(sim, relayOf(work.stack)!);
    cases.push({ principal: { role: logicalIdOf(other.role) }, action: 'lambda:InvokeFunction', resource: relay.functionArn, expect: 'Denied', why: 'Other has no relay step' });
    await expectNoMismatch(sim, cases);
  });

  describe('callbacks (states:SendTask*)', () => {
    it('the simulator cannot evaluate them on a state machine ARN: IAM lists them without resource types', async () => {
      const { sim, agents, work } = fixture();
      const role = { role: agentFacts(sim, agents.lambda).roleId };
      const arn = sim.template.resolveString({ Ref: logicalIdOf(work) });
      for (const action of TASK_RESPONSE_ACTIONS) {
        await expect(sim.decide({ principal: role, action, resource: arn })).rejects.toThrow(/must\.use\.wildcard/);
        // And `*` is denied by a statement scoped to the state machine: in IAM's model, the grant does nothing.
        expect(await sim.decide({ principal: role, action, resource: '*' })).toBe('ImplicitlyDenied');
      }
    });

    it('each agent may report to the state machines that wait for it and to no other', () => {
      const { sim, workflow } = fixture();
      const { taskResponse } = workflowDecisionCases(sim, workflow);
      const wrong = taskResponse.flatMap((c) => {
        const actual = taskResponseDecision(sim, c);
        return (c.expect === 'Denied' ? actual !== 'Allowed' : actual === c.expect) ? [] : [{ case: c, actual }];
      });
      expect(formatMismatches(wrong)).toBe('');
      // Allowed: the two agents Work waits for, each action; Denied: the others, Other, another state machine.
      expect(taskResponse.filter((c) => c.expect === 'Allowed')).toHaveLength(2 * TASK_RESPONSE_ACTIONS.length);
      expect(taskResponse.filter((c) => c.expect === 'Denied')).toHaveLength((3 + 5 + 5) * TASK_RESPONSE_ACTIONS.length);
    });

    it('the grant is one statement of the three actions on that state machine\'s ARN, in a policy of its own', () => {
      const { sim, agents, work } = fixture();
      const arn = sim.template.resolveString({ Ref: logicalIdOf(work) });
      for (const agent of [agents.lambda, agents.agentCore]) {
        const grants = allowedGrants(sim, agentFacts(sim, agent).roleId).filter((g) => g.startsWith('states:'));
        expect(grants).toEqual(TASK_RESPONSE_ACTIONS.map((a) => `${a} ${arn}`).sort());
      }
      for (const agent of [agents.idleLambda, agents.direct, agents.idleAgentCore]) {
        expect(allowedGrants(sim, agentFacts(sim, agent).roleId).filter((g) => g.startsWith('states:'))).toEqual([]);
      }
    });
  });

  it('every agent keeps the decisions it has without steps', async () => {
    const { sim, agents } = fixture();
    const all = Object.values(agents);
    const cases = all.flatMap((agent) => agentDecisionCases(sim, agent, { otherAgents: all.filter((a) => a !== agent) }));
    await expectNoMismatch(sim, cases);
  });
});
