/**
 * Seed 003 properties 21 and 22 for `InvokeAgent` steps, over generated agents (one per runtime,
 * with generated models, observability, timeouts and AgentCore endpoints) and generated state
 * machines of generated steps (agent, pattern, invocation form, payload, session id). Each run
 * synthesizes its app once (with CloudFormation validation) and simulates its IAM decisions on
 * concrete ARNs (test/helpers/workflow-decisions.ts).
 *
 * - 21, invocation permission: each state machine's role is Allowed exactly the invocation its
 *   steps' runtimes require (Lambda: the function; AgentCore through the relay: the relay, whose
 *   role may invoke the runtime on its endpoint; the SDK integration: the runtime on its endpoint),
 *   and Denied the other forms, other endpoints and other agents.
 * - 22, workflow integration: without any grant by the user, each agent's role may report a
 *   callback (SendTask*) to exactly the state machines that wait for it; the app deploys (no
 *   dependency cycle) and its Task states are valid ASL.
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentCoreAgentRuntime, AgentCoreInvocation, AgentRuntimeType, BatchAgent, BedrockModel, InferenceProfileGeo, InvokeAgent, InvokeAgentProps,
} from '../../src';
import { batchAgent, promptAsset } from '../agents/helpers';
import { agentFacts, simulatorFor } from '../helpers/agent-decisions';
import { validateDefinition } from '../helpers/asl-validation';
import { expectDecisions, formatMismatches, IamSimulator } from '../helpers/iam-simulation';
import { synth, testStack } from '../helpers/test-app';
import {
  allDefinitions, allowedGrants, findDependencyCycle, logicalIdOf, relayFacts, relayOf, StepKind, StepUse, TASK_RESPONSE_ACTIONS, TemplateJson,
  taskResponseDecision, workflowDecisionCases, WorkflowUnderTest,
} from '../helpers/workflow-decisions';

const RUNS = { numRuns: 100 };
const { LAMBDA, AGENTCORE } = AgentRuntimeType;

interface GeneratedAgent {
  readonly model: BedrockModel;
  readonly observability: boolean;
  readonly lambdaTimeout: number;
  readonly agentCoreTimeout: number;
  readonly endpointName?: string;
}

interface GeneratedStep {
  readonly runtime: AgentRuntimeType;
  readonly callback: boolean;
  /** AgentCore, request-response only: the SDK integration instead of the relay. */
  readonly sdk: boolean;
  readonly payload: 'input' | 'path' | 'object';
  readonly session: 'default' | 'path' | 'literal';
}

interface Generated {
  readonly agents: Record<AgentRuntimeType, GeneratedAgent>;
  /** State machines, each a chain of steps. */
  readonly machines: GeneratedStep[][];
}

const modelId = fc.constantFrom('anthropic.claude-sonnet-4-20250514-v1:0', 'amazon.nova-pro-v1:0');
const generatedAgent: fc.Arbitrary<GeneratedAgent> = fc.record({
  model: fc.oneof(modelId.map((id) => BedrockModel.foundationModel(id)), modelId.map((id) => BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.US, id))),
  observability: fc.boolean(),
  lambdaTimeout: fc.integer({ min: 60, max: 900 }),
  agentCoreTimeout: fc.integer({ min: 900, max: 28800 }),
  endpointName: fc.option(fc.constantFrom('production', 'blue_v2'), { nil: undefined }),
});
const generatedStep: fc.Arbitrary<GeneratedStep> = fc.record({
  runtime: fc.constantFrom(LAMBDA, AGENTCORE),
  callback: fc.boolean(),
  sdk: fc.boolean(),
  payload: fc.constantFrom('input', 'path', 'object'),
  session: fc.constantFrom('default', 'path', 'literal'),
});
const generated: fc.Arbitrary<Generated> = fc.record({
  agents: fc.record({ [LAMBDA]: generatedAgent, [AGENTCORE]: generatedAgent }) as fc.Arbitrary<Record<AgentRuntimeType, GeneratedAgent>>,
  machines: fc.array(fc.array(generatedStep, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }),
});

/** How a generated step reaches its agent: the SDK integration takes request-response steps only. */
const kindOf = (s: GeneratedStep): StepKind => (s.runtime === LAMBDA ? 'lambda' : s.sdk && !s.callback ? 'sdk' : 'relay');

interface Built {
  readonly sim: IamSimulator;
  readonly template: Record<string, unknown>;
  readonly agents: Record<AgentRuntimeType, BatchAgent>;
  readonly workflow: WorkflowUnderTest;
}

function build(g: Generated): Built {
  const stack = testStack();
  const agent = (id: string, runtime: AgentRuntimeType, a: GeneratedAgent) => batchAgent(stack, id, runtime, {
    agentDefinition: { bedrockModel: a.model, systemPrompt: promptAsset(stack, `${id}SystemPrompt`) },
    enableObservability: a.observability,
    runtime: runtime === LAMBDA
      ? { type: runtime, config: { timeout: Duration.seconds(a.lambdaTimeout) } }
      : { type: runtime, config: { timeout: Duration.seconds(a.agentCoreTimeout), endpointName: a.endpointName } },
  });
  const agents = { [LAMBDA]: agent('OnLambda', LAMBDA, g.agents[LAMBDA]), [AGENTCORE]: agent('OnAgentCore', AGENTCORE, g.agents[AGENTCORE]) };
  const stateMachines = g.machines.map((steps, m) => {
    const uses: StepUse[] = steps.map((s) => ({ agent: agents[s.runtime], kind: kindOf(s), callback: s.callback }));
    const states = steps.map((s, i) => new InvokeAgent(stack, `M${m}Step${i}`, stepProps(agents[s.runtime], s)));
    const chain = states.slice(1).reduce((c, s) => c.next(s), sfn.Chain.start(states[0]));
    return { stateMachine: new sfn.StateMachine(stack, `Machine${m}`, { definitionBody: sfn.DefinitionBody.fromChainable(chain) }), steps: uses };
  });
  const template = synth(stack);
  return { sim: simulatorFor(stack, template), template: template.toJSON(), agents, workflow: { stateMachines, agents: [agents[LAMBDA], agents[AGENTCORE]] } };
}

function stepProps(agent: BatchAgent, s: GeneratedStep): InvokeAgentProps {
  const kind = kindOf(s);
  // The SDK integration takes a path payload only.
  const payload = s.payload === 'object' && kind === 'sdk' ? 'path' : s.payload;
  return {
    agent,
    integrationPattern: s.callback ? sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN : undefined,
    agentCoreInvocation: kind === 'sdk' ? AgentCoreInvocation.sdkIntegration() : undefined,
    payload: payload === 'path' ? sfn.TaskInput.fromJsonPathAt('$.request')
      : payload === 'object' ? sfn.TaskInput.fromObject({ prompt: 'Summarise', documentId: sfn.JsonPath.stringAt('$.id') }) : undefined,
    sessionId: s.runtime === LAMBDA || s.session === 'default' ? undefined
      : s.session === 'path' ? sfn.JsonPath.stringAt('$.session') : `generated-session-${'0'.repeat(20)}`,
  };
}

/** The `action resource` pairs each role must hold, derived from the steps alone. */
function expectedGrants(b: Built): Map<string, string[]> {
  const t = b.sim.template;
  const expected = new Map<string, Set<string>>();
  const add = (role: string, action: string, resource: string) => {
    if (!expected.has(role)) expected.set(role, new Set());
    expected.get(role)!.add(`${action} ${resource}`);
  };
  const relay = relayOf(b.workflow.stateMachines[0].stateMachine.stack);
  const relayInfo = relay && relayFacts(b.sim, relay);
  for (const { stateMachine, steps } of b.workflow.stateMachines) {
    const role = logicalIdOf(stateMachine.role);
    expected.set(role, new Set());
    for (const step of steps) {
      const facts = agentFacts(b.sim, step.agent);
      const endpoint = facts.agentCore && `${facts.agentCore.runtimeArn}/runtime-endpoint/${(step.agent.runtime as AgentCoreAgentRuntime).endpointName}`;
      if (step.kind === 'lambda') add(role, 'lambda:InvokeFunction', facts.lambda!.functionArn);
      if (step.kind === 'relay') {
        add(role, 'lambda:InvokeFunction', relayInfo!.functionArn);
        add(relayInfo!.roleId, 'bedrock-agentcore:InvokeAgentRuntime', facts.agentCore!.runtimeArn);
        add(relayInfo!.roleId, 'bedrock-agentcore:InvokeAgentRuntime', endpoint!);
      }
      if (step.kind === 'sdk') {
        add(role, 'bedrock-agentcore:InvokeAgentRuntime', facts.agentCore!.runtimeArn);
        add(role, 'bedrock-agentcore:InvokeAgentRuntime', endpoint!);
      }
    }
  }
  if (relayInfo) {
    const logGroupArn = t.arn('logs', `log-group:${relayInfo.logGroupName}:*`);
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) add(relayInfo.roleId, action, logGroupArn);
  }
  return new Map([...expected].map(([role, grants]) => [role, [...grants].sort()]));
}

/**
 * Each Task state's shape validated once, the new ones of a run in one definition (asl-validator
 * takes ~100 ms a call): runs repeat shapes, which differ only in ARNs, transitions and timeouts.
 */
const validatedShapes = new Set<string>();
function validateStates(b: Built): void {
  const unseen = new Map<string, Record<string, unknown>>();
  for (const definition of allDefinitions(b.sim.template)) {
    for (const state of Object.values(definition.States)) {
      const rest: Record<string, unknown> = { ...state };
      delete rest.Next;
      delete rest.End;
      const shape = JSON.stringify({ ...rest, TimeoutSeconds: rest.TimeoutSeconds === undefined ? undefined : 1 })
        .replace(/arn:aws:(lambda|bedrock-agentcore):[^"]*/g, (arn) => arn.replace(/:[^:]*$/, ':X'));
      if (!validatedShapes.has(shape)) unseen.set(shape, rest);
    }
  }
  if (unseen.size === 0) return;
  const states = [...unseen.values()];
  validateDefinition({
    StartAt: 'Step0',
    States: Object.fromEntries(states.map((state, i) => [`Step${i}`, { ...state, ...(i + 1 < states.length ? { Next: `Step${i + 1}` } : { End: true }) }])),
  });
  for (const shape of unseen.keys()) validatedShapes.add(shape);
}

const checks: Record<string, (b: Built) => Promise<void>> = {
  'Property 21: invocation permission': async (b) => {
    const expected = expectedGrants(b);
    for (const [role, grants] of expected) expect(allowedGrants(b.sim, role), `grants of ${role}`).toEqual(grants);
    await expectDecisions(b.sim, workflowDecisionCases(b.sim, b.workflow).cases);
  },
  'Property 22: workflow integration': async (b) => {
    const t = b.sim.template;
    for (const agent of b.workflow.agents) {
      const waiting = b.workflow.stateMachines.filter(({ steps }) => steps.some((s) => s.agent === agent && s.callback))
        .map(({ stateMachine }) => t.resolveString({ Ref: logicalIdOf(stateMachine) }));
      const states = allowedGrants(b.sim, agentFacts(b.sim, agent).roleId).filter((grant) => grant.startsWith('states:'));
      expect(states, `SendTask* grants of ${agent.node.path}`).toEqual(waiting.flatMap((arn) => TASK_RESPONSE_ACTIONS.map((a) => `${a} ${arn}`)).sort());
    }
    const { taskResponse } = workflowDecisionCases(b.sim, b.workflow);
    const wrong = taskResponse.flatMap((c) => {
      const actual = taskResponseDecision(b.sim, c);
      return (c.expect === 'Denied' ? actual !== 'Allowed' : actual === c.expect) ? [] : [{ case: c, actual }];
    });
    expect(formatMismatches(wrong)).toBe('');
    expect(findDependencyCycle(b.template as TemplateJson)).toBeUndefined();
    validateStates(b);
  },
};

describe('InvokeAgent properties (seed 003) over generated agents and steps', () => {
  it(`properties 21 and 22 hold for ${RUNS.numRuns} generated apps`, async () => {
    const counts: Record<string, number> = {};
    const seen = { lambda: 0, relay: 0, sdk: 0, callback: 0 };
    await fc.assert(fc.asyncProperty(generated, async (g) => {
      const built = build(g);
      for (const [name, check] of Object.entries(checks)) {
        await check(built);
        counts[name] = (counts[name] ?? 0) + 1;
      }
      for (const step of g.machines.flat()) {
        seen[kindOf(step)]++;
        if (step.callback) seen.callback++;
      }
    }), RUNS);
    for (const name of Object.keys(checks)) expect(counts[name]).toBe(RUNS.numRuns);
    // Every form was generated, many times.
    for (const [form, count] of Object.entries(seen)) expect(count, form).toBeGreaterThan(20);
  }, 120_000);
});
