import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentRuntimeType, BatchAgent } from '../../src/index.js';
import { synthesizeExample, type FileAsset, type SynthesizedExample } from '../examples/assembly.js';
import { checkSignature, SCRIPT_MARKER, startRecordingModel, type ConverseBody, type RecordedCall, type RecordingModel, type ScriptedCall } from './contract-properties/model.js';
import { invokeAgent, startLocal, type LocalAgent } from './contract-properties/processes.js';
import {
  echoedVariables,
  generateAgents,
  PROBE_DESCRIPTION,
  PROBE_SOURCE,
  PROBE_TOOL,
  toolInputArb,
  toolsOf,
  writeAgentFiles,
  type AgentSpec,
  type Credentials,
  type FieldSpec,
} from './contract-properties/spec.js';

/**
 * Design properties 12, 13, 14 and 17: the same agent, run by `agentic-ai-framework local` from a
 * synthesized cloud assembly under the Lambda contract and under the AgentCore contract, reads its
 * environment, signs its AWS calls, loads its tools and sees AWS objects the same way.
 *
 * Generated once per file run (seed SEED, printed in every failure): AGENTS agents in one stack,
 * each with a generated declared runtime, PROMPT, EXPECT_JSON, system prompt, user variables (from
 * the `environment` prop and from `runtime.addEnvironment`), tool set (single-file modules and zip
 * archives of modules; generated tool names, descriptions and input schemas), AWS Region and
 * credentials (given to the `local` process as Lambda or AgentCore would give the execution role's).
 * Each agent runs in two `local` processes (one per contract), reused by every run.
 *
 * Generated per run (fast-check, NUM_RUNS runs per property): which agent, the request (document
 * text, documentId, metadata) and the scripted model's tool calls (which tools, their inputs, which
 * S3 objects the probe reads). The scripted model (contract-properties/model.ts) records every
 * ConverseStream request with its headers; the same request goes to both contracts at once.
 *
 * Tools cannot import the AWS SDK (the agent lends them only '@strands-agents/sdk' and 'zod',
 * agent/core/tool-modules.ts), so property 17's probe tool reads objects with fetch through the
 * endpoint the runtime provides (AWS_ENDPOINT_URL_S3, here the CLI's local S3) and reports
 * AWS_REGION and its invocationState; property 13 checks the agent's own AWS SDK client (Bedrock
 * Runtime), whose requests the recording model receives signed.
 *
 * Each property can fail: a "skewed" third process runs agent 0 under the AgentCore contract from a
 * copy of the assembly with one user variable's value, the system prompt object and one tool's
 * description changed, and a different secret key; the last test runs each property against
 * (agent 0 on Lambda, skewed) and expects the property's own check to fail.
 */

const SEED = Number(process.env.CONTRACT_PROPERTIES_SEED ?? Math.floor(Math.random() * 2 ** 31));
const AGENTS = 5;
const NUM_RUNS = Number(process.env.CONTRACT_PROPERTIES_RUNS ?? 100);
const CONTRACTS = ['LAMBDA', 'AGENTCORE'] as const;
type Contract = (typeof CONTRACTS)[number];
const SKEW_SUFFIX = ' (skewed)';
const SKEW_SECRET = 'skewedSkewedSkewedSkewedSkewedSkewedSkew';

interface AgentFiles {
  readonly systemPrompt: s3Assets.Asset;
  readonly toolObjects: readonly s3Assets.Asset[];
  readonly probe: s3Assets.Asset;
}

interface Side {
  readonly contract: Contract;
  readonly local: LocalAgent;
  readonly model: RecordingModel;
  readonly credentials: Credentials;
}

interface Pair {
  readonly spec: AgentSpec;
  readonly sides: readonly [Side, Side];
}

let workDir: string;
let example: SynthesizedExample;
let specs: AgentSpec[];
const files = new Map<string, AgentFiles>();
const pairs: Pair[] = [];
let skewPair: Pair;
let skewedSide: Side;
const locals: LocalAgent[] = [];
const models: RecordingModel[] = [];
let runCounter = 0;

function childEnv(spec: AgentSpec, credentials: Credentials): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: workDir,
    TMPDIR: workDir,
    AWS_REGION: spec.region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(workDir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'no-credentials'),
  };
}

async function startSide(spec: AgentSpec, contract: Contract, appDir: string, credentials: Credentials): Promise<Side> {
  const model = await startRecordingModel();
  models.push(model);
  const local = await startLocal([spec.agentName, '--app', appDir, '--runtime', contract.toLowerCase(), '--model-endpoint', model.url], childEnv(spec, credentials));
  locals.push(local);
  return { contract, local, model, credentials };
}

function assetOf(asset: s3Assets.Asset): FileAsset {
  const found = example.fileAssets.find((a) => a.hash === asset.assetHash);
  if (found === undefined) throw new Error(`asset ${asset.assetHash} is not in the assembly`);
  return found;
}

/** A copy of the assembly with agent 0 changed where each property looks (see the file comment). */
function skewedAssembly(spec: AgentSpec): string {
  const dir = join(workDir, 'skewed.out');
  cpSync(example.directory, dir, { recursive: true });
  const staged = (asset: s3Assets.Asset): string => join(dir, relative(example.directory, assetOf(asset).sourcePath));
  // Property 12: the value of one variable set with the `environment` prop, in the template.
  const templateFile = join(dir, 'Example.template.json');
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as { Resources: Record<string, { Properties: Record<string, Record<string, unknown>> }> };
  const props = template.Resources[example.agentResources[spec.id]!]!.Properties;
  const variables = (spec.runtimeType === 'LAMBDA' ? props.Environment!.Variables : props.EnvironmentVariables) as Record<string, string>;
  const name = Object.keys(spec.environment)[0]!;
  variables[name] = `${variables[name]}${SKEW_SUFFIX}`;
  writeFileSync(templateFile, JSON.stringify(template));
  // Property 17: the system prompt object's bytes.
  const agentFiles = files.get(spec.id)!;
  writeFileSync(staged(agentFiles.systemPrompt), `${spec.systemPrompt}${SKEW_SUFFIX}`);
  // Property 14: the description of the first tool of the first tool object.
  const first = spec.toolObjects[0]!;
  const module = first.kind === 'file' ? staged(agentFiles.toolObjects[0]!) : join(staged(agentFiles.toolObjects[0]!), 'module-0.mjs');
  const description = JSON.stringify(first.modules[0]![0]!.description);
  const source = readFileSync(module, 'utf8');
  if (!source.includes(description)) throw new Error(`${module} does not hold ${description}`);
  writeFileSync(module, source.replace(description, JSON.stringify(`${first.modules[0]![0]!.description}${SKEW_SUFFIX}`)));
  return dir;
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'contract-properties-'));
  specs = generateAgents(SEED, AGENTS);
  const probeFile = join(workDir, 'probe.mjs');
  writeFileSync(probeFile, PROBE_SOURCE);
  example = await synthesizeExample(
    (app, id, props) => {
      const stack = new Stack(app, id, props);
      for (const spec of specs) {
        const written = writeAgentFiles(spec, join(workDir, 'src', spec.id));
        const agentFiles: AgentFiles = {
          systemPrompt: new s3Assets.Asset(stack, `${spec.id}Prompt`, { path: written.systemPrompt }),
          toolObjects: written.toolObjects.map((path, i) => new s3Assets.Asset(stack, `${spec.id}Tools${i}`, { path })),
          probe: new s3Assets.Asset(stack, `${spec.id}Probe`, { path: probeFile }),
        };
        files.set(spec.id, agentFiles);
        const agent = new BatchAgent(stack, spec.id, {
          agentName: spec.agentName,
          agentDefinition: { systemPrompt: agentFiles.systemPrompt, tools: [...agentFiles.toolObjects, agentFiles.probe] },
          runtime: { type: spec.runtimeType === 'LAMBDA' ? AgentRuntimeType.LAMBDA : AgentRuntimeType.AGENTCORE },
          prompt: spec.prompt,
          expectJson: spec.expectJson,
          environment: { ...spec.environment },
          enableObservability: false,
        });
        for (const [name, value] of Object.entries(spec.added)) agent.runtime.addEnvironment(name, value);
      }
      return stack;
    },
    Object.fromEntries(specs.map((spec) => [spec.id, (stack: Stack) => stack.node.findChild(spec.id)])),
  );
  const skewDir = skewedAssembly(specs[0]!);
  const started = await Promise.allSettled([
    ...specs.map(async (spec) => {
      const sides = await Promise.all(CONTRACTS.map((c) => startSide(spec, c, example.directory, spec.credentials)));
      pairs.push({ spec, sides: [sides[0]!, sides[1]!] });
    }),
    (async () => {
      skewedSide = await startSide(specs[0]!, 'AGENTCORE', skewDir, { ...specs[0]!.credentials, secretAccessKey: SKEW_SECRET });
    })(),
  ]);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  pairs.sort((a, b) => a.spec.id.localeCompare(b.spec.id));
  skewPair = { spec: specs[0]!, sides: [pairs[0]!.sides[0], skewedSide] };
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(locals.map((l) => l.stop()));
  await Promise.allSettled(models.map((m) => m.close()));
  await example?.dispose();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
}, 60_000);

// ---- one run: the same request to both contracts -------------------------------------------------

interface RequestParts {
  readonly text: string;
  readonly documentId: string | undefined;
  readonly metadata: Record<string, unknown> | undefined;
}

const requestPartsArb: fc.Arbitrary<RequestParts> = fc.record({
  text: fc.string({ maxLength: 80 }),
  documentId: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
  metadata: fc.option(
    fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })).map((m) => JSON.parse(JSON.stringify(m)) as Record<string, unknown>),
    { nil: undefined },
  ),
});

interface Outcome {
  readonly contract: Contract;
  readonly status: number;
  readonly body: { result?: unknown } & Record<string, unknown>;
  readonly calls: RecordedCall[];
}

/** Sends one generated request with its script to both sides at once. */
async function runBoth(pair: Pair, parts: RequestParts, calls: readonly ScriptedCall[]): Promise<{ run: string; outcomes: [Outcome, Outcome] }> {
  const run = `run-${SEED}-${++runCounter}`;
  const payload = {
    contentType: 'data',
    content: { data: `${parts.text}${SCRIPT_MARKER}${JSON.stringify({ run, calls })}` },
    ...(parts.documentId === undefined ? {} : { documentId: parts.documentId }),
    ...(parts.metadata === undefined ? {} : { metadata: parts.metadata }),
  };
  const session = `contract-properties-session-${run}`.padEnd(40, '-');
  const outcomes = await Promise.all(
    pair.sides.map(async (side): Promise<Outcome> => {
      const { status, body } = await invokeAgent(side.local.port, payload, session);
      return { contract: side.contract, status, body: body as Outcome['body'], calls: side.model.callsOf(run) };
    }),
  );
  for (const o of outcomes) {
    expect(o.status, `${o.contract}: HTTP status; seed ${SEED}; agent output:\n${pair.sides.find((s) => s.contract === o.contract)?.local.output().slice(-3000)}`).toBe(200);
    expect(o.body.result, `${o.contract}: a result (${JSON.stringify(o.body).slice(0, 500)})`).toBeDefined();
  }
  return { run, outcomes: [outcomes[0]!, outcomes[1]!] };
}

/** The final answer: the scripted model's JSON text, parsed by the agent when EXPECT_JSON is true. */
function answerOf(spec: AgentSpec, outcome: Outcome): { run: string; results: Array<{ status?: string; content?: Array<{ json?: unknown; text?: string }> }> } {
  const result = outcome.body.result;
  return (spec.expectJson ? result : JSON.parse(String(result))) as ReturnType<typeof answerOf>;
}

function userText(call: RecordedCall | undefined): string {
  const text = call?.body.messages[0]?.content.find((b) => typeof b.text === 'string')?.text;
  return typeof text === 'string' ? text : '';
}

const pairArb = (): fc.Arbitrary<Pair> => fc.constantFrom(...pairs);

/** Calls of generated tools with generated inputs. */
function toolCallsArb(spec: AgentSpec, min: number, max: number): fc.Arbitrary<ScriptedCall[]> {
  const tools = toolsOf(spec);
  return fc.array(
    fc.constantFrom(...tools).chain((t) => toolInputArb(t).map((input) => ({ name: t.name, input }))),
    { minLength: min, maxLength: max },
  );
}

// ---- the properties, each over a list of pairs (the real ones, or the skewed one) ----------------

/** Property 12: variables set on the agent read the same (PROMPT, EXPECT_JSON, `environment`, `addEnvironment`). */
function environmentProperty(candidates: () => fc.Arbitrary<Pair>): fc.IAsyncPropertyWithHooks<[{ pair: Pair; parts: RequestParts; calls: ScriptedCall[] }]> {
  const input = candidates().chain((pair) => fc.record({ pair: fc.constant(pair), parts: requestPartsArb, calls: toolCallsArb(pair.spec, 1, 3) }));
  return fc.asyncProperty(input, async ({ pair, parts, calls }) => {
    const { spec } = pair;
    const { run, outcomes } = await runBoth(pair, parts, calls);
    const expected = calls.map((call) => ({ tool: call.name, input: call.input, env: echoedVariables(spec), documentId: parts.documentId ?? null }));
    for (const o of outcomes) {
      // PROMPT opens the user message on either contract.
      expect(userText(o.calls[0]).startsWith(`${spec.prompt}\n\nAttached document content`), `P12 PROMPT (${o.contract}); seed ${SEED}`).toBe(true);
      // EXPECT_JSON: parsed JSON, or the model's text as it came.
      expect(typeof o.body.result === 'object', `P12 EXPECT_JSON=${spec.expectJson} (${o.contract}); seed ${SEED}`).toBe(spec.expectJson);
      const answer = answerOf(spec, o);
      expect(answer.run).toBe(run);
      expect(answer.results.map((r) => r.content?.[0]?.json), `P12 variables the tools read (${o.contract}); seed ${SEED}`).toEqual(expected);
    }
    expect(outcomes[0].body.result, `P12 the same result on both contracts; seed ${SEED}`).toEqual(outcomes[1].body.result);
  });
}

/** Property 13: the agent's AWS SDK client signs with the credentials the contract provides, unconfigured. */
function credentialsProperty(candidates: () => fc.Arbitrary<Pair>): fc.IAsyncPropertyWithHooks<[{ pair: Pair; parts: RequestParts; calls: ScriptedCall[] }]> {
  const input = candidates().chain((pair) => fc.record({ pair: fc.constant(pair), parts: requestPartsArb, calls: toolCallsArb(pair.spec, 0, 2) }));
  return fc.asyncProperty(input, async ({ pair, parts, calls }) => {
    const { spec } = pair;
    const { outcomes } = await runBoth(pair, parts, calls);
    for (const o of outcomes) {
      expect(o.calls.length, `P13 model calls (${o.contract})`).toBe(calls.length + 1);
      for (const call of o.calls) {
        const check = await checkSignature(call, spec.credentials);
        expect(check.scope, `P13 Authorization scope (${o.contract}): ${check.received}; seed ${SEED}`).toEqual({
          accessKeyId: spec.credentials.accessKeyId,
          region: spec.region,
          service: 'bedrock',
        });
        expect(check.sessionToken, `P13 session token (${o.contract}); seed ${SEED}`).toBe(spec.credentials.sessionToken);
        expect(check.received, `P13 signature by the contract's secret key (${o.contract}); seed ${SEED}`).toBe(check.expected);
      }
    }
  });
}

interface OfferedTool {
  readonly name: string;
  readonly description: string | undefined;
  readonly properties: Record<string, { type?: unknown; description?: unknown; enum?: unknown }>;
  readonly required: unknown;
}

function offeredTools(body: ConverseBody | undefined): OfferedTool[] {
  return (body?.toolConfig?.tools ?? [])
    .map(({ toolSpec }) => {
      const schema = (toolSpec.inputSchema?.json ?? {}) as { properties?: OfferedTool['properties']; required?: unknown };
      return { name: toolSpec.name, description: toolSpec.description, properties: schema.properties ?? {}, required: schema.required };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function expectedSchemaOf(field: FieldSpec): { type: string; description: string; enum?: readonly string[] } {
  if (field.type === 'enum') return { type: 'string', description: field.description, enum: field.options };
  return { type: field.type, description: field.description };
}

/** Property 14: the same tool objects load into the same tools, offered identically and run by the same code. */
function toolLoadingProperty(candidates: () => fc.Arbitrary<Pair>): fc.IAsyncPropertyWithHooks<[{ pair: Pair; parts: RequestParts; calls: ScriptedCall[] }]> {
  const input = candidates().chain((pair) => fc.record({ pair: fc.constant(pair), parts: requestPartsArb, calls: toolCallsArb(pair.spec, 1, 3) }));
  return fc.asyncProperty(input, async ({ pair, parts, calls }) => {
    const { spec } = pair;
    const { outcomes } = await runBoth(pair, parts, calls);
    const expected = [
      ...toolsOf(spec).map((t) => ({ name: t.name, description: t.description, fields: t.fields.map((f) => [f.name, expectedSchemaOf(f)] as const) })),
      { name: PROBE_TOOL, description: PROBE_DESCRIPTION, fields: [] as Array<readonly [string, ReturnType<typeof expectedSchemaOf>]> },
    ].sort((a, b) => a.name.localeCompare(b.name));
    for (const o of outcomes) {
      const offered = offeredTools(o.calls[0]?.body);
      expect(
        offered.map((t) => ({ name: t.name, description: t.description })),
        `P14 tools offered to the model (${o.contract}); seed ${SEED}`,
      ).toEqual(expected.map((t) => ({ name: t.name, description: t.description })));
      for (const [i, tool] of expected.entries()) {
        if (tool.name === PROBE_TOOL) continue;
        for (const [name, schema] of tool.fields) expect(offered[i]!.properties[name], `P14 ${tool.name}.${name} schema (${o.contract}); seed ${SEED}`).toMatchObject(schema);
        expect(offered[i]!.required, `P14 ${tool.name} required fields (${o.contract})`).toEqual(expect.arrayContaining(tool.fields.map(([name]) => name)));
      }
      // Every call ran the tool's code: its echo of the name and the input the model sent.
      const results = answerOf(spec, o).results;
      expect(results.map((r) => r.status), `P14 tool results (${o.contract})`).toEqual(calls.map(() => 'success'));
      expect(
        results.map((r) => r.content?.[0]?.json as { tool?: unknown; input?: unknown } | undefined).map((j) => ({ tool: j?.tool, input: j?.input })),
        `P14 tools ran (${o.contract}); seed ${SEED}`,
      ).toEqual(calls.map((c) => ({ tool: c.name, input: c.input })));
    }
    // Every model request of the run offered byte-identical tool specifications on both contracts.
    const configs = outcomes.map((o) => o.calls.map((c) => JSON.stringify(c.body.toolConfig)));
    expect(configs[0], `P14 the same toolConfig on both contracts; seed ${SEED}`).toEqual(configs[1]);
  });
}

interface ProbeTarget {
  readonly bucket: string;
  readonly key: string;
  /** The staged bytes' SHA-256 for a file, 'zip' for a directory served zipped, undefined for a missing key. */
  readonly sha256: string | 'zip' | undefined;
}

function probeTargets(spec: AgentSpec): ProbeTarget[] {
  const agentFiles = files.get(spec.id)!;
  const others = specs.filter((s) => s !== spec).map((s) => files.get(s.id)!.systemPrompt);
  return [agentFiles.systemPrompt, ...agentFiles.toolObjects, agentFiles.probe, ...others].map((asset) => {
    const staged = assetOf(asset);
    const { bucketName, objectKey } = staged.destinations[0]!;
    const sha256 = statSync(staged.sourcePath).isDirectory() ? 'zip' : createHash('sha256').update(readFileSync(staged.sourcePath)).digest('hex');
    return { bucket: bucketName, key: objectKey, sha256 };
  });
}

/** Property 17: a tool sees the same AWS Region, S3 objects and invocation state on both contracts. */
function toolContextProperty(candidates: () => fc.Arbitrary<Pair>): fc.IAsyncPropertyWithHooks<[{ pair: Pair; parts: RequestParts; targets: ProbeTarget[] }]> {
  const input = candidates().chain((pair) => {
    const known = probeTargets(pair.spec);
    const missing = fc.stringMatching(/^[a-z0-9][a-z0-9/_-]{0,29}$/).map((key): ProbeTarget => ({ bucket: known[0]!.bucket, key: `missing/${key}`, sha256: undefined }));
    return fc.record({ pair: fc.constant(pair), parts: requestPartsArb, targets: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: missing }), { minLength: 1, maxLength: 3 }) });
  });
  return fc.asyncProperty(input, async ({ pair, parts, targets }) => {
    const { spec } = pair;
    const calls = targets.map((t) => ({ name: PROBE_TOOL, input: { bucket: t.bucket, key: t.key } }));
    const { outcomes } = await runBoth(pair, parts, calls);
    const seen = outcomes.map((o) => answerOf(spec, o).results.map((r) => r.content?.[0]?.json as Record<string, unknown> | undefined));
    for (const [i, o] of outcomes.entries()) {
      targets.forEach((t, j) => {
        const result = seen[i]![j];
        const what = `P17 s3://${t.bucket}/${t.key} as the tool read it (${o.contract}); seed ${SEED}`;
        expect({ status: result?.status, ...(typeof t.sha256 === 'string' && t.sha256 !== 'zip' ? { sha256: result?.sha256 } : {}) }, what).toEqual(
          t.sha256 === undefined ? { status: 404 } : t.sha256 === 'zip' ? { status: 200 } : { status: 200, sha256: t.sha256 },
        );
        expect({ region: result?.region, metadata: result?.metadata, documentId: result?.documentId }, `P17 the tool's Region and invocation state (${o.contract}); seed ${SEED}`).toEqual({
          region: spec.region,
          metadata: parts.metadata ?? {},
          documentId: parts.documentId ?? null,
        });
      });
    }
    // Zip-packaged directory assets included: `local` zips them to the same bytes in every process.
    expect(seen[0], `P17 the same tool results on both contracts; seed ${SEED}`).toEqual(seen[1]);
  });
}

/** Runs `property` until it fails (at most 30 runs, no shrinking) and checks it failed on `message`. */
async function expectFailure<T>(name: string, property: fc.IAsyncPropertyWithHooks<[T]>, message: string | RegExp): Promise<void> {
  const details = await fc.check(property, { numRuns: 30, seed: SEED, endOnFailure: true });
  expect(details.failed, `${name} did not fail against the skewed side`).toBe(true);
  expect(String(details.errorInstance), `${name} failed for another reason`).toMatch(message);
}

describe(`the same agent under the Lambda and AgentCore contracts (agentic-ai-framework local; seed ${SEED})`, () => {
  it('Property 12: environment variables set on the agent read the same on either runtime', async () => {
    await fc.assert(environmentProperty(pairArb), { numRuns: NUM_RUNS, seed: SEED });
  }, 120_000);

  it('Property 13: AWS SDK clients sign with the credentials the runtime provides, without configuration', async () => {
    await fc.assert(credentialsProperty(pairArb), { numRuns: NUM_RUNS, seed: SEED });
  }, 120_000);

  it('Property 14: tools load from S3 with the same code and are offered identically on either runtime', async () => {
    await fc.assert(toolLoadingProperty(pairArb), { numRuns: NUM_RUNS, seed: SEED });
  }, 120_000);

  it('Property 17: a tool sees the same AWS Region, S3 objects and invocation state on either runtime', async () => {
    await fc.assert(toolContextProperty(pairArb), { numRuns: NUM_RUNS, seed: SEED });
  }, 120_000);

  it('the local S3 endpoint serves a directory asset zipped as `cdk deploy` uploads it: entries dated 1980-01-01 00:00, on both contracts', async () => {
    // cdk-assets dates every entry 1980-01-01 00:00 so the same files zip to the same object (and
    // ETag) for every reader. Before commit 1a462c1 cli/zip.ts zipped with the current time, so the
    // two contracts of one agent read different bytes at one key (property 17 failed on it).
    const zipped = specs.flatMap((spec) => probeTargets(spec).filter((t) => t.sha256 === 'zip'));
    expect(zipped.length).toBeGreaterThan(0);
    for (const pair of pairs) {
      for (const side of pair.sides) {
        const s3 = /serving \d+ staged assets of the cloud assembly at (http:\/\/127\.0\.0\.1:\d+)/.exec(side.local.output())?.[1];
        expect(s3, 'the S3 endpoint `local` logs').toBeDefined();
        for (const target of zipped) {
          const res = await fetch(`${s3}/${target.bucket}/${target.key}`, { signal: AbortSignal.timeout(5_000) });
          const bytes = Buffer.from(await res.arrayBuffer());
          expect(bytes.readUInt32LE(0), 'a zip local file header').toBe(0x04034b50);
          // DOS time and date of the first entry: 00:00:00, 1980-01-01.
          expect({ time: bytes.readUInt16LE(10), date: bytes.readUInt16LE(12) }, `s3://${target.bucket}/${target.key} from ${side.contract}`).toEqual({ time: 0, date: 0x21 });
        }
      }
    }
  });

  it('each property fails against a skewed AgentCore side (changed variable, secret key, tool description, prompt object)', async () => {
    const skewed = (): fc.Arbitrary<Pair> => fc.constant(skewPair);
    await expectFailure('P12', environmentProperty(skewed), 'P12 variables the tools read (AGENTCORE)');
    await expectFailure('P13', credentialsProperty(skewed), "P13 signature by the contract's secret key (AGENTCORE)");
    await expectFailure('P14', toolLoadingProperty(skewed), 'P14 tools offered to the model (AGENTCORE)');
    // The changed prompt object (its sha256 against the staged file), or the changed zip of tools (the two contracts' sha256).
    await expectFailure('P17', toolContextProperty(skewed), /P17 (s3:\/\/\S+ as the tool read it \(AGENTCORE\)|the same tool results on both contracts)/);
  }, 120_000);
});
