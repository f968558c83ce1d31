import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FileAsset } from './deployment.js';
import { answerClientErrors, refusedReason, requestPath } from './local-http.js';
import { zipDirectory } from './zip.js';

/**
 * A tiny read-only S3-compatible endpoint on 127.0.0.1 that serves a cloud assembly's staged assets
 * at the bucket and key `cdk deploy` would upload them to (path-style `/<bucket>/<key>`; a directory
 * asset whose packaging is zip is served zipped). Signatures are not checked; nothing is written.
 */
export interface LocalS3Server {
  readonly url: string;
  /** `s3://bucket/key` of each object served. */
  readonly objects: readonly string[];
  close(): Promise<void>;
}

interface ServedObject {
  readonly asset: FileAsset;
  bytes?: Uint8Array;
}

function xmlError(res: ServerResponse, status: number, code: string, message: string, resource: string): void {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message.replace(/[<>&]/g, '')}</Message>` +
    `<Resource>${resource.replace(/[<>&]/g, '')}</Resource><RequestId>local</RequestId></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body), 'x-amz-request-id': 'local' });
  res.end(body);
}

function bytesOf(object: ServedObject): Uint8Array {
  if (object.bytes === undefined) {
    const { sourcePath, packaging } = object.asset;
    object.bytes = statSync(sourcePath).isDirectory() && packaging === 'zip' ? zipDirectory(sourcePath) : readFileSync(sourcePath);
  }
  return object.bytes;
}

function handle(objects: Map<string, ServedObject>, port: number, req: IncomingMessage, res: ServerResponse): void {
  const refused = refusedReason(req, port);
  if (refused !== undefined) {
    xmlError(res, 403, 'AccessDenied', refused, '');
    return;
  }
  const decoded = requestPath(req);
  if (decoded === undefined) {
    xmlError(res, 400, 'InvalidURI', 'Couldn\'t parse the specified URI.', '');
    return;
  }
  const path = decoded.replace(/^\/+/, '');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    xmlError(res, 405, 'MethodNotAllowed', 'this local S3 endpoint only serves the assembly\'s assets (GET, HEAD)', path);
    return;
  }
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    xmlError(res, 400, 'InvalidRequest', 'path-style /<bucket>/<key> requests only', path);
    return;
  }
  const object = objects.get(path);
  if (object === undefined) {
    xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist (not a staged asset of the cloud assembly).', path);
    return;
  }
  let bytes: Uint8Array;
  try {
    bytes = bytesOf(object);
  } catch (error) {
    xmlError(res, 500, 'InternalError', `cannot read the staged asset: ${error instanceof Error ? error.message : String(error)}`, path);
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': bytes.byteLength,
    ETag: `"${createHash('md5').update(bytes).digest('hex')}"`,
    'Last-Modified': new Date(0).toUTCString(),
    'Accept-Ranges': 'none',
    'x-amz-request-id': 'local',
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** Starts the endpoint on 127.0.0.1 and a free port, serving `assets`. */
export async function startLocalS3Server(assets: readonly FileAsset[]): Promise<LocalS3Server> {
  const objects = new Map<string, ServedObject>();
  for (const asset of assets) {
    for (const { bucketName, objectKey } of asset.destinations) objects.set(`${bucketName}/${objectKey}`, { asset });
  }
  let port = 0;
  const server = createServer((req, res) => handle(objects, port, req, res));
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    objects: [...objects.keys()].map((k) => `s3://${k}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
