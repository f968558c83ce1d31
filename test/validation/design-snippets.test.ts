/**
 * The usage, migration and example snippets of the design (seed 003: "Property Test Examples",
 * "Migration and Compatibility", "AgentCore Code Deployment" → CDK Configuration, "Future
 * Enhancements" → Hybrid Deployments, and the factory call of "Updated BatchAgent"; plus the
 * product snippet of DESIGN.md), run as a user would write them. Each must synthesize, with
 * CloudFormation validation on, on both runtimes where the snippet is runtime-neutral; a snippet
 * written for one runtime synthesizes on it, and its counterpart on the other runtime is either
 * shown to work or rejected with a typed error saying why.
 *
 * Every change from the seed's text is noted above the snippet, with the reason. The seed's
 * `/* ... *\/` agent definitions are filled with the smallest definition existing users have:
 * `{ bedrockModel, systemPrompt }` (plus `tools` where the snippet shows them).
 */
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import {
  AgentCode, AgentCoreAgentRuntime, AgentCoreDeploymentMethod, AgentRuntimeConfig, AgentRuntimeErrors, AgentRuntimeFactory,
  AgentRuntimeType, BatchAgent, BedrockModel, InferenceProfileGeo, LambdaAgentRuntime,
} from '../../src';
import { synth } from '../helpers/test-app';
import { agentEnvironment, promptAsset, stackIn, toolAsset } from './helpers';
import { thrownBy } from '../helpers/thrown';

const RUNTIMES = [AgentRuntimeType.LAMBDA, AgentRuntimeType.AGENTCORE] as const;
const MODEL = 'anthropic.claude-sonnet-4-20250514-v1:0';
const LAMBDA_FUNCTION = 'AWS::Lambda::Function';
const AGENTCORE_RUNTIME = 'AWS::BedrockAgentCore::Runtime';
const NODE_AGENT = path.join(__dirname, '..', 'fixtures', 'node-agent');
const PYTHON_AGENT = path.join(__dirname, '..', 'fixtures', 'python-agent');

/** The seed's `agentDefinition: { /* ... *\/ }`, filled with the smallest definition existing users have. */
function definition(stack: Stack) {
  return { bedrockModel: BedrockModel.foundationModel(MODEL), systemPrompt: promptAsset(stack) };
}

/** The agent resource of a runtime type, and that there is exactly one of it and none of the other. */
function onlyRuntimeResource(template: Template, type: AgentRuntimeType): Record<string, unknown> {
  const [own, other] = type === AgentRuntimeType.LAMBDA ? [LAMBDA_FUNCTION, AGENTCORE_RUNTIME] : [AGENTCORE_RUNTIME, LAMBDA_FUNCTION];
  const resources = Object.values(template.findResources(own));
  expect(resources).toHaveLength(1);
  template.resourceCountIs(other, 0);
  return resources[0].Properties as Record<string, unknown>;
}

function rolePolicies(template: Template): string {
  return JSON.stringify(template.findResources('AWS::IAM::Policy'));
}

describe('seed 003, "Property Test Examples": Property 1 as the seed writes it', () => {
  // Changed: `agentDefinition: { /* ... */ }` filled with { bedrockModel, systemPrompt } (required then).
  // Unchanged: `new Stack()` with no App and no environment, so this is also a Region-agnostic stack.
  for (const runtimeType of RUNTIMES) {
    it(`accepts runtime { type: ${runtimeType} } in a bare new Stack() and synthesizes`, () => {
      const stack = new Stack();
      expect(() => {
        new BatchAgent(stack, 'TestAgent', {
          agentName: 'test',
          runtime: { type: runtimeType },
          agentDefinition: definition(stack),
          prompt: 'test',
        });
      }).not.toThrow();
      onlyRuntimeResource(Template.fromStack(stack), runtimeType);
    });
  }
});

describe('seed 003, "Migration Path: Lambda to AgentCore"', () => {
  // Changed: `this` (a Stack) is `stack`; `agentDefinition: { /* ... */ }` filled as above.
  it('Before (Lambda, implicit): no runtime prop gives a Lambda agent; the deprecated accessors still work', () => {
    const stack = stackIn();
    const agent = new BatchAgent(stack, 'Agent', {
      agentName: 'MyAgent',
      agentDefinition: definition(stack),
      prompt: 'Analyze document',
    });
    const fn = onlyRuntimeResource(synth(stack), AgentRuntimeType.LAMBDA);
    expect(agent.runtime.runtimeType).toBe(AgentRuntimeType.LAMBDA);
    expect(agent.runtime).toBeInstanceOf(LambdaAgentRuntime);
    // "agentFunction property marked as deprecated but still functional"
    expect(agent.agentFunction).toBe((agent.runtime as LambdaAgentRuntime).agentFunction);
    expect(agent.agentRole).toBe(agent.runtime.executionRole);
    expect(fn.Timeout).toBe(600);
  });

  it('Before, with the Lambda runtime made explicit, synthesizes the same function', () => {
    const implicit = stackIn();
    new BatchAgent(implicit, 'Agent', { agentName: 'MyAgent', agentDefinition: definition(implicit), prompt: 'Analyze document' });
    const explicit = stackIn();
    new BatchAgent(explicit, 'Agent', {
      agentName: 'MyAgent', agentDefinition: definition(explicit), prompt: 'Analyze document', runtime: { type: AgentRuntimeType.LAMBDA },
    });
    expect(synth(explicit).toJSON()).toEqual(synth(implicit).toJSON());
  });

  // Changed: as above. Kept: memorySize 2048, which AgentCore does not take (the service sizes its
  // microVMs): the library accepts it with a synth warning rather than failing the seed's own snippet.
  it('After (AgentCore, explicit): timeout 1 hour reaches the runtime; memorySize is ignored with a warning', () => {
    const stack = stackIn();
    const agent = new BatchAgent(stack, 'Agent', {
      agentName: 'MyAgent',
      runtime: {
        type: AgentRuntimeType.AGENTCORE,
        config: {
          timeout: Duration.hours(1),
          memorySize: 2048,
        },
      },
      agentDefinition: definition(stack),
      prompt: 'Analyze document',
    });
    const template = synth(stack);
    const runtime = onlyRuntimeResource(template, AgentRuntimeType.AGENTCORE);
    expect(runtime.LifecycleConfiguration).toMatchObject({ MaxLifetime: 3600 });
    expect(agent.runtime).toBeInstanceOf(AgentCoreAgentRuntime);
    expect(agent.agentFunction).toBeUndefined();
    expect(agent.agentRole).toBe(agent.runtime.executionRole);
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('memorySize'));
    expect(agentEnvironment(template)).toMatchObject({ PROMPT: 'Analyze document' });
  });

  it('After, with the type switched back to LAMBDA: a one-hour timeout is the reason to migrate, and a typed error says so', () => {
    const stack = stackIn();
    const error = thrownBy(() => new BatchAgent(stack, 'Agent', {
      agentName: 'MyAgent',
      runtime: { type: AgentRuntimeType.LAMBDA, config: { timeout: Duration.hours(1), memorySize: 2048 } },
      agentDefinition: definition(stack),
      prompt: 'Analyze document',
    }));
    expect(AgentRuntimeErrors.isInvalidRuntimeConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(/runtime\.config\.timeout[^]*15 minutes/);
  });
});

describe('seed 003, "AgentCore Code Deployment": the CDK Configuration snippets', () => {
  const directCode = {
    type: AgentRuntimeType.AGENTCORE,
    config: {
      deploymentMethod: AgentCoreDeploymentMethod.DIRECT_CODE,
      codeBucket: 'my-agent-code-bucket',
      codeKey: 'agents/batch-agent-v1.zip',
    },
  };

  // Changed: the seed shows only `runtime: {...}`; it is placed in a BatchAgent with the filled
  // definition. The ZIP holds the agent code, so the managed runtime and entrypoint come from `code`:
  // as written (no `code`) the prebuilt ZIP is taken to be the default agent's (NODE_22, index.js).
  it('DIRECT_CODE with codeBucket/codeKey: the runtime runs that object and its role may read exactly it', () => {
    const stack = stackIn();
    new BatchAgent(stack, 'Agent', { agentName: 'batch-agent', agentDefinition: definition(stack), prompt: 'Analyze document', runtime: directCode });
    const template = synth(stack);
    const runtime = onlyRuntimeResource(template, AgentRuntimeType.AGENTCORE);
    expect(runtime.AgentRuntimeArtifact).toEqual({
      CodeConfiguration: { Code: { S3: { Bucket: 'my-agent-code-bucket', Prefix: 'agents/batch-agent-v1.zip' } }, EntryPoint: ['index.js'], Runtime: 'NODE_22' },
    });
    expect(rolePolicies(template)).toContain(':s3:::my-agent-code-bucket/agents/batch-agent-v1.zip');
  });

  // Changed: the seed's example ZIP is a Python agent (main.py at its root); our API says so with
  // `code: AgentCode.fromPythonDirectory(...)` (the same code, also usable on Lambda).
  it('DIRECT_CODE with the seed\'s Python ZIP layout: PYTHON runtime, main.py entrypoint', () => {
    const stack = stackIn();
    new BatchAgent(stack, 'Agent', {
      agentName: 'batch-agent', agentDefinition: definition(stack), prompt: 'Analyze document', runtime: directCode,
      code: AgentCode.fromPythonDirectory(PYTHON_AGENT),
    });
    const runtime = onlyRuntimeResource(synth(stack), AgentRuntimeType.AGENTCORE);
    expect(runtime.AgentRuntimeArtifact).toEqual({
      CodeConfiguration: {
        Code: { S3: { Bucket: 'my-agent-code-bucket', Prefix: 'agents/batch-agent-v1.zip' } },
        EntryPoint: ['main.py'],
        Runtime: expect.stringMatching(/^PYTHON_3_1[0-4]$/),
      },
    });
  });

  // Changed: placed in a BatchAgent as above.
  it('CONTAINER with an ECR imageUri: the runtime runs that image and its role may pull from that repository', () => {
    const stack = stackIn();
    new BatchAgent(stack, 'Agent', {
      agentName: 'batch-agent', agentDefinition: definition(stack), prompt: 'Analyze document',
      runtime: {
        type: AgentRuntimeType.AGENTCORE,
        config: {
          deploymentMethod: AgentCoreDeploymentMethod.CONTAINER,
          imageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/my-agent:latest',
        },
      },
    });
    const template = synth(stack);
    const runtime = onlyRuntimeResource(template, AgentRuntimeType.AGENTCORE);
    expect(runtime.AgentRuntimeArtifact).toEqual({ ContainerConfiguration: { ContainerUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/my-agent:latest' } });
    expect(rolePolicies(template)).toContain(':ecr:us-east-1:123456789012:repository/my-agent');
    expect(rolePolicies(template)).toContain('ecr:BatchGetImage');
  });

  it('the same AgentCore-only configs on LAMBDA are rejected with a typed error naming the setting', () => {
    for (const config of [directCode.config, { deploymentMethod: AgentCoreDeploymentMethod.CONTAINER, imageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/my-agent:latest' }]) {
      const stack = stackIn();
      const runtime: AgentRuntimeConfig = { type: AgentRuntimeType.LAMBDA, config };
      const error = thrownBy(() => new BatchAgent(stack, 'Agent', { agentName: 'batch-agent', agentDefinition: definition(stack), prompt: 'p', runtime }));
      expect(AgentRuntimeErrors.isInvalidRuntimeConfigError(error)).toBe(true);
      expect((error as Error).message).toMatch(/runtime\.config\.(deploymentMethod|imageUri|codeBucket|codeKey)/);
    }
  });
});

describe('seed 003, "Hybrid Deployments": the same agent on both runtimes in one stack', () => {
  // Changed: the seed's `// ...` and `// ... same configuration` are the filled definition, an
  // agentName (required) per agent, and a prompt; one caller is granted invoke on both
  // ("Route based on workload characteristics").
  it('synthesizes one Lambda function and one AgentCore runtime sharing the definition; grantInvoke gives each its own action', () => {
    const stack = stackIn();
    const agentDefinition = { ...definition(stack), tools: [toolAsset(stack)] };
    const lambdaAgent = new BatchAgent(stack, 'LambdaAgent', {
      agentName: 'router-lambda',
      runtime: { type: AgentRuntimeType.LAMBDA },
      agentDefinition,
      prompt: 'Analyze document',
    });
    const agentCoreAgent = new BatchAgent(stack, 'AgentCoreAgent', {
      agentName: 'router-agentcore',
      runtime: { type: AgentRuntimeType.AGENTCORE },
      agentDefinition,
      prompt: 'Analyze document',
    });
    const caller = new iam.Role(stack, 'Router', { assumedBy: new iam.AccountRootPrincipal() });
    lambdaAgent.grantInvoke(caller);
    agentCoreAgent.grantInvoke(caller);
    const template = synth(stack);
    template.resourceCountIs(LAMBDA_FUNCTION, 1);
    template.resourceCountIs(AGENTCORE_RUNTIME, 1);
    const callerPolicy = JSON.stringify(Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles).includes('Router')));
    expect(callerPolicy).toContain('lambda:InvokeFunction');
    expect(callerPolicy).toContain('bedrock-agentcore:InvokeAgentRuntime');
    expect(lambdaAgent.runtime.runtimeType).toBe(AgentRuntimeType.LAMBDA);
    expect(agentCoreAgent.runtime.runtimeType).toBe(AgentRuntimeType.AGENTCORE);
  });
});

describe('seed 003, "Updated BatchAgent": its AgentRuntimeFactory.create call', () => {
  // Changed: the seed's commonProps `{ agentName, entry, index, environment, encryptionKey, network,
  // layers, systemPrompt, bedrockModel, removalPolicy }` name a Python function's files and agent-level
  // settings. Ours: `code` (an AgentCode with an entrypoint per runtime) replaces entry/index;
  // systemPrompt and bedrockModel reach the code through `environment` (DESIGN.md errata: no
  // `foundationModel`/`instruction` on the runtime resource); layers are Lambda-only, so left out here.
  for (const type of RUNTIMES) {
    it(`creates a ${type} runtime with id \`\${id}${type === AgentRuntimeType.LAMBDA ? 'Lambda' : 'AgentCore'}\` whose environment reaches the template`, () => {
      const stack = stackIn();
      const runtime = AgentRuntimeFactory.create(stack, 'Runtime', { type }, {
        agentName: 'batch-agent',
        code: AgentCode.fromNodejsDirectory(NODE_AGENT),
        environment: { MODEL_ID: MODEL, INVOKE_TYPE: 'batch', PROMPT: 'Analyze document', EXPECT_JSON: '' },
      });
      expect(stack.node.tryFindChild(type === AgentRuntimeType.LAMBDA ? 'RuntimeLambda' : 'RuntimeAgentCore')).toBe(runtime);
      const template = synth(stack);
      onlyRuntimeResource(template, type);
      expect(agentEnvironment(template)).toMatchObject({ MODEL_ID: MODEL, INVOKE_TYPE: 'batch', PROMPT: 'Analyze document', EXPECT_JSON: '' });
    });
  }
});

describe('DESIGN.md, "The product": the one-prop choice of runtime', () => {
  // Unchanged on AgentCore. On Lambda the timeout is 15 minutes (Lambda's maximum), not one hour.
  for (const type of RUNTIMES) {
    it(`synthesizes on ${type}`, () => {
      const stack = stackIn();
      const bedrockModel = BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.US, MODEL);
      const systemPrompt = promptAsset(stack);
      const tools = [toolAsset(stack)];
      new BatchAgent(stack, 'Invoices', {
        agentName: 'invoices',
        agentDefinition: { bedrockModel, systemPrompt, tools },
        prompt: 'Extract the invoice fields',
        expectJson: true,
        runtime: { type, config: { timeout: type === AgentRuntimeType.AGENTCORE ? Duration.hours(1) : Duration.minutes(15) } },
      });
      const template = synth(stack);
      const resource = onlyRuntimeResource(template, type);
      if (type === AgentRuntimeType.LAMBDA) {
        expect(resource.Timeout).toBe(900);
      } else {
        expect(resource.LifecycleConfiguration).toMatchObject({ MaxLifetime: 3600 });
      }
      expect(agentEnvironment(template)).toMatchObject({ MODEL_ID: `us.${MODEL}`, EXPECT_JSON: 'true', PROMPT: 'Extract the invoice fields' });
    });
  }
});
