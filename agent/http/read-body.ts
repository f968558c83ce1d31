import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/**
 * Reads a request body of at most `limit` bytes. A declared Content-Length above the limit is
 * refused before reading; a body that grows past it (chunked) is refused as soon as it does.
 * Either way the rest of the upload is drained and discarded so the client gets to read the 413.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (): void => {
      req.removeAllListeners('data');
      req.resume();
      reject(new HttpError(413, `Request body exceeds the limit of ${limit} bytes`, { Connection: 'close' }));
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', (error) => reject(new HttpError(400, `Request body could not be read: ${error.message}`)));
    req.on('aborted', () => reject(new HttpError(400, 'Request aborted by the client')));
  });
}
