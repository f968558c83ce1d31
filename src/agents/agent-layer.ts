import * as fs from 'fs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { AgentRuntimeType } from '../runtime/runtime-type';
import { InvalidRuntimeConfigError } from '../runtime/errors';

/**
 * Extra code or dependencies for an agent, in the shape of a Lambda layer.
 *
 * On Lambda it becomes a layer of the function. AgentCore has no layers: a layer built from a local
 * directory is merged into the agent's code package instead, and a layer known only by its ARN is
 * rejected, because its contents cannot be read at synth.
 */
export abstract class AgentLayer {
  /**
   * A layer built from a local directory laid out as a Lambda layer: `nodejs/node_modules/...`
   * for Node.js, `python/...` for Python. On AgentCore the contents of `nodejs/` or `python/` are
   * copied into the root of the code package.
   */
  public static fromDirectory(directory: string): AgentLayer {
    return new DirectoryAgentLayer(directory);
  }

  /**
   * An existing layer version, by ARN. Lambda only.
   */
  public static fromLayerVersionArn(layerVersionArn: string): AgentLayer {
    return new ArnAgentLayer(layerVersionArn);
  }

  /**
   * The local directory of the layer, when it is built from one.
   */
  public abstract readonly directory?: string;

  /**
   * Returns the layer version for a Lambda function.
   */
  public abstract bindForLambda(scope: Construct, id: string): lambda.ILayerVersion;
}

class DirectoryAgentLayer extends AgentLayer {
  constructor(public readonly directory: string) {
    super();
  }

  public bindForLambda(scope: Construct, id: string): lambda.ILayerVersion {
    if (!fs.existsSync(this.directory) || !fs.statSync(this.directory).isDirectory()) {
      throw new InvalidRuntimeConfigError(AgentRuntimeType.LAMBDA, `layer directory '${this.directory}' does not exist or is not a directory`, 'agentDefinition.lambdaLayers');
    }
    return new lambda.LayerVersion(scope, id, {
      code: lambda.Code.fromAsset(this.directory),
      compatibleArchitectures: [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
      description: 'Agent layer',
    });
  }
}

class ArnAgentLayer extends AgentLayer {
  public readonly directory?: string = undefined;

  constructor(private readonly layerVersionArn: string) {
    super();
  }

  public bindForLambda(scope: Construct, id: string): lambda.ILayerVersion {
    return lambda.LayerVersion.fromLayerVersionArn(scope, id, this.layerVersionArn);
  }

  public toString(): string {
    return this.layerVersionArn;
  }
}
