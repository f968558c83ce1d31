import { join, resolve } from 'node:path';
import type { AgentRecord } from './agent-record.js';
import { stackArtifacts, type StackArtifact } from './assembly.js';
import { CliError } from './errors.js';
import { isRecord, partitionOf, readJson } from './util.js';
import {
  resolveEnvironment,
  resolvePlaceholders,
  resolveString,
  UnresolvableValueError,
  type CfnTemplate,
  type DeployTarget,
} from './intrinsics.js';

/**
 * What `cdk deploy` would deploy for one agent, read from the cloud assembly: the template's agent
 * resource (environment, code location, entrypoint, timeout) and the staged file assets, with every
 * intrinsic resolved as CloudFormation would resolve it.
 */

/** A file asset of the stack's asset manifest: the staged source and where `cdk deploy` uploads it. */
export interface FileAsset {
  readonly hash: string;
  /** Absolute path of the staged file or directory in the cloud assembly. */
  readonly sourcePath: string;
  readonly packaging: 'file' | 'zip';
  readonly destinations: ReadonlyArray<{ readonly bucketName: string; readonly objectKey: string }>;
}

/** The agent's code as the template deploys it. */
export type DeployedCode =
  | {
      readonly kind: 'lambda';
      readonly asset: FileAsset;
      readonly handler: string;
      readonly runtime: string;
      readonly timeoutSeconds: number;
      readonly memorySize: number;
    }
  | {
      readonly kind: 'agentcore';
      readonly asset: FileAsset;
      readonly entryPoint: readonly string[];
      readonly runtime: string;
      readonly maxLifetimeSeconds?: number;
    };

export interface AgentDeployment {
  readonly record: AgentRecord;
  readonly target: DeployTarget;
  readonly fileAssets: readonly FileAsset[];
  /** The environment variables as synthesized, unresolved (resolved by `agentEnvironment`). */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly code: DeployedCode;
  /** What CloudFormation would name the function (Lambda), for the handler's context. */
  readonly functionName?: string;
}

/** Stands in for an account the app left unknown, in bucket names and ARNs (nothing is deployed). */
export const PLACEHOLDER_ACCOUNT = '000000000000';

interface AssetManifestJson {
  readonly files?: Record<
    string,
    {
      readonly source: { readonly path?: string; readonly packaging?: string; readonly executable?: unknown };
      readonly destinations: Record<string, { readonly bucketName: string; readonly objectKey: string }>;
    }
  >;
}

/** `aws://<account>/<region>` → the concrete parts, undefined where the app left them unknown. */
export function parseEnvironmentString(environment: string): { account?: string; region?: string } {
  const match = /^aws:\/\/([^/]*)\/([^/]*)$/.exec(environment);
  if (match === null) return {};
  const [, account = '', region = ''] = match;
  return {
    ...(/^\d{12}$/.test(account) ? { account } : {}),
    ...(/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region) ? { region } : {}),
  };
}

/** The stack's own Region when the app fixed one, else the caller's (AWS_REGION, AWS_DEFAULT_REGION). */
export function regionFor(record: AgentRecord, env: NodeJS.ProcessEnv): string | undefined {
  return parseEnvironmentString(record.environment).region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
}

function assetManifestFiles(stack: StackArtifact): string[] {
  return (stack.artifact.dependencies ?? [])
    .map((id) => stack.siblings[id])
    .filter((a) => a?.type === 'cdk:asset-manifest' && a.properties?.file !== undefined)
    .map((a) => join(stack.directory, a!.properties!.file!));
}

function readFileAssets(stack: StackArtifact, target: DeployTarget): FileAsset[] {
  const assets: FileAsset[] = [];
  for (const manifest of assetManifestFiles(stack)) {
    const json = readJson(manifest) as AssetManifestJson;
    for (const [hash, { source, destinations }] of Object.entries(json.files ?? {})) {
      // Assets built by a command at publish time have no staged source to serve.
      if (source.path === undefined) continue;
      assets.push({
        hash,
        sourcePath: resolve(stack.directory, source.path),
        packaging: source.packaging === 'zip' ? 'zip' : 'file',
        destinations: Object.values(destinations).map((d) => ({
          bucketName: resolvePlaceholders(d.bucketName, target),
          objectKey: resolvePlaceholders(d.objectKey, target),
        })),
      });
    }
  }
  return assets;
}

function codeAsset(record: AgentRecord, assets: readonly FileAsset[], bucket: string, key: string): FileAsset {
  const asset = assets.find((a) => a.destinations.some((d) => d.bucketName === bucket && d.objectKey === key));
  if (asset === undefined) {
    throw new CliError(
      `agent ${record.agentName}: its code is at s3://${bucket}/${key}, which is not an asset of this cloud assembly ` +
        '(code uploaded outside the app, e.g. codeBucket/codeKey); a local run needs the code staged by `cdk synth`',
    );
  }
  return asset;
}

function resolveOrFail(record: AgentRecord, what: string, value: unknown, target: DeployTarget): string {
  try {
    return resolveString(value, target);
  } catch (error) {
    if (error instanceof UnresolvableValueError) throw new CliError(`agent ${record.agentName}: cannot resolve ${what}: ${error.message}`);
    throw error;
  }
}

function imageError(record: AgentRecord): CliError {
  return new CliError(
    `agent ${record.agentName} is a container image: not supported locally: build and run the image yourself ` +
      '(docker run -p 8080:8080 ..., with the environment variables from the template)',
  );
}

/** Reads the agent's deployment from the cloud assembly at `appDir`. */
export function loadDeployment(appDir: string, record: AgentRecord, callerEnv: NodeJS.ProcessEnv = process.env): AgentDeployment {
  if (record.code.kind === 'image') throw imageError(record);
  const stack = stackArtifacts(resolve(appDir)).find((s) => s.id === record.stackArtifactId);
  if (stack === undefined) throw new CliError(`stack ${record.stackArtifactId} is not in the cloud assembly at ${appDir}`);
  const templateFile = stack.artifact.properties?.templateFile;
  if (templateFile === undefined) throw new CliError(`stack ${record.stackArtifactId} has no template file in the cloud assembly`);
  const template = readJson(join(stack.directory, templateFile)) as CfnTemplate;
  const resource = template.Resources?.[record.resourceLogicalId];
  if (resource === undefined) throw new CliError(`agent ${record.agentName}: no resource ${record.resourceLogicalId} in ${templateFile}`);
  const { account } = parseEnvironmentString(record.environment);
  const region = regionFor(record, callerEnv) ?? 'us-east-1';
  const target: DeployTarget = {
    template,
    stackName: record.stackName,
    account: account ?? PLACEHOLDER_ACCOUNT,
    region,
    partition: partitionOf(region),
    urlSuffix: region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com',
  };
  const fileAssets = readFileAssets(stack, target);
  const props = resource.Properties ?? {};

  if (resource.Type === 'AWS::Lambda::Function') {
    if (props.PackageType === 'Image' || (isRecord(props.Code) && props.Code.ImageUri !== undefined)) throw imageError(record);
    const code = isRecord(props.Code) ? props.Code : {};
    if (code.ZipFile !== undefined) throw new CliError(`agent ${record.agentName}: inline Lambda code (ZipFile) is not supported locally`);
    const bucket = resolveOrFail(record, 'Code.S3Bucket', code.S3Bucket, target);
    const key = resolveOrFail(record, 'Code.S3Key', code.S3Key, target);
    const environment = isRecord(props.Environment) && isRecord(props.Environment.Variables) ? props.Environment.Variables : {};
    return {
      record,
      target,
      fileAssets,
      variables: environment,
      functionName: resolveOrFail(record, 'the function name', { Ref: record.resourceLogicalId }, target),
      code: {
        kind: 'lambda',
        asset: codeAsset(record, fileAssets, bucket, key),
        handler: String(props.Handler ?? record.code.lambdaHandler ?? 'index.handler'),
        runtime: String(props.Runtime ?? ''),
        timeoutSeconds: Number(props.Timeout ?? 3),
        memorySize: Number(props.MemorySize ?? 128),
      },
    };
  }
  if (resource.Type === 'AWS::BedrockAgentCore::Runtime') {
    const artifact = isRecord(props.AgentRuntimeArtifact) ? props.AgentRuntimeArtifact : {};
    if (artifact.ContainerConfiguration !== undefined) throw imageError(record);
    const config = isRecord(artifact.CodeConfiguration) ? artifact.CodeConfiguration : undefined;
    const s3 = config !== undefined && isRecord(config.Code) && isRecord(config.Code.S3) ? config.Code.S3 : undefined;
    if (config === undefined || s3 === undefined) throw new CliError(`agent ${record.agentName}: ${record.resourceLogicalId} has no direct-code configuration`);
    const bucket = resolveOrFail(record, 'CodeConfiguration.Code.S3.Bucket', s3.Bucket, target);
    const key = resolveOrFail(record, 'CodeConfiguration.Code.S3.Prefix', s3.Prefix, target);
    const lifecycle = isRecord(props.LifecycleConfiguration) ? props.LifecycleConfiguration : {};
    return {
      record,
      target,
      fileAssets,
      variables: isRecord(props.EnvironmentVariables) ? props.EnvironmentVariables : {},
      code: {
        kind: 'agentcore',
        asset: codeAsset(record, fileAssets, bucket, key),
        entryPoint: Array.isArray(config.EntryPoint) ? config.EntryPoint.map(String) : [record.code.agentCoreEntrypoint ?? 'index.js'],
        runtime: String(config.Runtime ?? ''),
        ...(lifecycle.MaxLifetime !== undefined ? { maxLifetimeSeconds: Number(lifecycle.MaxLifetime) } : {}),
      },
    };
  }
  throw new CliError(`agent ${record.agentName}: ${record.resourceLogicalId} is a ${resource.Type}, not a Lambda function or AgentCore runtime`);
}

/**
 * The agent's environment variables exactly as CloudFormation would set them, with `overrides`
 * (from --env) taking the place of synthesized values; a variable that cannot be resolved and is
 * not overridden is an error naming it.
 */
export function agentEnvironment(deployment: AgentDeployment, overrides: Readonly<Record<string, string>>): Record<string, string> {
  const pending = Object.fromEntries(Object.entries(deployment.variables).filter(([name]) => !(name in overrides)));
  try {
    return { ...resolveEnvironment(`agent ${deployment.record.agentName} (${deployment.record.resourceLogicalId})`, pending, deployment.target), ...overrides };
  } catch (error) {
    if (error instanceof UnresolvableValueError) throw new CliError(error.message);
    throw error;
  }
}
