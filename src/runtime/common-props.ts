import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AgentCode } from './agent-code';
import { AgentNetwork } from './network';

/**
 * Properties every agent runtime takes, whichever the runtime.
 */
export interface CommonAgentProps {
  /**
   * The agent's name: used in descriptions and to derive the AgentCore runtime name.
   * 1 to 64 letters, digits, spaces, `_`, `.` or `-`.
   */
  readonly agentName: string;

  /**
   * The agent code, with an entrypoint for each runtime.
   */
  readonly code: AgentCode;

  /**
   * Environment variables for the agent code.
   *
   * @default - none
   */
  readonly environment?: { [key: string]: string };

  /**
   * Key that encrypts the Lambda environment and the agent's log group. The Lambda execution role may
   * decrypt with it (its environment); CloudWatch Logs uses it for the log group under the key policy.
   *
   * @default - AWS managed encryption
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Run the agent in a VPC.
   *
   * @default - no VPC (Lambda) / public network mode (AgentCore)
   */
  readonly network?: AgentNetwork;

  /**
   * A role to run as instead of a new one, e.g. a shared role from `AgentCoreRuntimeFoundation`.
   * It must trust the runtime's service principal. The runtime adds its statements to it.
   *
   * @default - a new role trusted by the runtime's service principal
   */
  readonly executionRole?: iam.IRole;

  /**
   * Lambda layers. Lambda only: the AgentCore runtime rejects them (agents merge local layers into the code).
   *
   * @default - none
   */
  readonly layers?: lambda.ILayerVersion[];

  /**
   * How long the agent's log group keeps logs.
   *
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log group when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Data protection policy for the agent's log group (masks sensitive data such as e-mail
   * addresses or secret keys in the logs), the same on either runtime.
   *
   * @default - no data protection policy
   */
  readonly logGroupDataProtection?: logs.DataProtectionPolicy;

  /**
   * Send traces to AWS X-Ray (on AgentCore, also deliver usage logs to the agent's log group).
   *
   * @default false
   */
  readonly tracingEnabled?: boolean;
}
