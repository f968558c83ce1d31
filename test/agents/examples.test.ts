import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { BatchAgentAgentCoreStack } from '../../examples/batch-agent-agentcore-runtime/stack';
import { BatchAgentLambdaStack } from '../../examples/batch-agent-lambda/stack';
import { RuntimeComparisonStack } from '../../examples/runtime-comparison/stack';
import { expectValidIam } from '../helpers/iam-validity';
import { TEST_ENV, VALIDATION_CONTEXT } from '../helpers/test-app';
import { batchAgent } from './helpers';
import { AgentRuntimeType } from '../../src';

const EXAMPLES: Array<[string, new (scope: App, id: string, props: { env: typeof TEST_ENV }) => Stack]> = [
  ['batch-agent-lambda', BatchAgentLambdaStack],
  ['batch-agent-agentcore-runtime', BatchAgentAgentCoreStack],
  ['runtime-comparison', RuntimeComparisonStack],
];

describe.each(EXAMPLES)('example %s', (_name, StackClass) => {
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
