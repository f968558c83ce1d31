/**
 * What the tests of `InvokeAgent` read from a synthesized template: the state machines'
 * definitions with concrete ARNs, the resource dependency graph (a cycle CloudFormation would
 * refuse at deploy, which CDK does not detect within a stack), and the IAM decisions of every role
 * a step involves — the state machine's, the AgentCore relay's, and the agents' callbacks.
 *
 * `states:SendTaskSuccess`/`Failure`/`Heartbeat` have no resource types in IAM's service
 * authorization reference, so `@cloud-copilot/iam-simulate` refuses a request for them on a state
 * machine ARN ("must.use.wildcard") and denies `*` against a statement scoped to one. Step
 * Functions authorizes them against the state machine of the task token in practice (its
 * AccessDenied messages name `...:stateMachine:<name>`; aws/aws-cdk#8486 tested it), which is what
 * `taskResponseDecision` evaluates: the same policies, through the simulator's unvalidated entry
 * point, on the state machine ARN.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import type { IConstruct } from 'constructs';
import { AgentCoreAgentRuntime, AgentRuntimeType, BaseAgent } from '../../src';
import { AgentCoreRelay } from '../../src/workflow/agentcore-relay';
import { agentFacts } from './agent-decisions';
import { ResolvedTemplate } from './cfn-resolve';
import { AccessRequest, Decision, DecisionCase, expectDecisions, formatMismatches, IamSimulator, PolicyDocument } from './iam-simulation';

export const TASK_RESPONSE_ACTIONS = ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'];

/** The construct id of the stack's relay (agentcore-relay.ts). */
const RELAY_ID = 'AgenticAiFrameworkAgentCoreRelay';

/** A Task state as the tests read it. */
export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly InputPath?: string;
  readonly ResultSelector?: Record<string, unknown>;
  readonly Retry?: Array<Record<string, unknown>>;
  readonly TimeoutSeconds?: number;
  readonly HeartbeatSeconds?: number;
  readonly [field: string]: unknown;
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
}

/** The logical id of a construct's CloudFormation resource (its default child, or itself). */
export function logicalIdOf(construct: IConstruct): string {
  const resource = (construct.node.defaultChild ?? construct) as CfnResource;
  return Stack.of(construct).resolve(resource.logicalId) as string;
}

/** The state machine's definition, every intrinsic resolved to the value CloudFormation gives it. */
export function definitionOf(t: ResolvedTemplate, stateMachine: sfn.StateMachine): AslDefinition {
  return JSON.parse(t.stringProperty(logicalIdOf(stateMachine), 'DefinitionString')) as AslDefinition;
}

/** Every state machine definition of a template, resolved. */
export function allDefinitions(t: ResolvedTemplate): AslDefinition[] {
  return t.logicalIdsOfType('AWS::StepFunctions::StateMachine').map((id) => JSON.parse(t.stringProperty(id, 'DefinitionString')) as AslDefinition);
}

export type TemplateJson = { readonly Resources?: Record<string, Record<string, unknown>> };

/**
 * A dependency cycle among the template's resources, as the logical ids along it (the first
 * repeated at the end), or undefined. Edges: `Ref`, `Fn::GetAtt`, `${X}` and `${X.Attr}` in
 * `Fn::Sub`, and `DependsOn`; anything else (Metadata, pseudo parameters, parameters) is no edge.
 */
export function findDependencyCycle(template: TemplateJson): string[] | undefined {
  const resources = template.Resources ?? {};
  const edges = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(resources)) {
    const out = new Set<string>();
    for (const [key, value] of Object.entries(resource)) {
      if (key === 'Metadata') continue;
      if (key === 'DependsOn') ([] as unknown[]).concat(value).forEach((d) => out.add(String(d)));
      else collectReferences(value, resources, out);
    }
    edges.set(id, out);
  }
  // Depth-first search; a node met again while still on the path closes a cycle.
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 'open');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      if (!edges.has(next)) continue;
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    if (state.get(id) !== undefined) continue;
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

function collectReferences(value: unknown, resources: Record<string, unknown>, out: Set<string>): void {
  if (Array.isArray(value)) {
    value.forEach((v) => collectReferences(v, resources, out));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length === 1 && keys[0] === 'Ref' && typeof object.Ref === 'string') {
    if (object.Ref in resources) out.add(object.Ref);
    return;
  }
  if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
    const target = object['Fn::GetAtt'];
    const id = Array.isArray(target) ? String(target[0]) : String(target).split('.')[0];
    if (id in resources) out.add(id);
    if (Array.isArray(target)) collectReferences(target.slice(1), resources, out);
    return;
  }
  if (keys.length === 1 && keys[0] === 'Fn::Sub') {
    const argument = object['Fn::Sub'];
    const [text, variables] = typeof argument === 'string' ? [argument, {}] : argument as [string, Record<string, unknown>];
    for (const match of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
      const name = match[1].split('.')[0];
      if (!(name in variables) && name in resources) out.add(name);
    }
    collectReferences(variables, resources, out);
    return;
  }
  for (const v of Object.values(object)) collectReferences(v, resources, out);
}

/** The stack's AgentCore relay, if a step created one (without creating it). */
export function relayOf(stack: Stack): AgentCoreRelay | undefined {
  return stack.node.tryFindChild(RELAY_ID) as AgentCoreRelay | undefined;
}

/** The relay's function ARN, role and log group, from the template. */
export interface RelayFacts {
  readonly functionArn: string;
  readonly functionName: string;
  readonly roleId: string;
  readonly logGroupName: string;
}

export function relayFacts(sim: IamSimulator, relay: AgentCoreRelay): RelayFacts {
  const t = sim.template;
  const fnId = logicalIdOf(relay.relayFunction);
  const logging = t.properties(fnId).LoggingConfig as { LogGroup?: string } | undefined;
  if (typeof logging?.LogGroup !== 'string') throw new Error('the relay function has no log group of its own');
  return {
    functionArn: t.resolveString({ 'Fn::GetAtt': [fnId, 'Arn'] }),
    functionName: t.resolveString({ Ref: fnId }),
    roleId: logicalIdOf(relay.relayFunction.role!),
    logGroupName: logging.LogGroup,
  };
}

/** How a step reaches its agent. */
export type StepKind = 'lambda' | 'relay' | 'sdk';

/** A step of a state machine, as the expectations need it. */
export interface StepUse {
  readonly agent: BaseAgent;
  readonly kind: StepKind;
  readonly callback: boolean;
}

export interface WorkflowUnderTest {
  /** Every state machine of the stack with the steps in it. */
  readonly stateMachines: ReadonlyArray<{ readonly stateMachine: sfn.StateMachine; readonly steps: readonly StepUse[] }>;
  /** Every agent of the stack, invoked by a step or not. */
  readonly agents: readonly BaseAgent[];
}

/** What a step invokes, read from the template. */
interface Target {
  readonly agent: BaseAgent;
  readonly roleId: string;
  readonly logGroupName: string;
  readonly functionArn?: string;
  readonly runtimeArn?: string;
  /** The endpoint steps invoke (the runtime's `endpointName`). */
  readonly endpoint?: string;
}

function targetOf(sim: IamSimulator, agent: BaseAgent): Target {
  const facts = agentFacts(sim, agent);
  const common = { agent, roleId: facts.roleId, logGroupName: facts.logGroupName };
  if (facts.type === AgentRuntimeType.LAMBDA) return { ...common, functionArn: facts.lambda!.functionArn };
  return { ...common, runtimeArn: facts.agentCore!.runtimeArn, endpoint: (agent.runtime as AgentCoreAgentRuntime).endpointName };
}

const INVOKE_FUNCTION = 'lambda:InvokeFunction';
const INVOKE_RUNTIME = 'bedrock-agentcore:InvokeAgentRuntime';

/**
 * The decisions a stack of `InvokeAgent` steps must get. `cases` go through the validated
 * simulator; `taskResponse` (SendTask*) through `taskResponseDecision`.
 *
 * - each state machine's role: Allowed exactly the invocations its steps make (the function; the
 *   relay; the runtime and its endpoint), Denied every other form for every agent of the stack,
 *   a function version or alias, another endpoint, and a function and runtime of no agent;
 * - the relay's role: `InvokeAgentRuntime` on exactly the runtime+endpoint some relay step
 *   invokes, its own log group and nothing else;
 * - each agent's role: SendTask* on exactly the state machines that wait for it.
 */
export function workflowDecisionCases(sim: IamSimulator, workflow: WorkflowUnderTest): { cases: DecisionCase[]; taskResponse: DecisionCase[] } {
  const t = sim.template;
  const targets = workflow.agents.map((agent) => targetOf(sim, agent));
  const stack = Stack.of(workflow.stateMachines[0].stateMachine);
  const relay = relayOf(stack);
  const relayInfo = relay && relayFacts(sim, relay);
  const cases: DecisionCase[] = [];
  const taskResponse: DecisionCase[] = [];
  const decide = (list: DecisionCase[], role: string, action: string, resource: string, allowed: boolean, why: string) =>
    list.push({ principal: { role }, action, resource, expect: allowed ? 'Allowed' : 'Denied', why });
  const anotherFunction = t.arn('lambda', 'function:another-function');
  const anotherRuntime = t.arn('bedrock-agentcore', 'runtime/another_agent_0badc0de-AbCdEfGhIj');
  const anotherStateMachine = t.arn('states', 'stateMachine:another-state-machine');

  for (const { stateMachine, steps } of workflow.stateMachines) {
    const role = logicalIdOf(stateMachine.role);
    const arn = t.resolveString({ Ref: logicalIdOf(stateMachine) });
    const uses = (agent: BaseAgent, kind: StepKind) => steps.some((s) => s.agent === agent && s.kind === kind);
    for (const target of targets) {
      const name = target.agent.node.path;
      if (target.functionArn !== undefined) {
        decide(cases, role, INVOKE_FUNCTION, target.functionArn, uses(target.agent, 'lambda'), `a step of ${stateMachine.node.path} invokes ${name}'s function (or none does)`);
        decide(cases, role, INVOKE_FUNCTION, `${target.functionArn}:live`, false, 'the step invokes the function itself, not a version or alias');
      } else {
        const direct = uses(target.agent, 'sdk');
        decide(cases, role, INVOKE_RUNTIME, target.runtimeArn!, direct, `the SDK integration invokes ${name}'s runtime (or no step calls it directly)`);
        decide(cases, role, INVOKE_RUNTIME, `${target.runtimeArn}/runtime-endpoint/${target.endpoint}`, direct, `... through its endpoint ${target.endpoint}`);
        if (target.endpoint !== 'DEFAULT') decide(cases, role, INVOKE_RUNTIME, `${target.runtimeArn}/runtime-endpoint/DEFAULT`, false, 'another endpoint of the runtime');
      }
      const waitsFor = steps.some((s) => s.agent === target.agent && s.callback);
      for (const action of TASK_RESPONSE_ACTIONS) {
        decide(taskResponse, target.roleId, action, arn, waitsFor, `${stateMachine.node.path} waits for ${name}'s callback (or does not)`);
      }
    }
    if (relayInfo) decide(cases, role, INVOKE_FUNCTION, relayInfo.functionArn, steps.some((s) => s.kind === 'relay'), 'a step calls the relay (or none does)');
    decide(cases, role, INVOKE_FUNCTION, anotherFunction, false, 'a function of no agent');
    decide(cases, role, INVOKE_RUNTIME, anotherRuntime, false, 'a runtime of no agent');
    decide(cases, role, 'states:StartExecution', arn, false, 'the state machine does not start itself');
  }
  for (const target of targets) {
    for (const action of TASK_RESPONSE_ACTIONS) decide(taskResponse, target.roleId, action, anotherStateMachine, false, 'a state machine of no step');
  }

  if (relayInfo) {
    const role = relayInfo.roleId;
    const relayed = (agent: BaseAgent) => workflow.stateMachines.some(({ steps }) => steps.some((s) => s.agent === agent && s.kind === 'relay'));
    for (const target of targets) {
      if (target.runtimeArn === undefined) {
        decide(cases, role, INVOKE_FUNCTION, target.functionArn!, false, 'the relay calls AgentCore only');
        continue;
      }
      const name = target.agent.node.path;
      decide(cases, role, INVOKE_RUNTIME, target.runtimeArn, relayed(target.agent), `a relay step invokes ${name} (or none does)`);
      decide(cases, role, INVOKE_RUNTIME, `${target.runtimeArn}/runtime-endpoint/${target.endpoint}`, relayed(target.agent), `... through its endpoint ${target.endpoint}`);
      if (target.endpoint !== 'DEFAULT') decide(cases, role, INVOKE_RUNTIME, `${target.runtimeArn}/runtime-endpoint/DEFAULT`, false, 'another endpoint of the runtime');
    }
    decide(cases, role, INVOKE_RUNTIME, anotherRuntime, false, 'a runtime of no agent');
    const stream = (group: string) => t.arn('logs', `log-group:${group}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`);
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      decide(cases, role, action, stream(relayInfo.logGroupName), true, 'the relay writes its logs to its log group');
      decide(cases, role, action, stream(`/aws/lambda/${relayInfo.functionName}`), false, 'Lambda\'s default group: the relay has its own');
      for (const target of targets) decide(cases, role, action, stream(target.logGroupName), false, 'an agent\'s log group');
    }
    decide(cases, role, 'logs:CreateLogGroup', t.arn('logs', `log-group:${relayInfo.logGroupName}`), false, 'the log group exists');
    decide(cases, role, 'states:SendTaskSuccess', '*', false, 'the agent reports a callback, not the relay');
    for (const { stateMachine } of workflow.stateMachines) {
      decide(cases, role, 'states:StartExecution', t.resolveString({ Ref: logicalIdOf(stateMachine) }), false, 'the relay starts nothing');
    }
  }
  return { cases, taskResponse };
}

/**
 * The decision Step Functions takes on SendTask* by `principal` for a task of the state machine
 * `resource`: the principal's identity policies matched on the state machine ARN (no resource
 * policies exist for state machines). See the file comment for why not `IamSimulator.decide`.
 */
export function taskResponseDecision(sim: IamSimulator, request: AccessRequest): Decision {
  if (!TASK_RESPONSE_ACTIONS.includes(request.action)) throw new Error(`${request.action} is not a task response action`);
  if (!('role' in request.principal)) throw new Error('task responses are simulated for roles of the template');
  if (!/^arn:[^:]+:states:[^:]+:\d{12}:stateMachine:[^:]+$/.test(request.resource)) throw new Error(`${request.resource} is not a state machine ARN`);
  return runUnsafeSimulation({
    request: {
      principal: sim.roleArn(request.principal.role),
      action: request.action,
      resource: { resource: request.resource, accountId: sim.template.account },
      contextVariables: {},
    },
    identityPolicies: sim.identityPolicies(request.principal.role).map((p) => ({ name: p.name, policy: p.policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }, {});
}

/** Throws, listing every mismatch, unless each case gets its expected decision. */
export async function expectWorkflowDecisions(sim: IamSimulator, workflow: WorkflowUnderTest): Promise<void> {
  const { cases, taskResponse } = workflowDecisionCases(sim, workflow);
  await expectDecisions(sim, cases);
  const wrong = taskResponse.flatMap((c) => {
    const actual = taskResponseDecision(sim, c);
    const ok = c.expect === 'Denied' ? actual !== 'Allowed' : actual === c.expect;
    return ok ? [] : [{ case: c, actual }];
  });
  if (wrong.length > 0) throw new Error(`${wrong.length} of ${taskResponse.length} task response decisions are wrong:\n${formatMismatches(wrong)}`);
}

/**
 * Every `action resource` pair a role's identity policies allow, resolved: what "exactly" means
 * for a role whose grants the step made (Deny and NotAction/NotResource would need more; the
 * roles checked have neither, which this asserts).
 */
export function allowedGrants(sim: IamSimulator, roleId: string): string[] {
  const grants = new Set<string>();
  for (const { name, policy } of sim.identityPolicies(roleId)) {
    for (const statement of ([] as Array<Record<string, unknown>>).concat((policy as PolicyDocument).Statement)) {
      if (statement.Effect !== 'Allow' || statement.NotAction !== undefined || statement.NotResource !== undefined) {
        throw new Error(`${name}: a statement other than Allow Action/Resource: ${JSON.stringify(statement)}`);
      }
      for (const action of ([] as unknown[]).concat(statement.Action)) {
        for (const resource of ([] as unknown[]).concat(statement.Resource)) grants.add(`${String(action)} ${String(resource)}`);
      }
    }
  }
  return [...grants].sort();
}
