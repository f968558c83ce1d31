// The authorizer as shipped (`npm run bundle:functions`, run by `pretest`), run as Lambda runs it:
// a fresh Node process, away from any node_modules, configured by its environment only.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalIssuer, tamperSignature, unsignedToken, type LocalIssuer } from '../helpers/local-issuer.js';
import { expectFreshBundle } from '../helpers/shipped-bundle.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const ASSET_DIR = join(ROOT, 'assets', 'authorizer');
/** The directories the bundle is built from (its own, and those it imports from); a bundle older than any file in them is stale. */
const SOURCE_DIRS = ['authorizer', 'agent', 'src/runtime'];
const BUDGET_BYTES = 100 * 1024;
/** Lambda's init phase for this function: loading the module and reading its configuration. */
const INIT_BUDGET_MS = 200;
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/sessions/s-1';

type Outcome = { result: unknown } | { error: { name: string; message: string } };
interface Run {
  readonly exports: string[];
  readonly importMs: number;
  readonly outcomes: Outcome[];
  readonly logs: Array<Record<string, unknown>>;
}

// Imports the bundle, calls its handler with each event in turn (one warm container), and prints
// one JSON line of results after the handler's own log lines.
const SCRIPT = `
const t = performance.now();
const m = await import('./index.mjs');
const importMs = performance.now() - t;
const outcomes = [];
for (const event of JSON.parse(process.env.EVENTS)) {
  try { outcomes.push({ result: await m.handler(event, { awsRequestId: 'bundle-req' }) }); }
  catch (e) { outcomes.push({ error: { name: e.name, message: e.message } }); }
}
process.stdout.write(JSON.stringify({ run: { exports: Object.keys(m), importMs, outcomes } }) + '\\n');
`;

describe('authorizer bundle', () => {
  let issuer: LocalIssuer;
  let dir: string;

  beforeAll(async () => {
    await expectFreshBundle(join(ASSET_DIR, 'index.mjs'), SOURCE_DIRS);
    issuer = await startLocalIssuer({ path: '/eu-west-1_Bundle' });
    dir = await mkdtemp(join(tmpdir(), 'authorizer-bundle-'));
    await copyFile(join(ASSET_DIR, 'index.mjs'), join(dir, 'index.mjs'));
  });
  afterAll(async () => {
    await issuer?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function run(events: readonly unknown[], env: Record<string, string> = issuer.authEnv('COGNITO')): Promise<Run> {
    const { stdout } = await promisify(execFile)(process.execPath, ['--no-warnings', '--input-type=module', '-e', SCRIPT], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', ...env, EVENTS: JSON.stringify(events) },
      timeout: 10_000,
    });
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const last = lines.pop() as { run: Omit<Run, 'logs'> };
    return { ...last.run, logs: lines };
  }

  it('is one ESM file, index.mjs, alone in its asset directory, within 100 KB', async () => {
    expect(await readdir(ASSET_DIR)).toEqual(['index.mjs']);
    const { size } = await stat(join(ASSET_DIR, 'index.mjs'));
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('allows a good token (whole stage, context {sub, iss}) and refuses bad ones with exactly "Unauthorized"; the key set fetched once', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = await issuer.mint({ sub: 'alice' });
    const bad = [
      undefined,
      'Basic YWxpY2U6cGFzc3dvcmQ=',
      `Bearer ${await issuer.mint({ exp: now - 60 })}`,
      `Bearer ${await issuer.mint({ tokenUse: 'id' })}`,
      `Bearer ${await issuer.mint({ clientId: 'other' })}`,
      `Bearer ${await issuer.mint({ alg: 'HS256' })}`,
      `Bearer ${tamperSignature(good)}`,
      `Bearer ${unsignedToken({ iss: issuer.url, sub: 'mallory', client_id: issuer.clientId, token_use: 'access', exp: now + 60 })}`,
    ];
    const before = issuer.requests.jwks;
    const { exports, outcomes, logs } = await run([
      { type: 'TOKEN', authorizationToken: `Bearer ${good}`, methodArn: METHOD_ARN },
      ...bad.map((authorizationToken) => ({ type: 'TOKEN', authorizationToken, methodArn: METHOD_ARN })),
      { type: 'TOKEN', authorizationToken: `Bearer ${await issuer.mint({ sub: 'bob', alg: 'ES256' })}`, methodArn: METHOD_ARN },
    ]);
    expect(exports).toEqual(['handler']);
    expect(outcomes[0]).toEqual({
      result: {
        principalId: 'alice',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/*' }],
        },
        context: { sub: 'alice', iss: issuer.url },
      },
    });
    expect(outcomes.slice(1, -1)).toEqual(bad.map(() => ({ error: { name: 'Error', message: 'Unauthorized' } })));
    expect(outcomes.at(-1)).toMatchObject({ result: { principalId: 'bob', context: { sub: 'bob' } } });
    expect(issuer.requests.jwks - before).toBe(1);
    // One JSON line per request, with a reason for each refusal and never a token's signature.
    expect(logs.map((line) => line.message)).toEqual(['authorized', ...bad.map(() => 'unauthorized'), 'authorized']);
    expect(logs.slice(1, -1).map((line) => line.reason)).toEqual([
      'missing Authorization header',
      'Authorization header is not a Bearer token',
      'token expired',
      'token_use is "id", expected "access"',
      'token client is not accepted',
      'token algorithm "HS256" is not accepted',
      'token signature is invalid',
      'token algorithm "none" is not accepted',
    ]);
    const logged = JSON.stringify(logs);
    for (const header of [`Bearer ${good}`, ...bad]) {
      const signature = header?.split('.')[2];
      if (signature) expect(logged).not.toContain(signature);
    }
  });

  it(`loads within ${INIT_BUDGET_MS} ms (median of 3 fresh processes), and fails its init on a bad configuration`, async () => {
    const runs = [await run([]), await run([]), await run([])];
    const median = runs.map((r) => r.importMs).sort((a, b) => a - b)[1]!;
    expect(median).toBeLessThanOrEqual(INIT_BUDGET_MS);
    await expect(run([], { AUTH_MODE: 'COGNITO', AUTH_ISSUER: issuer.url })).rejects.toThrow(/AUTH_CLIENT_IDS: is required when AUTH_MODE is COGNITO/);
    await expect(run([], { AUTH_MODE: 'IAM' })).rejects.toThrow(/AUTH_MODE: the token authorizer verifies bearer tokens/);
  });
});
