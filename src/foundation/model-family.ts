import { invalidFoundationConfig } from './errors';
import { requireString } from './input-checks';

/** `provider.model`: lowercase provider, a dot, then lowercase letters, digits, dots and hyphens. */
const MODEL_ID_PREFIX_PATTERN = /^[a-z0-9-]+\.[a-z0-9](?:[a-z0-9.-]{0,62}[a-z0-9])?$/;

/**
 * A family of Amazon Bedrock foundation models the execution role may invoke.
 *
 * A family is a model id prefix. The role may invoke `foundation-model/{prefix}-*` in any
 * Region (cross-Region inference profiles route requests to the model in several Regions) and
 * the system-defined inference profiles `inference-profile/*.{prefix}-*` (e.g.
 * `us.anthropic.claude-…`, `global.anthropic.claude-…`) of this account and Region.
 */
export class FoundationModelFamily {
  /** Anthropic Claude models: `anthropic.claude-*`. */
  public static readonly ANTHROPIC_CLAUDE = new FoundationModelFamily('anthropic.claude');

  /** Amazon Titan models: `amazon.titan-*`. */
  public static readonly AMAZON_TITAN = new FoundationModelFamily('amazon.titan');

  /** Amazon Nova models: `amazon.nova-*`. */
  public static readonly AMAZON_NOVA = new FoundationModelFamily('amazon.nova');

  /**
   * Another family, by model id prefix without the trailing hyphen: `meta.llama3` allows
   * `meta.llama3-*`.
   *
   * @param modelIdPrefix `provider.model`, e.g. `meta.llama3`, `mistral.mistral`.
   */
  public static of(modelIdPrefix: string): FoundationModelFamily {
    requireString('modelFamilies', modelIdPrefix, 'a string: a model id prefix "provider.model", e.g. "meta.llama3"');
    if (!MODEL_ID_PREFIX_PATTERN.test(modelIdPrefix)) {
      throw invalidFoundationConfig(
        'modelFamilies',
        `modelFamilies entry "${modelIdPrefix}" is not a model id prefix; allowed: "provider.model" in lowercase ` +
          'letters, digits, dots and hyphens, without a trailing hyphen or wildcard (e.g. "meta.llama3")',
      );
    }
    return new FoundationModelFamily(modelIdPrefix);
  }

  /**
   * The model id prefix, e.g. `anthropic.claude`.
   */
  public readonly modelIdPrefix: string;

  private constructor(modelIdPrefix: string) {
    this.modelIdPrefix = modelIdPrefix;
  }
}

/** Whether `value` is a model family (as the factories make it), also when it comes from plain JavaScript. */
export function isModelFamily(value: unknown): value is FoundationModelFamily {
  if (value instanceof FoundationModelFamily) return true;
  const prefix = typeof value === 'object' && value !== null ? (value as { modelIdPrefix?: unknown }).modelIdPrefix : undefined;
  return typeof prefix === 'string' && MODEL_ID_PREFIX_PATTERN.test(prefix);
}
