import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installStreamingGlobals, invokeStreamingHandler, isStreamingHandler } from '../../cli/lambda-streaming.js';
import { startAgentCoreDataPlane, type AgentCoreDataPlane } from '../helpers/agentcore-data-plane.js';
import { expectFreshBundle } from '../helpers/shipped-bundle.js';
import { proxyEvent } from './helpers/events.js';
import { DONE_FRAME, scriptedAnswer, sessionFrame, textFrame } from './helpers/scripted-agent.js';

/** The chat proxy as shipped (`npm run bundle:functions`, run by `pretest`). */
const ROOT = resolve(import.meta.dirname, '..', '..');
const ASSET_DIR = join(ROOT, 'assets', 'chat-proxy');
const BUNDLE = join(ASSET_DIR, 'index.mjs');
const BUDGET_BYTES = 1.5 * 1024 * 1024;
/** The directories the bundle is built from (its own, and those it imports from); a bundle older than any file in them is stale. */
const SOURCE_DIRS = ['chat-proxy', 'agent', 'sessions', 'cli', 'src/runtime'];

const ARN = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/chat_agent-AbC123xyZ9';
const SESSION_ID = 'chat-proxy-bundle-session-0123456789abcdef';
const CALLER_ARN = 'arn:aws:iam::123456789012:user/bob';

describe('chat proxy bundle', () => {
  let plane: AgentCoreDataPlane;
  let restoreGlobals: () => void;
  const savedEnv: Record<string, string | undefined> = {};

  beforeAll(async () => {
    await expectFreshBundle(BUNDLE, SOURCE_DIRS);
    plane = await startAgentCoreDataPlane();
    restoreGlobals = installStreamingGlobals();
  });

  afterAll(async () => {
    restoreGlobals?.();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await plane?.close();
  });

  it('is one ESM file, index.mjs, alone in its asset directory (what Lambda gets), within 1.5 MB', async () => {
    expect(await readdir(ASSET_DIR)).toEqual(['index.mjs']);
    expect((await stat(BUNDLE)).size).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('loads in plain Node away from any node_modules and without the awslambda global, exporting only `handler`', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chat-proxy-bundle-'));
    try {
      await copyFile(BUNDLE, join(dir, 'index.mjs'));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--no-warnings', '--input-type=module', '-e', "const m = await import('./index.mjs'); process.stdout.write(JSON.stringify(Object.keys(m)));"],
        { cwd: dir, env: { PATH: process.env.PATH ?? '' }, timeout: 10_000 },
      );
      expect(JSON.parse(stdout)).toEqual(['handler']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs one IAM turn under the streaming shim: streamified, SigV4 with the caller as runtime user, bytes unchanged', async () => {
    const env = {
      AGENT_RUNTIME_ARN: ARN,
      AGENT_QUALIFIER: 'DEFAULT',
      AUTH_MODE: 'IAM',
      HEARTBEAT_SECONDS: '15',
      CORS_ALLOWED_ORIGINS: '',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDPROXYBUNDLE',
      AWS_SECRET_ACCESS_KEY: 'proxy-bundle-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: plane.url,
    };
    for (const [name, value] of Object.entries(env)) {
      if (!(name in savedEnv)) savedEnv[name] = process.env[name];
      process.env[name] = value;
    }
    const agentBytes = sessionFrame(SESSION_ID) + textFrame('from the bundle') + DONE_FRAME;
    plane.next(scriptedAnswer([agentBytes]).handler);
    const { handler } = (await import(pathToFileURL(BUNDLE).href)) as { handler: unknown };
    expect(isStreamingHandler(handler)).toBe(true);

    const result = await invokeStreamingHandler(handler, proxyEvent({ body: JSON.stringify({ message: 'Hi', sessionId: SESSION_ID }), userArn: CALLER_ARN }), { timeoutMs: 10_000 }).done;

    expect(result.outcome).toBe('completed');
    expect(result.http?.statusCode).toBe(200);
    expect(result.http?.body.toString('utf8')).toBe(agentBytes);
    const call = plane.calls[0]!;
    expect(call.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDPROXYBUNDLE\/\d{8}\/us-east-1\/bedrock-agentcore\/aws4_request/);
    expect(call.headers['x-amzn-bedrock-agentcore-runtime-user-id']).toBe(CALLER_ARN);
    expect(call.sessionId).toBe(SESSION_ID);
  });
});
