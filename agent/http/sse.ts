import type { ServerResponse } from 'node:http';

/**
 * A `text/event-stream` response. Each event carries its kind twice: as the SSE `event:` field
 * for EventSource-style clients, and as `type` in the JSON data for clients that read only
 * `data:` lines (as AgentCore's own SDKs do).
 */
export class SseWriter {
  private readonly res: ServerResponse;

  constructor(res: ServerResponse, headers: Readonly<Record<string, string>>) {
    this.res = res;
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
    });
  }

  send(type: 'text' | 'result' | 'error', data: Record<string, unknown>): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
  /** Position in the header, for ties. */
  readonly index: number;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9a-z-]+";
const MEDIA_RANGE = new RegExp(`^(${TOKEN})/(${TOKEN})$`, 'i');
// RFC 9110 weight: 0 to 1 with at most three decimals.
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** The media ranges of an Accept header; a malformed range, or one with an invalid q, is ignored. */
function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  accept.split(',').forEach((part, index) => {
    const [range = '', ...parameters] = part.split(';').map((p) => p.trim());
    const match = MEDIA_RANGE.exec(range);
    if (match === null) return;
    let q = 1;
    for (const parameter of parameters) {
      const [name = '', value = ''] = parameter.split('=', 2).map((p) => p.trim());
      if (name.toLowerCase() === 'q') q = QVALUE.test(value) ? Number(value) : Number.NaN;
    }
    if (Number.isNaN(q)) return;
    ranges.push({ type: match[1]!.toLowerCase(), subtype: match[2]!.toLowerCase(), q, index });
  });
  return ranges;
}

/** The range that decides how acceptable `type/subtype` is: the most specific one that matches. */
function rangeFor(ranges: readonly MediaRange[], type: string, subtype: string): MediaRange | undefined {
  const specificity = (r: MediaRange): number =>
    r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' && r.subtype === '*' ? 0 : -1;
  let best: MediaRange | undefined;
  for (const range of ranges) {
    if (specificity(range) >= 0 && (best === undefined || specificity(range) > specificity(best))) best = range;
  }
  return best;
}

/**
 * Whether the client prefers a streamed answer (`text/event-stream`) to JSON (`application/json`),
 * by its Accept header (RFC 9110 content negotiation): the higher q wins; at equal q, the type
 * listed first. No header, `*\/*` alone, or `application/json, text/event-stream` (the AgentCore
 * CLI) get JSON; `text/event-stream` alone, or listed first, gets the stream.
 */
export function wantsEventStream(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return false;
  const ranges = parseAccept(accept);
  const stream = rangeFor(ranges, 'text', 'event-stream');
  if (stream === undefined || stream.q === 0) return false;
  const json = rangeFor(ranges, 'application', 'json');
  if (json === undefined || json.q === 0) return true;
  return stream.q > json.q || (stream.q === json.q && stream.index < json.index);
}
