import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Guards shared by the tool's servers on 127.0.0.1 (the local S3 endpoint, the Lambda contract's
 * endpoint), so a web page in the user's browser cannot drive them: a DNS-rebinding page reaches
 * 127.0.0.1 under its own host name, and a cross-site request carries an `Origin` header. Only a
 * Host of `127.0.0.1:<port>` or `localhost:<port>` is served, and no request with an `Origin`.
 */

/** Why the request is refused (answer 403), or undefined when it may be served. */
export function refusedReason(req: IncomingMessage, port: number): string | undefined {
  if (req.headers.origin !== undefined) return 'requests from a web page (with an Origin header) are refused';
  const host = (req.headers.host ?? '').toLowerCase();
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    return `Host ${JSON.stringify(req.headers.host ?? '')} refused: only 127.0.0.1:${port} or localhost:${port}`;
  }
  return undefined;
}

/** The request's path, decoded; undefined when the target is not a valid URL or its escapes are malformed. */
export function requestPath(req: IncomingMessage): string | undefined {
  try {
    return decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
  } catch {
    return undefined;
  }
}

/** A malformed request (bad request line, headers too large) answers 400 and closes, never throws. */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (_error: Error, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
}
