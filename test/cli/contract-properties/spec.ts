import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

/**
 * The generated agents of test/cli/contract-properties.test.ts: each has a generated prompt,
 * EXPECT_JSON, user variables (some from the `environment` prop, some from
 * `runtime.addEnvironment`), declared runtime, AWS Region and credentials, and a generated tool set
 * (single-file modules and zip archives of modules with generated names, descriptions and input
 * schemas), plus the fixed `aws_probe` tool that reads an S3 object through the runtime's endpoint.
 */

export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'enum';

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly description: string;
  /** The choices of an `enum` field. */
  readonly options: readonly string[];
}

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly fields: readonly FieldSpec[];
}

/** One tool object: a single module file, or a zip of modules (plus a helper module exporting no tool). */
export interface ToolObjectSpec {
  readonly kind: 'file' | 'zip';
  /** The tools of each module of the object (one module for `file`). */
  readonly modules: ReadonlyArray<readonly ToolSpec[]>;
}

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export interface AgentSpec {
  readonly id: string;
  readonly agentName: string;
  readonly runtimeType: 'LAMBDA' | 'AGENTCORE';
  readonly prompt: string;
  readonly expectJson: boolean;
  readonly systemPrompt: string;
  /** Set with the construct's `environment` prop. */
  readonly environment: Readonly<Record<string, string>>;
  /** Set with `runtime.addEnvironment` after construction. */
  readonly added: Readonly<Record<string, string>>;
  readonly toolObjects: readonly ToolObjectSpec[];
  /** What the runtime would provide: the Region and the execution role's credentials. */
  readonly region: string;
  readonly credentials: Credentials;
}

export const PROBE_TOOL = 'aws_probe';
export const PROBE_DESCRIPTION = 'Reads one S3 object through the AWS endpoint the runtime provides and describes it';

/** Text as environment values and prompts may hold it: any Unicode but NUL (not allowed in a process environment). */
const text = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc.string({ minLength, maxLength }),
      fc.string({ unit: 'grapheme', minLength, maxLength }),
      fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '\n', '\t', '"', "'", '\\', '$', '{', '}', '=', 'é', '€', '😀'), minLength, maxLength }),
    )
    .filter((s) => !s.includes('\0'));

const identifier = (prefix: string): fc.Arbitrary<string> => fc.stringMatching(/^[A-Z][A-Z0-9_]{0,12}$/).map((s) => `${prefix}${s}`);

const fieldArb: fc.Arbitrary<Omit<FieldSpec, 'name'>> = fc.record({
  type: fc.constantFrom<FieldType>('string', 'number', 'integer', 'boolean', 'enum'),
  description: fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ,.()-]{0,40}$/),
  options: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { minLength: 1, maxLength: 4 }),
});

const toolArb: fc.Arbitrary<Omit<ToolSpec, 'name'>> = fc.record({
  description: fc.stringMatching(/^[A-Z][A-Za-z0-9 ,.;:()'-]{0,80}$/),
  fields: fc
    .uniqueArray(fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,10}$/), { minLength: 1, maxLength: 4 })
    .chain((names) => fc.tuple(...names.map(() => fieldArb)).map((fields) => fields.map((f, i) => ({ ...f, name: names[i]! })))),
});

const credentialsArb: fc.Arbitrary<Credentials> = fc.record({
  accessKeyId: fc.stringMatching(/^[A-Z0-9]{16}$/).map((s) => `ASIA${s}`),
  secretAccessKey: fc.stringMatching(/^[A-Za-z0-9/+]{40}$/),
  sessionToken: fc.stringMatching(/^[A-Za-z0-9/+=]{20,120}$/),
});

/** Tool names are unique within an agent (the agent keeps the first of two tools with one name). */
function agentArb(index: number): fc.Arbitrary<AgentSpec> {
  return fc
    .record({
      runtimeType: fc.constantFrom<'LAMBDA' | 'AGENTCORE'>('LAMBDA', 'AGENTCORE'),
      prompt: text(1, 60).filter((p) => p.trim() !== ''),
      expectJson: fc.boolean(),
      systemPrompt: text(1, 80),
      environment: fc.dictionary(identifier('USER_'), text(0, 40), { minKeys: 1, maxKeys: 3 }),
      added: fc.dictionary(identifier('ADDED_'), text(0, 40), { maxKeys: 2 }),
      objects: fc.array(
        fc.record({ kind: fc.constantFrom<'file' | 'zip'>('file', 'zip'), modules: fc.array(fc.array(toolArb, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }) }),
        { minLength: 1, maxLength: 3 },
      ),
      names: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{2,20}$/).filter((n) => n !== PROBE_TOOL), { minLength: 24, maxLength: 24 }),
      region: fc.constantFrom('us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1'),
      credentials: credentialsArb,
    })
    .map(({ objects, names, ...rest }) => {
      let next = 0;
      const toolObjects: ToolObjectSpec[] = objects.map(({ kind, modules }) => ({
        // A file object is one module.
        kind,
        modules: (kind === 'file' ? modules.slice(0, 1) : modules).map((tools) => tools.map((t) => ({ ...t, name: names[next++]! }))),
      }));
      return { ...rest, toolObjects, id: `Gen${index}`, agentName: `gen-${index}` };
    });
}

/** `count` generated agents from `seed` (reproducible: the seed is in every failure message). */
export function generateAgents(seed: number, count: number): AgentSpec[] {
  const agents = Array.from({ length: count }, (_, i) => fc.sample(agentArb(i), { seed: seed + i, numRuns: 1 })[0]!);
  // At least one zip archive among the tool objects (rarely none is generated).
  if (!agents.some((a) => a.toolObjects.some((o) => o.kind === 'zip'))) {
    const [first, ...rest] = agents[0]!.toolObjects;
    agents[0] = { ...agents[0]!, toolObjects: [{ ...first!, kind: 'zip' }, ...rest] };
  }
  return agents;
}

/** Every generated tool of the agent (not the probe). */
export function toolsOf(spec: AgentSpec): ToolSpec[] {
  return spec.toolObjects.flatMap((o) => o.modules.flat());
}

/** Every variable the agent's tools echo: the user's, and the library's PROMPT and EXPECT_JSON. */
export function echoedVariables(spec: AgentSpec): Record<string, string> {
  return { ...spec.environment, ...spec.added, PROMPT: spec.prompt, EXPECT_JSON: spec.expectJson ? 'true' : 'false' };
}

function zodOf(field: FieldSpec): string {
  const base = {
    string: 'z.string()',
    number: 'z.number()',
    integer: 'z.int()',
    boolean: 'z.boolean()',
    enum: `z.enum(${JSON.stringify(field.options)})`,
  }[field.type];
  return `${base}.describe(${JSON.stringify(field.description)})`;
}

function toolSource(tool: ToolSpec, index: number): string {
  const shape = tool.fields.map((f) => `${JSON.stringify(f.name)}: ${zodOf(f)}`).join(', ');
  return (
    `export const tool${index} = tool({ name: ${JSON.stringify(tool.name)}, description: ${JSON.stringify(tool.description)}, ` +
    `inputSchema: z.object({ ${shape} }), callback: echo(${JSON.stringify(tool.name)}) });\n`
  );
}

/** The echo every generated tool runs: its input, the variables it reads with process.env, the invocation state. */
function echoSource(variables: readonly string[]): string {
  return (
    `const VARIABLES = ${JSON.stringify(variables)};\n` +
    'export const echo = (name) => (input, context) => ({\n' +
    '  tool: name,\n' +
    '  input,\n' +
    '  env: Object.fromEntries(VARIABLES.map((v) => [v, process.env[v] ?? null])),\n' +
    '  documentId: context?.invocationState?.documentId ?? null,\n' +
    '});\n'
  );
}

const HEADER = "import { tool } from '@strands-agents/sdk';\nimport { z } from 'zod';\n";

/** The probe: no AWS SDK is lent to tools (agent/core/tool-modules.ts lends only the Strands SDK and zod), so it uses fetch. */
export const PROBE_SOURCE = `${HEADER}import { createHash } from 'node:crypto';
export const probe = tool({
  name: ${JSON.stringify(PROBE_TOOL)},
  description: ${JSON.stringify(PROBE_DESCRIPTION)},
  inputSchema: z.object({ bucket: z.string(), key: z.string() }),
  callback: async ({ bucket, key }, context) => {
    const region = process.env.AWS_REGION ?? null;
    const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? 'https://s3.' + region + '.amazonaws.com';
    const res = await fetch(endpoint + '/' + bucket + '/' + key.split('/').map(encodeURIComponent).join('/'), { signal: AbortSignal.timeout(5000) });
    const bytes = new Uint8Array(await res.arrayBuffer());
    return {
      status: res.status,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      length: bytes.length,
      region,
      metadata: context?.invocationState?.metadata ?? null,
      documentId: context?.invocationState?.documentId ?? null,
    };
  },
});
`;

/** Writes the agent's prompt and tool objects under `dir`; returns their paths (a directory for a zip). */
export function writeAgentFiles(spec: AgentSpec, dir: string): { systemPrompt: string; toolObjects: string[] } {
  mkdirSync(dir, { recursive: true });
  const systemPrompt = join(dir, 'prompt.txt');
  writeFileSync(systemPrompt, spec.systemPrompt);
  const echo = echoSource(Object.keys(echoedVariables(spec)));
  const toolObjects = spec.toolObjects.map((object, o) => {
    if (object.kind === 'file') {
      const file = join(dir, `tools-${o}.mjs`);
      writeFileSync(file, `${HEADER}${echo}${object.modules[0]!.map(toolSource).join('')}`);
      return file;
    }
    // A zip: modules importing a helper module (which exports no tool) by a relative path.
    const zipDir = join(dir, `tools-${o}`);
    mkdirSync(join(zipDir, 'lib'), { recursive: true });
    writeFileSync(join(zipDir, 'lib', 'echo.mjs'), echo);
    object.modules.forEach((tools, m) => {
      writeFileSync(join(zipDir, `module-${m}.mjs`), `${HEADER}import { echo } from './lib/echo.mjs';\n${tools.map(toolSource).join('')}`);
    });
    return zipDir;
  });
  return { systemPrompt, toolObjects };
}

/** An input for `tool` as the model would send it, JSON as it travels. */
export function toolInputArb(tool: ToolSpec): fc.Arbitrary<Record<string, unknown>> {
  const value = (f: FieldSpec): fc.Arbitrary<unknown> => {
    switch (f.type) {
      case 'string':
        return fc.string({ maxLength: 30 });
      case 'number':
        return fc.double({ noNaN: true, noDefaultInfinity: true });
      case 'integer':
        return fc.maxSafeInteger();
      case 'boolean':
        return fc.boolean();
      case 'enum':
        return fc.constantFrom(...f.options);
    }
  };
  return fc.record(Object.fromEntries(tool.fields.map((f) => [f.name, value(f)]))).map((input) => JSON.parse(JSON.stringify(input)) as Record<string, unknown>);
}
