import { mkdtempSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { App, CfnResource, Stack, type StackProps } from 'aws-cdk-lib';
import { zipSync } from 'fflate';
import type { IConstruct } from 'constructs';
import type { LocalS3 } from '../agent/helpers/local-aws.js';
import { TEST_ENV, VALIDATION_CONTEXT } from '../helpers/test-app.js';
import { resolvePlaceholders, type CfnTemplate, type DeployTarget } from '../../cli/intrinsics.js';

/** The resource types an agent runs as. */
export const AGENT_RESOURCE_TYPES = ['AWS::Lambda::Function', 'AWS::BedrockAgentCore::Runtime'] as const;

/** One file asset of the asset manifest: the staged source and where `cdk deploy` uploads it. */
export interface FileAsset {
  readonly hash: string;
  /** Absolute path of the staged file or directory in the cloud assembly. */
  readonly sourcePath: string;
  readonly packaging: 'file' | 'zip';
  readonly destinations: ReadonlyArray<{ readonly bucketName: string; readonly objectKey: string }>;
}

/** An example app synthesized into its own cloud assembly directory. */
export interface SynthesizedExample {
  readonly directory: string;
  readonly target: DeployTarget;
  readonly template: CfnTemplate;
  readonly fileAssets: readonly FileAsset[];
  /** Logical id of the agent resource (function or runtime) of each named agent. */
  readonly agentResources: Readonly<Record<string, string>>;
  dispose(): Promise<void>;
}

interface AssetManifestJson {
  readonly files?: Record<
    string,
    {
      readonly source: { readonly path?: string; readonly packaging?: string; readonly executable?: unknown };
      readonly destinations: Record<string, { readonly bucketName: string; readonly objectKey: string }>;
    }
  >;
}

/** The logical id of the one function or AgentCore runtime inside `agent`. */
function agentResourceId(agent: IConstruct): string {
  const resources = agent.node
    .findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c))
    .filter((c) => (AGENT_RESOURCE_TYPES as readonly string[]).includes(c.cfnResourceType));
  if (resources.length !== 1) {
    throw new Error(`${agent.node.path}: expected one agent resource (${AGENT_RESOURCE_TYPES.join(' or ')}), found ${resources.length}`);
  }
  return Stack.of(agent).getLogicalId(resources[0]!);
}

/**
 * Synthesizes an example stack as the other example tests do (CloudFormation validation on, account
 * 123456789012, us-east-1) into a fresh directory, and reads its template and asset manifest.
 */
export async function synthesizeExample<S extends Stack>(
  build: (app: App, id: string, props: StackProps) => S,
  agents: Readonly<Record<string, (stack: S) => IConstruct>>,
): Promise<SynthesizedExample> {
  const directory = mkdtempSync(join(tmpdir(), 'example-assembly-'));
  try {
    const app = new App({ context: VALIDATION_CONTEXT, outdir: directory });
    const stack = build(app, 'Example', { env: TEST_ENV });
    const agentResources = Object.fromEntries(Object.entries(agents).map(([name, pick]) => [name, agentResourceId(pick(stack))]));
    const artifact = app.synth().getStackByName(stack.stackName);
    const template = artifact.template as CfnTemplate;
    const target: DeployTarget = { template, stackName: stack.stackName, account: TEST_ENV.account, region: TEST_ENV.region, partition: 'aws', urlSuffix: 'amazonaws.com' };
    const fileAssets = await readAssetManifests(directory, target);
    return {
      directory,
      target,
      template,
      fileAssets,
      agentResources,
      dispose: () => rm(directory, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

/** The file assets of every `*.assets.json` in the assembly directory, placeholders resolved. */
async function readAssetManifests(directory: string, target: DeployTarget): Promise<FileAsset[]> {
  const manifests = (await readdir(directory)).filter((name) => name.endsWith('.assets.json'));
  if (manifests.length === 0) throw new Error(`no *.assets.json in ${directory}`);
  const assets: FileAsset[] = [];
  for (const manifest of manifests) {
    const json = JSON.parse(await readFile(join(directory, manifest), 'utf8')) as AssetManifestJson;
    for (const [hash, { source, destinations }] of Object.entries(json.files ?? {})) {
      if (source.path === undefined || source.executable !== undefined) {
        throw new Error(`${manifest}: asset ${hash} is built by a command, which this test does not run`);
      }
      if (source.packaging !== undefined && source.packaging !== 'file' && source.packaging !== 'zip') {
        throw new Error(`${manifest}: asset ${hash} has packaging ${source.packaging}`);
      }
      assets.push({
        hash,
        sourcePath: join(directory, source.path),
        packaging: source.packaging ?? 'file',
        destinations: Object.values(destinations).map((d) => ({
          bucketName: resolvePlaceholders(d.bucketName, target),
          objectKey: resolvePlaceholders(d.objectKey, target),
        })),
      });
    }
  }
  return assets;
}

/** Every file under `dir`, keyed by its path relative to `dir` with `/` separators. */
async function filesUnder(dir: string): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(dir, path).split(sep).join('/')] = await readFile(path);
  }
  return files;
}

/** What `cdk deploy` uploads for an asset: the file, or the staged directory zipped. */
async function assetBytes(asset: FileAsset): Promise<Uint8Array> {
  if ((await stat(asset.sourcePath)).isDirectory()) {
    if (asset.packaging !== 'zip') throw new Error(`asset ${asset.hash} is a directory with packaging ${asset.packaging}`);
    return zipSync(await filesUnder(asset.sourcePath));
  }
  return readFile(asset.sourcePath);
}

/**
 * Uploads every file asset of the example to its destination bucket and key on the local S3, as
 * `cdk deploy` would; buckets are created on first use (the bootstrap stack's job).
 */
export async function publishAssets(example: SynthesizedExample, s3: LocalS3, createdBuckets: Set<string>): Promise<void> {
  for (const asset of example.fileAssets) {
    const bytes = await assetBytes(asset);
    for (const { bucketName, objectKey } of asset.destinations) {
      if (!createdBuckets.has(bucketName)) {
        await s3.client.send(new CreateBucketCommand({ Bucket: bucketName }));
        createdBuckets.add(bucketName);
      }
      await s3.put(bucketName, objectKey, bytes);
    }
  }
}

/** The staged asset whose destination is `bucket`/`key` (e.g. a function's code). */
export function assetAt(example: SynthesizedExample, bucket: string, key: string): FileAsset {
  const asset = example.fileAssets.find((a) => a.destinations.some((d) => d.bucketName === bucket && d.objectKey === key));
  if (asset === undefined) throw new Error(`no asset of the manifest is uploaded to s3://${bucket}/${key}`);
  return asset;
}
