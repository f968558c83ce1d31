import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** s3rver's only accepted access key; it refuses any other. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const REGION = 'us-east-1';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  /** The node:http server, once running. */
  readonly httpServer?: { closeAllConnections(): void };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

// s3rver ships no type declarations; load it through require with the little API used here.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

export interface LocalS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  put(bucket: string, key: string, body: string | Uint8Array, contentType?: string): Promise<void>;
  close(): Promise<void>;
}

/** An S3-compatible server (s3rver) on 127.0.0.1 and a random port, with `buckets` created. */
export async function startLocalS3(buckets: readonly string[]): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 'agent-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ region: REGION, endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  return {
    endpoint,
    client,
    async put(bucket, key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async close() {
      client.destroy();
      // Other clients' keep-alive connections (the agent's own S3 client) would hold close() for
      // the server's keep-alive timeout.
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
