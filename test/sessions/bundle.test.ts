import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userKeyOf } from '../../agent/chat/auth.js';
import { startAwsBackend, type SessionBackend } from '../agent/chat/helpers/session-stores.js';
import { S3RVER_CREDENTIALS } from '../agent/helpers/local-aws.js';
import { proxyEvent } from '../chat-proxy/helpers/events.js';
import { expectFreshBundle } from '../helpers/shipped-bundle.js';
import { seedSession } from './helpers/seed.js';

/** The Sessions API as shipped (`npm run bundle:functions`, run by `pretest`). */
const ROOT = resolve(import.meta.dirname, '..', '..');
const ASSET_DIR = join(ROOT, 'assets', 'sessions');
const BUNDLE = join(ASSET_DIR, 'index.mjs');
const BUDGET_BYTES = 1.5 * 1024 * 1024;
/** The directories the bundle is built from (its own, and those it imports from); a bundle older than any file in them is stale. */
const SOURCE_DIRS = ['sessions', 'agent', 'cli', 'src/runtime'];

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_BundleTest';
const SUB = 'bundle-user-1';

/** Runs the bundle's handler once in a fresh Node.js process, in a directory with nothing else. */
async function runBundle(dir: string, env: Record<string, string>, event: unknown): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
  const script = "const { handler } = await import('./index.mjs'); const out = await handler(JSON.parse(process.argv[1]), { awsRequestId: 'bundle-1' }); process.stdout.write('\\n' + JSON.stringify(out));";
  const { stdout } = await promisify(execFile)(process.execPath, ['--no-warnings', '--input-type=module', '-e', script, JSON.stringify(event)], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 10_000,
  });
  // The handler's log lines come first; its answer is the last line.
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { statusCode: number; headers: Record<string, string>; body: string };
}

describe('Sessions API bundle', () => {
  let backend: SessionBackend;
  let dir: string;

  beforeAll(async () => {
    await expectFreshBundle(BUNDLE, SOURCE_DIRS);
    backend = await startAwsBackend();
    dir = await mkdtemp(join(tmpdir(), 'sessions-bundle-'));
    await copyFile(BUNDLE, join(dir, 'index.mjs'));
  });

  afterAll(async () => {
    await backend?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('is one ESM file, index.mjs, alone in its asset directory (what Lambda gets), within 1.5 MB', async () => {
    expect(await readdir(ASSET_DIR)).toEqual(['index.mjs']);
    expect((await stat(BUNDLE)).size).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it("answers GET /sessions/{sessionId} from DynamoDB and S3 in a fresh process away from node_modules: the caller's session and its messages", async () => {
    const sessionId = randomUUID();
    await seedSession(backend.open(), userKeyOf(ISSUER, SUB), sessionId, [['Hello from the bundle test', 'Hello back.']]);

    const answer = await runBundle(
      dir,
      {
        ...backend.env,
        AUTH_MODE: 'COGNITO',
        AUTH_ISSUER: ISSUER,
        AUTH_CLIENT_IDS: 'client-1',
        CORS_ALLOWED_ORIGINS: 'https://app.example.com',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
        // The standard SDK variables, as nothing else in the bundle is told where the services are.
        AWS_ENDPOINT_URL_DYNAMODB: String(backend.options.dynamoDbClientConfig?.endpoint),
        AWS_ENDPOINT_URL_S3: String(backend.options.s3ClientConfig?.endpoint),
      },
      proxyEvent({
        method: 'GET',
        resource: '/sessions/{sessionId}',
        path: `/sessions/${sessionId}`,
        pathParameters: { sessionId },
        authorizer: { sub: SUB, iss: ISSUER },
        headers: { Origin: 'https://app.example.com' },
      }),
    );

    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toMatchObject({ 'Content-Type': 'application/json; charset=utf-8', 'Access-Control-Allow-Origin': 'https://app.example.com' });
    expect(JSON.parse(answer.body)).toMatchObject({
      sessionId,
      title: 'Hello from the bundle test',
      messages: [
        { role: 'user', text: 'Hello from the bundle test' },
        { role: 'assistant', text: 'Hello back.' },
      ],
    });
  });
});
