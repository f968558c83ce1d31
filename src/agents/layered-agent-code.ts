import * as fs from 'fs';
import * as path from 'path';
import { AssetHashType, DockerImage, ILocalBundling } from 'aws-cdk-lib';
import { AgentCoreRuntime } from 'aws-cdk-lib/aws-bedrockagentcore';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { AgentCode, AgentCodeLanguage, AgentCodeRunInfo, AgentCoreCodeConfig, DirectoryAgentCode, LambdaCodeConfig } from '../runtime/agent-code';
import { InvalidRuntimeConfigError } from '../runtime/errors';
import { AgentRuntimeType } from '../runtime/runtime-type';

/**
 * Copies the code directory, then each layer's language folder (`nodejs/`, `python/`) over it, so
 * `nodejs/node_modules/x` lands in `node_modules/x` and `python/x` in the root, where the runtime finds them.
 */
class MergeLayersBundling implements ILocalBundling {
  constructor(private readonly codeDirectory: string, private readonly layerDirectories: string[], private readonly language: AgentCodeLanguage) {}

  public tryBundle(outputDir: string): boolean {
    fs.cpSync(this.codeDirectory, outputDir, { recursive: true });
    const folder = this.language === AgentCodeLanguage.PYTHON ? 'python' : 'nodejs';
    for (const layer of this.layerDirectories) {
      const source = fs.existsSync(path.join(layer, folder)) ? path.join(layer, folder) : layer;
      fs.cpSync(source, outputDir, { recursive: true, force: false, errorOnExist: false });
    }
    return true;
  }
}

/**
 * Agent code given as a directory, with layer directories merged into its AgentCore package.
 * On Lambda it is the code unchanged (the layers are attached as layers).
 */
export class LayeredAgentCode extends AgentCode {
  public readonly isImage = false;
  public readonly language?: AgentCodeLanguage;
  public readonly agentCoreEntrypoint?: string;

  constructor(private readonly inner: DirectoryAgentCode, private readonly layerDirectories: string[]) {
    super();
    this.language = inner.language;
    this.agentCoreEntrypoint = inner.agentCoreEntrypoint;
  }

  public bindForLambda(scope: Construct): LambdaCodeConfig {
    return this.inner.bindForLambda(scope);
  }

  /** @internal */
  public _runInfo(): AgentCodeRunInfo {
    return this.inner._runInfo();
  }

  public bindForAgentCore(scope: Construct): AgentCoreCodeConfig {
    const directory = this.inner.agentCoreDirectory;
    if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) {
      throw new InvalidRuntimeConfigError(AgentRuntimeType.AGENTCORE, `agent code directory '${directory}' does not exist or is not a directory`, 'code');
    }
    for (const layer of this.layerDirectories) {
      if (!fs.existsSync(layer) || !fs.statSync(layer).isDirectory()) {
        throw new InvalidRuntimeConfigError(AgentRuntimeType.AGENTCORE, `layer directory '${layer}' does not exist or is not a directory`, 'agentDefinition.lambdaLayers');
      }
    }
    return {
      runtime: this.language === AgentCodeLanguage.PYTHON ? AgentCoreRuntime.PYTHON_3_13 : AgentCoreRuntime.NODE_22,
      entrypoint: [this.agentCoreEntrypoint!],
      codeAsset: new s3Assets.Asset(scope, 'CodeAsset', {
        path: directory,
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Required by the type but never pulled: local bundling always succeeds or throws.
          image: DockerImage.fromRegistry('local-copy-only'),
          local: new MergeLayersBundling(directory, this.layerDirectories, this.inner.language),
        },
      }),
    };
  }
}
