/**
 * Bad input as plain JavaScript (and so Python, Java, .NET and Go through jsii, at run time) can
 * pass it: every case must be a typed error (InvalidRuntimeConfigError or InvalidBedrockModelError)
 * whose message names the field, the value given and what is allowed; never a raw TypeError, never
 * silently accepted. Wrong types go through `wrong()` (an `unknown` cast), the compiler's view of
 * what plain JavaScript does.
 *
 * Which error: a prop of the wrong type or shape is an InvalidRuntimeConfigError; what BedrockModel
 * itself is told (a model id, a geography, Regions, a profile for another Region) is an
 * InvalidBedrockModelError. The regexes are matched against the message after its fixed prefix
 * (`Invalid runtime configuration for X: `), so that prefix cannot satisfy them.
 */
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  AgentCode, AgentRuntimeConfig, AgentRuntimeFactory, AgentRuntimeType, BatchAgent, BatchAgentProps, BedrockModel,
  CommonAgentProps, InferenceProfileGeo,
} from '../../src';
import { synth } from '../helpers/test-app';
import { ExpectedError, FIXTURES, agentEnvironment, expectTypedError, literal, promptAsset, stackIn, toolAsset, wrong } from './helpers';

const LAMBDA = AgentRuntimeType.LAMBDA;
const AGENTCORE = AgentRuntimeType.AGENTCORE;
const RUNTIMES = [LAMBDA, AGENTCORE] as const;
const MODEL = 'anthropic.claude-sonnet-4-20250514-v1:0';
const LAYER_ARN = 'arn:aws:lambda:us-east-1:123456789012:layer:deps:3';
const NODE_WITHOUT_INDEX = path.join(FIXTURES, 'node-without-index');
const PYTHON_WITHOUT_MAIN = path.join(FIXTURES, 'python-without-main');
const NODE_AGENT = path.join(__dirname, '..', 'fixtures', 'node-agent');

/** Nothing, or nothing usable: how a message may describe a missing value. */
const MISSING = /undefined|null|missing|not set|required|is not given/i;

type Loose = Record<string, unknown>;

/**
 * A BatchAgent built from props as plain JavaScript would write them: a valid agent in a
 * us-east-1 stack of account 123456789012, with `props` and `definition` merged over it.
 */
function batchAgent(type: AgentRuntimeType, props: Loose = {}, definition: Loose = {}, region = 'us-east-1'): BatchAgent {
  const stack = stackIn(region);
  return new BatchAgent(stack, 'A', wrong<BatchAgentProps>({
    agentName: 'invoices',
    agentDefinition: { bedrockModel: BedrockModel.foundationModel(MODEL), systemPrompt: promptAsset(stack), ...definition },
    prompt: 'Extract the invoice fields',
    runtime: { type },
    ...props,
  }));
}

/** AgentRuntimeFactory.create with common props as plain JavaScript would write them. */
function factory(runtime: unknown, commonProps: (scope: Construct) => Loose) {
  const stack = stackIn();
  return AgentRuntimeFactory.create(stack, 'Agent', wrong<AgentRuntimeConfig>(runtime), wrong<CommonAgentProps>(commonProps(stack)));
}

interface Case extends ExpectedError {
  readonly name: string;
  readonly call: () => unknown;
}

const runtimeError = (field: RegExp, value: RegExp, allowed: RegExp) => ({ kind: 'InvalidRuntimeConfigError' as const, field, value, allowed });
const modelError = (field: RegExp, value: RegExp, allowed: RegExp) => ({ kind: 'InvalidBedrockModelError' as const, field, value, allowed });

/** Keys the library sets itself (or AWS reserves): a user value would be overwritten or would break the agent. */
const OWNED_KEYS = ['MODEL_ID', 'PROMPT', 'SYSTEM_PROMPT_S3_KEY', 'TOOLS_CONFIG', 'DOCUMENT_SOURCES', 'OTEL_SERVICE_NAME', 'AWS_REGION'];

function casesOn(type: AgentRuntimeType): Case[] {
  const on = `(${type})`;
  return [
    {
      name: `agentDefinition.tools holds a string path, not an asset ${on}`,
      call: () => batchAgent(type, {}, { tools: ['./tools/lookup.js'] }),
      ...runtimeError(/agentDefinition\.tools/, /lookup\.js/, /Asset/),
    },
    {
      name: `agentDefinition.tools is one asset, not an array ${on}`,
      call: () => {
        const stack = stackIn();
        return new BatchAgent(stack, 'A', wrong<BatchAgentProps>({
          agentName: 'invoices',
          agentDefinition: { bedrockModel: BedrockModel.foundationModel(MODEL), systemPrompt: promptAsset(stack), tools: toolAsset(stack) },
          prompt: 'Extract the invoice fields',
          runtime: { type },
        }));
      },
      ...runtimeError(/agentDefinition\.tools/, /\bAsset\b|an object/, /array/i),
    },
    {
      name: `agentDefinition.systemPrompt is the prompt text, not an asset ${on}`,
      call: () => batchAgent(type, {}, { systemPrompt: 'You extract invoice fields.' }),
      ...runtimeError(/agentDefinition\.systemPrompt/, /You extract invoice fields/, /Asset/),
    },
    {
      name: `agentDefinition.systemPrompt is missing ${on}`,
      call: () => batchAgent(type, {}, { systemPrompt: undefined }),
      ...runtimeError(/agentDefinition\.systemPrompt/, MISSING, /Asset/),
    },
    {
      name: `agentDefinition.bedrockModel is a model id string ${on}`,
      call: () => batchAgent(type, {}, { bedrockModel: MODEL }),
      // A prop of the wrong type, like every other here: InvalidRuntimeConfigError. InvalidBedrockModelError
      // is for what BedrockModel itself is told (a model id, a geography, Regions), as in the cases below.
      ...runtimeError(/agentDefinition\.bedrockModel/, literal(MODEL), /BedrockModel\.(foundationModel|crossRegionInferenceProfile)|a BedrockModel/),
    },
    {
      name: `agentDefinition.lambdaLayers holds a lambda.ILayerVersion, not an AgentLayer ${on}`,
      call: () => {
        const stack = stackIn();
        return new BatchAgent(stack, 'A', wrong<BatchAgentProps>({
          agentName: 'invoices',
          agentDefinition: {
            bedrockModel: BedrockModel.foundationModel(MODEL),
            systemPrompt: promptAsset(stack),
            lambdaLayers: [lambda.LayerVersion.fromLayerVersionArn(stack, 'Deps', LAYER_ARN)],
          },
          prompt: 'Extract the invoice fields',
          runtime: { type },
        }));
      },
      ...runtimeError(/agentDefinition\.lambdaLayers/, /LayerVersion|arn:aws:lambda:us-east-1:123456789012:layer:deps:3/, /AgentLayer/),
    },
    {
      name: `runtime.config.timeout is a number of seconds, not a Duration ${on}`,
      call: () => batchAgent(type, { runtime: { type, config: { timeout: 300 } } }),
      ...runtimeError(/runtime\.config\.timeout/, /\b300\b/, /Duration/),
    },
    {
      name: `runtime.config.memorySize is a string ${on}`,
      call: () => batchAgent(type, { runtime: { type, config: { memorySize: '2048' } } }),
      // The message must show it is a string: "is 2048; allowed: an integer" reads as a contradiction.
      ...runtimeError(/runtime\.config\.memorySize/, /'2048'|"2048"|string/, /number|integer/),
    },
    {
      name: `AgentRuntimeFactory.create without code ${on}`,
      call: () => factory({ type }, () => ({ agentName: 'invoices' })),
      ...runtimeError(/\bcode\b/, MISSING, /AgentCode/),
    },
    {
      name: `AgentRuntimeFactory.create without agentName ${on}`,
      call: () => factory({ type }, () => ({ code: AgentCode.fromNodejsDirectory(NODE_AGENT) })),
      ...runtimeError(/agentName/, MISSING, /letters|string/),
    },
    {
      name: `agentName is a number ${on}`,
      call: () => batchAgent(type, { agentName: 42 }),
      ...runtimeError(/agentName/, /\b42\b/, /string|letters/),
    },
    {
      name: `environment is an array ${on}`,
      call: () => batchAgent(type, { environment: ['STAGE=prod'] }),
      ...runtimeError(/\benvironment\b/, /array|STAGE=prod/, /object|map|record|keys? (to|and) (string )?values/i),
    },
    {
      name: `environment has a non-string value ${on}`,
      call: () => batchAgent(type, { environment: { RETRIES: 3 } }),
      ...runtimeError(/environment\.RETRIES|environment\b[^]*RETRIES/, /\b3\b/, /string/),
    },
    {
      name: `AgentRuntimeFactory.create with environment an array ${on}`,
      call: () => factory({ type }, () => ({ agentName: 'invoices', code: AgentCode.fromNodejsDirectory(NODE_AGENT), environment: ['STAGE=prod'] })),
      ...runtimeError(/\benvironment\b/, /array|STAGE=prod/, /object|map|record|keys? (to|and) (string )?values/i),
    },
    {
      name: `AgentRuntimeFactory.create with a non-string environment value ${on}`,
      call: () => factory({ type }, () => ({ agentName: 'invoices', code: AgentCode.fromNodejsDirectory(NODE_AGENT), environment: { RETRIES: 3 } })),
      ...runtimeError(/environment\.RETRIES|environment\b[^]*RETRIES/, /\b3\b/, /string/),
    },
    ...OWNED_KEYS.map((key): Case => ({
      name: `environment sets ${key}, a key the ${key.startsWith('AWS_') ? 'AWS runtime' : 'library'} owns ${on}`,
      call: () => batchAgent(type, { environment: { [key]: 'x' } }),
      ...runtimeError(/environment/, new RegExp(`\\b${key}\\b`), /reserved|owned|set by|managed|cannot be set|may not be set/i),
    })),
    {
      name: `a US inference profile in an eu-west-1 stack ${on}`,
      call: () => batchAgent(type, {}, { bedrockModel: BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.US, MODEL) }, 'eu-west-1'),
      // The value: the profile and the stack's Region; allowed: the EU or global profile (or a foundation model).
      ...modelError(/\bgeo\b|bedrockModel|inference profile/, /us\.anthropic[^]*eu-west-1|eu-west-1[^]*us\.anthropic/, /\bEU\b|\beu\.|GLOBAL|\bglobal\b/),
    },
    {
      name: `expectJson is the string 'yes' ${on}`,
      call: () => batchAgent(type, { expectJson: 'yes' }),
      ...runtimeError(/expectJson/, /'yes'|"yes"/, /true or false|boolean/),
    },
    {
      name: `enableObservability is the string 'true' ${on}`,
      call: () => batchAgent(type, { enableObservability: 'true' }),
      ...runtimeError(/enableObservability/, /'true'|"true"|a string/, /true or false|boolean/),
    },
    {
      name: `logRetention is 9 days, not a RetentionDays value ${on}`,
      call: () => batchAgent(type, { logRetention: 9 }),
      ...runtimeError(/logRetention/, /\b9\b/, /RetentionDays|\b7\b[^]*\b14\b/),
    },
    {
      name: `network is {} without a vpc ${on}`,
      call: () => batchAgent(type, { network: {} }),
      ...runtimeError(/network\.vpc|\bnetwork\b[^]*\bvpc\b/, MISSING, /Vpc/),
    },
    {
      name: `AgentCode.fromNodejsDirectory of a directory without index.js ${on}`,
      call: () => batchAgent(type, { code: AgentCode.fromNodejsDirectory(NODE_WITHOUT_INDEX) }),
      ...runtimeError(/\bcode\b/, literal(NODE_WITHOUT_INDEX), /index\.(m|c)?js/),
    },
    {
      name: `AgentCode.fromPythonDirectory of a directory without main.py ${on}`,
      call: () => batchAgent(type, { code: AgentCode.fromPythonDirectory(PYTHON_WITHOUT_MAIN) }),
      ...runtimeError(/\bcode\b/, literal(PYTHON_WITHOUT_MAIN), /main\.py/),
    },
  ];
}

const cases: Case[] = [
  ...RUNTIMES.flatMap(casesOn),
  {
    name: `runtime.type is 'ECS'`,
    call: () => batchAgent(wrong<AgentRuntimeType>('ECS')),
    ...runtimeError(/runtime\.type/, /\bECS\b/, /LAMBDA[^]*AGENTCORE|AGENTCORE[^]*LAMBDA/),
  },
  {
    name: `runtime is a string, not { type, config }`,
    call: () => batchAgent(AGENTCORE, { runtime: 'AgentCore' }),
    // The field is `runtime` itself, not `runtime.type`; the value is the string given.
    ...runtimeError(/(^|[^.\w])runtime(?![.\w-])/, /'AgentCore'|"AgentCore"/, /\btype\b/),
  },
  {
    name: `crossRegionInferenceProfile with an unknown Region name in options.regions`,
    call: () => BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.US, MODEL, { regions: ['us-east-9'] }),
    ...modelError(/regions/, /us-east-9/, /us-east-1|eu-west-1|ap-northeast-1/),
  },
];

describe('bad input from plain JavaScript is a typed error naming the field, the value and what is allowed', () => {
  for (const { name, call, ...expected } of cases) {
    it(name, () => expectTypedError(call, expected));
  }
});

describe('agentDefinition without bedrockModel: a Claude model through the inference profile of the stack\'s Region', () => {
  const expectations: Array<[region: string, prefix: string]> = [['us-east-1', 'us'], ['eu-west-1', 'eu'], ['agnostic', 'global']];
  const matrix = RUNTIMES.flatMap((type) => expectations.map(([region, prefix]) => ({ type, region, prefix })));

  for (const { type, region, prefix } of matrix) it(`${type} in ${region}: MODEL_ID is a ${prefix}. Claude profile the role may invoke`, () => {
    const stack = stackIn(region);
    // The seed's shortest form: no bedrockModel, and on Lambda no runtime either.
    const agent = new BatchAgent(stack, 'A', wrong<BatchAgentProps>({
      agentName: 'invoices',
      agentDefinition: { systemPrompt: promptAsset(stack) },
      prompt: 'Extract the invoice fields',
      ...(type === AGENTCORE ? { runtime: { type } } : {}),
    }));
    const template = synth(stack);
    const modelId = agentEnvironment(template).MODEL_ID;
    expect(modelId).toMatch(/^(us|eu|apac|global)\.anthropic\.claude-/);
    expect(modelId).toMatch(new RegExp(`^${prefix}\\.`));
    expect(agent.bedrockModel.modelId).toBe(modelId);
    expect(agent.runtime.runtimeType).toBe(type);
    // The role may call that profile.
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).toContain(`:inference-profile/${modelId as string}`);
  });
});

// A Duration where one is expected still works (guards the cases above against rejecting everything).
it('the same helpers build a valid agent on both runtimes', () => {
  for (const type of RUNTIMES) {
    const agent = batchAgent(type, { runtime: { type, config: { timeout: Duration.minutes(5) } } });
    expect(agent.runtime.runtimeType).toBe(type);
  }
});
