import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ChatAuthType } from './chat-auth';

/**
 * What a runtime needs to put an interactive agent behind the chat REST API.
 */
export interface ChatFrontDoorBindOptions {
  /**
   * How callers authenticate.
   */
  readonly authType: ChatAuthType;

  /**
   * Variables for a function the runtime creates in front of the agent (the AUTH_* and CORS variables).
   */
  readonly environment: { [key: string]: string };

  /**
   * Key for such a function's environment and logs.
   */
  readonly encryptionKey: kms.IKey;

  /**
   * Removal policy of such a function's log group.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * How the chat REST API reaches an interactive agent on one runtime.
 */
export interface ChatFrontDoorConfig {
  /**
   * The function behind `POST /chat`, integrated with response streaming: the agent's own function
   * on Lambda, a streaming proxy to the runtime on AgentCore.
   */
  readonly handler: lambda.IFunction;

  /**
   * The longest one turn may run (the session lock's lease).
   */
  readonly turnTimeout: Duration;
}
