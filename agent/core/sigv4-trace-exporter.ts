// An OTLP/HTTP protobuf span exporter that signs each request with SigV4, for the X-Ray OTLP
// endpoint (`https://xray.<region>.amazonaws.com/v1/traces`), which accepts only signed requests.
// ADOT for Node has such an exporter, but only inside its whole auto-instrumentation package, which
// the bundle has no room for; this is the part the default agent needs, on OpenTelemetry's serializer.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export interface SigV4TraceExporterOptions {
  /** Full URL of the OTLP traces endpoint, e.g. `https://xray.us-east-1.amazonaws.com/v1/traces`. */
  readonly url: URL;
  readonly region: string;
  readonly credentials: AwsCredentialIdentityProvider;
  /** Per-request limit; a hung endpoint must not hold spans (or a shutdown) forever. */
  readonly timeoutMs?: number;
  /** Told about each failed export; its spans are dropped, not retried. */
  readonly onError?: (error: Error) => void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class SigV4TraceExporter implements SpanExporter {
  private readonly signer: SignatureV4;
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: SigV4TraceExporterOptions) {
    this.signer = new SignatureV4({ service: 'xray', region: options.region, credentials: options.credentials, sha256: Sha256 });
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('Exporter is shut down') });
      return;
    }
    const sent = this.send(spans).then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        this.options.onError?.(failure);
        resultCallback({ code: ExportResultCode.FAILED, error: failure });
      },
    );
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.pending);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.forceFlush();
  }

  private async send(spans: ReadableSpan[]): Promise<void> {
    const body = ProtobufTraceSerializer.serializeRequest(spans);
    if (body === undefined) throw new Error('Spans could not be serialized');
    const { url } = this.options;
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'content-type': 'application/x-protobuf' },
      body,
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    if (!response.ok) {
      const detail = (await response.text()).slice(0, 500);
      throw new Error(`OTLP export to ${url.origin}${url.pathname} failed: HTTP ${response.status} ${detail}`);
    }
    await response.body?.cancel();
  }
}
