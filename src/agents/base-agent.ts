import { Annotations, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { AgentDefinitionProps, AgentToolLocation } from './agent-definition';
import { AgentLayer } from './agent-layer';
import { validateAgentProps } from './agent-props-validation';
import { BedrockModel } from './bedrock-model';
import { defaultAgentCode } from './default-agent-code';
import { DocumentSource, validateDocumentSource } from './document-source';
import { LayeredAgentCode } from './layered-agent-code';
import { dataProtectionPolicy, LogGroupDataProtectionProps, openTelemetryEnvironment, powertoolsEnvironment } from './observability';
import { sharedAgentKey } from './shared-key';
import { AgentCode, DirectoryAgentCode } from '../runtime/agent-code';
import { IAgentRuntime } from '../runtime/agent-runtime';
import { AgentRuntimeConfig } from '../runtime/config';
import { InvalidRuntimeConfigError } from '../runtime/errors';
import { LambdaAgentRuntime } from '../runtime/lambda-runtime';
import { AgentNetwork } from '../runtime/network';
import { AgentRuntimeFactory } from '../runtime/runtime-factory';
import { AgentRuntimeType } from '../runtime/runtime-type';
import { InvokeAgent, InvokeAgentOptions } from '../workflow/invoke-agent';

/** Log levels the default agent understands. */
const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Default CloudWatch metrics namespace of agents. */
export const DEFAULT_METRIC_NAMESPACE = 'AgenticAIFramework';

/**
 * Properties every agent takes.
 */
export interface BaseAgentProps {
  /**
   * The agent's name: 1 to 64 letters, digits, spaces, `_`, `.` or `-`. Used in descriptions,
   * the AgentCore runtime name and, by default, the metrics service name.
   */
  readonly agentName: string;

  /**
   * The model, system prompt, tools and tool permissions.
   */
  readonly agentDefinition: AgentDefinitionProps;

  /**
   * The runtime and its settings.
   *
   * @default - AWS Lambda with its defaults (10 minute timeout, 1024 MiB, ARM64)
   */
  readonly runtime?: AgentRuntimeConfig;

  /**
   * The agent code.
   *
   * @default - the library's default agent (TypeScript on Strands Agents), bundled for both runtimes
   */
  readonly code?: AgentCode;

  /**
   * Extra environment variables for the agent code, on either runtime. Names the library sets
   * (`MODEL_ID`, `PROMPT`, `SYSTEM_PROMPT_*`, `TOOLS_CONFIG`, `DOCUMENT_SOURCES`, `LOG_LEVEL`, the
   * observability variables) are rejected: set the prop that owns them instead. So are the names
   * the runtime sets itself (the Region and credential variables, and Lambda's other reserved names).
   *
   * @default - none
   */
  readonly environment?: { [key: string]: string };

  /**
   * Where the agent may read documents from (`contentType: 'file'` requests). The role may read
   * exactly these locations; the agent answers a request for any other object, its own system
   * prompt and tools included, with a 403 and does not read it.
   *
   * @default - none: the agent processes inline `data` requests only
   */
  readonly documentSources?: DocumentSource[];

  /**
   * Tracing and telemetry: X-Ray and Powertools settings on Lambda; tracing, usage logs and
   * OpenTelemetry settings on AgentCore. The log group exists either way.
   *
   * @default true
   */
  readonly enableObservability?: boolean;

  /**
   * CloudWatch metrics namespace for the agent's own metrics.
   *
   * @default 'AgenticAIFramework'
   */
  readonly metricNamespace?: string;

  /**
   * Service name in metrics, logs and traces.
   *
   * @default - the agent name
   */
  readonly metricServiceName?: string;

  /**
   * Log level of the agent code (`LOG_LEVEL`; `DEBUG`, `INFO`, `WARN` or `ERROR`), on either runtime.
   *
   * @default 'INFO'
   */
  readonly logLevel?: string;

  /**
   * Sensitive data masked in the agent's log group, the same on either runtime.
   *
   * @default - e-mail addresses, card numbers, secret and private keys, IP addresses, US SSNs, names
   */
  readonly logGroupDataProtection?: LogGroupDataProtectionProps;

  /**
   * How long the agent's log group keeps logs.
   *
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Run the agent in a VPC (either runtime).
   *
   * @default - no VPC
   */
  readonly network?: AgentNetwork;

  /**
   * Key for the agent's environment (Lambda) and log group. The Lambda execution role may decrypt
   * with it (to read its environment); CloudWatch Logs uses it for the log group under the key policy.
   *
   * @default - the stack's shared agent key (one customer managed key with rotation per stack)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * A role to run as instead of a new one, e.g. `AgentCoreRuntimeFoundation.executionRole`.
   * It must trust the runtime's service principal; the agent adds its statements to it.
   *
   * @default - a new role trusted by the runtime's service principal
   */
  readonly executionRole?: iam.IRole;

  /**
   * What happens to the log group when removed from the stack. The stack's shared key is destroyed
   * only when every agent sharing it says `DESTROY`; otherwise it is retained.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An agent on either runtime: the runtime, the permissions the agent needs and no more,
 * encryption, log data protection and observability.
 */
export abstract class BaseAgent extends Construct {
  /**
   * The runtime running the agent.
   */
  public readonly runtime: IAgentRuntime;

  /**
   * The model the agent calls.
   */
  public readonly bedrockModel: BedrockModel;

  /**
   * The key encrypting the agent's environment and logs.
   */
  public readonly encryptionKey: kms.IKey;

  /**
   * The tools, as the agent reads them from `TOOLS_CONFIG`.
   */
  public readonly toolLocations: AgentToolLocation[];

  /**
   * Where the agent may read documents from.
   */
  public readonly documentSources: DocumentSource[];

  constructor(scope: Construct, id: string, props: BaseAgentProps) {
    super(scope, id);
    validateAgentProps(props);
    const runtimeConfig = props.runtime ?? { type: AgentRuntimeType.LAMBDA };
    const definition = props.agentDefinition;
    const observability = props.enableObservability ?? true;
    const serviceName = props.metricServiceName ?? props.agentName;
    const metricNamespace = props.metricNamespace ?? DEFAULT_METRIC_NAMESPACE;
    const logLevel = (props.logLevel ?? 'INFO').toUpperCase();
    if (!LOG_LEVELS.includes(logLevel)) {
      throw new InvalidRuntimeConfigError(runtimeConfig.type, `logLevel '${props.logLevel}' is invalid; allowed: ${LOG_LEVELS.join(', ')}`, 'logLevel');
    }

    this.bedrockModel = definition.bedrockModel ?? BedrockModel.defaultFor(this);
    this.documentSources = [...(props.documentSources ?? [])];
    this.encryptionKey = props.encryptionKey ?? sharedAgentKey(this, props.removalPolicy);
    // Locations only: the grants need the runtime's role, which exists only once the runtime does.
    this.toolLocations = (definition.tools ?? []).map(toolLocation);

    const code = this.agentCode(runtimeConfig.type, props);
    this.runtime = AgentRuntimeFactory.create(this, 'Runtime', runtimeConfig, {
      agentName: props.agentName,
      code,
      environment: {
        SYSTEM_PROMPT_S3_BUCKET_NAME: definition.systemPrompt.s3BucketName,
        SYSTEM_PROMPT_S3_KEY: definition.systemPrompt.s3ObjectKey,
        TOOLS_CONFIG: JSON.stringify(this.toolLocations),
        // Lazy: addDocumentSource may add locations after construction.
        DOCUMENT_SOURCES: Lazy.string({ produce: () => Stack.of(this).toJsonString(this.documentSources.map((source) => source._location())) }),
        MODEL_ID: this.bedrockModel.modelId,
        LOG_LEVEL: logLevel,
        ...props.environment,
      },
      encryptionKey: this.encryptionKey,
      network: props.network,
      executionRole: props.executionRole,
      layers: runtimeConfig.type === AgentRuntimeType.LAMBDA ? this.lambdaLayers(definition.lambdaLayers ?? []) : undefined,
      logRetention: props.logRetention,
      logGroupDataProtection: dataProtectionPolicy(props.agentName, props.logGroupDataProtection),
      removalPolicy: props.removalPolicy,
      tracingEnabled: observability,
    });

    this.grantAgentPermissions(definition);
    if (observability) {
      const env = this.runtime.runtimeType === AgentRuntimeType.LAMBDA
        ? powertoolsEnvironment(serviceName, metricNamespace, logLevel)
        : openTelemetryEnvironment(serviceName, metricNamespace, this.runtime.logGroup.logGroupName, code.language);
      for (const [key, value] of Object.entries(env)) {
        this.runtime.addEnvironment(key, value);
      }
    }
  }

  /**
   * The execution role.
   *
   * @deprecated Use `runtime.executionRole`.
   */
  public get agentRole(): iam.IRole {
    return this.runtime.executionRole;
  }

  /**
   * The Lambda function on the Lambda runtime; `undefined` on AgentCore.
   *
   * @deprecated Use `runtime` (a `LambdaAgentRuntime` when `runtime.runtimeType` is `LAMBDA`).
   */
  public get agentFunction(): lambda.IFunction | undefined {
    return this.runtime instanceof LambdaAgentRuntime ? this.runtime.agentFunction : undefined;
  }

  /**
   * Lets `grantee` invoke the agent: `lambda:InvokeFunction` on Lambda,
   * `bedrock-agentcore:InvokeAgentRuntime` on AgentCore.
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const grant = this.runtime.grantInvoke(grantee);
    if (!grant.success) {
      Annotations.of(this).addWarningV2('agentic-ai-framework:grantInvokeNotApplied',
        `grantInvoke could not add the invoke permission for ${grantee.grantPrincipal}: AgentCore runtimes have no resource policy here, so grant a role (in this or the other account) with an identity policy instead.`);
    }
    return grant;
  }

  /**
   * Lets the agent read documents from one more location (`contentType: 'file'` requests), as
   * `documentSources` does: its role may read it, and the agent takes requests for it.
   */
  public addDocumentSource(source: DocumentSource): void {
    validateDocumentSource(this.runtime.runtimeType, 'source', source);
    this.documentSources.push(source);
    source.grantRead(this.runtime);
  }

  /**
   * A Step Functions step that invokes this agent, on either runtime, with the same output and
   * error names on both (an `InvokeAgent`).
   */
  public createStepFunctionsTask(scope: Construct, id: string, props: InvokeAgentOptions = {}): InvokeAgent {
    return new InvokeAgent(scope, id, { ...props, agent: this });
  }

  private agentCode(type: AgentRuntimeType, props: BaseAgentProps): AgentCode {
    const code = props.code ?? defaultAgentCode();
    const layers = props.agentDefinition.lambdaLayers ?? [];
    if (type !== AgentRuntimeType.AGENTCORE || layers.length === 0) {
      return code;
    }
    const directories = layers.map((layer, index) => {
      if (layer.directory === undefined) {
        throw new InvalidRuntimeConfigError(AgentRuntimeType.AGENTCORE,
          `agentDefinition.lambdaLayers[${index}] is a layer known only by its ARN; AgentCore has no layers and the layer's contents cannot be read at synth to merge them into the code package. Use AgentLayer.fromDirectory, or add the dependencies to the agent code`,
          'agentDefinition.lambdaLayers');
      }
      return layer.directory;
    });
    if (!(code instanceof DirectoryAgentCode)) {
      throw new InvalidRuntimeConfigError(AgentRuntimeType.AGENTCORE,
        'agentDefinition.lambdaLayers can be merged only into agent code given as a directory (AgentCode.fromNodejsDirectory / fromPythonDirectory, or the default agent); add the dependencies to the image or bundle instead',
        'agentDefinition.lambdaLayers');
    }
    return new LayeredAgentCode(code, directories);
  }

  private lambdaLayers(layers: AgentLayer[]): lambda.ILayerVersion[] {
    return layers.map((layer, index) => layer.bindForLambda(this, `Layer${index}`));
  }

  private grantAgentPermissions(definition: AgentDefinitionProps): void {
    this.bedrockModel.grantInvoke(this.runtime);
    // Asset.grantRead would add bucket-wide List/GetBucket*; the agent reads exactly these objects.
    const objects = [definition.systemPrompt, ...(definition.tools ?? [])];
    this.runtime.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ReadPromptAndTools',
      actions: ['s3:GetObject'],
      resources: objects.map((asset) => asset.bucket.arnForObjects(asset.s3ObjectKey)),
    }));
    for (const source of this.documentSources) {
      source.grantRead(this.runtime);
    }
    for (const statement of definition.additionalPolicyStatementsForTools ?? []) {
      this.runtime.addToRolePolicy(statement);
    }
    // No KMS grant here: each runtime grants what it uses of the key (Lambda: Decrypt, for its
    // environment); the log group's encryption is CloudWatch Logs' own, under the key policy.
  }
}

function toolLocation(asset: s3Assets.Asset): AgentToolLocation {
  return { bucketName: asset.s3BucketName, key: asset.s3ObjectKey, isFile: asset.isFile, isZipArchive: asset.isZipArchive };
}
