import { Stack, Token } from 'aws-cdk-lib';
import type * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { invalidFoundationConfig } from './errors';
import { failType, isAbsent, requireString } from './input-checks';
import { gatewayIdParameterName } from './names';
import { validateSsmParameterName } from './ssm-parameter-name';

const GATEWAY_ARN_PATTERN = /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:gateway\/[a-zA-Z0-9-]{1,100}$/;
const GATEWAY_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,99}$/;
const GATEWAY_ARN_ALLOWED = 'arn:<partition>:bedrock-agentcore:<region>:<account>:gateway/<gateway-id>';
const GATEWAY_ID_ALLOWED = '1-100 letters, digits and hyphens, starting with a letter or digit';

/**
 * Options for binding a `FoundationGateway` to a runtime foundation.
 */
export interface FoundationGatewayBindOptions {
  /**
   * The foundation's environment name, e.g. `dev`.
   */
  readonly environment: string;
}

/**
 * What the execution role may invoke, as resolved by `FoundationGateway.bind`.
 */
export interface FoundationGatewayConfig {
  /**
   * ARNs (or ARN patterns) of the gateways the role may invoke and describe. Empty: no gateway
   * permission at all.
   */
  readonly gatewayArns: string[];

  /**
   * Whether the ARNs select no gateway by themselves (a wildcard) and rely on the
   * `aws:ResourceTag/Environment` condition to do so.
   */
  readonly needsEnvironmentTag: boolean;
}

/**
 * The AgentCore gateway the foundation's agents may invoke
 * (`bedrock-agentcore:InvokeGateway` and `bedrock-agentcore:GetGateway`).
 */
export abstract class FoundationGateway {
  /**
   * A gateway defined with aws-cdk-lib's AgentCore constructs (`Gateway` or
   * `Gateway.fromGatewayAttributes`).
   */
  public static fromGateway(gateway: agentcore.IGateway): FoundationGateway {
    const allowed = 'an IGateway of aws-cdk-lib/aws-bedrockagentcore (Gateway, or Gateway.fromGatewayAttributes)';
    if (typeof gateway !== 'object' || gateway === null) failType('gateway', gateway, allowed);
    requireString('gateway', gateway.gatewayArn, `${allowed}: its gatewayArn must be a string`);
    return new ArnGateway(gateway.gatewayArn);
  }

  /**
   * A gateway by ARN: `arn:<partition>:bedrock-agentcore:<region>:<account>:gateway/<id>`.
   */
  public static fromGatewayArn(gatewayArn: string): FoundationGateway {
    requireString('gateway', gatewayArn, `a string: ${GATEWAY_ARN_ALLOWED}`);
    if (!Token.isUnresolved(gatewayArn) && !GATEWAY_ARN_PATTERN.test(gatewayArn)) {
      throw invalidFoundationConfig(
        'gateway',
        `gateway ARN "${gatewayArn}" is not a gateway ARN; allowed: ${GATEWAY_ARN_ALLOWED}`,
      );
    }
    return new ArnGateway(gatewayArn);
  }

  /**
   * A gateway of this stack's account and Region by id.
   */
  public static fromGatewayId(gatewayId: string): FoundationGateway {
    validateGatewayId(gatewayId);
    return new IdGateway(() => gatewayId);
  }

  /**
   * The gateway whose id is stored in an SSM String parameter, resolved at deploy time, as the
   * gateway module publishes it in `/agentcore/{env}/gateway/gateway_id`. The stack gets a
   * CloudFormation parameter of type `AWS::SSM::Parameter::Value<String>`, so the SSM parameter
   * must exist (in this account and Region) when the stack is deployed.
   *
   * @param parameterName the SSM parameter holding the gateway id.
   * @default `/agentcore/{env}/gateway/gateway_id`
   */
  public static fromSsmParameter(parameterName?: string): FoundationGateway {
    if (!isAbsent(parameterName)) validateSsmParameterName(parameterName, 'gateway');
    return new SsmGateway(parameterName ?? undefined);
  }

  /**
   * Every gateway of this account and Region tagged `Environment={env}`: the default. The role
   * gets `gateway/*` restricted by the `aws:ResourceTag/Environment` condition, which therefore
   * cannot be turned off (`requireGatewayEnvironmentTag` does not apply).
   */
  public static withEnvironmentTag(): FoundationGateway {
    return new TaggedGateways();
  }

  /**
   * No gateway: the role gets no gateway permission, not even on the gateways tagged with the
   * environment.
   */
  public static none(): FoundationGateway {
    return new NoGateway();
  }

  /**
   * Resolves the gateway for a foundation.
   */
  public abstract bind(scope: Construct, options: FoundationGatewayBindOptions): FoundationGatewayConfig;
}

function validateGatewayId(gatewayId: string): void {
  requireString('gateway', gatewayId, `a string: ${GATEWAY_ID_ALLOWED}`);
  if (!Token.isUnresolved(gatewayId) && !GATEWAY_ID_PATTERN.test(gatewayId)) {
    throw invalidFoundationConfig(
      'gateway',
      `gateway id "${gatewayId}" is not a gateway id; allowed: ${GATEWAY_ID_ALLOWED}`,
    );
  }
}

function gatewayArn(scope: Construct, gatewayId: string): string {
  return Stack.of(scope).formatArn({ service: 'bedrock-agentcore', resource: 'gateway', resourceName: gatewayId });
}

class ArnGateway extends FoundationGateway {
  constructor(private readonly arn: string) {
    super();
  }

  public bind(): FoundationGatewayConfig {
    return { gatewayArns: [this.arn], needsEnvironmentTag: false };
  }
}

class IdGateway extends FoundationGateway {
  constructor(private readonly gatewayId: (scope: Construct, options: FoundationGatewayBindOptions) => string) {
    super();
  }

  public bind(scope: Construct, options: FoundationGatewayBindOptions): FoundationGatewayConfig {
    return { gatewayArns: [gatewayArn(scope, this.gatewayId(scope, options))], needsEnvironmentTag: false };
  }
}

class SsmGateway extends IdGateway {
  constructor(parameterName: string | undefined) {
    super((scope, options) =>
      ssm.StringParameter.valueForStringParameter(scope, parameterName ?? gatewayIdParameterName(options.environment)),
    );
  }
}

class NoGateway extends FoundationGateway {
  public bind(): FoundationGatewayConfig {
    return { gatewayArns: [], needsEnvironmentTag: false };
  }
}

class TaggedGateways extends FoundationGateway {
  public bind(scope: Construct): FoundationGatewayConfig {
    return { gatewayArns: [gatewayArn(scope, '*')], needsEnvironmentTag: true };
  }
}
