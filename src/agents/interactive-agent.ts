import { Annotations, Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BaseAgent, BaseAgentProps } from './base-agent';
import { ChatApi } from './chat-api';
import { ChatAuth, ChatAuthType } from './chat-auth';
import { ChatSessionStore } from './chat-session-store';
import { defaultAgentCode } from './default-agent-code';
import { validateInteractiveAgentProps } from './interactive-agent-validation';
import { AgentCoreRuntimeConfig, AgentRuntimeConfig } from '../runtime/config';
import { AgentRuntimeType } from '../runtime/runtime-type';

const DEFAULT_SESSION_TTL = Duration.days(30);
const DEFAULT_CONVERSATION_WINDOW = 40;

/**
 * Which browser origins may call the chat API.
 */
export interface ChatCorsOptions {
  /**
   * Origins allowed to call the chat API from a browser, e.g. `https://chat.example.com`.
   */
  readonly allowedOrigins: string[];
}

/**
 * Properties of an `InteractiveAgent`.
 */
export interface InteractiveAgentProps extends BaseAgentProps {
  /**
   * Who may chat. The user a session belongs to is the verified token subject (or IAM caller).
   *
   * @default ChatAuth.cognito() - a new user pool with self sign-up off, accepting access tokens
   */
  readonly auth?: ChatAuth;

  /**
   * Browser origins allowed to call the chat API.
   *
   * @default - none: browsers on other origins cannot call it
   */
  readonly cors?: ChatCorsOptions;

  /**
   * How long a session is kept after its last turn, history and index alike (whole days).
   *
   * @default Duration.days(30)
   */
  readonly sessionTtl?: Duration;

  /**
   * How many of a session's most recent messages are kept and sent to the model on each turn (2
   * to 1000); older messages leave the session (a sliding window).
   *
   * @default 40
   */
  readonly conversationWindow?: number;
}

/**
 * A conversational agent that streams its answers and keeps durable, per-user sessions, on Lambda
 * or AgentCore with one wire protocol: `POST {message, sessionId?}` to the chat REST API answers
 * with server-sent events (`session`, `text`, `tool`, `error`, `done`). Sessions (history in S3,
 * an index with a per-session lock in DynamoDB) belong to the authenticated user; the Sessions API
 * lists, reads and deletes them.
 */
export class InteractiveAgent extends BaseAgent {
  /**
   * The chat REST API: `POST /chat`, `GET /sessions`, `GET` and `DELETE /sessions/{sessionId}`.
   */
  public readonly api: apigateway.RestApi;

  /**
   * The bucket holding conversation history, under `sessions/<user>/`.
   */
  public readonly sessionBucket: s3.IBucket;

  /**
   * The session index (partition key `userKey`, sort key `sessionId`).
   */
  public readonly sessionTable: dynamodb.ITable;

  /**
   * How callers authenticate.
   */
  public readonly authType: ChatAuthType;

  /**
   * The Cognito user pool whose access tokens are accepted, with `ChatAuth.cognito()`.
   */
  public readonly userPool?: cognito.IUserPool;

  /**
   * The app clients whose access tokens are accepted, with `ChatAuth.cognito()`.
   */
  public readonly userPoolClients?: cognito.IUserPoolClient[];

  constructor(scope: Construct, id: string, props: InteractiveAgentProps) {
    validateInteractiveAgentProps(props);
    const auth = props.auth ?? ChatAuth.cognito();
    super(scope, id, {
      ...props,
      code: props.code ?? defaultAgentCode('index.chatHandler'),
      runtime: withInboundAuth(props.runtime, auth),
    });
    this.authType = auth.authType;
    const bound = auth._bind(this, this.runtime.runtimeType);
    this.userPool = bound.userPool;
    this.userPoolClients = bound.userPoolClients;
    const origins = props.cors?.allowedOrigins ?? [];
    // What every function of the chat reads: who may call (AUTH_*) and from where (CORS).
    const callerEnvironment = { ...bound.environment, CORS_ALLOWED_ORIGINS: origins.join(',') };

    const store = new ChatSessionStore(this, 'Sessions', {
      encryptionKey: this.encryptionKey,
      sessionTtl: props.sessionTtl ?? DEFAULT_SESSION_TTL,
      removalPolicy: props.removalPolicy,
    });
    this.sessionBucket = store.bucket;
    this.sessionTable = store.table;
    store.grantTurns(this.runtime);

    const frontDoor = this.runtime.bindChatFrontDoor(this, {
      authType: auth.authType,
      environment: callerEnvironment,
      encryptionKey: this.encryptionKey,
      removalPolicy: props.removalPolicy,
    });
    const agentEnvironment = {
      INVOKE_TYPE: 'interactive',
      ...store.environment,
      CONVERSATION_WINDOW: String(props.conversationWindow ?? DEFAULT_CONVERSATION_WINDOW),
      TURN_TIMEOUT_SECONDS: String(frontDoor.turnTimeout.toSeconds()),
      ...callerEnvironment,
    };
    for (const [key, value] of Object.entries(agentEnvironment)) this.runtime.addEnvironment(key, value);

    const chatApi = new ChatApi(this, 'ChatApi', {
      agentName: props.agentName,
      chatHandler: frontDoor.handler,
      authType: auth.authType,
      authEnvironment: bound.environment,
      // The Sessions API reads the caller from the authorizer's context and checks its issuer.
      sessionsEnvironment: { ...store.environment, ...callerEnvironment },
      allowedOrigins: origins,
      encryptionKey: this.encryptionKey,
      removalPolicy: props.removalPolicy,
    });
    this.api = chatApi.api;
    store.grantBrowse(chatApi.sessionsFunction);
  }

  /**
   * The base URL clients use (`createChatClient({ endpoint })`): turns go to `${apiUrl}chat`.
   */
  public get apiUrl(): string {
    return this.api.url;
  }

  /**
   * Lets an IAM principal chat and use the Sessions API (`execute-api:Invoke` on this API's
   * methods), for `ChatAuth.iam()`.
   */
  public grantChat(grantee: iam.IGrantable): iam.Grant {
    if (this.authType !== ChatAuthType.IAM) {
      Annotations.of(this).addWarningV2('agentic-ai-framework:grantChatWithoutIam',
        `grantChat gives execute-api:Invoke, which only ChatAuth.iam() checks; this agent's auth is ${this.authType}, so callers need a token instead and the grant changes nothing.`);
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [
        this.api.arnForExecuteApi('POST', '/chat', this.api.deploymentStage.stageName),
        this.api.arnForExecuteApi('GET', '/sessions', this.api.deploymentStage.stageName),
        this.api.arnForExecuteApi('*', '/sessions/*', this.api.deploymentStage.stageName),
      ],
      scope: this,
    });
  }
}

/**
 * On AgentCore the runtime itself checks the same callers as the API (so clients may call it
 * directly), and passes the bearer token on for the agent to learn the user from it.
 */
function withInboundAuth(runtime: AgentRuntimeConfig | undefined, auth: ChatAuth): AgentRuntimeConfig | undefined {
  if (runtime?.type !== AgentRuntimeType.AGENTCORE) return runtime;
  const config = (runtime.config ?? {}) as AgentCoreRuntimeConfig;
  const tokens = auth.authType === ChatAuthType.COGNITO || auth.authType === ChatAuthType.OIDC;
  const headers = [...(config.requestHeaderConfiguration?.allowlistedHeaders ?? []), ...(tokens ? ['Authorization'] : [])];
  return {
    ...runtime,
    config: {
      ...config,
      authorizer: auth._agentCoreAuthorizer(),
      requestHeaderConfiguration: headers.length > 0 ? { allowlistedHeaders: [...new Set(headers)] } : undefined,
    },
  };
}

