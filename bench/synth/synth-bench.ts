/**
 * Synth benchmark: one app with N = 1, 10, 50 BatchAgents on each runtime, against hand-wired
 * baselines with the same code, prompt asset and model permission (a `lambda.Function`; a
 * `bedrockagentcore.Runtime`). Reports the marginal synth time and resources per agent (the slope
 * between N = 1 and N = 50), medians over REPS repetitions, and the ratio to the baseline.
 *
 *   npx tsx bench/synth/synth-bench.ts [reps]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import { AgentRuntimeType, BatchAgent, BedrockModel } from '../../src';

const REPS = Number(process.argv[2] ?? 5);
const SIZES = [1, 10, 50];
const ROOT = path.join(__dirname, '..', '..');
const PROMPT = path.join(ROOT, 'examples', 'batch-agent-lambda', 'prompt.txt');
const AGENT_DIR = path.join(ROOT, 'assets', 'agent');
const MODEL = BedrockModel.foundationModel('anthropic.claude-sonnet-4-20250514-v1:0');

type Builder = (stack: Stack, prompt: s3Assets.Asset, i: number) => void;

const builders: Record<string, Builder> = {
  'BatchAgent (Lambda)': (stack, prompt, i) => {
    new BatchAgent(stack, `Agent${i}`, { agentName: `agent-${i}`, agentDefinition: { bedrockModel: MODEL, systemPrompt: prompt }, prompt: 'Summarise.' });
  },
  'BatchAgent (Lambda), observability + data protection off': (stack, prompt, i) => {
    new BatchAgent(stack, `Agent${i}`, {
      agentName: `agent-${i}`, agentDefinition: { bedrockModel: MODEL, systemPrompt: prompt }, prompt: 'Summarise.',
      enableObservability: false, logGroupDataProtection: { disabled: true },
    });
  },
  'lambda.Function (hand-wired)': (stack, prompt, i) => {
    const fn = new lambda.Function(stack, `Fn${i}`, {
      code: lambda.Code.fromAsset(path.join(AGENT_DIR, 'lambda')),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.minutes(10),
      memorySize: 1024,
      environment: { SYSTEM_PROMPT_S3_BUCKET_NAME: prompt.s3BucketName, SYSTEM_PROMPT_S3_KEY: prompt.s3ObjectKey, MODEL_ID: MODEL.modelId, PROMPT: 'Summarise.' },
    });
    prompt.grantRead(fn);
    MODEL.grantInvoke(fn);
  },
  'BatchAgent (AgentCore)': (stack, prompt, i) => {
    new BatchAgent(stack, `Agent${i}`, {
      agentName: `agent-${i}`, agentDefinition: { bedrockModel: MODEL, systemPrompt: prompt }, prompt: 'Summarise.', runtime: { type: AgentRuntimeType.AGENTCORE },
    });
  },
  'BatchAgent (AgentCore), observability + data protection off': (stack, prompt, i) => {
    new BatchAgent(stack, `Agent${i}`, {
      agentName: `agent-${i}`, agentDefinition: { bedrockModel: MODEL, systemPrompt: prompt }, prompt: 'Summarise.', runtime: { type: AgentRuntimeType.AGENTCORE },
      enableObservability: false, logGroupDataProtection: { disabled: true },
    });
  },
  'agentcore.Runtime (hand-wired)': (stack, prompt, i) => {
    const runtime = new agentcore.Runtime(stack, `Runtime${i}`, {
      runtimeName: `agent_${i}`,
      agentRuntimeArtifact: agentcore.AgentRuntimeArtifact.fromCodeAsset({
        path: path.join(AGENT_DIR, 'agentcore'), runtime: agentcore.AgentCoreRuntime.NODE_22, entrypoint: ['index.js'],
      }),
      environmentVariables: { SYSTEM_PROMPT_S3_BUCKET_NAME: prompt.s3BucketName, SYSTEM_PROMPT_S3_KEY: prompt.s3ObjectKey, MODEL_ID: MODEL.modelId, PROMPT: 'Summarise.' },
    });
    prompt.grantRead(runtime.role);
    MODEL.grantInvoke(runtime.role);
  },
};

function measure(builder: Builder, n: number): { ms: number; resources: number } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-bench-'));
  const start = process.hrtime.bigint();
  // Stacks above 500 resources are allowed here: the benchmark measures synthesis, not deployability.
  const app = new App({ outdir, context: { '@aws-cdk/core:stackResourceLimit': 0, '@aws-cdk/core:validateAgainstDefaultRules': false } });
  const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } });
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::F0007', reason: 'the benchmark measures synthesis beyond 500 resources' });
  const prompt = new s3Assets.Asset(stack, 'Prompt', { path: PROMPT });
  for (let i = 0; i < n; i++) builder(stack, prompt, i);
  const assembly = app.synth();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const resources = Object.keys(assembly.getStackByName('Bench').template.Resources).length;
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ms, resources };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  if (!fs.existsSync(path.join(AGENT_DIR, 'lambda', 'index.js'))) {
    throw new Error('assets/agent is missing: run `npm run bundle:agent` first');
  }
  // Warm-up: module loading and first-use caches are not part of the per-agent cost.
  for (const builder of Object.values(builders)) measure(builder, 1);
  const results: Record<string, { perSize: Record<number, number>; resources: Record<number, number> }> = {};
  for (const [name, builder] of Object.entries(builders)) {
    results[name] = { perSize: {}, resources: {} };
    for (const n of SIZES) {
      const runs = Array.from({ length: REPS }, () => measure(builder, n));
      results[name].perSize[n] = median(runs.map((r) => r.ms));
      results[name].resources[n] = runs[0].resources;
    }
  }
  const slope = (r: Record<number, number>) => (r[50] - r[1]) / 49;
  const rows = Object.entries(results).map(([name, r]) => ({
    name, ms1: r.perSize[1], ms10: r.perSize[10], ms50: r.perSize[50], msPerAgent: slope(r.perSize), resPerAgent: slope(r.resources),
  }));
  console.log(`Synth benchmark (median of ${REPS}, Node ${process.version}, ${os.cpus().length} CPUs)`);
  console.log('| construct | N=1 ms | N=10 ms | N=50 ms | ms/agent (marginal) | resources/agent | ratio to hand-wired |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const baseline = row.name.startsWith('BatchAgent')
      ? rows.find((r) => r.name.startsWith(row.name.includes('(Lambda)') ? 'lambda.Function' : 'agentcore.Runtime'))
      : undefined;
    const ratio = baseline ? (row.msPerAgent / baseline.msPerAgent).toFixed(2) + '×' : '—';
    console.log(`| ${row.name} | ${row.ms1.toFixed(0)} | ${row.ms10.toFixed(0)} | ${row.ms50.toFixed(0)} | ${row.msPerAgent.toFixed(1)} | ${row.resPerAgent.toFixed(1)} | ${ratio} |`);
  }
}

main();
