import type { ServerResponse } from 'node:http';

/**
 * A whole JSON answer: status, `headers`, Content-Type and Content-Length, and the body (none for
 * HEAD). When the headers are already out (a stream started), the answer is only ended.
 */
export function sendJson(res: ServerResponse, statusCode: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(statusCode, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}
