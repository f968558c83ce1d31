// The runtime foundation's public API (the CDK counterpart of the "Runtime Module" Terraform module), exported explicitly.
export { AgentCoreRuntimeFoundation, type RuntimeFoundationParameterNames } from './runtime-foundation';
export type { AgentCoreRuntimeFoundationProps } from './runtime-foundation-props';
export { FoundationTrustedService } from './trusted-service';
export { FoundationModelFamily } from './model-family';
export { FoundationGateway, type FoundationGatewayBindOptions, type FoundationGatewayConfig } from './gateway';
export { FoundationMemory, type FoundationMemoryBindOptions, type FoundationMemoryConfig } from './memory';
export { InvalidRuntimeFoundationConfigError } from './errors';
