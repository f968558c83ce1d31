import { Construct } from 'constructs';
import { validateBatchAgentProps } from './agent-props-validation';
import { BaseAgent, BaseAgentProps } from './base-agent';

/**
 * Properties of a `BatchAgent`.
 */
export interface BatchAgentProps extends BaseAgentProps {
  /**
   * The task the agent performs on each input (`PROMPT`).
   */
  readonly prompt: string;

  /**
   * Whether the agent answers with JSON, which it then parses (`EXPECT_JSON`).
   *
   * @default false
   */
  readonly expectJson?: boolean;
}

/**
 * An agent that performs one task per invocation (a document, a record) and returns the result:
 * the unit a Step Functions workflow calls. Runs on Lambda (default) or AgentCore.
 */
export class BatchAgent extends BaseAgent {
  constructor(scope: Construct, id: string, props: BatchAgentProps) {
    validateBatchAgentProps(props);
    super(scope, id, props);
    this.runtime.addEnvironment('INVOKE_TYPE', 'batch');
    this.runtime.addEnvironment('PROMPT', props.prompt);
    this.runtime.addEnvironment('EXPECT_JSON', props.expectJson ? 'true' : 'false');
  }
}
