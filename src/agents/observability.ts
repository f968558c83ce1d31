import * as logs from 'aws-cdk-lib/aws-logs';
import { AgentCodeLanguage } from '../runtime/agent-code';

/**
 * Sensitive data CloudWatch Logs masks in an agent's log group, on either runtime.
 */
export interface LogGroupDataProtectionProps {
  /**
   * Turn data protection off.
   *
   * @default false
   */
  readonly disabled?: boolean;

  /**
   * The data to mask.
   *
   * @default - e-mail addresses, credit card numbers and security codes, AWS secret keys,
   * OpenSSH and PGP private keys, IP addresses, US social security numbers, names
   */
  readonly identifiers?: logs.DataIdentifier[];

  /**
   * A log group that receives the audit findings.
   *
   * @default - no audit destination; findings still count in the log group's metrics
   */
  readonly auditLogGroup?: logs.ILogGroup;
}

/** The default identifiers: a sensible set for agent logs, which echo prompts and model output. */
export const DEFAULT_DATA_IDENTIFIERS: logs.DataIdentifier[] = [
  logs.DataIdentifier.EMAILADDRESS,
  logs.DataIdentifier.CREDITCARDNUMBER,
  logs.DataIdentifier.CREDITCARDSECURITYCODE,
  logs.DataIdentifier.AWSSECRETKEY,
  logs.DataIdentifier.OPENSSHPRIVATEKEY,
  logs.DataIdentifier.PGPPRIVATEKEY,
  logs.DataIdentifier.IPADDRESS,
  logs.DataIdentifier.SSN_US,
  logs.DataIdentifier.NAME,
];

/**
 * The data protection policy for an agent's log group, or undefined when disabled.
 */
export function dataProtectionPolicy(agentName: string, props: LogGroupDataProtectionProps = {}): logs.DataProtectionPolicy | undefined {
  if (props.disabled) {
    return undefined;
  }
  return new logs.DataProtectionPolicy({
    name: `${agentName}-data-protection`,
    description: `Masks sensitive data in the logs of agent ${agentName}`,
    identifiers: props.identifiers ?? DEFAULT_DATA_IDENTIFIERS,
    logGroupAuditDestination: props.auditLogGroup,
  });
}

/**
 * Powertools for AWS Lambda settings (Lambda runtime).
 */
export function powertoolsEnvironment(serviceName: string, metricNamespace: string, logLevel: string): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: serviceName,
    POWERTOOLS_METRICS_NAMESPACE: metricNamespace,
    POWERTOOLS_LOG_LEVEL: logLevel,
  };
}

/**
 * OpenTelemetry settings for AgentCore, naming the log group this construct owns. The default agent
 * reads `AGENT_OBSERVABILITY_ENABLED` and the resource variables and sends its spans to X-Ray itself;
 * Python code gets the AWS Distro for OpenTelemetry's distro and configurator, which
 * `opentelemetry-instrument` reads (the exporter and log headers are for that distro).
 */
export function openTelemetryEnvironment(
  serviceName: string,
  metricNamespace: string,
  logGroupName: string,
  language: AgentCodeLanguage | undefined,
): Record<string, string> {
  const env: Record<string, string> = {
    AGENT_OBSERVABILITY_ENABLED: 'true',
    OTEL_SERVICE_NAME: serviceName,
    OTEL_RESOURCE_ATTRIBUTES: `service.name=${serviceName},aws.log.group.names=${logGroupName}`,
    OTEL_EXPORTER_OTLP_LOGS_HEADERS: `x-aws-log-group=${logGroupName},x-aws-log-stream=otel-logs,x-aws-metric-namespace=${metricNamespace}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_EXPORTER: 'otlp',
  };
  if (language === AgentCodeLanguage.PYTHON) {
    env.OTEL_PYTHON_DISTRO = 'aws_distro';
    env.OTEL_PYTHON_CONFIGURATOR = 'aws_configurator';
  }
  return env;
}
