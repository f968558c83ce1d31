import { CfnResource, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { AgentCoreAgentRuntime, ChatAuthType, LambdaAgentRuntime, type AgenticDocumentProcessing, type BaseAgent, type InteractiveAgent } from 'agentic-ai-framework';

/**
 * The cdk-nag (AwsSolutions) findings an agent raises, acknowledged on the construct that raises
 * them, one rule id at a time, each with its reason. Copy this file with the example.
 */
export function acknowledgeAgentFindings(agent: BaseAgent): void {
  const stack = Stack.of(agent);
  const role = agent.runtime.executionRole;
  // cdk-nag names findings with intrinsics flattened: <AWS::Region> unless the region is concrete.
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const arn = (service: string, resource: string) => `arn:<AWS::Partition>:${service}:${region}:${account}:${resource}`;
  const ack = (resource: string, reason: string) => ({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });

  if (agent.runtime instanceof LambdaAgentRuntime) {
    Validations.of(agent.runtime.agentFunction).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The agent runs on nodejs22.x on purpose: the same bundle runs on AgentCore, whose only Node.js runtime is NODE_22.',
    });
  }
  if (agent.runtime instanceof AgentCoreAgentRuntime) {
    const runtimeLogGroups = `log-group:/aws/bedrock-agentcore/runtimes/${agent.runtime.runtimeName}-*`;
    Validations.of(role).acknowledge(
      ack(arn('logs', runtimeLogGroups),
        'AgentCore writes runtime logs to a group named after the runtime id (/aws/bedrock-agentcore/runtimes/<runtime name>-<generated suffix>-<endpoint>), known only after deployment; the pattern is limited to this runtime\'s name.'),
      ack(arn('logs', `${runtimeLogGroups}:log-stream:*`),
        'Streams of this runtime\'s log groups above, created at run time with generated names.'),
      ack(arn('bedrock-agentcore', `workload-identity-directory/default/workload-identity/${agent.runtime.runtimeName}-*`),
        'The runtime\'s workload identity is named <runtime name>-<generated suffix> by AgentCore; the pattern is limited to this runtime\'s name.'),
    );
  }
  Validations.of(role).acknowledge(
    ack('*', 'Only actions without resource-level permissions use "*": the X-Ray actions, logs:DescribeLogGroups, ec2:Describe* (VPC agents), and cloudwatch:PutMetricData limited to one namespace by a condition.'),
  );
}

/**
 * Findings on a role that may invoke agents: Lambda's grant covers the function's versions and
 * aliases (`<function ARN>:*`), AgentCore's the runtime's endpoints (`<runtime ARN>/*`).
 */
export function acknowledgeInvokerFindings(invoker: IConstruct, agents: BaseAgent[]): void {
  for (const agent of agents) {
    const runtime = agent.runtime;
    const resource = runtime instanceof LambdaAgentRuntime
      ? `<${logicalId(runtime.agentFunction)}.Arn>:*`
      : `<${logicalId((runtime as AgentCoreAgentRuntime).agentCoreAgent)}.AgentRuntimeArn>/*`;
    Validations.of(invoker).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason: runtime instanceof LambdaAgentRuntime
        ? 'Invoking a qualified function (version or alias) needs <function ARN>:*; limited to this agent\'s function.'
        : 'InvokeAgentRuntime is authorized on the runtime and on the endpoint named by the qualifier (<runtime ARN>/runtime-endpoint/<name>); limited to this agent\'s runtime.',
    });
  }
}

/**
 * Findings of a state machine whose steps invoke agents (`InvokeAgent`): Step Functions' logging
 * and tracing permissions, and the stack's AgentCore relay function, if a step uses it.
 */
export function acknowledgeWorkflowFindings(stateMachine: IConstruct): void {
  Validations.of(stateMachine).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'Added by aws-cdk-lib for the state machine\'s logging (logs:*LogDelivery, PutResourcePolicy, Describe*) and X-Ray tracing, actions without resource-level permissions.',
  });
  const relay = Stack.of(stateMachine).node.tryFindChild('AgenticAiFrameworkAgentCoreRelay');
  if (relay !== undefined) {
    Validations.of(relay).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The AgentCore relay is bundled for and tested on nodejs22.x, the runtime of the agents it calls.',
    });
  }
}

/**
 * Findings of an `AgenticDocumentProcessing` workflow, acknowledged on the construct that raises
 * each, with its reason: give it the workflow's agents, and its enrichment and post-processing
 * functions if it has some. The agents' own findings are `acknowledgeAgentFindings`'s.
 */
export function acknowledgeDocumentProcessingFindings(workflow: AgenticDocumentProcessing, agents: readonly BaseAgent[], functions: readonly lambda.IFunction[] = []): void {
  const stack = Stack.of(workflow);
  const objects = (prefix: string) => `AwsSolutions-IAM5[Resource::${nagReference(workflow, workflow.bucket.arnForObjects(`${prefix}*`))}]`;
  Validations.of(workflow.stateMachine.role).acknowledge(
    { id: objects('raw/'), reason: 'The state machine copies and then deletes each uploaded document, whose key the uploader chooses: s3:GetObject, GetObjectTagging and DeleteObject on raw/ of this bucket only.' },
    { id: objects('processed/'), reason: 'The state machine writes each result and moves each document under processed/<documentId>/, known only at run time: s3:PutObject and PutObjectTagging on processed/ of this bucket only.' },
    { id: objects('failed/'), reason: 'The state machine moves a document that failed under failed/<documentId>/, known only at run time: s3:PutObject and PutObjectTagging on failed/ of this bucket only.' },
  );
  for (const fn of functions) {
    Validations.of(workflow.stateMachine.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagReference(workflow, fn.functionArn)}:*]`,
      reason: 'aws-cdk-lib\'s LambdaInvoke grants the function and its versions and aliases (<function ARN>:*); limited to this enrichment or post-processing function.',
    });
  }
  // The state machine's logging and X-Ray permissions (Resource::*), and the stack's AgentCore relay (L1) when a step uses it.
  acknowledgeWorkflowFindings(workflow.stateMachine);
  for (const agent of agents) {
    Validations.of(agent.runtime.executionRole).acknowledge({
      id: objects('raw/'),
      reason: 'The agent reads the documents it is asked to process, uploaded under raw/ with keys the uploaders choose: s3:GetObject on raw/ of this bucket only.',
    });
  }
  if (workflow.node.tryFindChild('Bucket') !== undefined) {
    Validations.of(workflow.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Server access logs need a second bucket; each document\'s journey is recorded in the workflow\'s table and the state machine\'s logs. Pass your own bucket (with access logging) as `bucket` to have them.',
    });
  }
  Validations.of(workflow.consumerFunction).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'The consumer is bundled for and tested on nodejs22.x, like every function of this library.',
  });
  // aws-cdk-lib's singleton function that writes the bucket's notification configuration at deploy time.
  const handler = stack.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
  if (handler !== undefined) {
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'aws-cdk-lib\'s BucketNotificationsHandler, which sets the bucket\'s notification configuration at deploy time, has the basic execution role; its own policy is s3:PutBucketNotification on this bucket only.',
    });
  }
}

/**
 * The findings of an `InteractiveAgent`, acknowledged on the construct that raises each, with its
 * reason: the agent's own (`acknowledgeAgentFindings`), its chat API, the functions in front of it,
 * its session store and, when the agent made it, its user pool. With
 * `ChatAuth.allowUnauthenticatedAccess()` the methods' findings (no authorizer) are left to
 * whoever chose it: an API anyone may call should not pass review by default.
 */
export function acknowledgeInteractiveAgentFindings(agent: InteractiveAgent): void {
  acknowledgeAgentFindings(agent);
  // The chat's parts by their ids under the agent (interactive-agent.ts, chat-api.ts, chat-proxy.ts).
  const part = (...ids: string[]) => ids.reduce<IConstruct | undefined>((scope, id) => scope?.node.tryFindChild(id), agent);
  const functions: Array<[IConstruct | undefined, string]> = [
    [part('ChatApi', 'Sessions', 'Function'), 'The Sessions API'],
    [part('ChatApi', 'TokenAuthorizer', 'Function'), 'The token authorizer'],
    [part('ChatProxy', 'Function'), 'The AgentCore chat proxy'],
  ];
  for (const [fn, what] of functions) {
    if (fn !== undefined) {
      Validations.of(fn).acknowledge({ id: 'AwsSolutions-L1', reason: `${what} is bundled for and tested on nodejs22.x, like every function of this library.` });
    }
  }

  const sessions = `AwsSolutions-IAM5[Resource::${nagReference(agent, agent.sessionBucket.arnForObjects('sessions/*'))}]`;
  Validations.of(agent.runtime.executionRole).acknowledge({
    id: sessions,
    reason: 'Each turn reads and saves its session\'s history under sessions/<user key>/<session id>/, known only at run time: s3:GetObject and PutObject on sessions/ of this agent\'s bucket only.',
  });
  const sessionsRole = part('ChatApi', 'Sessions', 'Role');
  if (sessionsRole !== undefined) {
    Validations.of(sessionsRole).acknowledge({
      id: sessions,
      reason: 'The Sessions API reads and deletes the caller\'s sessions under sessions/<user key>/<session id>/, known only at run time: s3:GetObject and DeleteObject on sessions/ of this agent\'s bucket only.',
    });
  }
  const proxyRole = part('ChatProxy', 'Role');
  if (proxyRole !== undefined && agent.runtime instanceof AgentCoreAgentRuntime) {
    Validations.of(proxyRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId(agent.runtime.agentCoreAgent)}.AgentRuntimeArn>/*]`,
      reason: 'InvokeAgentRuntime(ForUser) is authorized on the runtime and on the endpoint named by the qualifier (<runtime ARN>/runtime-endpoint/<name>); limited to this agent\'s runtime.',
    });
  }
  Validations.of(agent.sessionBucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'Server access logs need a second bucket; the objects are the agent\'s own, written and read by its roles only (CloudTrail data events record them if enabled), and expire with the sessions.',
  });

  Validations.of(agent.api).acknowledge({
    id: 'AwsSolutions-APIG2',
    reason: 'The handlers validate each request themselves (message length, session id pattern) and answer as the chat protocol says, a bad turn being an error event in the stream; a request validator\'s 400 would break that protocol.',
  });
  Validations.of(agent.api.deploymentStage).acknowledge(
    {
      id: 'AwsSolutions-APIG3',
      reason: 'No AWS WAF web ACL is created: its rules and cost are the deployer\'s choice; associate one with the stage (agent.api.deploymentStage.stageArn) to filter or rate-limit callers.',
    },
    {
      id: 'AwsSolutions-APIG6',
      reason: 'No execution logs: at INFO they would record request bodies, the users\' chat messages; the stage has access logs (in an encrypted log group) and X-Ray tracing, and each function logs its requests without their content.',
    },
  );
  // The stack's API Gateway account setting (one per stack), which access logs need.
  const account = Stack.of(agent).node.tryFindChild('AgenticAiFrameworkApiGatewayAccount');
  const cloudWatchRole = account?.node.tryFindChild('CloudWatchRole');
  if (cloudWatchRole !== undefined) {
    Validations.of(cloudWatchRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: 'The AWS managed policy API Gateway documents for the account\'s CloudWatch role, which it assumes to write the stages\' access logs: it may create log groups and streams and put events, kept current by AWS.',
    });
  }
  if (agent.authType !== ChatAuthType.NONE) {
    const reason = agent.authType === ChatAuthType.IAM
      ? 'Callers sign their requests (AWS_IAM authorization) and need execute-api:Invoke on these methods; the user is the verified caller (its Cognito identity id, or its ARN).'
      : 'A TOKEN authorizer verifies the bearer token as the agent does (Cognito access tokens only, or the OIDC issuer\'s tokens for the allowed clients or audiences); Cognito\'s own authorizer would accept ID tokens too.';
    for (const method of agent.api.methods.filter((m) => m.httpMethod !== 'OPTIONS')) {
      Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason });
    }
  }
  const userPool = agent.userPool;
  if (userPool !== undefined && userPool.node.scope === agent) {
    Validations.of(userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason: 'MFA (TOTP) is optional for the users an administrator invites (self sign-up is off); requiring it is the deployer\'s policy: pass your own pool with MFA required as ChatAuth.cognito({ userPool, userPoolClients }).',
      },
      {
        id: 'AwsSolutions-COG8',
        reason: 'Threat protection needs the Cognito Plus feature plan, billed per active user; pass your own pool on that plan as ChatAuth.cognito({ userPool, userPoolClients }) to have it.',
      },
    );
  }
}

/** How cdk-nag names a value in a finding id (its flattenCfnReference): `<Id.Attr>`, `<Ref>`, joins flattened. */
function nagReference(scope: IConstruct, value: string): string {
  const visit = (node: unknown): string => {
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    const o = node as Record<string, unknown>;
    if (o['Fn::Join']) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(visit).join(delimiter);
    }
    if (o['Fn::GetAtt']) {
      const [resource, attribute] = o['Fn::GetAtt'] as [string, string];
      return `<${resource}.${attribute}>`;
    }
    if (o.Ref) return `<${String(o.Ref)}>`;
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}

function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild ?? construct;
  return Stack.of(construct).resolve((resource as CfnResource).logicalId);
}
