/**
 * How a Step Functions step calls an agent that runs on AgentCore Runtime.
 */
export abstract class AgentCoreInvocation {
  /**
   * Through the stack's relay function (Node.js 22, ARM64; one per stack), which calls
   * `InvokeAgentRuntime`, reads the whole answer and returns the agent's JSON or fails with the
   * `AgentErrors` names. The step's output and errors are then the same as on Lambda. Bounded by
   * Lambda's 15 minutes; longer runs use `IntegrationPattern.WAIT_FOR_TASK_TOKEN`.
   */
  public static relay(): AgentCoreInvocation {
    return new RelayInvocation();
  }

  /**
   * Through Step Functions' AWS SDK integration (`aws-sdk:bedrockagentcore:invokeAgentRuntime`),
   * with no function: for short, request-response calls only. Step Functions returns the body as
   * a string, which the step parses, but a JSONPath state cannot unwrap it further: the result is
   * `{ response: { result, metadata } }`, and failures keep the service's names
   * (`BedrockAgentCore.ThrottlingException`, ...) instead of `AgentErrors`. The time limit of this
   * integration is not documented (AWS samples report 60 seconds and 15 minutes).
   */
  public static sdkIntegration(): AgentCoreInvocation {
    return new SdkIntegrationInvocation();
  }

  /**
   * Whether the step calls the AgentCore API directly instead of through the relay.
   */
  public abstract readonly direct: boolean;
}

class RelayInvocation extends AgentCoreInvocation {
  public readonly direct = false;
}

class SdkIntegrationInvocation extends AgentCoreInvocation {
  public readonly direct = true;
}
