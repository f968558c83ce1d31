export { AgentErrors } from './agent-errors';
export { AgentCoreInvocation } from './agentcore-invocation';
export { AgentCoreRelay } from './agentcore-relay';
export { AgentTaskBindOptions, AgentTaskConfig } from './agent-task';
export { InvokeAgent, InvokeAgentOptions, InvokeAgentProps } from './invoke-agent';
export { AgenticDocumentProcessing, AgenticDocumentProcessingProps, AgentStepOptions } from './document-processing';
