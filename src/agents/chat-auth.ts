import { Annotations, Fn, Lazy } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { validateCognitoOptions, validateOidcOptions } from './interactive-agent-validation';
import { AgentRuntimeType } from '../runtime/runtime-type';

/**
 * How callers of an interactive agent prove who they are.
 */
export enum ChatAuthType {
  /** Amazon Cognito user pool access tokens. */
  COGNITO = 'COGNITO',
  /** JSON Web Tokens from any OpenID Connect issuer. */
  OIDC = 'OIDC',
  /** AWS Signature Version 4 (IAM principals). */
  IAM = 'IAM',
  /** No authentication: every caller is the same user. */
  NONE = 'NONE',
}

/**
 * Options of `ChatAuth.cognito`.
 */
export interface CognitoChatAuthOptions {
  /**
   * The user pool whose access tokens are accepted.
   *
   * @default - a new user pool, self sign-up off, with one app client for browsers
   */
  readonly userPool?: cognito.IUserPool;

  /**
   * The app clients whose access tokens are accepted (the token's `client_id`). Required with `userPool`.
   *
   * @default - the new user pool's client
   */
  readonly userPoolClients?: cognito.IUserPoolClient[];
}

/**
 * Options of `ChatAuth.oidc`.
 */
export interface OidcChatAuthOptions {
  /**
   * The issuer (`iss` claim), an https URL; its `/.well-known/openid-configuration` must be reachable.
   */
  readonly issuer: string;

  /**
   * Client ids accepted in the token's `client_id` (or `azp`) claim.
   *
   * @default - none; then `allowedAudiences` is required
   */
  readonly allowedClients?: string[];

  /**
   * Audiences accepted in the token's `aud` claim.
   *
   * @default - none; then `allowedClients` is required
   */
  readonly allowedAudiences?: string[];
}

/** What an auth choice gives the agent and its front doors once bound. @internal */
export interface BoundChatAuth {
  /** AUTH_* variables for the agent and the library's functions. */
  readonly environment: { [key: string]: string };
  readonly userPool?: cognito.IUserPool;
  readonly userPoolClients?: cognito.IUserPoolClient[];
}

/**
 * Who may chat with an `InteractiveAgent`, on either runtime. The same tokens (or IAM principals) work
 * on the REST API and, on AgentCore, on the runtime endpoint itself.
 */
export abstract class ChatAuth {
  /**
   * Cognito access tokens (ID tokens are refused): a new user pool with self sign-up off, or yours.
   */
  public static cognito(options: CognitoChatAuthOptions = {}): ChatAuth {
    validateCognitoOptions(options);
    return new CognitoChatAuth(options);
  }

  /**
   * JSON Web Tokens from an OpenID Connect issuer, verified against its published keys.
   */
  public static oidc(options: OidcChatAuthOptions): ChatAuth {
    validateOidcOptions(options);
    return new OidcChatAuth(options);
  }

  /**
   * IAM: callers sign requests with SigV4 and need `execute-api:Invoke` (see `grantChat`); the user is
   * the caller's Cognito identity id for identity-pool credentials, else the caller's ARN.
   */
  public static iam(): ChatAuth {
    return new IamChatAuth();
  }

  /**
   * No authentication at all: anyone who finds the URL can chat, and all callers share one user's
   * sessions. For demos and tests only; a synth warning says so.
   */
  public static allowUnauthenticatedAccess(): ChatAuth {
    return new NoChatAuth();
  }

  /** The kind of authentication. */
  public abstract readonly authType: ChatAuthType;

  /**
   * The AgentCore runtime's inbound authorizer. Token-valued: a user pool created by `_bind` is
   * known only after the runtime exists.
   *
   * @internal
   */
  public abstract _agentCoreAuthorizer(): agentcore.RuntimeAuthorizerConfiguration;

  /** @internal */
  public abstract _bind(scope: Construct, runtimeType: AgentRuntimeType): BoundChatAuth;
}

/** Client ids and audiences as the agent's AUTH_* variables: comma lists (Fn.join keeps tokens whole). */
function commaList(values: string[]): string {
  return values.length === 0 ? '' : Fn.join(',', values);
}

/** A user pool's token issuer (`iss`): `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
function issuerOf(userPool: cognito.IUserPool): string {
  return `https://${userPool.userPoolProviderName}`;
}

class CognitoChatAuth extends ChatAuth {
  public readonly authType = ChatAuthType.COGNITO;
  private bound?: { userPool: cognito.IUserPool; clients: cognito.IUserPoolClient[] };

  constructor(private readonly options: CognitoChatAuthOptions) {
    super();
  }

  public _agentCoreAuthorizer(): agentcore.RuntimeAuthorizerConfiguration {
    return agentcore.RuntimeAuthorizerConfiguration.usingJWT(
      Lazy.string({ produce: () => `${issuerOf(this.requireBound().userPool)}/.well-known/openid-configuration` }),
      Lazy.list({ produce: () => this.requireBound().clients.map((client) => client.userPoolClientId) }),
    );
  }

  public _bind(scope: Construct, _runtimeType: AgentRuntimeType): BoundChatAuth {
    // One ChatAuth given to several agents is one sign-in: the pool made for the first serves all.
    this.bound = this.bound ?? this.createOrUse(scope);
    const { userPool, clients } = this.bound;
    return {
      userPool,
      userPoolClients: clients,
      environment: {
        AUTH_MODE: this.authType,
        AUTH_ISSUER: issuerOf(userPool),
        AUTH_CLIENT_IDS: commaList(clients.map((client) => client.userPoolClientId)),
        AUTH_TOKEN_USE: 'access',
      },
    };
  }

  private createOrUse(scope: Construct): { userPool: cognito.IUserPool; clients: cognito.IUserPoolClient[] } {
    const userPool = this.options.userPool ?? new cognito.UserPool(scope, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
    });
    const clients = this.options.userPoolClients ?? (this.options.userPool ? [] : [new cognito.UserPoolClient(scope, 'WebClient', {
      userPool,
      authFlows: { userSrp: true },
      // The page signs in with SRP; without this, aws-cdk-lib enables the implicit and code grants to https://example.com.
      disableOAuth: true,
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    })]);
    return { userPool, clients };
  }

  private requireBound(): { userPool: cognito.IUserPool; clients: cognito.IUserPoolClient[] } {
    if (this.bound === undefined) throw new Error('ChatAuth.cognito() was not bound to an InteractiveAgent');
    return this.bound;
  }
}

class OidcChatAuth extends ChatAuth {
  public readonly authType = ChatAuthType.OIDC;

  constructor(private readonly options: OidcChatAuthOptions) {
    super();
  }

  public _agentCoreAuthorizer(): agentcore.RuntimeAuthorizerConfiguration {
    const clients = this.options.allowedClients ?? [];
    const audiences = this.options.allowedAudiences ?? [];
    return agentcore.RuntimeAuthorizerConfiguration.usingJWT(
      `${this.options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
      clients.length > 0 ? clients : undefined,
      audiences.length > 0 ? audiences : undefined,
    );
  }

  public _bind(scope: Construct, runtimeType: AgentRuntimeType): BoundChatAuth {
    if (runtimeType === AgentRuntimeType.AGENTCORE && (this.options.allowedClients ?? []).length > 0) {
      Annotations.of(scope).addWarningV2('agentic-ai-framework:oidcClientsOnAgentCore',
        'ChatAuth.oidc allowedClients on AgentCore: the runtime\'s authorizer matches them against the token\'s client_id claim only, so tokens that name their client in azp (as many OpenID Connect issuers do) are refused for every turn, through the REST API too (the proxy passes the token on); only the Sessions API accepts them. Prefer allowedAudiences.');
    }
    return {
      environment: {
        AUTH_MODE: this.authType,
        AUTH_ISSUER: this.options.issuer,
        AUTH_CLIENT_IDS: commaList(this.options.allowedClients ?? []),
        AUTH_AUDIENCES: commaList(this.options.allowedAudiences ?? []),
      },
    };
  }
}

class IamChatAuth extends ChatAuth {
  public readonly authType = ChatAuthType.IAM;

  public _agentCoreAuthorizer(): agentcore.RuntimeAuthorizerConfiguration {
    return agentcore.RuntimeAuthorizerConfiguration.usingIAM();
  }

  public _bind(_scope: Construct, _runtimeType: AgentRuntimeType): BoundChatAuth {
    return { environment: { AUTH_MODE: this.authType } };
  }
}

class NoChatAuth extends ChatAuth {
  public readonly authType = ChatAuthType.NONE;

  // The runtime itself keeps IAM: only the proxy (and principals you grant) can reach it.
  public _agentCoreAuthorizer(): agentcore.RuntimeAuthorizerConfiguration {
    return agentcore.RuntimeAuthorizerConfiguration.usingIAM();
  }

  public _bind(scope: Construct, _runtimeType: AgentRuntimeType): BoundChatAuth {
    Annotations.of(scope).addWarningV2('agentic-ai-framework:chatWithoutAuthentication',
      'auth is ChatAuth.allowUnauthenticatedAccess(): anyone who finds the API URL can chat with this agent and read every session. Use ChatAuth.cognito(), ChatAuth.oidc() or ChatAuth.iam() for anything but a demo.');
    return { environment: { AUTH_MODE: this.authType } };
  }
}
