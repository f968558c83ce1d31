/**
 * Seed 003 property 22 (workflow integration) for `AgenticDocumentProcessing`, over generated
 * workflows: the processing agent on either runtime, a classification agent or none (either
 * runtime), enrichment and post-processing on or off, the processing step a long run
 * (WAIT_FOR_TASK_TOKEN) or not, and one more agent of either runtime that the workflow does not use.
 * Without any grant by the user:
 *
 * - the state machine's role is Allowed exactly the invocation each configured agent's runtime
 *   needs (Lambda: the function; AgentCore: the relay, whose role may invoke the runtime) and the
 *   functions, and Denied the agent it was not given; a long-running agent may report to this state
 *   machine (SendTask*), no other agent may;
 * - the agents may read documents under raw/ of the workflow's bucket and may not write processed/;
 *   the agent not given reads nothing of it;
 * - no dependency cycle.
 *
 * One synth and one simulation per run (decisions are memoized across runs: most repeat).
 */
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgenticDocumentProcessing, AgentRuntimeType, BatchAgent } from '../../src';
import { batchAgent } from '../agents/helpers';
import { agentFacts, simulatorFor } from '../helpers/agent-decisions';
import { DecisionCase, expectDecisions, formatMismatches, IamSimulator } from '../helpers/iam-simulation';
import { synth, testStack } from '../helpers/test-app';
import {
  allowedGrants, findDependencyCycle, logicalIdOf, relayFacts, relayOf, StepUse, taskResponseDecision, TemplateJson, workflowDecisionCases,
} from '../helpers/workflow-decisions';

const RUNS = { numRuns: 100 };
const { LAMBDA, AGENTCORE } = AgentRuntimeType;
const TLS = { 'aws:SecureTransport': 'true' };

interface Generated {
  readonly processing: AgentRuntimeType;
  readonly classification?: AgentRuntimeType;
  readonly enrichment: boolean;
  readonly postProcessing: boolean;
  readonly longRun: boolean;
  /** The runtime of an agent of the stack the workflow is not given. */
  readonly other: AgentRuntimeType;
}

const runtime = fc.constantFrom(LAMBDA, AGENTCORE);
const generated: fc.Arbitrary<Generated> = fc.record({
  processing: runtime,
  classification: fc.option(runtime, { nil: undefined }),
  enrichment: fc.boolean(),
  postProcessing: fc.boolean(),
  longRun: fc.boolean(),
  other: runtime,
});

interface Built {
  readonly sim: IamSimulator;
  readonly template: TemplateJson;
  readonly workflow: AgenticDocumentProcessing;
  readonly steps: StepUse[];
  readonly other: BatchAgent;
  readonly functions: lambda.IFunction[];
}

function build(g: Generated): Built {
  const stack = testStack();
  const processing = batchAgent(stack, 'Processor', g.processing);
  const classification = g.classification && batchAgent(stack, 'Classifier', g.classification);
  const other = batchAgent(stack, 'Other', g.other);
  const fn = (name: string) => lambda.Function.fromFunctionArn(stack, name, `arn:aws:lambda:us-east-1:123456789012:function:${name}`);
  const enrichment = g.enrichment ? fn('enrich') : undefined;
  const postProcessing = g.postProcessing ? fn('post-process') : undefined;
  const workflow = new AgenticDocumentProcessing(stack, 'Documents', {
    processingAgent: processing,
    processingStep: g.longRun ? { integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN } : undefined,
    classificationAgent: classification,
    enrichment,
    postProcessing,
  });
  const kind = (r: AgentRuntimeType) => (r === LAMBDA ? 'lambda' as const : 'relay' as const);
  const steps: StepUse[] = [
    ...(classification ? [{ agent: classification, kind: kind(g.classification!), callback: false }] : []),
    { agent: processing, kind: kind(g.processing), callback: g.longRun },
  ];
  const template = synth(stack);
  return {
    sim: simulatorFor(stack, template), template: template.toJSON() as TemplateJson, workflow, steps, other,
    functions: [enrichment, postProcessing].filter((f): f is lambda.IFunction => f !== undefined),
  };
}

/** The invocation grants the state machine's role must hold, from the steps alone. */
function expectedInvocations(b: Built): string[] {
  const relay = relayOf(Stack.of(b.workflow));
  const grants = new Set<string>();
  for (const step of b.steps) {
    const facts = agentFacts(b.sim, step.agent);
    grants.add(`lambda:InvokeFunction ${step.kind === 'lambda' ? facts.lambda!.functionArn : relayFacts(b.sim, relay!).functionArn}`);
  }
  for (const fn of b.functions) {
    grants.add(`lambda:InvokeFunction ${fn.functionArn}`);
    grants.add(`lambda:InvokeFunction ${fn.functionArn}:*`);
  }
  return [...grants].sort();
}

async function checkProperty(b: Built): Promise<void> {
  const t = b.sim.template;
  const role = logicalIdOf(b.workflow.stateMachine.role);
  const invocations = allowedGrants(b.sim, role).filter((g) => /^(lambda|bedrock-agentcore):/.test(g));
  expect(invocations, 'the state machine role\'s invocation grants').toEqual(expectedInvocations(b));

  const agents = [...b.steps.map((s) => s.agent), b.other];
  const { cases, taskResponse } = workflowDecisionCases(b.sim, { stateMachines: [{ stateMachine: b.workflow.stateMachine, steps: b.steps }], agents });
  const bucket = t.resolveString({ 'Fn::GetAtt': [logicalIdOf(b.workflow.bucket), 'Arn'] });
  const documentCase = (agent: BatchAgent, action: string, key: string, expect: 'Allowed' | 'Denied', why: string): DecisionCase =>
    ({ principal: { role: agentFacts(b.sim, agent).roleId }, action, resource: `${bucket}/${key}`, context: TLS, expect, why });
  for (const step of b.steps) {
    cases.push(
      documentCase(step.agent, 's3:GetObject', 'raw/2026/invoice 0001.pdf', 'Allowed', 'a document the agent is asked to process'),
      documentCase(step.agent, 's3:PutObject', 'processed/invoice-0001-0123456789abcdef/result.json', 'Denied', 'results are the workflow\'s to write'),
      documentCase(step.agent, 's3:PutObject', 'raw/2026/invoice 0001.pdf', 'Denied', 'agents write nothing in the bucket'),
    );
  }
  cases.push(documentCase(b.other, 's3:GetObject', 'raw/2026/invoice 0001.pdf', 'Denied', 'an agent the workflow was not given'));
  await expectDecisions(b.sim, cases);

  const wrong = taskResponse.flatMap((c) => {
    const actual = taskResponseDecision(b.sim, c);
    return (c.expect === 'Denied' ? actual !== 'Allowed' : actual === c.expect) ? [] : [{ case: c, actual }];
  });
  expect(formatMismatches(wrong), 'SendTask*').toBe('');
  expect(findDependencyCycle(b.template)).toBeUndefined();
}

describe('AgenticDocumentProcessing property 22 (seed 003) over generated workflows', () => {
  it(`holds for ${RUNS.numRuns} generated workflows`, async () => {
    let runs = 0;
    const seen = { lambdaProcessing: 0, agentCoreProcessing: 0, classification: 0, longRun: 0, enrichment: 0, postProcessing: 0 };
    await fc.assert(fc.asyncProperty(generated, async (g) => {
      await checkProperty(build(g));
      runs++;
      seen[g.processing === LAMBDA ? 'lambdaProcessing' : 'agentCoreProcessing']++;
      if (g.classification) seen.classification++;
      if (g.longRun) seen.longRun++;
      if (g.enrichment) seen.enrichment++;
      if (g.postProcessing) seen.postProcessing++;
    }), RUNS);
    expect(runs).toBe(RUNS.numRuns);
    // Every option was generated, many times.
    for (const [option, count] of Object.entries(seen)) expect(count, option).toBeGreaterThan(20);
  }, 120_000);
});
