import * as fs from 'fs';
import * as path from 'path';
import { AssetHashType, DockerImage, ILocalBundling, Stack, Token } from 'aws-cdk-lib';
import { AgentCoreRuntime } from 'aws-cdk-lib/aws-bedrockagentcore';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { bundleTypeScriptEntry } from './esbuild-bundler';
import { InvalidRuntimeConfigError } from './errors';
import { AgentRuntimeType } from './runtime-type';

/**
 * The language of agent code given as files.
 */
export enum AgentCodeLanguage {
  /** Node.js 22: Lambda `nodejs22.x`, AgentCore `NODE_22`. */
  NODEJS = 'NODEJS',
  /** Python 3.13: Lambda `python3.13`, AgentCore `PYTHON_3_13`. */
  PYTHON = 'PYTHON',
}

/**
 * Entrypoints of agent code, one per runtime.
 */
export interface AgentCodeEntrypoints {
  /**
   * The Lambda handler, `file.function` relative to the code's root.
   *
   * @default 'index.handler' for Node.js, 'main.handler' for Python
   */
  readonly lambdaHandler?: string;

  /**
   * The file AgentCore starts: it must serve `POST /invocations` and `GET /ping` on port 8080.
   *
   * @default 'index.js' for Node.js, 'main.py' for Python
   */
  readonly agentCoreEntrypoint?: string;
}

/**
 * Agent code given as TypeScript entry files, bundled locally with esbuild at synth (no Docker).
 */
export interface TypeScriptEntryOptions {
  /**
   * The entry exporting the Lambda `handler(event, context)`.
   *
   * @default - the code cannot run on Lambda
   */
  readonly lambdaEntry?: string;

  /**
   * The entry starting the AgentCore HTTP server.
   *
   * @default - the code cannot run on AgentCore
   */
  readonly agentCoreEntry?: string;
}

/**
 * Agent code given as a container image.
 */
export interface AgentCodeImageOptions {
  /**
   * Command Lambda runs in the image (its handler, for images built on a Lambda base image).
   *
   * @default - the image's own CMD
   */
  readonly lambdaCmd?: string[];
}

/**
 * What a Lambda function needs from agent code.
 */
export interface LambdaCodeConfig {
  /** The function code. */
  readonly code: lambda.Code;
  /** The handler (`Handler.FROM_IMAGE` for images). */
  readonly handler: string;
  /** The Lambda runtime (`Runtime.FROM_IMAGE` for images). */
  readonly runtime: lambda.Runtime;
}

/**
 * What an AgentCore runtime needs from agent code: a ZIP asset or a container image.
 */
export interface AgentCoreCodeConfig {
  /**
   * The ZIP of the code, for direct code deployment.
   *
   * @default - the code is an image
   */
  readonly codeAsset?: s3Assets.Asset;

  /**
   * The managed runtime for direct code deployment.
   *
   * @default - the code is an image
   */
  readonly runtime?: AgentCoreRuntime;

  /**
   * The entrypoint for direct code deployment.
   *
   * @default - the code is an image
   */
  readonly entrypoint?: string[];

  /**
   * The image URI, for container deployment.
   *
   * @default - the code is a ZIP
   */
  readonly imageUri?: string;

  /**
   * The repository holding the image; the execution role gets pull access to it.
   *
   * @default - the code is a ZIP
   */
  readonly imageRepository?: ecr.IRepository;
}

/**
 * What a local run of the code needs to know beyond the template: recorded as construct metadata
 * for the command-line tool.
 */
export interface AgentCodeRunInfo {
  /** Files (run with node or python3) or a container image. */
  readonly kind: 'files' | 'image';
  /** NODEJS or PYTHON, for files. */
  readonly language?: string;
  /** The Lambda handler (`file.function`), for files. */
  readonly lambdaHandler?: string;
  /** The file AgentCore starts, for files. */
  readonly agentCoreEntrypoint?: string;
  /** Whether both runtimes' entrypoints are in the same files, so either contract runs from one package. */
  readonly sameFiles: boolean;
  /** Whether this is the library's default agent, whose bundle for each runtime ships with the package. */
  readonly defaultAgent: boolean;
}

/**
 * Agent code that either runtime can run: the same files, with an entrypoint per runtime.
 */
export abstract class AgentCode {
  /**
   * A directory of ready-to-run Node.js code (bundled, or with its `node_modules`).
   */
  public static fromNodejsDirectory(directory: string, entrypoints: AgentCodeEntrypoints = {}): AgentCode {
    return new DirectoryAgentCode(AgentCodeLanguage.NODEJS, directory, directory, entrypoints);
  }

  /**
   * A directory of Python code with its dependencies vendored in (nothing is installed at synth).
   */
  public static fromPythonDirectory(directory: string, entrypoints: AgentCodeEntrypoints = {}): AgentCode {
    return new DirectoryAgentCode(AgentCodeLanguage.PYTHON, directory, directory, entrypoints);
  }

  /**
   * TypeScript entries bundled into one ESM file each with the esbuild found in the app's
   * `node_modules` (install it with `npm i -D esbuild`).
   */
  public static fromTypeScriptEntry(options: TypeScriptEntryOptions): AgentCode {
    return new TypeScriptAgentCode(options);
  }

  /**
   * An image in an ECR repository. On AgentCore it must be ARM64 and serve port 8080.
   */
  public static fromEcrImage(repository: ecr.IRepository, tag: string = 'latest', options: AgentCodeImageOptions = {}): AgentCode {
    return new EcrImageAgentCode(repository, tag, options);
  }

  /**
   * An image built from a local Dockerfile directory at deploy time (needs Docker where `cdk deploy` runs).
   */
  public static fromDockerDirectory(directory: string, options: AgentCodeImageOptions = {}): AgentCode {
    return new DockerDirectoryAgentCode(directory, options);
  }

  /**
   * The language of the code, or undefined for images.
   */
  public abstract readonly language?: AgentCodeLanguage;

  /**
   * Whether the code is a container image.
   */
  public abstract readonly isImage: boolean;

  /**
   * The file AgentCore starts, for code given as files; also used for a prebuilt ZIP in S3
   * (`codeBucket`/`codeKey`) of the same code.
   */
  public abstract readonly agentCoreEntrypoint?: string;

  /**
   * Called by a Lambda runtime to get its code.
   */
  public abstract bindForLambda(scope: Construct): LambdaCodeConfig;

  /**
   * Called by an AgentCore runtime to get its code.
   */
  public abstract bindForAgentCore(scope: Construct): AgentCoreCodeConfig;

  /**
   * What a local run needs to know about the code.
   *
   * @internal
   */
  public _runInfo(): AgentCodeRunInfo {
    return this.isImage
      ? { kind: 'image', sameFiles: false, defaultAgent: false }
      : { kind: 'files', language: this.language, agentCoreEntrypoint: this.agentCoreEntrypoint, sameFiles: false, defaultAgent: false };
  }
}

function requireDirectory(directory: string, runtimeType: AgentRuntimeType): void {
  if (typeof directory !== 'string' || !fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) {
    throw new InvalidRuntimeConfigError(runtimeType, `agent code directory '${directory}' does not exist or is not a directory`, 'code');
  }
}

/** Module file extensions Lambda's runtime tries for a handler, by language. */
const HANDLER_EXTENSIONS: Record<AgentCodeLanguage, string[]> = {
  [AgentCodeLanguage.NODEJS]: ['.js', '.mjs', '.cjs'],
  [AgentCodeLanguage.PYTHON]: ['.py'],
};

/**
 * The file a Lambda handler names, as each runtime reads it: Node.js takes the module up to the
 * first dot (`index.nested.handler` is export `nested.handler` of `index`); Python imports the
 * dotted module before the last dot (`pkg.main.handler` is `pkg/main.py`).
 */
function handlerModule(handler: string, language: AgentCodeLanguage): string {
  if (language === AgentCodeLanguage.PYTHON) {
    return handler.slice(0, Math.max(handler.lastIndexOf('.'), 0)).replace(/\./g, '/');
  }
  return handler.slice(0, Math.max(handler.indexOf('.'), 0));
}

/**
 * The entrypoint must be in the directory: otherwise the code deploys and every invocation fails
 * with the runtime's "cannot find module" error.
 */
function requireEntrypointFile(directory: string, candidates: string[], runtimeType: AgentRuntimeType, field: string): void {
  if (!candidates.some((file) => fs.existsSync(path.join(directory, file)))) {
    throw new InvalidRuntimeConfigError(runtimeType,
      `${field}: '${directory}' has no ${candidates.join(' or ')}; allowed: a directory holding its entrypoint (set entrypoints.lambdaHandler / entrypoints.agentCoreEntrypoint if it has another name)`,
      field);
  }
}

/**
 * Code as files. The Lambda and AgentCore directories are the same for user code; the
 * default agent ships one bundle per entrypoint, hence two paths.
 */
export class DirectoryAgentCode extends AgentCode {
  public readonly isImage = false;
  public readonly agentCoreEntrypoint?: string;

  constructor(
    public readonly language: AgentCodeLanguage,
    private readonly lambdaDirectory: string,
    /** The directory packaged for AgentCore (agents merge layer directories into a copy of it). */
    public readonly agentCoreDirectory: string,
    private readonly entrypoints: AgentCodeEntrypoints,
    /** Whether this is the library's default agent. */
    private readonly defaultAgent: boolean = false,
  ) {
    super();
    this.agentCoreEntrypoint = entrypoints.agentCoreEntrypoint ?? (language === AgentCodeLanguage.PYTHON ? 'main.py' : 'index.js');
  }

  /** @internal */
  public _runInfo(): AgentCodeRunInfo {
    return {
      kind: 'files',
      language: this.language,
      lambdaHandler: this.lambdaHandler,
      agentCoreEntrypoint: this.agentCoreEntrypoint,
      sameFiles: this.lambdaDirectory === this.agentCoreDirectory,
      defaultAgent: this.defaultAgent,
    };
  }

  private get lambdaHandler(): string {
    return this.entrypoints.lambdaHandler ?? (this.language === AgentCodeLanguage.PYTHON ? 'main.handler' : 'index.handler');
  }

  public bindForLambda(_scope: Construct): LambdaCodeConfig {
    requireDirectory(this.lambdaDirectory, AgentRuntimeType.LAMBDA);
    const python = this.language === AgentCodeLanguage.PYTHON;
    const handler = this.lambdaHandler;
    requireEntrypointFile(this.lambdaDirectory, HANDLER_EXTENSIONS[this.language].map((ext) => `${handlerModule(handler, this.language)}${ext}`),
      AgentRuntimeType.LAMBDA, 'code (entrypoints.lambdaHandler)');
    return {
      code: lambda.Code.fromAsset(this.lambdaDirectory),
      handler,
      runtime: python ? lambda.Runtime.PYTHON_3_13 : lambda.Runtime.NODEJS_22_X,
    };
  }

  public bindForAgentCore(scope: Construct): AgentCoreCodeConfig {
    requireDirectory(this.agentCoreDirectory, AgentRuntimeType.AGENTCORE);
    requireEntrypointFile(this.agentCoreDirectory, [this.agentCoreEntrypoint!], AgentRuntimeType.AGENTCORE, 'code (entrypoints.agentCoreEntrypoint)');
    const python = this.language === AgentCodeLanguage.PYTHON;
    return {
      codeAsset: new s3Assets.Asset(scope, 'CodeAsset', { path: this.agentCoreDirectory }),
      runtime: python ? AgentCoreRuntime.PYTHON_3_13 : AgentCoreRuntime.NODE_22,
      entrypoint: [this.agentCoreEntrypoint!],
    };
  }
}

/**
 * Bundles with esbuild in-process; fails the synth with a clear error rather than falling back to Docker.
 */
class EsbuildLocalBundling implements ILocalBundling {
  constructor(private readonly entry: string, private readonly runtimeType: AgentRuntimeType) {}

  public tryBundle(outputDir: string): boolean {
    bundleTypeScriptEntry(this.entry, outputDir, this.runtimeType);
    return true;
  }
}

class TypeScriptAgentCode extends AgentCode {
  public readonly language?: AgentCodeLanguage = AgentCodeLanguage.NODEJS;
  public readonly isImage = false;
  public readonly agentCoreEntrypoint?: string = 'index.js';

  constructor(private readonly options: TypeScriptEntryOptions) {
    super();
  }

  public bindForLambda(_scope: Construct): LambdaCodeConfig {
    const entry = this.entry(this.options.lambdaEntry, AgentRuntimeType.LAMBDA, 'lambdaEntry');
    return {
      code: lambda.Code.fromAsset(path.dirname(entry), this.bundlingOptions(entry, AgentRuntimeType.LAMBDA)),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
    };
  }

  public bindForAgentCore(scope: Construct): AgentCoreCodeConfig {
    const entry = this.entry(this.options.agentCoreEntry, AgentRuntimeType.AGENTCORE, 'agentCoreEntry');
    return {
      codeAsset: new s3Assets.Asset(scope, 'CodeAsset', {
        path: path.dirname(entry),
        ...this.bundlingOptions(entry, AgentRuntimeType.AGENTCORE),
      }),
      runtime: AgentCoreRuntime.NODE_22,
      entrypoint: ['index.js'],
    };
  }

  private entry(entry: string | undefined, runtimeType: AgentRuntimeType, field: string): string {
    if (entry === undefined) {
      throw new InvalidRuntimeConfigError(runtimeType, `AgentCode.fromTypeScriptEntry needs '${field}' to run on ${runtimeType}`, field);
    }
    if (!fs.existsSync(entry)) {
      throw new InvalidRuntimeConfigError(runtimeType, `${field} '${entry}' does not exist`, field);
    }
    return path.resolve(entry);
  }

  private bundlingOptions(entry: string, runtimeType: AgentRuntimeType) {
    return {
      // The hash of the bundle, not of the entry's directory (which may hold node_modules).
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Required by the type but never pulled: local bundling always succeeds or throws.
        image: DockerImage.fromRegistry('local-esbuild-only'),
        local: new EsbuildLocalBundling(entry, runtimeType),
      },
    };
  }
}

const ECR_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([a-z0-9._\/-]+)[:@]\S+$/;

/**
 * The repository an image URI points into, for a pull grant scoped to it.
 */
export function repositoryFromImageUri(scope: Construct, id: string, imageUri: string): ecr.IRepository {
  const match = Token.isUnresolved(imageUri) ? null : ECR_URI.exec(imageUri);
  if (!match) {
    throw new InvalidRuntimeConfigError(
      AgentRuntimeType.AGENTCORE,
      `runtime.config.imageUri '${imageUri}' is not an ECR image URI; expected {account}.dkr.ecr.{region}.amazonaws.com/{repository}:{tag} (for a repository known only at deploy time, use AgentCode.fromEcrImage)`,
      'runtime.config.imageUri',
    );
  }
  const [, account, region, cn, repositoryName] = match;
  const partition = cn ? 'aws-cn' : Stack.of(scope).partition;
  return ecr.Repository.fromRepositoryAttributes(scope, id, {
    repositoryName,
    repositoryArn: `arn:${partition}:ecr:${region}:${account}:repository/${repositoryName}`,
  });
}

class EcrImageAgentCode extends AgentCode {
  public readonly language?: AgentCodeLanguage = undefined;
  public readonly isImage = true;
  public readonly agentCoreEntrypoint?: string = undefined;

  constructor(
    private readonly repository: ecr.IRepository,
    private readonly tag: string,
    private readonly options: AgentCodeImageOptions,
  ) {
    super();
  }

  public bindForLambda(_scope: Construct): LambdaCodeConfig {
    return {
      code: lambda.Code.fromEcrImage(this.repository, { tagOrDigest: this.tag, cmd: this.options.lambdaCmd }),
      handler: lambda.Handler.FROM_IMAGE,
      runtime: lambda.Runtime.FROM_IMAGE,
    };
  }

  public bindForAgentCore(_scope: Construct): AgentCoreCodeConfig {
    return { imageUri: this.repository.repositoryUriForTagOrDigest(this.tag), imageRepository: this.repository };
  }
}

class DockerDirectoryAgentCode extends AgentCode {
  public readonly language?: AgentCodeLanguage = undefined;
  public readonly isImage = true;
  public readonly agentCoreEntrypoint?: string = undefined;

  constructor(private readonly directory: string, private readonly options: AgentCodeImageOptions) {
    super();
  }

  public bindForLambda(_scope: Construct): LambdaCodeConfig {
    requireDirectory(this.directory, AgentRuntimeType.LAMBDA);
    return {
      code: lambda.Code.fromAssetImage(this.directory, { cmd: this.options.lambdaCmd }),
      handler: lambda.Handler.FROM_IMAGE,
      runtime: lambda.Runtime.FROM_IMAGE,
    };
  }

  public bindForAgentCore(scope: Construct): AgentCoreCodeConfig {
    requireDirectory(this.directory, AgentRuntimeType.AGENTCORE);
    // AgentCore runs ARM64 only.
    const asset = new ecrAssets.DockerImageAsset(scope, 'ImageAsset', {
      directory: this.directory,
      platform: ecrAssets.Platform.LINUX_ARM64,
    });
    return { imageUri: asset.imageUri, imageRepository: asset.repository };
  }
}
