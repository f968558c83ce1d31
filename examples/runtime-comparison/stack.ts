import * as path from 'path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import {
  AgentCoreAgentRuntime, AgentRuntimeType, BatchAgent, BedrockModel, InferenceProfileGeo, LambdaAgentRuntime, type AgentDefinitionProps,
} from 'agentic-ai-framework';
import { acknowledgeAgentFindings, acknowledgeInvokerFindings } from '../nag-acknowledgements';

/**
 * One agent definition on both runtimes side by side: the only difference is `runtime`.
 * Both agents share the prompt and tool assets and the stack's one KMS key.
 */
export class RuntimeComparisonStack extends Stack {
  public readonly onLambda: BatchAgent;
  public readonly onAgentCore: BatchAgent;
  public readonly caller: iam.Role;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);

    const agentDefinition: AgentDefinitionProps = {
      bedrockModel: BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.US, 'anthropic.claude-sonnet-4-20250514-v1:0'),
      systemPrompt: new s3Assets.Asset(this, 'SystemPrompt', { path: path.join(__dirname, 'prompt.txt') }),
      tools: [new s3Assets.Asset(this, 'CurrencyTool', { path: path.join(__dirname, 'tools', 'currency_lookup.mjs') })],
    };
    const common = { agentDefinition, prompt: 'Extract the invoice fields as JSON.', expectJson: true };

    this.onLambda = new BatchAgent(this, 'OnLambda', {
      ...common,
      agentName: 'invoices-lambda',
      runtime: { type: AgentRuntimeType.LAMBDA, config: { timeout: Duration.minutes(15) } },
    });
    this.onAgentCore = new BatchAgent(this, 'OnAgentCore', {
      ...common,
      agentName: 'invoices-agentcore',
      runtime: { type: AgentRuntimeType.AGENTCORE, config: { timeout: Duration.hours(2) } },
    });

    // A caller allowed to invoke both: lambda:InvokeFunction and bedrock-agentcore:InvokeAgentRuntime.
    this.caller = new iam.Role(this, 'Caller', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Invokes the invoice agent on either runtime',
    });
    this.onLambda.grantInvoke(this.caller);
    this.onAgentCore.grantInvoke(this.caller);

    acknowledgeAgentFindings(this.onLambda);
    acknowledgeAgentFindings(this.onAgentCore);
    acknowledgeInvokerFindings(this.caller, [this.onLambda, this.onAgentCore]);

    // What a caller needs after `cdk deploy` (see README.md): what to invoke on each runtime, the logs, the caller role.
    const onLambda = this.onLambda.runtime as LambdaAgentRuntime;
    const onAgentCore = this.onAgentCore.runtime as AgentCoreAgentRuntime;
    new CfnOutput(this, 'LambdaFunctionName', { value: onLambda.agentFunction.functionName, description: 'aws lambda invoke --function-name <this>' });
    new CfnOutput(this, 'LambdaFunctionArn', { value: onLambda.agentFunction.functionArn, description: 'The Lambda agent\'s function' });
    new CfnOutput(this, 'LambdaLogGroupName', { value: onLambda.logGroup.logGroupName, description: 'aws logs tail <this> --follow' });
    new CfnOutput(this, 'AgentCoreRuntimeArn', { value: onAgentCore.agentCoreAgent.attrAgentRuntimeArn, description: 'aws bedrock-agentcore invoke-agent-runtime --agent-runtime-arn <this>' });
    new CfnOutput(this, 'AgentCoreRuntimeId', { value: onAgentCore.agentCoreAgent.attrAgentRuntimeId, description: 'The AgentCore runtime id' });
    new CfnOutput(this, 'AgentCoreEndpointName', { value: onAgentCore.endpointName, description: 'The qualifier to invoke with (--qualifier <this>)' });
    new CfnOutput(this, 'AgentCoreLogGroupName', { value: onAgentCore.logGroup.logGroupName, description: 'aws logs tail <this> --follow' });
    new CfnOutput(this, 'CallerRoleArn', { value: this.caller.roleArn, description: 'A role allowed to invoke both agents' });
    new CfnOutput(this, 'EncryptionKeyArn', { value: this.onLambda.encryptionKey.keyArn, description: 'The stack\'s KMS key (retained on cdk destroy)' });
  }
}
