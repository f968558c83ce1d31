import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bounded, exitOf } from '../cli/cli-process.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/local-issuer.js';
import { expectFreshBundle } from '../helpers/shipped-bundle.js';
import { eventsOf, restProxyEvent } from './helpers/chat-transport.js';
import { SESSION_HEADER } from './helpers/chat-front-doors.js';
import { startConverseEndpoint, type ConverseEndpoint, type ConverseRequestBody } from './helpers/converse-endpoint.js';
import { BUCKETS, MODEL_ID, SYSTEM_PROMPT_KEY, SYSTEM_PROMPT_TEXT } from './helpers/fixtures.js';
import { httpRequest } from './helpers/http.js';
import { REGION, S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from './helpers/local-aws.js';

/** The shipped bundles (`npm run bundle:agent`, `npm run bundle:functions`; both run by `pretest`). */
const ROOT = resolve(import.meta.dirname, '..', '..');
const LAMBDA_BUNDLE = join(ROOT, 'assets', 'agent', 'lambda', 'index.js');
const AGENTCORE_BUNDLE = join(ROOT, 'assets', 'agent', 'agentcore', 'index.js');
const AUTHORIZER_BUNDLE = join(ROOT, 'assets', 'authorizer', 'index.mjs');
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/chat';
/** Bounds on the child processes (each killed past its bound): the Lambda runner's two turns, the server's start and its stop. */
const RUN_MS = 30_000;
const START_MS = 20_000;
const STOP_MS = 10_000;

/** The directories each bundle is built from; a bundle older than any file in them is stale. */
const AGENT_SOURCE_DIRS = ['agent', 'src/runtime'];
const AUTHORIZER_SOURCE_DIRS = ['authorizer', 'agent', 'src/runtime'];

/**
 * Runs the Lambda bundle's chatHandler in a fresh Node process under the streaming shim, as the
 * runtime would (the globals defined before the module loads), each turn's caller first verified
 * by the shipped token authorizer bundle, whose context becomes the event's authorizer context.
 */
const LAMBDA_RUNNER = `
import { installStreamingGlobals, invokeStreamingHandler } from './shim.mjs';
installStreamingGlobals();
const { lambda, authorizer, token, template, messages } = JSON.parse(process.argv[2]);
const fn = await import(lambda);
const auth = await import(authorizer);
const turns = [];
let sessionId;
for (const message of messages) {
  const allowed = await auth.handler({ type: 'TOKEN', authorizationToken: 'Bearer ' + token, methodArn: ${JSON.stringify(METHOD_ARN)} });
  const event = { ...template, body: JSON.stringify(sessionId === undefined ? { message } : { message, sessionId }),
    requestContext: { ...template.requestContext, authorizer: { ...allowed.context, principalId: allowed.principalId } } };
  const result = await invokeStreamingHandler(fn.chatHandler, event, { timeoutMs: 60000 }).done;
  const body = result.http ? result.http.body.toString('utf8') : '';
  sessionId ??= /"sessionId":"([^"]+)"/.exec(body)?.[1];
  turns.push({ outcome: result.outcome, contentType: result.contentType, raw: result.raw.toString('base64'),
    statusCode: result.http?.statusCode, headers: result.http?.headers, body });
}
process.stdout.write('RESULT ' + JSON.stringify({ exports: Object.keys(fn), turns }) + '\\n', () => process.exit(0));
`;

interface LambdaTurn {
  readonly outcome: string;
  readonly contentType: string;
  readonly raw: string;
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Answers by the conversation's length, so the same turn gets the same answer on either runtime. */
function chatModel(body: ConverseRequestBody) {
  const users = body.messages.filter((m) => m.role === 'user').length;
  return users === 1 ? { text: 'Hello! How can I help?', usage: { inputTokens: 12, outputTokens: 6 } } : { text: 'Order 42 has shipped.', usage: { inputTokens: 30, outputTokens: 7 } };
}

const GOLDEN_FIRST = (sessionId: string): string =>
  `event: session\ndata: {"type":"session","sessionId":"${sessionId}"}\n\n` +
  'event: text\ndata: {"type":"text","delta":"Hello! How "}\n\n' +
  'event: text\ndata: {"type":"text","delta":"can I help?"}\n\n' +
  'event: done\ndata: {"type":"done","stopReason":"endTurn","usage":{"inputTokens":12,"outputTokens":6,"totalTokens":18}}\n\n';

/**
 * The shipped agent bundles with INVOKE_TYPE=interactive, each in its own process with only a
 * runtime's environment: the real S3 and Bedrock clients against local stand-ins, tokens from a
 * local issuer (Cognito mode), sessions in a directory. One golden conversation on each; the first
 * turn's bytes are the same on both.
 */
describe('interactive agent bundles (Lambda chatHandler, AgentCore server)', () => {
  let work: string;
  let s3: LocalS3;
  let bedrock: ConverseEndpoint;
  let issuer: LocalIssuer;
  const children: ChildProcess[] = [];
  let lambdaSessionId = '';
  let lambdaFirstBody = '';

  beforeAll(async () => {
    await expectFreshBundle(LAMBDA_BUNDLE, AGENT_SOURCE_DIRS, 'npm run bundle:agent');
    await expectFreshBundle(AGENTCORE_BUNDLE, AGENT_SOURCE_DIRS, 'npm run bundle:agent');
    await expectFreshBundle(AUTHORIZER_BUNDLE, AUTHORIZER_SOURCE_DIRS);
    work = await mkdtemp(join(tmpdir(), 'chat-bundles-'));
    await esbuild.build({ entryPoints: [join(ROOT, 'cli', 'lambda-streaming.ts')], outfile: join(work, 'shim.mjs'), bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
    await writeFile(join(work, 'run-chat-lambda.mjs'), LAMBDA_RUNNER);
    s3 = await startLocalS3([BUCKETS.config]);
    await s3.put(BUCKETS.config, SYSTEM_PROMPT_KEY, SYSTEM_PROMPT_TEXT, 'text/plain');
    bedrock = await startConverseEndpoint(chatModel);
    issuer = await startLocalIssuer({ path: '/us-east-1_LocalPool' });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await bedrock?.close();
    await s3?.close();
    await issuer?.close();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  /** What the construct and the runtime set, nothing from this process. */
  async function runtimeEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    return {
      PATH: process.env.PATH ?? '',
      SYSTEM_PROMPT_S3_BUCKET_NAME: BUCKETS.config,
      SYSTEM_PROMPT_S3_KEY: SYSTEM_PROMPT_KEY,
      MODEL_ID,
      INVOKE_TYPE: 'interactive',
      SESSION_DIRECTORY: await mkdtemp(join(work, 'sessions-')),
      ...issuer.authEnv('COGNITO'),
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
      ...extra,
    };
  }

  it('Lambda: chatHandler, streamified, answers a conversation verified by the token authorizer, history kept between turns', async () => {
    const token = await issuer.mint({ sub: 'alice' });
    const input = {
      lambda: pathToFileURL(LAMBDA_BUNDLE).href,
      authorizer: pathToFileURL(AUTHORIZER_BUNDLE).href,
      token,
      template: restProxyEvent(),
      messages: ['Hi', 'Where is order 42?'],
    };
    const child = spawn(process.execPath, [join(work, 'run-chat-lambda.mjs'), JSON.stringify(input)], { cwd: work, env: await runtimeEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await bounded(exitOf(child), RUN_MS, 'the Lambda runner', () => child.kill('SIGKILL'));
    expect(code, stderr).toBe(0);
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    const { exports, turns } = JSON.parse(line?.slice(7) ?? '{}') as { exports: string[]; turns: LambdaTurn[] };
    expect(exports).toEqual(['chatHandler', 'handler']);

    const [first, second] = turns;
    expect(first).toMatchObject({ outcome: 'completed', contentType: 'application/vnd.awslambda.http-integration-response', statusCode: 200 });
    expect(first?.headers).toEqual({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
    const events = eventsOf(first?.body ?? '');
    lambdaSessionId = events[0]?.type === 'session' ? events[0].sessionId : '';
    lambdaFirstBody = first?.body ?? '';
    expect(first?.body).toBe(GOLDEN_FIRST(lambdaSessionId));
    // On the wire to the Runtime API: the prelude JSON, 8 NUL bytes, then the frames.
    const prelude = JSON.stringify({ statusCode: 200, headers: first?.headers });
    expect(Buffer.from(first?.raw ?? '', 'base64').toString('utf8')).toBe(`${prelude}${'\0'.repeat(8)}${first?.body}`);

    expect(eventsOf(second?.body ?? '').map((e) => (e.type === 'text' ? e.delta : e.type))).toEqual(['session', 'Order 42 ha', 's shipped.', 'done']);
    // Each turn restored the session from the directory: the model saw the first exchange.
    const lastCall = bedrock.calls.at(-1);
    expect(lastCall?.body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(lastCall?.body.system?.[0]?.text).toBe(SYSTEM_PROMPT_TEXT);
  });

  it('AgentCore: the server answers the same first turn with the same bytes, verifies the token itself, and continues the session', async () => {
    expect(lambdaSessionId).not.toBe('');
    const child = spawn(process.execPath, [AGENTCORE_BUNDLE], { cwd: work, env: await runtimeEnv({ PORT: '0', AGENT_SERVER_HOST: '127.0.0.1' }), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const exited = exitOf(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const listening = new Promise<number>((resolvePort, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        // Only the server's JSON log lines say where it listens; anything else on stdout is skipped.
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        if (entry?.message === 'AgentCore server listening') resolvePort(Number(entry.port));
      });
      child.on('exit', (code) => reject(new Error(`the server exited early with ${code}: ${stderr}`)));
    });
    const port = await bounded(listening, START_MS, "the AgentCore server's 'listening' line", () => child.kill('SIGKILL'));
    const base = `http://127.0.0.1:${port}`;
    const token = await issuer.mint({ sub: 'alice' });
    const post = (body: unknown, headers: Record<string, string>) =>
      httpRequest(`${base}/invocations`, { method: 'POST', headers: { 'Content-Type': 'application/json', [SESSION_HEADER]: lambdaSessionId, ...headers }, body: JSON.stringify(body) });

    const refused = await post({ message: 'Hi' }, { Authorization: 'Bearer not-a-token' });
    expect([refused.status, refused.json()]).toEqual([401, { code: 'Unauthorized', message: 'malformed token' }]);

    const first = await post({ message: 'Hi' }, { Authorization: `Bearer ${token}` });
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(first.text).toBe(GOLDEN_FIRST(lambdaSessionId));
    expect(first.text).toBe(lambdaFirstBody);

    const second = await post({ message: 'Where is order 42?', sessionId: lambdaSessionId }, { Authorization: `Bearer ${token}` });
    expect(eventsOf(second.text).map((e) => (e.type === 'text' ? e.delta : e.type))).toEqual(['session', 'Order 42 ha', 's shipped.', 'done']);
    expect(bedrock.calls.at(-1)?.body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect((await httpRequest(`${base}/ping`)).json()).toMatchObject({ status: 'Healthy' });

    child.kill('SIGTERM');
    expect(await bounded(exited, STOP_MS, 'the AgentCore server stopping on SIGTERM', () => child.kill('SIGKILL'))).toBe(0);
  });
});
