import * as path from 'path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import { AgentRuntimeType, ChatAuth, InteractiveAgent } from 'agentic-ai-framework';
import { acknowledgeInteractiveAgentFindings } from '../nag-acknowledgements';

export interface InteractiveAgentStackProps extends StackProps {
  /** The runtime the agent runs on; the rest of the stack is the same. */
  readonly runtimeType: AgentRuntimeType;
  /** The origin the chat page is served from. */
  readonly allowedOrigin: string;
}

/**
 * A travel assistant to chat with: answers stream to the browser, each user's conversations are
 * kept 30 days and can be resumed, listed and deleted. Users sign in with a Cognito user pool
 * (created here, self sign-up off: an administrator invites them).
 */
export class InteractiveAgentStack extends Stack {
  public readonly agent: InteractiveAgent;

  constructor(scope: Construct, id: string, props: InteractiveAgentStackProps) {
    super(scope, id, props);
    const onAgentCore = props.runtimeType === AgentRuntimeType.AGENTCORE;
    this.agent = new InteractiveAgent(this, 'Assistant', {
      agentName: onAgentCore ? 'chat-agentcore' : 'chat-lambda',
      agentDefinition: {
        systemPrompt: new s3Assets.Asset(this, 'SystemPrompt', { path: path.join(__dirname, 'prompt.txt') }),
        tools: [new s3Assets.Asset(this, 'CurrencyTool', { path: path.join(__dirname, 'tools', 'currency_lookup.mjs') })],
      },
      runtime: onAgentCore
        // An idle session keeps its microVM (and bills its memory) until this timeout.
        ? { type: AgentRuntimeType.AGENTCORE, config: { idleSessionTimeout: Duration.minutes(10) } }
        : { type: AgentRuntimeType.LAMBDA, config: { timeout: Duration.minutes(5) } },
      auth: ChatAuth.cognito(),
      cors: { allowedOrigins: [props.allowedOrigin] },
      sessionTtl: Duration.days(30),
      conversationWindow: 40,
    });
    acknowledgeInteractiveAgentFindings(this.agent);

    new CfnOutput(this, 'ApiUrl', { value: this.agent.apiUrl, description: 'createChatClient({ endpoint: <this> })' });
    new CfnOutput(this, 'UserPoolId', { value: this.agent.userPool!.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.agent.userPoolClients![0].userPoolClientId });
    if (onAgentCore) {
      new CfnOutput(this, 'AgentRuntimeArn', { value: this.agent.runtime.invocationArn, description: "createChatClient({ agentRuntimeArn: <this>, region, qualifier: 'live' }) for direct calls" });
    }
  }
}
