/**
 * A service the foundation's execution role trusts (may assume it).
 */
export enum FoundationTrustedService {
  /**
   * Amazon Bedrock AgentCore Runtime (`bedrock-agentcore.amazonaws.com`), which assumes the role
   * to run agents. Trusted only for this account (`aws:SourceAccount`) and its AgentCore
   * resources in this Region (`aws:SourceArn`).
   */
  BEDROCK_AGENTCORE = 'BEDROCK_AGENTCORE',

  /**
   * Amazon Bedrock (`bedrock.amazonaws.com`), for agents run by Bedrock itself. Trusted only for
   * this account (`aws:SourceAccount`) and its Bedrock resources in this Region (`aws:SourceArn`).
   */
  BEDROCK = 'BEDROCK',

  /**
   * AWS Lambda (`lambda.amazonaws.com`), so functions being migrated to AgentCore can keep running
   * with the same role. Lambda sets no source context when it assumes an execution role, so this
   * trust carries no condition; `iam:PassRole` on the role is what limits who can use it.
   */
  LAMBDA = 'LAMBDA',
}
