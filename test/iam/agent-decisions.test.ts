/**
 * IAM decisions, not template shapes: agents on both runtimes, with a foundation model and with a
 * cross-Region inference profile, in a concrete environment; every call each role makes at run
 * time simulated (Allowed), and the neighbours (Denied). See test/helpers/agent-decisions.ts.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { AgentCoreAgentRuntime, AgentCoreDeploymentMethod, AgentRuntimeType, BatchAgent, BedrockModel, DocumentSource, InferenceProfileGeo } from '../../src';
import { batchAgent, MODEL_ID, promptAsset, RUNTIME_TYPES, toolAsset } from '../agents/helpers';
import { agentDecisionCases, agentFacts, leastPrivilegeKmsCases, simulatorFor } from '../helpers/agent-decisions';
import { DecisionCase, formatMismatches, IamSimulator, mismatches } from '../helpers/iam-simulation';
import { synth, testStack } from '../helpers/test-app';

const MODELS = [
  ['a foundation model', () => BedrockModel.foundationModel(MODEL_ID)],
  ['a US cross-Region inference profile', () => BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.US, MODEL_ID)],
  // None given: Claude Sonnet 4.6 through the stack's profile (us-east-1: `us.`).
  ['the default model', () => undefined],
] as const;

interface Built {
  readonly sim: IamSimulator;
  readonly agent: BatchAgent;
  readonly other: BatchAgent;
  readonly caller: iam.Role;
}

const builds = new Map<string, Built>();

/** An agent with a file tool, a ZIP tool and a document source; another agent beside it; a caller of the first only. Built once per file. */
function built(type: AgentRuntimeType, model: (typeof MODELS)[number]): Built {
  const key = `${type} ${model[0]}`;
  if (!builds.has(key)) builds.set(key, build(type, model[1]));
  return builds.get(key)!;
}

function build(type: AgentRuntimeType, model: () => BedrockModel | undefined): Built {
  const stack = testStack();
  // Documents in a KMS-encrypted bucket that requires TLS.
  const documents = new s3.Bucket(stack, 'Documents', { encryption: s3.BucketEncryption.KMS, enforceSSL: true });
  const agent = batchAgent(stack, 'Invoices', type, {
    agentDefinition: { bedrockModel: model(), systemPrompt: promptAsset(stack, 'MainPrompt'), tools: [toolAsset(stack, 'ToolFile'), toolAsset(stack, 'ToolZip', true)] },
    documentSources: [DocumentSource.fromBucket(documents, 'incoming/')],
  });
  const other = batchAgent(stack, 'Other', type);
  const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
  agent.grantInvoke(caller);
  return { sim: simulatorFor(stack, synth(stack)), agent, other, caller };
}

async function expectNoMismatch(sim: IamSimulator, cases: DecisionCase[]): Promise<void> {
  const wrong = await mismatches(sim, cases);
  expect(formatMismatches(wrong), `${wrong.length} of ${cases.length} decisions are wrong`).toBe('');
}

describe.each(RUNTIME_TYPES)('IAM decisions of an agent on %s', (type) => {
  describe.each(MODELS.map((model) => [model[0], model] as const))('with %s', (_name, model) => {
    it('allows every call the runtime makes for the agent, denies the neighbours; callers, trust and resource policies', async () => {
      const { sim, agent, other, caller } = built(type, model);
      const cases = agentDecisionCases(sim, agent, { callers: [caller], otherAgents: [other] });
      // The run-time calls are all there (a check that the list is not silently short).
      const allowed = cases.filter((c) => c.expect === 'Allowed').map((c) => c.action);
      expect(cases.map((c) => c.resource)).toEqual(expect.arrayContaining([expect.stringMatching(/:s3:::.*\/incoming\/2026\/invoice-0001\.pdf$/)]));
      expect(allowed).toEqual(expect.arrayContaining(['s3:GetObject', 'kms:Decrypt', 'bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'logs:CreateLogStream', 'logs:PutLogEvents', 'sts:AssumeRole']));
      expect(allowed).toEqual(expect.arrayContaining(type === AgentRuntimeType.LAMBDA
        ? ['kms:Decrypt', 'xray:PutTraceSegments', 'lambda:InvokeFunction']
        : ['xray:PutSpans', 'cloudwatch:PutMetricData', 'bedrock-agentcore:GetWorkloadAccessToken', 'logs:CreateLogGroup', 'bedrock-agentcore:InvokeAgentRuntime']));
      await expectNoMismatch(sim, cases);
    });

    it('keeps the agent out of the other agent\'s logs', async () => {
      const { sim, agent, other } = built(type, model);
      const mine = agentFacts(sim, agent);
      const theirs = agentFacts(sim, other);
      const t = sim.template;
      const role = { role: mine.roleId };
      const cases: DecisionCase[] = ['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({
        principal: role, action, resource: t.arn('logs', `log-group:${theirs.logGroupName}:log-stream:x`), expect: 'Denied', why: 'the other agent\'s log group',
      }));
      if (theirs.agentCore) {
        const group = `/aws/bedrock-agentcore/runtimes/${theirs.agentCore.runtimeId}-DEFAULT/runtime-logs`;
        cases.push({ principal: role, action: 'logs:CreateLogGroup', resource: t.arn('logs', `log-group:${group}`), expect: 'Denied', why: 'the other runtime\'s log group' });
        cases.push({ principal: role, action: 'logs:PutLogEvents', resource: t.arn('logs', `log-group:${group}:log-stream:x`), expect: 'Denied', why: 'the other runtime\'s log group' });
        cases.push({ principal: role, action: 'bedrock-agentcore:GetWorkloadAccessToken', resource: theirs.agentCore.workloadIdentityArn, expect: 'Denied', why: 'the other runtime\'s workload identity' });
      }
      await expectNoMismatch(sim, cases);
    });
  });
});

describe('least-privilege KMS', () => {
  // The key actions each runtime does not use are Denied to its role. Lambda decrypts its
  // environment only; on AgentCore the role uses no key at all.
  it.each(RUNTIME_TYPES)('the %s role gets only the key actions it uses', async (type) => {
    const { sim, agent } = built(type, MODELS[0]);
    await expectNoMismatch(sim, leastPrivilegeKmsCases(sim, agent));
  });
});

describe('an AgentCore container runtime', () => {
  it('pulls its image from its repository and no other', async () => {
    const stack = testStack();
    const agent = batchAgent(stack, 'A', AgentRuntimeType.AGENTCORE, {
      runtime: { type: AgentRuntimeType.AGENTCORE, config: { deploymentMethod: AgentCoreDeploymentMethod.CONTAINER, imageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/invoice-agent:1.0' } },
    });
    const sim = simulatorFor(stack, synth(stack));
    const cases = agentDecisionCases(sim, agent);
    expect(cases.filter((c) => c.expect === 'Allowed').map((c) => c.resource)).toContain('arn:aws:ecr:us-east-1:123456789012:repository/invoice-agent');
    await expectNoMismatch(sim, cases);
  });
});

describe('an AgentCore endpoint named by the user', () => {
  it('is invocable by a caller and has its own runtime log group', async () => {
    const stack = testStack();
    const agent = batchAgent(stack, 'A', AgentRuntimeType.AGENTCORE, { runtime: { type: AgentRuntimeType.AGENTCORE, config: { endpointName: 'production' } } });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    agent.grantInvoke(caller);
    const sim = simulatorFor(stack, synth(stack));
    expect((agent.runtime as AgentCoreAgentRuntime).endpointName).toBe('production');
    const cases = agentDecisionCases(sim, agent, { callers: [caller] });
    expect(cases.map((c) => c.resource)).toEqual(expect.arrayContaining([expect.stringMatching(/\/runtime-endpoint\/production$/), expect.stringMatching(/-production\/runtime-logs$/)]));
    await expectNoMismatch(sim, cases);
  });
});
