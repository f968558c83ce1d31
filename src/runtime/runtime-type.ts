// No imports on purpose: the default agent's bundle includes this file and errors.ts.

/**
 * Where an agent runs.
 */
export enum AgentRuntimeType {
  /**
   * AWS Lambda (the default): event-driven, up to 15 minutes per invocation.
   */
  LAMBDA = 'LAMBDA',

  /**
   * Amazon Bedrock AgentCore Runtime: HTTP contract, sessions of up to 8 hours,
   * consumption-based pricing, isolated microVM per session.
   */
  AGENTCORE = 'AGENTCORE',
}

/**
 * How agent code reaches an AgentCore runtime.
 */
export enum AgentCoreDeploymentMethod {
  /**
   * An ARM64 container image in Amazon ECR, or built from a local Dockerfile directory.
   */
  CONTAINER = 'CONTAINER',

  /**
   * A ZIP archive in Amazon S3 run by a managed runtime (`NODE_22`, `PYTHON_3_10`…`PYTHON_3_14`).
   * No Docker needed.
   */
  DIRECT_CODE = 'DIRECT_CODE',
}
