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

/** Whether the client asked for a streamed answer. */
export function wantsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && accept.toLowerCase().includes('text/event-stream');
}
