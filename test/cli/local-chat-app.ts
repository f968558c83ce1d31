import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3Assets from 'aws-cdk-lib/aws-s3-assets';
import { AgentRuntimeType, ChatAuth, InteractiveAgent } from '../../src/index.js';
import { TEST_ENV } from '../helpers/test-app.js';
import { freePort, runCli, startLocalCli, type RunningCli } from './cli-process.js';

/**
 * What the `local` tests of interactive agents share: a cloud assembly with one InteractiveAgent
 * (synthesized by the construct, its auth the app's own, which `local` replaces with its issuer),
 * the tool's environment that keeps every AWS call on this machine, and small HTTP helpers.
 */

const PROMPT = join(import.meta.dirname, '..', 'agents', 'fixtures', 'prompt.txt');

/** Synthesizes an app with agent `chat` on `runtime` into `outdir`. */
export function synthChatApp(outdir: string, runtime: AgentRuntimeType): string {
  const app = new App({ outdir });
  const stack = new Stack(app, 'ChatApp', { env: TEST_ENV });
  new InteractiveAgent(stack, 'Chat', {
    agentName: 'chat',
    agentDefinition: { systemPrompt: new s3Assets.Asset(stack, 'Prompt', { path: PROMPT }) },
    // The app's own identity provider: a local run uses its own issuer instead.
    auth: runtime === AgentRuntimeType.LAMBDA ? ChatAuth.cognito() : ChatAuth.oidc({ issuer: 'https://login.example.com', allowedAudiences: ['chat'] }),
    runtime: { type: runtime },
  });
  app.synth();
  return outdir;
}

/** The tool's environment: fake credentials, no instance metadata, every AWS endpoint a dead local port. */
export function offlineEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ACCESS_KEY_ID: 'AKIAFAKELOCALTEST000',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-for-local-tests',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    OTEL_TRACES_EXPORTER: 'none',
    NODE_NO_WARNINGS: '1',
    ...extra,
  };
}

/** Starts `local <agent>` (default `chat`) on a free port (or `port`) with the model stand-in. */
export async function startChatCli(appDir: string, env: NodeJS.ProcessEnv, modelUrl: string, options: { agent?: string; args?: readonly string[]; port?: number } = {}): Promise<RunningCli> {
  const port = options.port ?? (await freePort());
  return startLocalCli([options.agent ?? 'chat', '--app', appDir, '--port', String(port), '--model-endpoint', modelUrl, ...(options.args ?? [])], env, 30_000);
}

/** A token of the run's local issuer for `user`. */
export async function localToken(base: string, user: string): Promise<string> {
  const response = await fetch(`${base}/local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }), signal: AbortSignal.timeout(5_000) });
  if (response.status !== 200) throw new Error(`POST /local/token answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** One frame of the chat event stream, with when it arrived. */
export interface ArrivedEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
  readonly at: number;
}

/** A turn: POST /chat, its frames read as they arrive (bounded). */
export async function chatTurn(base: string, token: string | undefined, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; events: ArrivedEvent[]; chunks: number; text: string }> {
  const response = await fetch(`${base}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const events: ArrivedEvent[] = [];
  let raw = '';
  let chunks = 0;
  if (response.body !== null) {
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      chunks += 1;
      raw += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = raw.indexOf('\n\n')) !== -1) {
        const frame = raw.slice(0, end);
        raw = raw.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) as Record<string, unknown>, at: performance.now() });
      }
    }
  }
  const text = events.filter((e) => e.event === 'text').map((e) => String(e.data.delta)).join('');
  return { status: response.status, headers: response.headers, events, chunks, text: events.length === 0 ? raw : text };
}

/** A Sessions API call. */
export async function sessionsCall(base: string, token: string, method: string, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

export { runCli };
