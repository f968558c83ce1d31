import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgentRecord } from './agent-record.js';
import { CliError } from './errors.js';
import { isRecord, readJson } from './util.js';

/**
 * Reading a cloud assembly (`cdk synth`'s output directory) for the agents the library recorded:
 * manifest.json → its stack artifacts (and nested assemblies, e.g. stages) → each stack's metadata
 * entries of type `agentic-ai-framework:agent` (src/runtime/run-metadata.ts).
 */

/** The metadata type the runtimes record (AGENT_METADATA_TYPE in src/runtime/run-metadata.ts). */
export const AGENT_METADATA_TYPE = 'agentic-ai-framework:agent';

interface MetadataEntry {
  readonly type: string;
  readonly data?: unknown;
}

interface ArtifactJson {
  readonly type: string;
  readonly environment?: string;
  readonly displayName?: string;
  readonly properties?: {
    readonly templateFile?: string;
    readonly stackName?: string;
    readonly directoryName?: string;
    readonly file?: string;
  };
  readonly metadata?: Record<string, MetadataEntry[]>;
  readonly additionalMetadataFile?: string;
  readonly dependencies?: string[];
}

interface ManifestJson {
  readonly artifacts?: Record<string, ArtifactJson>;
}

/** One stack artifact of an assembly, with the directory it lives in. */
export interface StackArtifact {
  readonly id: string;
  readonly directory: string;
  readonly artifact: ArtifactJson;
  /** Every artifact of the same manifest (for the stack's asset manifest). */
  readonly siblings: Record<string, ArtifactJson>;
}

/** The stack artifacts of the assembly at `directory` and of the assemblies nested in it. */
export function stackArtifacts(directory: string): StackArtifact[] {
  const manifestFile = join(directory, 'manifest.json');
  if (!existsSync(manifestFile)) throw new CliError(`no cloud assembly at ${directory}: run \`cdk synth\` first (or pass --app <cloud assembly dir>)`);
  const manifest = readJson<ManifestJson>(manifestFile);
  const artifacts = manifest.artifacts ?? {};
  const stacks: StackArtifact[] = [];
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact.type === 'aws:cloudformation:stack') stacks.push({ id, directory, artifact, siblings: artifacts });
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName !== undefined) {
      stacks.push(...stackArtifacts(join(directory, artifact.properties.directoryName)));
    }
  }
  return stacks;
}

function metadataOf(stack: StackArtifact): Record<string, MetadataEntry[]> {
  const inline = stack.artifact.metadata ?? {};
  const file = stack.artifact.additionalMetadataFile;
  if (file === undefined) return inline;
  const extra = readJson<Record<string, MetadataEntry[]>>(join(stack.directory, file));
  const merged: Record<string, MetadataEntry[]> = { ...inline };
  for (const [path, entries] of Object.entries(extra)) merged[path] = [...(merged[path] ?? []), ...entries];
  return merged;
}

function recordOf(stack: StackArtifact, constructPath: string, data: unknown): AgentRecord | undefined {
  if (!isRecord(data) || typeof data.agentName !== 'string' || typeof data.resourceLogicalId !== 'string' || !isRecord(data.code)) return undefined;
  if (data.runtimeType !== 'LAMBDA' && data.runtimeType !== 'AGENTCORE') return undefined;
  const code = data.code;
  const optionalString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  return {
    constructPath,
    agentName: data.agentName,
    runtimeType: data.runtimeType,
    stackArtifactId: stack.id,
    stackName: stack.artifact.properties?.stackName ?? stack.id,
    environment: stack.artifact.environment ?? 'aws://unknown-account/unknown-region',
    resourceLogicalId: data.resourceLogicalId,
    ...(typeof data.endpointName === 'string' ? { endpointName: data.endpointName } : {}),
    code: {
      kind: code.kind === 'image' ? 'image' : 'files',
      language: optionalString(code.language),
      lambdaHandler: optionalString(code.lambdaHandler),
      agentCoreEntrypoint: optionalString(code.agentCoreEntrypoint),
      sameFiles: code.sameFiles === true,
      defaultAgent: code.defaultAgent === true,
    },
  };
}

/**
 * Every agent recorded in the cloud assembly at `appDir` (default `cdk.out`), in manifest order.
 * Throws a CliError when there is no assembly there.
 */
export function findAgents(appDir: string = 'cdk.out'): AgentRecord[] {
  const records: AgentRecord[] = [];
  for (const stack of stackArtifacts(resolve(appDir))) {
    for (const [constructPath, entries] of Object.entries(metadataOf(stack))) {
      for (const entry of entries) {
        if (entry.type !== AGENT_METADATA_TYPE) continue;
        const record = recordOf(stack, constructPath, entry.data);
        if (record !== undefined) records.push(record);
      }
    }
  }
  return records;
}

/** One line per agent: path, name, runtime (for "not found" and "ambiguous" messages). */
export function describeAgents(records: readonly AgentRecord[]): string {
  return records.map((r) => `  ${r.constructPath}  (agent ${r.agentName}, ${r.runtimeType === 'LAMBDA' ? 'AWS Lambda' : 'AgentCore Runtime'})`).join('\n');
}

function trimSlashes(text: string): string {
  return text.replace(/^\/+|\/+$/g, '');
}

/**
 * The agent `query` names: its construct path (leading `/` optional), a unique suffix of it at a
 * `/` boundary (`InvoiceAgent`, `InvoiceAgent/RuntimeLambda`), or its agent name. An exact path
 * wins over suffixes and names. Throws a CliError listing the agents when none or several match.
 */
export function selectAgent(records: readonly AgentRecord[], query: string): AgentRecord {
  const wanted = trimSlashes(query);
  if (wanted === '') throw new CliError('no agent given: name one by construct path or agent name');
  const exact = records.filter((r) => trimSlashes(r.constructPath) === wanted);
  if (exact.length === 1) return exact[0]!;
  const matches = records.filter((r) => {
    const path = trimSlashes(r.constructPath);
    // A suffix of whole segments: the agent's construct, or any path part ending in the runtime.
    const segments = path.split('/');
    const bySuffix = segments.some((_s, i) => segments.slice(i).join('/') === wanted || segments.slice(i, -1).join('/') === wanted);
    return bySuffix || r.agentName === query;
  });
  if (matches.length === 1) return matches[0]!;
  if (records.length === 0) {
    throw new CliError(
      `agent ${query} not found: the cloud assembly has no agents (it records them from agentic-ai-framework's BatchAgent; synthesize again with this version)`,
    );
  }
  if (matches.length === 0) throw new CliError(`agent ${query} not found; the agents in the cloud assembly:\n${describeAgents(records)}`);
  throw new CliError(`${matches.length} agents match ${query}; name one by its construct path:\n${describeAgents(matches)}`);
}
