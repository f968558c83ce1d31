import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import { AgentLayer } from './agent-layer';
import { BedrockModel } from './bedrock-model';

/**
 * What an agent is: its model, system prompt, tools and what the tools need.
 */
export interface AgentDefinitionProps {
  /**
   * The Bedrock model the agent calls; the execution role may invoke exactly this model.
   *
   * @default - Claude Sonnet 4.6 through the cross-Region inference profile of the stack's
   * geography: `us.` in us-east-1, us-east-2 and us-west-2, `eu.` in the EU Regions the EU profile
   * routes to, `global.` in any other Region and in a Region-agnostic stack (see `BedrockModel.defaultFor`)
   */
  readonly bedrockModel?: BedrockModel;

  /**
   * The system prompt, a text file uploaded as an asset. The agent reads it from S3 at start
   * (`SYSTEM_PROMPT_S3_BUCKET_NAME`, `SYSTEM_PROMPT_S3_KEY`); the role may read exactly this object.
   */
  readonly systemPrompt: s3Assets.Asset;

  /**
   * Tools, each a file or a ZIP archive uploaded as an asset, listed to the agent in `TOOLS_CONFIG`;
   * the role may read exactly these objects.
   *
   * @default - no tools
   */
  readonly tools?: s3Assets.Asset[];

  /**
   * Extra code or dependencies for the tools: Lambda layers on Lambda, merged into the code
   * package on AgentCore (directory layers only).
   *
   * @default - none
   */
  readonly lambdaLayers?: AgentLayer[];

  /**
   * Statements the tools need (e.g. read a DynamoDB table), added to the execution role's policy.
   *
   * @default - none
   */
  readonly additionalPolicyStatementsForTools?: iam.PolicyStatement[];
}

/**
 * Where a tool is, as the agent code reads it from `TOOLS_CONFIG`.
 */
export interface AgentToolLocation {
  /** Bucket of the tool's object. */
  readonly bucketName: string;
  /** Key of the tool's object. */
  readonly key: string;
  /** Whether the object is a single file. */
  readonly isFile: boolean;
  /** Whether the object is a ZIP archive of a directory. */
  readonly isZipArchive: boolean;
}
