import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { trace } from '@opentelemetry/api';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentConfigError } from '../../agent/core/errors.js';
import { invokeAgent } from '../../agent/core/invoke.js';
import { SigV4TraceExporter } from '../../agent/core/sigv4-trace-exporter.js';
import { startTelemetry, tracesUrl, type Telemetry } from '../../agent/core/telemetry.js';
import { createLambdaHandler } from '../../agent/lambda-handler.js';
import { createAgentServer } from '../../agent/server.js';
import { testDependencies } from './helpers/deps.js';
import { httpRequest } from './helpers/http.js';
import { memoryLogger } from './helpers/memory.js';
import { startOtlpEndpoint, type OtlpEndpoint } from './helpers/otlp-endpoint.js';
import { EchoModel } from './helpers/scripted-model.js';

const REGION = 'eu-central-1';
const CREDENTIALS = { accessKeyId: 'AKIDTELEMETRYTEST', secretAccessKey: 'telemetry-test-secret', sessionToken: 'telemetry-session-token' };
const SESSION_ID = 'session-0123456789-0123456789-0123456789';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const request = { documentId: 'doc-1', contentType: 'data', content: { data: 'Invoice 7: 42 EUR' }, eventTime: '2025-01-01T00:00:00Z' };

describe('tracesUrl', () => {
  it("defaults to the X-Ray OTLP endpoint of the agent's Region", () => {
    expect(tracesUrl({ AWS_REGION: REGION }).url.href).toBe(`https://xray.${REGION}.amazonaws.com/v1/traces`);
    expect(tracesUrl({ AWS_DEFAULT_REGION: 'us-west-2' })).toMatchObject({ region: 'us-west-2' });
  });

  it('follows the AWS SDK endpoint overrides, the X-Ray one first', () => {
    expect(tracesUrl({ AWS_REGION: REGION, AWS_ENDPOINT_URL: 'http://127.0.0.1:4000' }).url.href).toBe('http://127.0.0.1:4000/v1/traces');
    expect(
      tracesUrl({ AWS_REGION: REGION, AWS_ENDPOINT_URL: 'http://127.0.0.1:4000', AWS_ENDPOINT_URL_XRAY: 'http://127.0.0.1:5000' }).url.href,
    ).toBe('http://127.0.0.1:5000/v1/traces');
  });

  it('names the variable when the Region is missing or an endpoint is not an http(s) URL', () => {
    expect(() => tracesUrl({})).toThrow(AgentConfigError);
    expect(() => tracesUrl({})).toThrow(/AWS_REGION: is required when AGENT_OBSERVABILITY_ENABLED is set/);
    expect(() => tracesUrl({ AWS_REGION: REGION, AWS_ENDPOINT_URL_XRAY: 'not a url' })).toThrow(/AWS_ENDPOINT_URL_XRAY: must be an http\(s\) URL, got "not a url"/);
    expect(() => tracesUrl({ AWS_REGION: REGION, AWS_ENDPOINT_URL: 'ftp://127.0.0.1' })).toThrow(/AWS_ENDPOINT_URL: must be an http\(s\) URL/);
  });
});

describe('startTelemetry', () => {
  let otlp: OtlpEndpoint;
  let telemetry: Telemetry | undefined;

  beforeAll(async () => {
    otlp = await startOtlpEndpoint();
  });
  afterAll(async () => {
    await otlp.close();
  });
  beforeEach(() => {
    otlp.requests.length = 0;
    otlp.status = 200;
    // The resource comes from the process environment, as the OpenTelemetry specification says.
    vi.stubEnv('OTEL_SERVICE_NAME', 'invoices');
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', 'aws.log.group.names=/aws/vendedlogs/agents/invoices');
  });
  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
    vi.unstubAllEnvs();
  });

  const env = (extra: Record<string, string> = {}) => ({
    AGENT_OBSERVABILITY_ENABLED: 'true',
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_XRAY: otlp.url,
    ...extra,
  });
  const start = (extra: Record<string, string> = {}, logger = memoryLogger()) =>
    (telemetry = startTelemetry(env(extra), logger, { credentials: async () => CREDENTIALS }));

  it('does nothing unless AGENT_OBSERVABILITY_ENABLED is true, or when OTEL_TRACES_EXPORTER is none', async () => {
    const disabledEnvs: Array<Record<string, string>> = [{ AGENT_OBSERVABILITY_ENABLED: '' }, { AGENT_OBSERVABILITY_ENABLED: 'false' }, { OTEL_TRACES_EXPORTER: 'none' }];
    for (const disabled of disabledEnvs) {
      const t = start(disabled);
      expect(t.enabled).toBe(false);
      trace.getTracer('test').startSpan('ignored').end();
      await t.flush();
    }
    expect(otlp.requests).toEqual([]);
  });

  it('serves without tracing, and says why, when the X-Ray endpoint cannot be derived', () => {
    const logger = memoryLogger();
    const t = startTelemetry({ AGENT_OBSERVABILITY_ENABLED: 'true', AWS_ENDPOINT_URL_XRAY: 'http://127.0.0.1:1' }, logger);
    expect(t.enabled).toBe(false);
    const line = logger.lines.find((l) => l.message === 'Tracing is off: its configuration is invalid');
    expect(line?.level).toBe('error');
    expect((line?.error as Error).message).toMatch(/^AWS_REGION: is required/);
  });

  it('rejects a bad flag with the variable named', () => {
    expect(() => start({ AGENT_OBSERVABILITY_ENABLED: 'yes' })).toThrow(/AGENT_OBSERVABILITY_ENABLED: must be true/);
  });

  it("exports Strands' spans of an AgentCore invocation, in the caller's trace, SigV4-signed for X-Ray", async () => {
    start();
    const deps = testDependencies({ model: new EchoModel(), env: { AGENT_OBSERVABILITY_ENABLED: 'true' } });
    const server = createAgentServer({ logger: memoryLogger(), telemetry: telemetry!, invoke: (payload, options) => invokeAgent(payload, deps, options) });
    const { port } = await server.listen(0, '127.0.0.1');
    try {
      const answer = await httpRequest(`http://127.0.0.1:${port}/invocations`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id': SESSION_ID,
          'X-Amzn-Bedrock-AgentCore-Runtime-Request-Id': 'agentcore-request-7',
          traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`,
        },
        body: JSON.stringify(request),
      });
      expect(answer.status).toBe(200);
    } finally {
      await server.close(0);
    }
    await telemetry!.flush();

    expect(otlp.requests.length).toBeGreaterThan(0);
    const spans = otlp.spans();
    const agentSpan = spans.find((s) => s.name.startsWith('invoke_agent'));
    expect(agentSpan, spans.map((s) => s.name).join(', ')).toBeDefined();
    expect(spans.map((s) => s.name)).toContain('chat');
    // One trace, the caller's; the agent span hangs under the caller's span, the rest under it.
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([TRACE_ID]));
    expect(agentSpan!.parentSpanId).toBe(PARENT_SPAN_ID);
    const ids = new Set(spans.map((s) => s.spanId));
    for (const s of spans.filter((x) => x !== agentSpan)) expect(ids.has(s.parentSpanId), s.name).toBe(true);
    expect(agentSpan!.attributes['session.id']).toBe(SESSION_ID);
    expect(agentSpan!.attributes['aws.request_id']).toBe('agentcore-request-7');
    expect(agentSpan!.resource).toMatchObject({ 'service.name': 'invoices', 'aws.log.group.names': '/aws/vendedlogs/agents/invoices' });

    const sent = otlp.requests[0]!;
    expect(sent.path).toBe('/v1/traces');
    expect(sent.headers['content-type']).toBe('application/x-protobuf');
    expect(sent.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    expect(sent.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/\\d{8}/${REGION}/xray/aws4_request, `));
    // The signature is the one X-Ray would compute over what arrived.
    const url = new URL(otlp.url);
    const amzDate = String(sent.headers['x-amz-date']);
    const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`);
    const expected = await new SignatureV4({ service: 'xray', region: REGION, credentials: CREDENTIALS, sha256: Sha256 }).sign(
      {
        method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/v1/traces', query: {},
        headers: { host: url.host, 'content-type': 'application/x-protobuf' }, body: new Uint8Array(sent.body),
      },
      { signingDate },
    );
    expect(sent.headers.authorization).toBe(expected.headers.authorization);
  });

  it('starts a new trace when the request carries none, and continues an X-Ray trace header', async () => {
    start();
    const tracer = trace.getTracer('test');
    await telemetry!.inTraceContext({}, async () => tracer.startSpan('fresh').end());
    await telemetry!.inTraceContext({ 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' }, async () =>
      tracer.startSpan('xray-child').end(),
    );
    await telemetry!.flush();
    const byName = Object.fromEntries(otlp.spans().map((s) => [s.name, s]));
    expect(byName.fresh).toMatchObject({ parentSpanId: '' });
    expect(byName.fresh!.traceId).toMatch(/^[0-9a-f]{32}$/);
    // X-Ray-style id: it starts with the time, in seconds.
    expect(Math.abs(parseInt(byName.fresh!.traceId.slice(0, 8), 16) - Date.now() / 1000)).toBeLessThan(60);
    expect(byName['xray-child']).toMatchObject({ traceId: '5759e988bd862e3fe1be46a994272793', parentSpanId: '53995c3f42cd8ad8' });
  });

  it('on Lambda, joins the invocation trace from _X_AMZN_TRACE_ID and exports before the handler returns', async () => {
    start();
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-6759e988-0d862e3fe1be46a994272793;Parent=63995c3f42cd8ad8;Sampled=1');
    const deps = testDependencies({ model: new EchoModel(), env: { AGENT_OBSERVABILITY_ENABLED: 'true' } });
    const handler = createLambdaHandler(() => deps, () => telemetry!);
    await handler(request, { awsRequestId: 'req-telemetry' });
    // No flush here: the handler has done it.
    const spans = otlp.spans();
    expect(spans.map((s) => s.name)).toContain('chat');
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set(['6759e9880d862e3fe1be46a994272793']));
    expect(spans.find((s) => s.name.startsWith('invoke_agent'))?.parentSpanId).toBe('63995c3f42cd8ad8');
  });

  it('logs a failed export and drops the spans; the invocation is not affected', async () => {
    const logger = memoryLogger();
    start({}, logger);
    otlp.status = 503;
    const deps = testDependencies({ model: new EchoModel(), env: { AGENT_OBSERVABILITY_ENABLED: 'true' } });
    const response = await createLambdaHandler(() => deps, () => telemetry!)(request);
    expect(response).toMatchObject({ result: expect.anything() });
    expect(otlp.requests.length).toBeGreaterThan(0);
    const warning = logger.lines.find((l) => l.message === 'Exporting spans failed; they are dropped');
    expect(warning?.level).toBe('warn');
    expect((warning?.error as Error).message).toMatch(/OTLP export to http:\/\/127\.0\.0\.1:\d+\/v1\/traces failed: HTTP 503 ThrottlingException/);
  });
});

describe('SigV4TraceExporter', () => {
  const exportOnce = (exporter: SigV4TraceExporter) => new Promise<ExportResult>((resolve) => exporter.export([], resolve));

  it('fails, rather than hangs, when the endpoint never answers', async () => {
    // Accepts connections and never answers.
    const silent = createNetServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const exporter = new SigV4TraceExporter({ url: new URL(`http://127.0.0.1:${port}/v1/traces`), region: REGION, credentials: async () => CREDENTIALS, timeoutMs: 200 });
      const result = await exportOnce(exporter);
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(result.error?.name).toBe('TimeoutError');
    } finally {
      silent.close();
    }
  });

  it('refuses to export once shut down', async () => {
    const exporter = new SigV4TraceExporter({ url: new URL('http://127.0.0.1:9/v1/traces'), region: REGION, credentials: async () => CREDENTIALS });
    await exporter.shutdown();
    expect((await exportOnce(exporter)).error?.message).toBe('Exporter is shut down');
  });
});
