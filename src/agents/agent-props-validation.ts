import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import { AgentLayer } from './agent-layer';
import { BedrockModel } from './bedrock-model';
import { validateDocumentSource } from './document-source';
import { openTelemetryEnvironment, powertoolsEnvironment } from './observability';
import { AgentCode, AgentCodeLanguage } from '../runtime/agent-code';
import { InvalidRuntimeConfigError } from '../runtime/errors';
import {
  describeValue, optionalArray, optionalBoolean, optionalInstance, optionalObject, optionalString, optionalStringMap, requireInstance, requireObject, requireString,
} from '../runtime/input-checks';
import { AgentRuntimeType } from '../runtime/runtime-type';

/**
 * Variables the library sets for the default agent, with the prop that sets each. A user's
 * `environment` entry would silently replace them while the grants stay on the configured values
 * (a MODEL_ID the role may not invoke, a prompt object it may not read).
 */
const LIBRARY_VARIABLES: Record<string, string> = {
  MODEL_ID: 'agentDefinition.bedrockModel',
  SYSTEM_PROMPT_S3_BUCKET_NAME: 'agentDefinition.systemPrompt',
  SYSTEM_PROMPT_S3_KEY: 'agentDefinition.systemPrompt',
  TOOLS_CONFIG: 'agentDefinition.tools',
  DOCUMENT_SOURCES: 'documentSources',
  LOG_LEVEL: 'logLevel',
  PROMPT: 'prompt',
  EXPECT_JSON: 'expectJson',
  INVOKE_TYPE: 'the agent class',
  SESSION_BUCKET: 'the InteractiveAgent itself',
  SESSION_TABLE: 'the InteractiveAgent itself',
  SESSION_TTL_SECONDS: 'sessionTtl',
  CONVERSATION_WINDOW: 'conversationWindow',
  TURN_TIMEOUT_SECONDS: 'runtime.config.timeout',
  AUTH_MODE: 'auth',
  AUTH_ISSUER: 'auth',
  AUTH_JWKS_URL: 'auth',
  AUTH_CLIENT_IDS: 'auth',
  AUTH_AUDIENCES: 'auth',
  AUTH_TOKEN_USE: 'auth',
  CORS_ALLOWED_ORIGINS: 'cors',
};

const ASSET = 'an s3_assets.Asset (a file uploaded at deploy)';

/** The runtime type named by `runtime`, for error messages, before `runtime` itself is checked. */
export function runtimeTypeOf(props: unknown): AgentRuntimeType {
  const type = (props as { runtime?: { type?: unknown } } | undefined)?.runtime?.type;
  return Object.values(AgentRuntimeType).includes(type as AgentRuntimeType) ? type as AgentRuntimeType : AgentRuntimeType.LAMBDA;
}

/**
 * Checks an agent's props before anything is built, so that plain JavaScript and the other jsii
 * languages get an InvalidRuntimeConfigError naming the field rather than a TypeError.
 */
export function validateAgentProps(props: unknown): void {
  const type = runtimeTypeOf(props);
  requireObject(type, 'props', props);
  const p = props as Record<string, unknown>;
  requireString(type, 'agentName', p.agentName);
  requireObject(type, 'agentDefinition', p.agentDefinition, 'an AgentDefinitionProps {systemPrompt, bedrockModel?, tools?, ...}');
  const definition = p.agentDefinition as Record<string, unknown>;
  requireInstance(type, 'agentDefinition.systemPrompt', definition.systemPrompt, s3Assets.Asset, ASSET);
  optionalInstance(type, 'agentDefinition.bedrockModel', definition.bedrockModel, BedrockModel,
    'a BedrockModel, e.g. BedrockModel.crossRegionInferenceProfile(InferenceProfileGeo.US, modelId)');
  optionalArray(type, 'agentDefinition.tools', definition.tools, `an array of ${ASSET}`,
    (tool, field) => requireInstance(type, field, tool, s3Assets.Asset, ASSET));
  optionalArray(type, 'agentDefinition.lambdaLayers', definition.lambdaLayers, 'an array of AgentLayer',
    (layer, field) => requireInstance(type, field, layer, AgentLayer, 'an AgentLayer (AgentLayer.fromDirectory or AgentLayer.fromLayerVersionArn), not a lambda.ILayerVersion'));
  optionalArray(type, 'agentDefinition.additionalPolicyStatementsForTools', definition.additionalPolicyStatementsForTools, 'an array of iam.PolicyStatement',
    (statement, field) => requireInstance(type, field, statement, iam.PolicyStatement, 'an iam.PolicyStatement (from JSON: iam.PolicyStatement.fromJson(...))'));

  if (p.runtime !== undefined) {
    requireObject(type, 'runtime', p.runtime, `an AgentRuntimeConfig {type: ${Object.values(AgentRuntimeType).join(' or ')}, config?}`);
  }
  optionalInstance(type, 'code', p.code, AgentCode, 'an AgentCode, e.g. AgentCode.fromNodejsDirectory(dir)');
  optionalBoolean(type, 'enableObservability', p.enableObservability);
  optionalString(type, 'metricNamespace', p.metricNamespace);
  optionalString(type, 'metricServiceName', p.metricServiceName);
  optionalString(type, 'logLevel', p.logLevel);
  optionalObject(type, 'logGroupDataProtection', p.logGroupDataProtection, 'a LogGroupDataProtectionProps');
  optionalArray(type, 'documentSources', p.documentSources, 'an array of DocumentSource',
    (source, field) => validateDocumentSource(type, field, source));
  validateUserEnvironment(type, p.environment, p.enableObservability !== false);
}

/** Checks the props BatchAgent adds. */
export function validateBatchAgentProps(props: unknown): void {
  const type = runtimeTypeOf(props);
  requireObject(type, 'props', props);
  const p = props as Record<string, unknown>;
  requireString(type, 'prompt', p.prompt);
  optionalBoolean(type, 'expectJson', p.expectJson);
}

/** The observability variables of both runtimes: moving an agent to the other runtime must not make its props invalid. */
const OBSERVABILITY_VARIABLES = [
  ...Object.keys(powertoolsEnvironment('', '', '')),
  ...Object.keys(openTelemetryEnvironment('', '', '', AgentCodeLanguage.PYTHON)),
];

function validateUserEnvironment(type: AgentRuntimeType, environment: unknown, observability: boolean): void {
  optionalStringMap(type, 'environment', environment);
  for (const [key, value] of Object.entries((environment ?? {}) as Record<string, string>)) {
    const owner = LIBRARY_VARIABLES[key] ?? (observability && OBSERVABILITY_VARIABLES.includes(key) ? 'enableObservability' : undefined);
    if (owner !== undefined) {
      throw new InvalidRuntimeConfigError(type,
        `environment.${key} is ${describeValue(value)}, but ${key} is set by the library from ${owner}; allowed: set ${owner} instead (enableObservability: false leaves the observability variables to you), or use another name`,
        `environment.${key}`);
    }
  }
}
