export { BedrockModel, InferenceProfileGeo, CrossRegionInferenceProfileOptions } from './bedrock-model';
export { AgentDefinitionProps, AgentToolLocation } from './agent-definition';
export { AgentLayer } from './agent-layer';
export { DocumentSource } from './document-source';
export { LogGroupDataProtectionProps } from './observability';
export { BaseAgent, BaseAgentProps } from './base-agent';
export { BatchAgent, BatchAgentProps } from './batch-agent';
