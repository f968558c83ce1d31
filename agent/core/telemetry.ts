// OpenTelemetry for the default agent. With AGENT_OBSERVABILITY_ENABLED the agent registers a
// tracer provider, so the spans Strands already opens (invoke_agent, chat, execute_tool ...) are
// recorded and exported, SigV4-signed, to the X-Ray OTLP endpoint of the agent's Region: that is
// where CloudWatch GenAI Observability and Transaction Search read them. The agent exports by
// itself because AgentCore starts its OTLP collector only for Python's `opentelemetry-instrument`.
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { defaultResource, detectResources, envDetector } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { parseBooleanFlag } from './config.js';
import { AgentConfigError } from './errors.js';
import type { Logger } from './logger.js';
import { SigV4TraceExporter } from './sigv4-trace-exporter.js';

/** Incoming request headers, or any other carrier of trace context. */
export type TraceCarrier = Readonly<Record<string, string | string[] | undefined>>;

export interface Telemetry {
  /** Whether spans are recorded and exported. */
  readonly enabled: boolean;
  /**
   * Runs `fn` inside the trace the carrier continues (W3C `traceparent`/`baggage` or X-Ray
   * `X-Amzn-Trace-Id`), so the agent's spans join the caller's trace; a new trace otherwise.
   */
  inTraceContext<T>(carrier: TraceCarrier, fn: () => Promise<T>): Promise<T>;
  /** Exports the spans recorded so far (Lambda calls this before the invocation returns). */
  flush(): Promise<void>;
  /** Flushes, then unregisters the provider. */
  shutdown(): Promise<void>;
}

export interface TelemetryOverrides {
  readonly credentials?: AwsCredentialIdentityProvider;
  /** Replaces the SigV4 X-Ray exporter (tests). */
  readonly exporter?: SpanExporter;
}

type Env = Readonly<Record<string, string | undefined>>;

const DISABLED: Telemetry = {
  enabled: false,
  inTraceContext: (_carrier, fn) => fn(),
  flush: async () => {},
  shutdown: async () => {},
};

/**
 * The X-Ray OTLP traces URL: `AWS_ENDPOINT_URL_XRAY` or `AWS_ENDPOINT_URL` when set (the AWS SDK's
 * own endpoint overrides, which local runs point at 127.0.0.1), else the Region's public endpoint.
 */
export function tracesUrl(env: Env): { url: URL; region: string } {
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  if (!region) {
    throw new AgentConfigError('AWS_REGION', 'is required when AGENT_OBSERVABILITY_ENABLED is set: spans go to the X-Ray endpoint of that Region');
  }
  const [name, base] = env.AWS_ENDPOINT_URL_XRAY?.trim()
    ? ['AWS_ENDPOINT_URL_XRAY', env.AWS_ENDPOINT_URL_XRAY.trim()]
    : env.AWS_ENDPOINT_URL?.trim()
      ? ['AWS_ENDPOINT_URL', env.AWS_ENDPOINT_URL.trim()]
      : ['AWS_REGION', `https://xray.${region}.amazonaws.com`];
  const url = URL.canParse(base) ? new URL('/v1/traces', base) : undefined;
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new AgentConfigError(name, `must be an http(s) URL, got ${JSON.stringify(base)}`);
  }
  return { url, region };
}

/**
 * Starts tracing when `AGENT_OBSERVABILITY_ENABLED` is true and `OTEL_TRACES_EXPORTER` does not say
 * `none`; otherwise returns a Telemetry that does nothing. The service name and resource attributes
 * come from `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` (the construct sets both); the
 * sampler and batching honour the standard `OTEL_*` variables.
 */
export function startTelemetry(env: Env, logger: Logger, overrides: TelemetryOverrides = {}): Telemetry {
  if (!parseBooleanFlag(env, 'AGENT_OBSERVABILITY_ENABLED') || env.OTEL_TRACES_EXPORTER?.trim() === 'none') {
    return DISABLED;
  }
  let exporter = overrides.exporter;
  if (exporter === undefined) {
    let target: ReturnType<typeof tracesUrl>;
    try {
      target = tracesUrl(env);
    } catch (error) {
      // Tracing must not take the agent down: say why it is off and serve without it.
      logger.error('Tracing is off: its configuration is invalid', { error });
      return DISABLED;
    }
    exporter = new SigV4TraceExporter({
      ...target,
      credentials: overrides.credentials ?? defaultProvider(),
      onError: (error) => logger.warn('Exporting spans failed; they are dropped', { error }),
    });
  }
  const provider = new TracerProvider({
    resource: defaultResource().merge(detectResources({ detectors: [envDetector] })),
    // New traces get X-Ray-style ids (the first 8 hex digits are the start time in seconds), as ADOT does.
    idGenerator: new AWSXRayIdGenerator(),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new AWSXRayPropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);

  return {
    enabled: true,
    inTraceContext: (carrier, fn) => context.with(propagation.extract(ROOT_CONTEXT, carrier), fn),
    // A failed export is logged by the exporter; it must never fail the invocation that flushes.
    flush: () => provider.forceFlush().catch(() => undefined),
    async shutdown() {
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
