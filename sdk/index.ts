// `agentic-ai-framework/sdk`: helpers for TypeScript programs (not part of the jsii API).
export {
  ENVIRONMENT_PATTERN,
  InvalidRuntimeFoundationEnvironmentError,
  InvalidRuntimeFoundationParameterError,
  MissingRuntimeFoundationParametersError,
  readRuntimeFoundationParameters,
  runtimeFoundationParameterNames,
  RuntimeFoundationParametersError,
  type ReadRuntimeFoundationParametersOptions,
  type RuntimeFoundationParameters,
} from './runtime-parameters';
