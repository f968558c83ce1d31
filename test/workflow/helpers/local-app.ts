/**
 * A synthesized app "deployed" on this machine, from what `cdk deploy` would deploy: its assets
 * uploaded to the local S3, its template's intrinsics resolved as CloudFormation would resolve them
 * (cfn-resolve), and each function and runtime run from its staged code with the environment its
 * template gives it plus what the runtime adds (Region, credentials, loopback endpoints):
 *
 * - a Lambda agent: a pool of execution environments (LambdaSandboxes), one process each;
 * - the AgentCore relay: its staged bundle imported in this process (the relay reads nothing but
 *   the AWS SDK's variables, which the test sets: the data plane's endpoint among them);
 * - an AgentCore agent: its staged direct code run as a server on 127.0.0.1, registered with the
 *   data-plane stand-in under the runtime's ARN.
 *
 * Staged code must be the bundles this repository builds (`npm run bundle:*`): the run is of the
 * shipped code, not of a copy that drifted.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LocalS3 } from '../../agent/helpers/local-aws.js';
import { handlerModule, startAgentCoreServer, type AgentCoreServer } from '../../examples/agent-processes.js';
import { assetAt, publishAssets, type SynthesizedExample } from '../../examples/assembly.js';
import { ResolvedTemplate } from '../../helpers/cfn-resolve.js';
import type { LambdaFunctionConfig, LambdaHandler } from '../../helpers/local-states.js';
import { LambdaSandboxes } from './lambda-sandboxes.js';

const ROOT = resolve(__dirname, '..', '..', '..');
const BUNDLES = {
  lambdaAgent: join(ROOT, 'assets', 'agent', 'lambda', 'index.js'),
  agentCoreAgent: join(ROOT, 'assets', 'agent', 'agentcore', 'index.js'),
  relay: join(ROOT, 'assets', 'relay', 'index.mjs'),
} as const;
const START_TIMEOUT_MS = 15_000;

/** The local services an app's code is pointed at. */
export interface LocalCloud {
  readonly s3: LocalS3;
  readonly bedrockUrl: string;
  readonly xrayUrl: string;
  readonly sfnUrl: string;
  /** Where each function or runtime gets its own temporary directory. */
  readonly workDir: string;
  /** Credentials the code runs with (the local S3 accepts only its own). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Buckets already created on the local S3 (shared by apps). */
  readonly buckets: Set<string>;
  /** Runtime ARN → agent server URL, which the data-plane stand-in forwards to. */
  readonly agentUrls: Map<string, string>;
}

interface AgentCoreRuntime {
  readonly runtimeArn: string;
  readonly codeDir: string;
  readonly entryPoint: readonly string[];
  readonly env: Record<string, string>;
  readonly servers: AgentCoreServer[];
}

type Variables = Record<string, string>;

const uploads = new WeakMap<LocalCloud, Promise<unknown>>();

export class LocalApp {
  /** Deploys `app`: assets uploaded, functions ready to be invoked, AgentCore servers listening. */
  public static async deploy(app: SynthesizedExample, cloud: LocalCloud): Promise<LocalApp> {
    // One upload at a time: two apps share the bootstrap bucket, which must be created once.
    const previous = uploads.get(cloud) ?? Promise.resolve();
    const upload = previous.then(() => publishAssets(app, cloud.s3, cloud.buckets));
    uploads.set(cloud, upload.catch(() => undefined));
    await upload;
    const deployed = new LocalApp(app, cloud);
    // Every start settled before a failure closes the others: none is left running.
    const started = await Promise.allSettled(Object.values(app.agentResources).map((logicalId) => deployed.deployResource(logicalId)));
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed !== undefined) {
      await deployed.close();
      throw failed.reason;
    }
    return deployed;
  }

  public readonly template: ResolvedTemplate;
  /** The harness's `handlers`: every function deployed, by ARN. */
  public readonly functions: Record<string, LambdaFunctionConfig> = {};
  private readonly pools = new Map<string, LambdaSandboxes>();
  private readonly runtimes = new Map<string, AgentCoreRuntime>();

  private constructor(private readonly app: SynthesizedExample, private readonly cloud: LocalCloud) {
    // Only the resources matter here (the bootstrap version parameter is read by Rules alone).
    this.template = new ResolvedTemplate({ Resources: app.template.Resources }, { account: app.target.account, region: app.target.region, stackName: app.target.stackName });
  }

  /** A state machine's definition, as deployed (every intrinsic resolved). */
  public definition(logicalId: string): unknown {
    return JSON.parse(this.template.resolveString(this.template.resource(logicalId).Properties?.DefinitionString));
  }

  public arnOf(logicalId: string): string {
    const type = this.template.resource(logicalId).Type;
    return type === 'AWS::StepFunctions::StateMachine' ? this.template.resolveString({ Ref: logicalId }) : this.template.resolveString({ 'Fn::GetAtt': [logicalId, 'Arn'] });
  }

  /** The ARN of a function by its name in `agentResources`. */
  public functionArn(name: string): string {
    return this.arnOf(this.logicalIdOf(name));
  }

  /** The execution environments of a Lambda agent, by its name in `agentResources`. */
  public lambdaAgent(name: string): LambdaSandboxes {
    const pool = this.pools.get(this.logicalIdOf(name));
    if (pool === undefined) throw new Error(`${name} is not a Lambda agent of this app`);
    return pool;
  }

  /** An AgentCore agent's ARN and its running servers (the first one is the one the data plane forwards to). */
  public agentCore(name: string): { readonly runtimeArn: string; readonly servers: readonly AgentCoreServer[] } {
    const runtime = this.runtimes.get(this.logicalIdOf(name));
    if (runtime === undefined) throw new Error(`${name} is not an AgentCore agent of this app`);
    return runtime;
  }

  /** Another container of an AgentCore agent (another session's), which the data plane does not forward to by itself. */
  public async startContainer(name: string): Promise<AgentCoreServer> {
    const runtime = this.runtimes.get(this.logicalIdOf(name));
    if (runtime === undefined) throw new Error(`${name} is not an AgentCore agent of this app`);
    const server = await this.startServer(runtime);
    runtime.servers.push(server);
    return server;
  }

  public async close(): Promise<void> {
    for (const runtime of this.runtimes.values()) this.cloud.agentUrls.delete(runtime.runtimeArn);
    await Promise.all([
      ...[...this.pools.values()].map((pool) => pool.close()),
      ...[...this.runtimes.values()].flatMap((runtime) => runtime.servers.map((server) => server.stop(2_000).catch(() => undefined))),
    ]);
  }

  private logicalIdOf(name: string): string {
    const logicalId = this.app.agentResources[name];
    if (logicalId === undefined) throw new Error(`no resource named ${name}; named: ${Object.keys(this.app.agentResources).join(', ')}`);
    return logicalId;
  }

  private async deployResource(logicalId: string): Promise<void> {
    const resource = this.template.resource(logicalId);
    if (resource.Type === 'AWS::Lambda::Function') return this.deployFunction(logicalId);
    if (resource.Type === 'AWS::BedrockAgentCore::Runtime') return this.deployRuntime(logicalId);
    throw new Error(`${logicalId}: cannot run a ${resource.Type}`);
  }

  private async deployFunction(logicalId: string): Promise<void> {
    const props = this.template.properties(logicalId) as {
      Code: { S3Bucket: string; S3Key: string };
      Handler: string;
      Runtime: string;
      Timeout?: number;
      MemorySize?: number;
      Environment?: { Variables?: Variables };
    };
    const codeDir = assetAt(this.app, props.Code.S3Bucket, props.Code.S3Key).sourcePath;
    const { file, exportName } = handlerModule(codeDir, props.Handler);
    const variables = props.Environment?.Variables ?? {};
    const config = { timeoutSeconds: props.Timeout ?? 3, memorySize: props.MemorySize ?? 128 };
    const arn = this.arnOf(logicalId);
    if (await sameFile(file, BUNDLES.relay)) {
      if (Object.keys(variables).length > 0) throw new Error(`${logicalId}: the relay has environment variables (${Object.keys(variables).join(', ')}) this in-process run does not set`);
      const relay = (await import(pathToFileURL(file).href)) as Record<string, LambdaHandler>;
      this.functions[arn] = { ...config, handler: relay[exportName]! };
      return;
    }
    if (!(await sameFile(file, BUNDLES.lambdaAgent))) throw new Error(`${logicalId}: its staged handler ${file} is neither ${BUNDLES.relay} nor ${BUNDLES.lambdaAgent}`);
    const functionName = this.template.resolveString({ Ref: logicalId });
    const env = await this.runtimeEnv(variables, {
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySize),
      AWS_EXECUTION_ENV: `AWS_Lambda_${props.Runtime}`,
      LAMBDA_TASK_ROOT: codeDir,
      _HANDLER: props.Handler,
    });
    const pool = new LambdaSandboxes({ codeDir, file, exportName, env });
    pool.warm();
    this.pools.set(logicalId, pool);
    this.functions[arn] = { ...config, handler: pool.handler };
  }

  private async deployRuntime(logicalId: string): Promise<void> {
    const props = this.template.properties(logicalId) as {
      AgentRuntimeArtifact: { CodeConfiguration?: { Code: { S3: { Bucket: string; Prefix: string } }; EntryPoint: string[] } };
      EnvironmentVariables?: Variables;
    };
    const code = props.AgentRuntimeArtifact.CodeConfiguration;
    if (code === undefined) throw new Error(`${logicalId} is not a direct-code runtime; only those run here`);
    const codeDir = assetAt(this.app, code.Code.S3.Bucket, code.Code.S3.Prefix).sourcePath;
    if (!(await sameFile(join(codeDir, code.EntryPoint[0] ?? ''), BUNDLES.agentCoreAgent))) {
      throw new Error(`${logicalId}: its entry point is not ${BUNDLES.agentCoreAgent}`);
    }
    // AgentCore's contract port is 8080 on 0.0.0.0; here a free port on loopback.
    const env = await this.runtimeEnv(props.EnvironmentVariables ?? {}, { PORT: '0', AGENT_SERVER_HOST: '127.0.0.1' });
    const runtime: AgentCoreRuntime = { runtimeArn: this.template.resolveString({ 'Fn::GetAtt': [logicalId, 'AgentRuntimeArn'] }), codeDir, entryPoint: code.EntryPoint, env, servers: [] };
    this.runtimes.set(logicalId, runtime);
    const server = await this.startServer(runtime);
    runtime.servers.push(server);
    this.cloud.agentUrls.set(runtime.runtimeArn, server.base);
  }

  private startServer(runtime: AgentCoreRuntime): Promise<AgentCoreServer> {
    return startAgentCoreServer({ codeDir: runtime.codeDir, entryPoint: runtime.entryPoint, env: runtime.env, startTimeoutMs: START_TIMEOUT_MS });
  }

  /** The template's variables and what the runtime (here: this test) adds; the two must not overlap. */
  private async runtimeEnv(variables: Variables, provided: Variables): Promise<Variables> {
    const tmp = join(this.cloud.workDir, `tmp-${randomUUID()}`);
    await mkdir(tmp);
    const added: Variables = {
      TMPDIR: tmp,
      AWS_REGION: this.app.target.region,
      AWS_DEFAULT_REGION: this.app.target.region,
      AWS_ACCESS_KEY_ID: this.cloud.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.cloud.credentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_S3: this.cloud.s3.endpoint,
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: this.cloud.bedrockUrl,
      AWS_ENDPOINT_URL_XRAY: this.cloud.xrayUrl,
      AWS_ENDPOINT_URL_SFN: this.cloud.sfnUrl,
      ...provided,
    };
    const overlap = Object.keys(added).filter((name) => name in variables);
    if (overlap.length > 0) throw new Error(`the template sets ${overlap.join(', ')}, which the runtime (or this test) provides`);
    return { ...variables, ...added };
  }
}

async function sameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([readFile(a), readFile(b)]);
  return x.equals(y);
}
