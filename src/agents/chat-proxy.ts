import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ChatAuthType } from './chat-auth';
import { ChatFrontDoorBindOptions, ChatFrontDoorConfig } from './chat-front-door';
import { libraryFunction } from '../workflow/library-function';

/** The package's `assets/chat-proxy` directory (`index.mjs`, handler `index.handler`), bundled at build time. */
const CHAT_PROXY_ASSETS = path.join(__dirname, '..', '..', 'assets', 'chat-proxy');

/** AgentCore streams a response for up to 60 minutes. */
const AGENTCORE_STREAM_LIMIT = Duration.minutes(60);
/** Lambda's longest run bounds a turn that goes through the proxy. */
const PROXY_TIMEOUT = Duration.minutes(15);

/** @internal */
export interface AgentCoreChatTarget {
  readonly runtimeArn: string;
  readonly endpointName: string;
  readonly maxLifetime: Duration;
}

/**
 * The REST API's way to an AgentCore agent. Browsers cannot call AgentCore's data plane directly: a
 * CORS preflight carries no Authorization header, and the session id travels in a custom header. The
 * proxy streams the agent's events through unchanged. With tokens it forwards the caller's bearer
 * token (the runtime's own authorizer checks it) and needs no permission; with IAM it invokes on
 * behalf of the verified caller, and may invoke this runtime only.
 *
 * @internal
 */
export function agentCoreChatProxy(scope: Construct, target: AgentCoreChatTarget, options: ChatFrontDoorBindOptions): ChatFrontDoorConfig {
  const proxy = new Construct(scope, 'ChatProxy');
  const handler = libraryFunction(proxy, {
    assets: CHAT_PROXY_ASSETS,
    description: 'Streams chat turns from the REST API to an AgentCore agent',
    timeout: PROXY_TIMEOUT,
    encryptionKey: options.encryptionKey,
    removalPolicy: options.removalPolicy,
    environment: {
      ...options.environment,
      AGENT_RUNTIME_ARN: target.runtimeArn,
      AGENT_QUALIFIER: target.endpointName,
    },
  });
  if (options.authType === ChatAuthType.IAM || options.authType === ChatAuthType.NONE) {
    // With IAM the proxy names the verified caller (runtimeUserId), which needs ...ForUser; without
    // authentication there is no one to name.
    const forUser = options.authType === ChatAuthType.IAM ? ['bedrock-agentcore:InvokeAgentRuntimeForUser'] : [];
    handler.addToRolePolicy(new iam.PolicyStatement({
      actions: ['bedrock-agentcore:InvokeAgentRuntime', ...forUser],
      resources: [target.runtimeArn, `${target.runtimeArn}/*`],
    }));
  }
  const turnTimeout = target.maxLifetime.toSeconds() < AGENTCORE_STREAM_LIMIT.toSeconds() ? target.maxLifetime : AGENTCORE_STREAM_LIMIT;
  return { handler, turnTimeout };
}
