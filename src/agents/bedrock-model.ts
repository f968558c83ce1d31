import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { InvalidBedrockModelError } from '../runtime/errors';

/**
 * The geography of a system-defined cross-Region inference profile: the prefix of its id.
 */
export enum InferenceProfileGeo {
  /** United States Regions (`us.` profiles). */
  US = 'us',
  /** European Regions (`eu.` profiles). */
  EU = 'eu',
  /** Asia Pacific Regions (`apac.` profiles). */
  APAC = 'apac',
  /** Any commercial Region (`global.` profiles). */
  GLOBAL = 'global',
}

/**
 * The Regions each geography's profiles route to (Amazon Bedrock user guide, "Supported Regions
 * and models for inference profiles"); a profile may route to fewer. Override with `regions`.
 */
const DEFAULT_ROUTED_REGIONS: Record<InferenceProfileGeo, string[]> = {
  [InferenceProfileGeo.US]: ['us-east-1', 'us-east-2', 'us-west-2'],
  [InferenceProfileGeo.EU]: ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'],
  [InferenceProfileGeo.APAC]: ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-4'],
  [InferenceProfileGeo.GLOBAL]: ['*'],
};

const MODEL_ID = /^[a-z0-9-]+\.[a-zA-Z0-9.:_-]+$/;

/**
 * The model agents call when none is given: Claude Sonnet 4.6, whose on-demand use goes through
 * an inference profile.
 */
export const DEFAULT_FOUNDATION_MODEL_ID = 'anthropic.claude-sonnet-4-6';

/**
 * Options of a cross-Region inference profile.
 */
export interface CrossRegionInferenceProfileOptions {
  /**
   * The Regions the profile routes requests to; the role may invoke the foundation model there.
   *
   * @default - the geography's Regions (us: us-east-1, us-east-2, us-west-2; eu: the EU Regions;
   * apac: the Asia Pacific Regions); any Region (`*`) for `GLOBAL`, which routes to any commercial Region
   */
  readonly regions?: string[];
}

/**
 * The Amazon Bedrock model an agent calls, and the permission to call it.
 */
export class BedrockModel {
  /**
   * A foundation model invoked in the stack's Region, e.g. `anthropic.claude-sonnet-4-20250514-v1:0`.
   */
  public static foundationModel(modelId: string): BedrockModel {
    validateModelId(modelId);
    return new BedrockModel(modelId, modelId, undefined, []);
  }

  /**
   * A system-defined cross-Region inference profile, e.g. `us.anthropic.claude-sonnet-4-20250514-v1:0`
   * for `crossRegionInferenceProfile(InferenceProfileGeo.US, 'anthropic.claude-sonnet-4-20250514-v1:0')`.
   * The agent calls the profile; Bedrock routes each request to the model in one of the profile's Regions.
   */
  public static crossRegionInferenceProfile(geo: InferenceProfileGeo, modelId: string, options: CrossRegionInferenceProfileOptions = {}): BedrockModel {
    validateModelId(modelId);
    if (!Object.values(InferenceProfileGeo).includes(geo)) {
      throw new InvalidBedrockModelError('geo', `'${String(geo)}' is not an inference profile geography; allowed: ${Object.values(InferenceProfileGeo).join(', ')}`);
    }
    const regions = options.regions ?? DEFAULT_ROUTED_REGIONS[geo];
    if (!Array.isArray(regions) || regions.length === 0) {
      throw new InvalidBedrockModelError('options.regions', `is ${Array.isArray(regions) ? 'empty' : typeof regions}; name at least one Region the profile routes to, or leave it unset for the default list`);
    }
    regions.forEach(validateRegionName);
    return new BedrockModel(`${geo}.${modelId}`, modelId, `${geo}.${modelId}`, regions);
  }

  /**
   * The model an agent gets when none is given: Claude Sonnet 4.6 through the cross-Region
   * inference profile of the stack's geography (`us.` in the US Regions the US profile routes to,
   * `eu.` in the EU ones), or the `global.` profile in any other Region and in a Region-agnostic stack.
   */
  public static defaultFor(scope: Construct): BedrockModel {
    const region = Stack.of(scope).region;
    const geo = [InferenceProfileGeo.US, InferenceProfileGeo.EU]
      .find((candidate) => !Token.isUnresolved(region) && DEFAULT_ROUTED_REGIONS[candidate].includes(region));
    return BedrockModel.crossRegionInferenceProfile(geo ?? InferenceProfileGeo.GLOBAL, DEFAULT_FOUNDATION_MODEL_ID);
  }

  /**
   * The id the agent code passes to Bedrock (`MODEL_ID`): the model id or the inference profile id.
   */
  public readonly modelId: string;

  /**
   * The foundation model behind it.
   */
  public readonly foundationModelId: string;

  /**
   * The inference profile id, for a cross-Region inference profile.
   */
  public readonly inferenceProfileId?: string;

  private readonly routedRegions: string[];

  private constructor(modelId: string, foundationModelId: string, inferenceProfileId: string | undefined, routedRegions: string[]) {
    this.modelId = modelId;
    this.foundationModelId = foundationModelId;
    this.inferenceProfileId = inferenceProfileId;
    this.routedRegions = routedRegions;
  }

  /**
   * The ARNs invoking this model needs: the foundation model in the stack's Region; for a profile,
   * the profile in the stack's Region and the foundation model in each Region the profile routes to.
   */
  public resourceArns(scope: Construct): string[] {
    const stack = Stack.of(scope);
    this.checkServes(stack);
    const foundationModelArn = (region: string) => stack.formatArn({
      service: 'bedrock', region, account: '', resource: 'foundation-model', resourceName: this.foundationModelId, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    if (this.inferenceProfileId === undefined) {
      return [foundationModelArn(stack.region)];
    }
    return [
      stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: this.inferenceProfileId, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
      ...this.routedRegions.map(foundationModelArn),
    ];
  }

  /**
   * A profile is called in the caller's Region, which must be one of the profile's; a stack in
   * another Region would deploy an agent whose every call fails.
   */
  private checkServes(stack: Stack): void {
    const region = stack.region;
    if (this.inferenceProfileId === undefined || Token.isUnresolved(region) || this.routedRegions.includes('*') || this.routedRegions.includes(region)) {
      return;
    }
    throw new InvalidBedrockModelError('geo',
      `the inference profile '${this.inferenceProfileId}' routes to ${this.routedRegions.join(', ')}, not to the stack's Region ${region}; allowed: a profile of the stack's geography, InferenceProfileGeo.GLOBAL, or BedrockModel.foundationModel`);
  }

  /**
   * Lets `grantee` invoke the model (`bedrock:InvokeModel`, `bedrock:InvokeModelWithResponseStream`;
   * the Converse APIs are authorized by these actions) on exactly `resourceArns`. For a profile, the
   * foundation models may be invoked only through the profile (`bedrock:InferenceProfileArn`), not
   * directly in the Regions it routes to.
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const actions = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
    const [first, ...rest] = this.resourceArns(scopeOf(grantee));
    if (this.inferenceProfileId === undefined) {
      return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [first] });
    }
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [first] }).combine(iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: rest,
      conditions: { StringEquals: { 'bedrock:InferenceProfileArn': first } },
    }));
  }
}

function scopeOf(grantee: iam.IGrantable): Construct {
  if (Construct.isConstruct(grantee)) {
    return grantee;
  }
  if (Construct.isConstruct(grantee.grantPrincipal)) {
    return grantee.grantPrincipal;
  }
  throw new InvalidBedrockModelError('grantee', 'grantInvoke needs a construct (a role, function or agent runtime) to find the stack and its Region');
}

function validateRegionName(region: unknown): void {
  const known = RegionInfo.regions.map((info) => info.name);
  if (typeof region !== 'string' || (!Token.isUnresolved(region) && region !== '*' && !known.includes(region))) {
    throw new InvalidBedrockModelError('options.regions', `'${String(region)}' is not an AWS Region name; allowed: a Region such as us-east-1, eu-west-1 or ap-northeast-1`);
  }
}

function validateModelId(modelId: string): void {
  if (typeof modelId !== 'string' || !MODEL_ID.test(modelId)) {
    throw new InvalidBedrockModelError('modelId', `'${modelId}' is invalid; expected '<provider>.<model>', e.g. 'anthropic.claude-sonnet-4-20250514-v1:0' (no geography prefix: use crossRegionInferenceProfile for profiles)`);
  }
  if (/^(us|eu|apac|global|us-gov|jp|au|ca)\./.test(modelId)) {
    throw new InvalidBedrockModelError('modelId', `'${modelId}' starts with a geography prefix; use BedrockModel.crossRegionInferenceProfile(geo, '<model id without prefix>')`);
  }
}
