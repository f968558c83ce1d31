import * as path from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { apiGatewayAccountFor } from './api-gateway-account';
import { ChatAuthType } from './chat-auth';
import { createAgentLogGroup } from '../runtime/agent-log-group';
import { libraryFunction } from '../workflow/library-function';

/** The package's `assets/authorizer` directory (the token authorizer's bundle). */
const AUTHORIZER_ASSETS = path.join(__dirname, '..', '..', 'assets', 'authorizer');
/** The package's `assets/sessions` directory (the Sessions API's bundle). */
const SESSIONS_ASSETS = path.join(__dirname, '..', '..', 'assets', 'sessions');

/** REST API integrations stream for up to 15 minutes. */
const STREAM_TIMEOUT = Duration.minutes(15);
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-Amz-Date', 'X-Amz-Security-Token', 'X-Amz-Content-Sha256'];

/** @internal */
export interface ChatApiProps {
  readonly agentName: string;
  /** The function behind `POST /chat` (response streaming). */
  readonly chatHandler: lambda.IFunction;
  readonly authType: ChatAuthType;
  /** AUTH_* variables, for the token authorizer. */
  readonly authEnvironment: { [key: string]: string };
  /** Variables of the Sessions API function (SESSION_*, AUTH_MODE, CORS_ALLOWED_ORIGINS). */
  readonly sessionsEnvironment: { [key: string]: string };
  readonly allowedOrigins: string[];
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The chat's REST API: `POST /chat` streams a turn, `GET /sessions`, `GET` and `DELETE
 * /sessions/{sessionId}` browse the caller's sessions (without ever starting an agent session). A
 * Regional endpoint: edge-optimized ones cut a stream after 30 idle seconds, Regional ones after 5
 * minutes, and the agent writes a heartbeat well within both.
 *
 * @internal
 */
export class ChatApi extends Construct {
  public readonly api: apigateway.RestApi;
  public readonly sessionsFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: ChatApiProps) {
    super(scope, id);
    const accessLogs = createAgentLogGroup(this, {
      encryptionKey: props.encryptionKey, logRetention: logs.RetentionDays.ONE_MONTH, removalPolicy: props.removalPolicy,
    });
    this.api = new apigateway.RestApi(this, 'Api', {
      description: `Chat with agent ${props.agentName}`,
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
      defaultCorsPreflightOptions: props.allowedOrigins.length === 0 ? undefined : {
        allowOrigins: props.allowedOrigins,
        allowHeaders: ALLOWED_HEADERS,
        allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
        maxAge: Duration.hours(1),
      },
    });
    // The stage's access logs need the account's CloudWatch role in place first.
    this.api.deploymentStage.node.addDependency(apiGatewayAccountFor(this));
    this.addErrorResponses(props.allowedOrigins);

    const auth = this.methodAuth(props);
    const sessionsHost = new Construct(this, 'Sessions');
    this.sessionsFunction = libraryFunction(sessionsHost, {
      assets: SESSIONS_ASSETS,
      description: `Lists, reads and deletes the chat sessions of agent ${props.agentName}`,
      timeout: Duration.seconds(29),
      encryptionKey: props.encryptionKey,
      removalPolicy: props.removalPolicy,
      environment: props.sessionsEnvironment,
    });

    const chat = this.api.root.addResource('chat');
    chat.addMethod('POST', new apigateway.LambdaIntegration(props.chatHandler, {
      responseTransferMode: apigateway.ResponseTransferMode.STREAM,
      timeout: STREAM_TIMEOUT,
    }), auth);
    const sessionsIntegration = new apigateway.LambdaIntegration(this.sessionsFunction);
    const sessions = this.api.root.addResource('sessions');
    sessions.addMethod('GET', sessionsIntegration, auth);
    const session = sessions.addResource('{sessionId}');
    session.addMethod('GET', sessionsIntegration, auth);
    session.addMethod('DELETE', sessionsIntegration, auth);
  }

  private methodAuth(props: ChatApiProps): apigateway.MethodOptions {
    switch (props.authType) {
      case ChatAuthType.IAM:
        return { authorizationType: apigateway.AuthorizationType.IAM };
      case ChatAuthType.NONE:
        return { authorizationType: apigateway.AuthorizationType.NONE };
      default: {
        // One verifier for Cognito and any OIDC issuer: REST APIs have no native JWT authorizer, and
        // Cognito's own accepts ID tokens unless every method names OAuth scopes.
        const host = new Construct(this, 'TokenAuthorizer');
        const authorizerFunction = libraryFunction(host, {
          assets: AUTHORIZER_ASSETS,
          description: `Verifies the bearer tokens of agent ${props.agentName}'s chat API`,
          timeout: Duration.seconds(10),
          encryptionKey: props.encryptionKey,
          removalPolicy: props.removalPolicy,
          environment: props.authEnvironment,
        });
        const authorizer = new apigateway.TokenAuthorizer(host, 'Authorizer', {
          handler: authorizerFunction,
          // No caching: a token is refused the moment it expires.
          resultsCacheTtl: Duration.seconds(0),
          // Anything but a bearer JWT is refused by API Gateway without invoking the function.
          validationRegex: '^[Bb]earer [-0-9A-Za-z_]+\\.[-0-9A-Za-z_]+\\.[-0-9A-Za-z_]*$',
        });
        return { authorizationType: apigateway.AuthorizationType.CUSTOM, authorizer };
      }
    }
  }

  /**
   * Refusals from API Gateway itself: a refused token is the protocol's 401
   * `{"code":"Unauthorized","message":…}`. With one allowed origin, every refusal (401, 403,
   * throttling) carries the CORS headers too, so a browser shows the status instead of a CORS
   * failure. A gateway response cannot choose among several origins, and echoing the request's would
   * open the error bodies to any site: with several, browsers see those refusals as CORS failures.
   */
  private addErrorResponses(origins: string[]): void {
    const cors = origins.length === 1 ? { 'Access-Control-Allow-Origin': `'${origins[0]}'`, 'Vary': "'Origin'" } : undefined;
    this.api.addGatewayResponse('Unauthorized', {
      type: apigateway.ResponseType.UNAUTHORIZED,
      statusCode: '401',
      responseHeaders: cors,
      templates: { 'application/json': '{"code":"Unauthorized","message":$context.error.messageString}' },
    });
    if (cors === undefined) return;
    for (const type of [apigateway.ResponseType.DEFAULT_4XX, apigateway.ResponseType.DEFAULT_5XX]) {
      this.api.addGatewayResponse(`Cors${type.responseType}`, { type, responseHeaders: cors });
    }
  }
}
