import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs/minimal.js';

/** One span as decoded from an OTLP ExportTraceServiceRequest. */
export interface DecodedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
  readonly resource: Record<string, unknown>;
}

export interface OtlpRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly spans: DecodedSpan[];
}

export interface OtlpEndpoint {
  readonly url: string;
  readonly requests: OtlpRequest[];
  readonly spans: () => DecodedSpan[];
  /** The status the endpoint answers with (200 unless a test says otherwise). */
  status: number;
  close(): Promise<void>;
}

type Reader = protobuf.Reader;

/** Calls `onField` for each field of the message in `bytes`, skipping what it does not read. */
function fields(bytes: Uint8Array, onField: (field: number, reader: Reader, wireType: number) => boolean): void {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (!onField(tag >>> 3, reader, tag & 7)) reader.skipType(tag & 7);
  }
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

// opentelemetry/proto/common/v1/common.proto: AnyValue {1 string, 2 bool, 3 int, 4 double}.
function anyValue(bytes: Uint8Array): unknown {
  let value: unknown;
  fields(bytes, (field, reader) => {
    if (field === 1) value = reader.string();
    else if (field === 2) value = reader.bool();
    else if (field === 3) value = Number(reader.int64());
    else if (field === 4) value = reader.double();
    else return false;
    return true;
  });
  return value;
}

// KeyValue {1 key, 2 value}.
function keyValue(bytes: Uint8Array, into: Record<string, unknown>): void {
  let key = '';
  let value: unknown;
  fields(bytes, (field, reader) => {
    if (field === 1) key = reader.string();
    else if (field === 2) value = anyValue(reader.bytes());
    else return false;
    return true;
  });
  into[key] = value;
}

// Span {1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 9 attributes}.
function span(bytes: Uint8Array, resource: Record<string, unknown>): DecodedSpan {
  const decoded = { traceId: '', spanId: '', parentSpanId: '', name: '', attributes: {} as Record<string, unknown>, resource };
  fields(bytes, (field, reader) => {
    if (field === 1) decoded.traceId = hex(reader.bytes());
    else if (field === 2) decoded.spanId = hex(reader.bytes());
    else if (field === 4) decoded.parentSpanId = hex(reader.bytes());
    else if (field === 5) decoded.name = reader.string();
    else if (field === 9) keyValue(reader.bytes(), decoded.attributes);
    else return false;
    return true;
  });
  return decoded;
}

/**
 * Decodes the spans of an OTLP/protobuf ExportTraceServiceRequest (opentelemetry-proto
 * collector/trace/v1): ResourceSpans {1 resource {1 attributes}, 2 ScopeSpans {2 spans}}.
 */
export function decodeTraceRequest(body: Uint8Array): DecodedSpan[] {
  const spans: DecodedSpan[] = [];
  fields(body, (field, reader) => {
    if (field !== 1) return false;
    const resource: Record<string, unknown> = {};
    const scopeSpans: Uint8Array[] = [];
    fields(reader.bytes(), (rsField, rsReader) => {
      if (rsField === 1) fields(rsReader.bytes(), (f, r) => (f === 1 ? (keyValue(r.bytes(), resource), true) : false));
      else if (rsField === 2) scopeSpans.push(rsReader.bytes());
      else return false;
      return true;
    });
    for (const scope of scopeSpans) {
      fields(scope, (f, r) => (f === 2 ? (spans.push(span(r.bytes(), resource)), true) : false));
    }
    return true;
  });
  return spans;
}

/** A local OTLP/HTTP traces endpoint on 127.0.0.1 that records and decodes what it receives. */
export async function startOtlpEndpoint(): Promise<OtlpEndpoint> {
  const requests: OtlpRequest[] = [];
  const endpoint = {
    url: '',
    requests,
    spans: () => requests.flatMap((r) => r.spans),
    status: 200,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ path: req.url ?? '', headers: req.headers, body, spans: decodeTraceRequest(body) });
      res.writeHead(endpoint.status, { 'Content-Type': 'application/x-protobuf' });
      res.end(endpoint.status === 200 ? undefined : 'ThrottlingException');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return endpoint;
}
