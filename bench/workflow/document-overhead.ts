/**
 * The document-processing workflow's own overhead per document, model time excluded: the model
 * stand-in (the local ConverseStream endpoint) answers at once, so what is measured is everything
 * else on a document's path, each part the shipped code or a local stand-in of the service:
 *
 *   SQS message on the queue → the event source mapping's receive (LocalQueue) → the consumer
 *   bundle (its own process) → StartExecution (Step Functions stand-in) → the synthesized
 *   definition in the local interpreter, each Task served by the real thing: the Lambda agent
 *   bundle (own process), the relay → AgentCore data-plane stand-in → the AgentCore agent bundle
 *   (own server process, reporting back with SendTaskSuccess), DynamoDB (dynalite) and S3 (s3rver)
 *   through the real SDK clients → the execution's end (the interpreter's ExecutionSucceeded).
 *
 * The wiring is the end-to-end test's (test/workflow/document-processing-e2e.test.ts): the same
 * helpers, the example's template unchanged. Two workflows:
 *
 *   example     examples/document-processing: Classify on Lambda, Process on AgentCore (long run:
 *               WAIT_FOR_TASK_TOKEN, the agent answers with SendTaskSuccess)
 *   lambda-only the example's processor as a Lambda agent, no classification step
 *
 * Per workflow: one warm-up document (the first after deploy: the environments were started and
 * their module init done ahead of it; it still pays for first-call work such as SDK clients,
 * prompt and tool reads, JIT), then DOCUMENTS documents one after another, RUNS times; median and
 * p90 over all of them. Also the Task states each document goes through and the AWS API calls it
 * causes, counted where they arrive (the stand-ins' request logs, Node's HTTP server diagnostics
 * channel for s3rver and dynalite, the OTLP endpoint for X-Ray).
 *
 *   npx tsx bench/workflow/document-overhead.ts [documents=30] [runs=3]
 *
 * Needs the bundles (npm run bundle:agent, bundle:functions, bundle:cli).
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Duration, Stack, type App, type CfnElement, type StackProps } from 'aws-cdk-lib';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct, IConstruct } from 'constructs';
import { AgenticDocumentProcessing, AgentRuntimeType, BatchAgent, BedrockModel, InferenceProfileGeo } from '../../src';
import { DocumentProcessingStack } from '../../examples/document-processing/stack';
import { synthesizeExample, type SynthesizedExample } from '../../test/examples/assembly';
import { INVOICE_TEXT } from '../../test/examples/invoice-model';
import type { ExecutionEvent, LocalExecution } from '../../test/helpers/local-states';
import { DocumentAgentsModel } from '../../test/workflow/helpers/document-agents-model';
import { startDocumentCloud, type DocumentCloud } from '../../test/workflow/helpers/document-cloud';
import { DocumentProcessingDeployment, type WorkflowResources } from '../../test/workflow/helpers/document-processing-deployment';
import { LocalApp } from '../../test/workflow/helpers/local-app';

const DOCUMENTS = Number(process.argv[2] ?? 30);
const RUNS = Number(process.argv[3] ?? 3);
const RELAY_ID = 'AgenticAiFrameworkAgentCoreRelay';
const EXAMPLE_DIR = path.join(__dirname, '..', '..', 'examples', 'document-processing');
/** What the relay, imported in this process, sees: the Lambda runtime's variables. */
const RELAY_ENV = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDDOCUMENTBENCH', AWS_SECRET_ACCESS_KEY: 'document-bench-secret', AWS_EC2_METADATA_DISABLED: 'true' };

/** The example's processor as a Lambda agent, alone: no classification step, default step options. */
class LambdaOnlyStack extends Stack {
  public readonly processor: BatchAgent;
  public readonly workflow: AgenticDocumentProcessing;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    const model = BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.US, 'anthropic.claude-sonnet-4-20250514-v1:0');
    this.processor = new BatchAgent(this, 'Processor', {
      agentName: 'document-processor',
      agentDefinition: {
        bedrockModel: model,
        systemPrompt: new s3Assets.Asset(this, 'ProcessPrompt', { path: path.join(EXAMPLE_DIR, 'process-prompt.txt') }),
        tools: [new s3Assets.Asset(this, 'CurrencyTool', { path: path.join(EXAMPLE_DIR, 'tools', 'currency_lookup.mjs') })],
      },
      prompt: 'Extract the invoice fields as JSON.',
      expectJson: true,
      runtime: { type: AgentRuntimeType.LAMBDA, config: { timeout: Duration.minutes(5) } },
    });
    this.workflow = new AgenticDocumentProcessing(this, 'LambdaDocuments', { processingAgent: this.processor });
  }
}

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

function resourcesOf(workflow: AgenticDocumentProcessing): WorkflowResources {
  return {
    bucket: logicalId(workflow.bucket),
    table: logicalId(workflow.table),
    stateMachine: logicalId(workflow.stateMachine),
    queue: logicalId(workflow.queue),
    consumer: logicalId(workflow.consumerFunction),
  };
}

// ---- HTTP requests served in this process, by server port (s3rver, dynalite, the stand-ins) ----
const served = new Map<number, number>();
subscribe('http.server.request.start', (message) => {
  const { server } = message as { server: Server; request: IncomingMessage };
  const port = (server.address() as AddressInfo | null)?.port;
  if (port !== undefined) served.set(port, (served.get(port) ?? 0) + 1);
});
const portOf = (url: string): number => Number(new URL(url).port);

const median = (xs: number[]): number => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
}

/** One document's timings (ms) and the calls it caused. */
interface Sample {
  readonly totalMs: number;
  /** The mapping's receive to the consumer's answer (StartExecution's answer inside). */
  readonly consumerMs: number;
  /** The receive to the execution's start. */
  readonly toStartMs: number;
  /** Time in each Task state (entered → exited), by state. */
  readonly taskMs: Record<string, number>;
  readonly tasks: number;
  readonly calls: Record<string, number>;
}

function timeOf(events: readonly ExecutionEvent[], type: string): number {
  const event = events.find((e) => e.type === type);
  if (event === undefined) throw new Error(`no ${type} event`);
  return event.timestamp;
}

/** Entered → exited of each Task state visited (the last attempt's entry on a retry). */
function taskTimes(events: readonly ExecutionEvent[], taskStates: Set<string>): Record<string, number> {
  const times: Record<string, number> = {};
  const entered = new Map<string, number>();
  for (const event of events) {
    if (!('state' in event) || !taskStates.has(event.state.name)) continue;
    if (event.type === 'StateEntered') entered.set(event.state.name, event.timestamp);
    if (event.type === 'StateExited') times[event.state.name] = (times[event.state.name] ?? 0) + event.timestamp - entered.get(event.state.name)!;
  }
  return times;
}

interface Measured {
  readonly warm: Sample;
  readonly samples: Sample[];
  readonly perRun: number[];
  readonly path: string[];
  /** Trace exports (OTLP to the X-Ray stand-in) and their spans over all documents, once the agents stopped (which flushes them). */
  readonly traces: { readonly exports: number; readonly spans: number; readonly documents: number };
}

async function measureWorkflow(cloud: DocumentCloud, example: SynthesizedExample, resources: WorkflowResources, label: string): Promise<Measured> {
  const { sfn, s3, bedrock, xray, plane, local, tokens } = cloud;
  const agents = await LocalApp.deploy(example, local);
  let deployment: DocumentProcessingDeployment | undefined;
  const tracesBefore = { exports: xray.requests.length, spans: xray.spans().length };
  let measured: Omit<Measured, 'traces'>;
  try {
    deployment = await DocumentProcessingDeployment.deploy({ app: example, agents, cloud: local, resources, sfn, tokens, executionTimeoutMs: 20_000 });
    const app = deployment;
    await app.deliverAll(); // S3's test message, sent when the notification was configured
    const definition = agents.definition(resources.stateMachine) as { States: Record<string, { Type: string }> };
    const taskStates = new Set(Object.entries(definition.States).filter(([, s]) => s.Type === 'Task').map(([name]) => name));
    const s3Port = portOf(s3.endpoint);
    const dynamoPort = portOf(app.dynamodb.endpoint);
    let visited: readonly string[] = [];

    const one = async (n: number): Promise<Sample> => {
      const key = `raw/${label}/invoice-${String(n).padStart(4, '0')}.txt`;
      const before = {
        sfn: sfn.calls.length,
        plane: plane.calls.length,
        bedrock: bedrock.calls.length,
        storage: app.storage.calls.length,
        s3: served.get(s3Port) ?? 0,
        dynamo: served.get(dynamoPort) ?? 0,
        starts: app.startReplies.length,
      };
      await s3.put(app.bucket, key, `${INVOICE_TEXT}\nReference: ${label}-${n}`, 'text/plain');
      for (let i = 0; app.queue.depth === 0; i++) {
        if (i > 200) throw new Error(`no notification for ${key}`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const received = Date.now();
      const deliveries = await app.deliverAll();
      const answered = Date.now();
      if (deliveries.length !== 1 || deliveries[0]!.failed.length > 0) throw new Error(`${key}: deliveries ${JSON.stringify(deliveries)}`);
      const started = app.startReplies.slice(before.starts);
      if (started.length !== 1 || started[0]!.executionArn === undefined) throw new Error(`${key}: StartExecution ${JSON.stringify(started)}`);
      const run: LocalExecution = await app.run(started[0]!.executionArn);
      if (run.status !== 'SUCCEEDED') throw new Error(`${key}: ${run.status} ${run.error}: ${run.cause}`);
      visited = run.visited;
      const end = timeOf(run.events, 'ExecutionSucceeded');
      const sfnCalls = sfn.calls.slice(before.sfn);
      const storage = app.storage.calls.slice(before.storage);
      const storageS3 = storage.filter((c) => c.resource.includes(':s3:')).length;
      const calls: Record<string, number> = {
        'Lambda Invoke (consumer, by the event source mapping)': deliveries.length,
        'Step Functions StartExecution': sfnCalls.filter((c) => c.operation === 'StartExecution').length,
        'Lambda Invoke (Task states)': run.invocations.length,
        'AgentCore InvokeAgentRuntime': plane.calls.length - before.plane,
        'Step Functions SendTask*': sfnCalls.filter((c) => c.operation.startsWith('SendTask')).length,
        'Bedrock ConverseStream': bedrock.calls.length - before.bedrock,
        'DynamoDB (Task states)': storage.length - storageS3,
        'S3 (Task states)': storageS3,
        // s3rver's requests, less the upload and the state machine's own.
        'S3 (agents)': (served.get(s3Port) ?? 0) - before.s3 - 1 - storageS3,
      };
      const dynamoOthers = (served.get(dynamoPort) ?? 0) - before.dynamo - (storage.length - storageS3);
      if (dynamoOthers !== 0) calls['DynamoDB (others)'] = dynamoOthers;
      return {
        totalMs: end - received,
        consumerMs: answered - received,
        toStartMs: timeOf(run.events, 'ExecutionStarted') - received,
        taskMs: taskTimes(run.events, taskStates),
        tasks: run.visited.filter((name) => taskStates.has(name)).length,
        calls,
      };
    };

    const warm = await one(0);
    const samples: Sample[] = [];
    const perRun: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const run: Sample[] = [];
      for (let d = 1; d <= DOCUMENTS; d++) run.push(await one(r * DOCUMENTS + d));
      perRun.push(median(run.map((s) => s.totalMs)));
      samples.push(...run);
    }
    measured = { warm, samples, perRun, path: [...visited] };
  } finally {
    await deployment?.close();
    await agents.close();
  }
  const traces = { exports: xray.requests.length - tracesBefore.exports, spans: xray.spans().length - tracesBefore.spans, documents: measured.samples.length + 1 };
  return { ...measured, traces };
}

async function main(): Promise<void> {
  const started = performance.now();
  for (const [name, value] of Object.entries(RELAY_ENV)) process.env[name] = value;
  // The relay's JSON log line per call (it runs in this process) would bury the table.
  const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (String(chunk).includes('"InvokeAgentRuntime') ? true : write(chunk, ...rest))) as typeof process.stdout.write;

  const model = new DocumentAgentsModel();
  const cloud = await startDocumentCloud(model.respond, 'document-overhead');
  process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE = cloud.plane.url;
  const examples: SynthesizedExample[] = [];
  try {
    const synthStarted = performance.now();
    let exampleResources: WorkflowResources | undefined;
    const example = await synthesizeExample((app: App, id: string, props: StackProps) => {
      const stack = new DocumentProcessingStack(app, id, props);
      exampleResources = resourcesOf(stack.workflow);
      return stack;
    }, { classifier: (s) => s.classifier, processor: (s) => s.processor, relay: (s) => s.node.findChild(RELAY_ID) });
    examples.push(example);
    let lambdaResources: WorkflowResources | undefined;
    const lambdaOnly = await synthesizeExample((app: App, id: string, props: StackProps) => {
      const stack = new LambdaOnlyStack(app, id, props);
      lambdaResources = resourcesOf(stack.workflow);
      return stack;
    }, { processor: (s) => s.processor });
    examples.push(lambdaOnly);
    const synthMs = performance.now() - synthStarted;

    const results = [
      { name: 'example: Classify on Lambda, Process on AgentCore (long run, callback)', ...(await measureWorkflow(cloud, example, exampleResources!, 'example')) },
      { name: 'one Lambda agent, no classification', ...(await measureWorkflow(cloud, lambdaOnly, lambdaResources!, 'lambda-only')) },
    ];

    const n = DOCUMENTS * RUNS;
    const fmt = (ms: number): string => ms.toFixed(0);
    console.log(`| workflow | median | p90 | per-run medians | first document | consumer (receive → answer) | receive → execution start | Task states | AWS calls |`);
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      const totals = r.samples.map((s) => s.totalMs);
      const calls = Object.values(r.samples.at(-1)!.calls).reduce((a, b) => a + b, 0);
      const traced = r.traces.exports > 0 ? ` + ${r.traces.exports} trace exports for ${r.traces.documents}` : '';
      console.log(
        `| ${r.name} | ${fmt(median(totals))} ms | ${fmt(quantile(totals, 0.9))} ms | ${fmt(Math.min(...r.perRun))}–${fmt(Math.max(...r.perRun))} ms | ${fmt(r.warm.totalMs)} ms | ` +
          `${fmt(median(r.samples.map((s) => s.consumerMs)))} ms | ${fmt(median(r.samples.map((s) => s.toStartMs)))} ms | ${r.samples.at(-1)!.tasks} | ${calls}${traced} |`,
      );
    }
    console.log(`\nWall time from the SQS message's receive to the execution's end, per document: ${n} documents one after another (${RUNS} runs of ${DOCUMENTS}) after one warm-up document, the model answering at once.`);
    for (const r of results) {
      console.log(`\n${r.name}: ${r.path.join(' → ')}`);
      const states = Object.keys(r.samples[0]!.taskMs);
      console.log(`  Task state medians: ${states.map((s) => `${s} ${median(r.samples.map((x) => x.taskMs[s] ?? 0)).toFixed(1)} ms`).join(', ')}`);
      console.log(`  AWS calls per document: ${Object.entries(r.samples.at(-1)!.calls).filter(([, c]) => c > 0).map(([what, c]) => `${what} ${c}`).join(', ')}`);
      const varying = Object.keys(r.samples[0]!.calls).filter((what) => new Set(r.samples.map((s) => s.calls[what])).size > 1);
      if (r.traces.exports > 0) console.log(`  traces: ${(r.traces.spans / r.traces.documents).toFixed(1)} spans per document, batched: ${r.traces.exports} OTLP exports for ${r.traces.documents} documents`);
      if (varying.length > 0) console.log(`  varying between documents: ${varying.map((what) => `${what} ${Math.min(...r.samples.map((s) => s.calls[what]!))}–${Math.max(...r.samples.map((s) => s.calls[what]!))}`).join(', ')}`);
    }
    console.log(`\nsynth of both apps ${(synthMs / 1000).toFixed(1)} s; whole run ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await cloud.close();
    await Promise.all(examples.map((e) => e.dispose()));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
