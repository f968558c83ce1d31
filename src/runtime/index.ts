export { AgentRuntimeType, AgentCoreDeploymentMethod } from './runtime-type';
export { AgentRuntimeError, AgentRuntimeErrors, InvalidBedrockModelError, InvalidRuntimeConfigError, RuntimeInvocationError } from './errors';
export { BaseRuntimeConfig, LambdaRuntimeConfig, AgentCoreRuntimeConfig, AgentRuntimeConfig } from './config';
export { AgentNetwork } from './network';
export {
  AgentCode, AgentCodeLanguage, AgentCodeEntrypoints, TypeScriptEntryOptions, AgentCodeImageOptions,
  LambdaCodeConfig, AgentCoreCodeConfig,
} from './agent-code';
export { CommonAgentProps } from './common-props';
export { IAgentRuntime } from './agent-runtime';
export { LambdaAgentRuntime, LambdaAgentRuntimeProps } from './lambda-runtime';
export { AgentCoreAgentRuntime, AgentCoreAgentRuntimeProps } from './agentcore-runtime';
export { AgentRuntimeFactory } from './runtime-factory';
