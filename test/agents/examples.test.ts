import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { AgentWorkflowStack } from '../../examples/agent-workflow/stack';
import { DocumentProcessingStack } from '../../examples/document-processing/stack';
import { BatchAgentAgentCoreStack } from '../../examples/batch-agent-agentcore-runtime/stack';
import { BatchAgentLambdaStack } from '../../examples/batch-agent-lambda/stack';
import { RuntimeComparisonStack } from '../../examples/runtime-comparison/stack';
import { expectAgentDecisions, simulatorFor } from '../helpers/agent-decisions';
import { expectValidIam } from '../helpers/iam-validity';
import { TEST_ENV, VALIDATION_CONTEXT } from '../helpers/test-app';
import { batchAgent } from './helpers';
import { AgentRuntimeType, BaseAgent } from '../../src';

/** The agents of an example stack, and the roles it lets invoke them. */
interface ExampleAgents {
  readonly agents: BaseAgent[];
  readonly callers: iam.IRole[];
}

type ExampleStack = new (scope: App, id: string, props: { env: typeof TEST_ENV }) => Stack;

const EXAMPLES: Array<[string, ExampleStack, (stack: Stack) => ExampleAgents]> = [
  ['batch-agent-lambda', BatchAgentLambdaStack, (s) => ({ agents: [(s as BatchAgentLambdaStack).agent], callers: [] })],
  ['batch-agent-agentcore-runtime', BatchAgentAgentCoreStack, (s) => ({ agents: [(s as BatchAgentAgentCoreStack).agent], callers: [] })],
  ['runtime-comparison', RuntimeComparisonStack, (s) => {
    const stack = s as RuntimeComparisonStack;
    return { agents: [stack.onLambda, stack.onAgentCore], callers: [stack.caller] };
  }],
  ['agent-workflow', AgentWorkflowStack, (s) => {
    const stack = s as AgentWorkflowStack;
    return { agents: [stack.onLambda, stack.onAgentCore], callers: [] };
  }],
  ['document-processing', DocumentProcessingStack, (s) => {
    const stack = s as DocumentProcessingStack;
    return { agents: [stack.classifier, stack.processor], callers: [] };
  }],
];

describe.each(EXAMPLES)('example %s', (_name, StackClass, agentsOf) => {
  it('gives its agents the IAM decisions they need: run-time calls Allowed, neighbours Denied, callers, trust, resource policies', async () => {
    const app = new App({ context: VALIDATION_CONTEXT });
    const stack = new StackClass(app, 'Example', { env: TEST_ENV });
    const template = app.synth().getStackByName(stack.stackName).template;
    const sim = simulatorFor(stack, template);
    const { agents, callers } = agentsOf(stack);
    for (const agent of agents) await expectAgentDecisions(sim, agent, { callers });
  });

  it('synthesizes with CloudFormation validation and cdk-nag AwsSolutions: no unacknowledged finding; valid IAM', async () => {
    const app = new App({ context: VALIDATION_CONTEXT });
    const stack = new StackClass(app, 'Example', { env: TEST_ENV });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // A finding that is not acknowledged fails the synth with the report.
    const assembly = app.synth();
    expect(assembly.getStackByName(stack.stackName).template).toBeDefined();
    await expectValidIam(Template.fromJSON(assembly.getStackByName(stack.stackName).template));
  });
});

it('the cdk-nag check fails the synth on an unacknowledged finding (the check above is live)', () => {
  const app = new App({ context: VALIDATION_CONTEXT });
  const stack = new Stack(app, 'Bare', { env: TEST_ENV });
  batchAgent(stack, 'A', AgentRuntimeType.LAMBDA);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  expect(() => app.synth()).toThrow(/AwsSolutions-IAM5/);
});
