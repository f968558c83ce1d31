import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AgentRuntimeType } from 'agentic-ai-framework';
import { InteractiveAgentStack } from './stack';

// Context (validateAgainstDefaultRules) comes from cdk.json. The same agent, one stack per runtime:
// deploy the one you want (`npx cdk deploy ChatOnLambda` or `ChatOnAgentCore`).
const app = new App();
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
// The page's origin: `-c allowedOrigin=https://chat.example.com` for a hosted page.
const allowedOrigin = (app.node.tryGetContext('allowedOrigin') as string | undefined) ?? 'http://localhost:8080';
new InteractiveAgentStack(app, 'ChatOnLambda', { env, runtimeType: AgentRuntimeType.LAMBDA, allowedOrigin });
new InteractiveAgentStack(app, 'ChatOnAgentCore', { env, runtimeType: AgentRuntimeType.AGENTCORE, allowedOrigin });
// cdk-nag's AWS Solutions rules: an unacknowledged finding fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
