import { Token } from 'aws-cdk-lib';
import type * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { invalidFoundationConfig } from './errors';
import { failType, isAbsent, requireString } from './input-checks';
import { memoryPolicyParameterName } from './names';
import { validateSsmParameterName } from './ssm-parameter-name';

const MEMORY_ARN_PATTERN = /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:memory\/[a-zA-Z0-9_-]{1,100}$/;
const POLICY_ARN_PATTERN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]{1,512}$/;

/**
 * Options for binding a `FoundationMemory` to a runtime foundation.
 */
export interface FoundationMemoryBindOptions {
  /**
   * The foundation's environment name, e.g. `dev`.
   */
  readonly environment: string;
}

/**
 * How the execution role gets memory access, as resolved by `FoundationMemory.bind`.
 */
export interface FoundationMemoryConfig {
  /**
   * Memories the role may use through the AgentCore Memory data plane.
   *
   * @default - none
   */
  readonly memoryArns?: string[];

  /**
   * Managed policies to attach to the role.
   *
   * @default - none
   */
  readonly managedPolicies?: iam.IManagedPolicy[];
}

/**
 * The AgentCore memory the foundation's agents may use.
 */
export abstract class FoundationMemory {
  /**
   * A memory defined with aws-cdk-lib's AgentCore constructs: the role gets the memory
   * data-plane actions on it.
   */
  public static fromMemory(memory: agentcore.IMemory): FoundationMemory {
    const allowed = 'an IMemory of aws-cdk-lib/aws-bedrockagentcore (Memory, or Memory.fromMemoryAttributes)';
    if (typeof memory !== 'object' || memory === null) failType('memory', memory, allowed);
    requireString('memory', memory.memoryArn, `${allowed}: its memoryArn must be a string`);
    return new ArnMemory(memory.memoryArn);
  }

  /**
   * A memory by ARN (`arn:<partition>:bedrock-agentcore:<region>:<account>:memory/<id>`): the
   * role gets the memory data-plane actions on it.
   */
  public static fromMemoryArn(memoryArn: string): FoundationMemory {
    requireString('memory', memoryArn, 'a string: arn:<partition>:bedrock-agentcore:<region>:<account>:memory/<memory-id>');
    if (!Token.isUnresolved(memoryArn) && !MEMORY_ARN_PATTERN.test(memoryArn)) {
      throw invalidFoundationConfig(
        'memory',
        `memory ARN "${memoryArn}" is not a memory ARN; allowed: arn:<partition>:bedrock-agentcore:<region>:<account>:memory/<memory-id>`,
      );
    }
    return new ArnMemory(memoryArn);
  }

  /**
   * A managed policy that grants memory access (such as the one a memory module publishes),
   * attached to the role as it is.
   */
  public static fromPolicyArn(policyArn: string): FoundationMemory {
    requireString('memory', policyArn, 'a string: arn:<partition>:iam::<account>:policy/<name>');
    if (!Token.isUnresolved(policyArn) && !POLICY_ARN_PATTERN.test(policyArn)) {
      throw invalidFoundationConfig(
        'memory',
        `memory policy ARN "${policyArn}" is not a managed policy ARN; allowed: arn:<partition>:iam::<account>:policy/<name>`,
      );
    }
    return new PolicyMemory(() => policyArn);
  }

  /**
   * The managed policy whose ARN is stored in an SSM String parameter, resolved at deploy time
   * and attached to the role: what the Terraform module asks users to do by hand with
   * `/agentcore/{env}/memory/iam_policy_arn`. The stack gets a CloudFormation parameter of type
   * `AWS::SSM::Parameter::Value<String>`, so the SSM parameter must exist at deploy time.
   *
   * @param parameterName the SSM parameter holding the policy ARN.
   * @default `/agentcore/{env}/memory/iam_policy_arn`
   */
  public static fromSsmPolicyParameter(parameterName?: string): FoundationMemory {
    if (!isAbsent(parameterName)) validateSsmParameterName(parameterName, 'memory');
    return new PolicyMemory((scope, options) =>
      ssm.StringParameter.valueForStringParameter(scope, parameterName ?? memoryPolicyParameterName(options.environment)),
    );
  }

  /**
   * Resolves the memory access for a foundation.
   */
  public abstract bind(scope: Construct, options: FoundationMemoryBindOptions): FoundationMemoryConfig;
}

class ArnMemory extends FoundationMemory {
  constructor(private readonly arn: string) {
    super();
  }

  public bind(): FoundationMemoryConfig {
    return { memoryArns: [this.arn] };
  }
}

class PolicyMemory extends FoundationMemory {
  constructor(private readonly policyArn: (scope: Construct, options: FoundationMemoryBindOptions) => string) {
    super();
  }

  public bind(scope: Construct, options: FoundationMemoryBindOptions): FoundationMemoryConfig {
    const policy = iam.ManagedPolicy.fromManagedPolicyArn(scope, 'MemoryPolicy', this.policyArn(scope, options));
    return { managedPolicies: [policy] };
  }
}
