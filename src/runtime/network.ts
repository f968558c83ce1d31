import { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';

/**
 * Where in a VPC an agent runs. The same settings apply on Lambda and on AgentCore.
 */
export interface AgentNetwork {
  /**
   * The VPC to attach the agent to.
   */
  readonly vpc: IVpc;

  /**
   * Which subnets of the VPC to use.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: SubnetSelection;

  /**
   * Security groups for the agent's network interfaces.
   *
   * @default - one new security group, all outbound traffic allowed
   */
  readonly securityGroups?: ISecurityGroup[];
}
