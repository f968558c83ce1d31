/**
 * Synth benchmark of AgenticDocumentProcessing: the same two agents (a classifier on Lambda, a
 * processor on AgentCore) alone, and with the workflow around them. Reports the median synth time
 * of each app over REPS repetitions (CloudFormation validation on, as in the tests) and the
 * resources the workflow adds.
 *
 *   npx tsx bench/synth/document-processing-bench.ts [reps]
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import { AgenticDocumentProcessing, AgentRuntimeType, BatchAgent, BedrockModel } from '../../src';

const REPS = Number(process.argv[2] ?? 5);
const PROMPT = path.join(__dirname, '..', '..', 'examples', 'batch-agent-lambda', 'prompt.txt');
const MODEL = BedrockModel.foundationModel('anthropic.claude-sonnet-4-20250514-v1:0');

function synth(withWorkflow: boolean): { ms: number; resources: number; types: Record<string, number> } {
  const started = performance.now();
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } });
  const prompt = new s3Assets.Asset(stack, 'Prompt', { path: PROMPT });
  const agent = (id: string, type: AgentRuntimeType) =>
    new BatchAgent(stack, id, { agentName: id, agentDefinition: { bedrockModel: MODEL, systemPrompt: prompt }, prompt: 'Go.', runtime: { type } });
  const classifier = agent('classifier', AgentRuntimeType.LAMBDA);
  const processor = agent('processor', AgentRuntimeType.AGENTCORE);
  if (withWorkflow) new AgenticDocumentProcessing(stack, 'Documents', { classificationAgent: classifier, processingAgent: processor });
  const template = app.synth().getStackByName('Bench').template as { Resources: Record<string, { Type: string }> };
  const ms = performance.now() - started;
  const types: Record<string, number> = {};
  for (const resource of Object.values(template.Resources)) types[resource.Type] = (types[resource.Type] ?? 0) + 1;
  return { ms, resources: Object.keys(template.Resources).length, types };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

synth(true); // warm-up: module loading and the first asset hashes
const runs = { alone: [] as number[], workflow: [] as number[] };
let last = { alone: synth(false), workflow: synth(true) };
for (let i = 0; i < REPS; i++) {
  last = { alone: synth(false), workflow: synth(true) };
  runs.alone.push(last.alone.ms);
  runs.workflow.push(last.workflow.ms);
}
const added: Record<string, number> = {};
for (const [type, count] of Object.entries(last.workflow.types)) {
  const extra = count - (last.alone.types[type] ?? 0);
  if (extra > 0) added[type] = extra;
}
console.log(`| app | synth, median of ${REPS} | resources |`);
console.log('|---|---:|---:|');
console.log(`| two agents (Lambda + AgentCore) | ${median(runs.alone).toFixed(0)} ms | ${last.alone.resources} |`);
console.log(`| the same with AgenticDocumentProcessing | ${median(runs.workflow).toFixed(0)} ms | ${last.workflow.resources} |`);
console.log(`\nresources the workflow adds: ${Object.entries(added).map(([type, n]) => `${type} ${n}`).join(', ')}`);
