import { Construct } from 'constructs';
import { IAgentRuntime } from './agent-runtime';
import { AgentCoreAgentRuntime } from './agentcore-runtime';
import { CommonAgentProps } from './common-props';
import { AgentCoreRuntimeConfig, AgentRuntimeConfig, LambdaRuntimeConfig } from './config';
import { InvalidRuntimeConfigError } from './errors';
import { requireObject } from './input-checks';
import { LambdaAgentRuntime } from './lambda-runtime';
import { AgentRuntimeType } from './runtime-type';

/**
 * Creates the runtime an `AgentRuntimeConfig` asks for.
 */
export class AgentRuntimeFactory {
  /**
   * Creates a `LambdaAgentRuntime` (id `${id}Lambda`) or an `AgentCoreAgentRuntime` (id `${id}AgentCore`).
   *
   * @throws InvalidRuntimeConfigError when the type is unknown or the configuration invalid
   */
  public static create(scope: Construct, id: string, runtimeConfig: AgentRuntimeConfig, commonProps: CommonAgentProps): IAgentRuntime {
    requireObject(AgentRuntimeType.LAMBDA, 'runtime', runtimeConfig, `an AgentRuntimeConfig {type: ${Object.values(AgentRuntimeType).join(' or ')}, config?}`);
    switch (runtimeConfig.type) {
      case AgentRuntimeType.LAMBDA:
        return new LambdaAgentRuntime(scope, `${id}Lambda`, { ...commonProps, config: runtimeConfig.config as LambdaRuntimeConfig | undefined });
      case AgentRuntimeType.AGENTCORE:
        return new AgentCoreAgentRuntime(scope, `${id}AgentCore`, { ...commonProps, config: runtimeConfig.config as AgentCoreRuntimeConfig | undefined });
      default:
        throw new InvalidRuntimeConfigError(
          runtimeConfig.type,
          `runtime.type '${String(runtimeConfig.type)}' is not supported; allowed: ${Object.values(AgentRuntimeType).join(', ')}`,
          'runtime.type',
        );
    }
  }

  private constructor() {}
}
