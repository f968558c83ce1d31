import { request as rawHttpRequest, type ClientRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDependencies } from '../../agent/core/dependencies.js';
import { AgentRuntimeType } from '../../agent/core/errors.js';
import { invokeAgent } from '../../agent/core/invoke.js';
import { createAgentServer, type AgentServer } from '../../agent/server.js';
import { startFaultyS3, until, within, type FaultyS3 } from './helpers/faulty-s3.js';
import { agentEnv, BUCKETS, DOCUMENT_KEY, seedBuckets, SYSTEM_PROMPT_KEY, TOOLS_KEY } from './helpers/fixtures.js';
import { httpRequest, type HttpAnswer } from './helpers/http.js';
import { REGION, S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from './helpers/local-aws.js';
import { memoryLogger, type LogLine } from './helpers/memory.js';
import { EchoModel } from './helpers/scripted-model.js';

const PROMPT_OBJECT = `${BUCKETS.config}/${SYSTEM_PROMPT_KEY}`;
const TOOLS_OBJECT = `${BUCKETS.tools}/${TOOLS_KEY}`;
const DOCUMENT_OBJECT = `${BUCKETS.docs}/${DOCUMENT_KEY}`;
const STUCK = `${BUCKETS.docs}/in/stuck.txt`;
const dataRequest = { contentType: 'data', content: { data: 'INVOICE 7, total 42.50 EUR' } };
const fileRequest = (bucket: string, key: string) => ({ contentType: 'file', content: { bucket, key, location: 's3' } });

/**
 * The AgentCore server with the production wiring (createDependencies: the real S3 client, built
 * from the standard AWS environment) against a local S3 behind a fault-injecting proxy. Only the
 * model is a stand-in. Every wait is bounded.
 */
describe('S3 faults on the AgentCore server (real S3 client, fault-injecting proxy)', () => {
  let s3: LocalS3;
  let faulty: FaultyS3;
  let toolsDir: string;
  const running: AgentServer[] = [];

  beforeAll(async () => {
    s3 = await startLocalS3(Object.values(BUCKETS));
    await seedBuckets(s3);
    faulty = await startFaultyS3(s3.endpoint);
  });

  afterAll(async () => {
    await faulty?.close();
    await s3?.close();
  });

  beforeEach(async () => {
    faulty.rules.clear();
    faulty.requests.length = 0;
    toolsDir = await mkdtemp(join(tmpdir(), 'agent-faults-tools-'));
    // What the runtime gives the process: a Region, credentials, and here an S3 endpoint on 127.0.0.1.
    vi.stubEnv('AWS_REGION', REGION);
    vi.stubEnv('AWS_ACCESS_KEY_ID', S3RVER_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', S3RVER_CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_ENDPOINT_URL_S3', faulty.endpoint);
  });

  afterEach(async () => {
    for (const server of running.splice(0)) await server.close(0);
    vi.unstubAllEnvs();
    await rm(toolsDir, { recursive: true, force: true });
  });

  async function startAgent(env: Record<string, string> = {}) {
    const logger = memoryLogger();
    const model = new EchoModel();
    const deps = createDependencies(
      AgentRuntimeType.AGENTCORE,
      {
        ...agentEnv(),
        EXPECT_JSON: '',
        DOCUMENT_SOURCES: JSON.stringify([{ bucketName: BUCKETS.docs, prefix: 'in/' }]),
        S3_READ_TIMEOUT_MS: '400',
        ...env,
      },
      { logger, modelFactory: () => model, toolsDir },
    );
    const server = createAgentServer({ logger, invoke: (payload, options) => invokeAgent(payload, deps, options) });
    running.push(server);
    const { port } = await server.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${port}`;
    const post = (body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> =>
      httpRequest(`${base}/invocations`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const ping = async () => (await httpRequest(`${base}/ping`)).json() as { status: string };
    return { server, base, post, ping, logger, model, deps };
  }

  const errorOf = (answer: HttpAnswer): string => (answer.json() as { error: string }).error;

  it('fails the invocation whose system prompt read hangs with a 504 naming the object, within the bound; the next one retries and succeeds', async () => {
    const agent = await startAgent({ S3_READ_TIMEOUT_MS: '400' });
    faulty.rules.set(PROMPT_OBJECT, 'hang');

    const started = Date.now();
    const answer = await within(3_000, 'answer to the invocation whose prompt read hangs', agent.post(dataRequest));
    expect(answer.status).toBe(504);
    expect(errorOf(answer)).toContain(`s3://${PROMPT_OBJECT}`);
    expect(errorOf(answer)).toMatch(/timed out after 400 ms.*S3_READ_TIMEOUT_MS/);
    // The documented bound plus the server's own work.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await agent.ping()).toMatchObject({ status: 'Healthy' });
    // The abandoned read released its connection.
    await until(() => faulty.hanging(PROMPT_OBJECT) === 0, 'the hung read to close its connection');

    faulty.rules.delete(PROMPT_OBJECT);
    const retried = await within(3_000, 'answer after S3 recovered', agent.post(dataRequest));
    expect(retried.status).toBe(200);
    expect(faulty.count(PROMPT_OBJECT)).toBe(2);
  });

  it('answers 504 naming the document when its read hangs, and releases the connection', async () => {
    const agent = await startAgent({ S3_READ_TIMEOUT_MS: '300' });
    expect((await within(5_000, 'warm-up answer', agent.post(dataRequest))).status).toBe(200);
    faulty.rules.set(DOCUMENT_OBJECT, 'hang');
    const answer = await within(3_000, 'answer while the document read hangs', agent.post(fileRequest(BUCKETS.docs, DOCUMENT_KEY)));
    expect(answer.status).toBe(504);
    expect(errorOf(answer)).toBe(`Cannot read the document s3://${DOCUMENT_OBJECT}: timed out after 300 ms (S3_READ_TIMEOUT_MS)`);
    await until(() => faulty.hanging(DOCUMENT_OBJECT) === 0, 'the hung read to close its connection');
  });

  it('retries a tool whose download failed (500, 403, reset) on the next invocation, then offers it to the model', async () => {
    const agent = await startAgent({ S3_READ_TIMEOUT_MS: '3000' });
    const faults = [
      { status: 500, code: 'InternalError' },
      { status: 403, code: 'AccessDenied' },
      'reset',
    ] as const;
    for (const fault of faults) {
      faulty.rules.set(TOOLS_OBJECT, fault);
      const answer = await within(5_000, `answer while the tool download fails with ${JSON.stringify(fault)}`, agent.post(dataRequest));
      expect(answer.status, answer.text).toBeGreaterThanOrEqual(500);
      expect(errorOf(answer)).toContain(`s3://${TOOLS_OBJECT}`);
    }
    expect(agent.model.toolNames).toEqual([]);

    faulty.rules.delete(TOOLS_OBJECT);
    const answer = await within(5_000, 'answer after S3 recovered', agent.post(dataRequest));
    expect(answer.status).toBe(200);
    expect(agent.model.toolNames.at(-1)).toEqual(['lookup_vendor']);
    // The system prompt loaded at the first attempt and was not read again.
    expect(faulty.count(PROMPT_OBJECT)).toBe(1);
  });

  it('logs a tool object that is not a tool module as one ERROR line naming it, and does not read it again', async () => {
    await s3.put(BUCKETS.tools, 'tools/settings.json', '{"region": "eu-west-1"}', 'application/json');
    await s3.put(BUCKETS.tools, 'tools/broken.mjs', 'export const = ;', 'text/javascript');
    await s3.put(BUCKETS.tools, 'tools/no-tools.mjs', 'export const answer = 42;', 'text/javascript');
    const bad = ['tools/settings.json', 'tools/broken.mjs', 'tools/no-tools.mjs'];
    const agent = await startAgent({
      TOOLS_CONFIG: JSON.stringify([
        { bucketName: BUCKETS.tools, key: TOOLS_KEY, isFile: false, isZipArchive: true },
        ...bad.map((key) => ({ bucketName: BUCKETS.tools, key, isFile: true, isZipArchive: false })),
      ]),
    });

    for (let i = 0; i < 3; i++) {
      const answer = await within(5_000, 'answer', agent.post(dataRequest));
      expect(answer.status, answer.text).toBe(200);
    }
    expect(agent.model.toolNames).toEqual([['lookup_vendor'], ['lookup_vendor'], ['lookup_vendor']]);
    const errors = agent.logger.lines.filter((l: LogLine) => l.level === 'error');
    expect(errors.map((l) => l.key).sort()).toEqual([...bad].sort());
    for (const line of errors) {
      expect(line.bucket).toBe(BUCKETS.tools);
      expect(line.message).toMatch(/ES module exporting Strands tool\(\.\.\.\) values/);
    }
    for (const key of bad) expect(faulty.count(`${BUCKETS.tools}/${key}`)).toBe(1);
  });

  it('releases the S3 connections of 50 document reads whose clients went away: a later read succeeds, /ping is Healthy', async () => {
    // A long read bound: only cancelling the reads can free their sockets in time.
    const agent = await startAgent({ S3_READ_TIMEOUT_MS: '60000' });
    expect((await within(5_000, 'warm-up answer', agent.post(dataRequest))).status).toBe(200);
    await s3.put(BUCKETS.docs, 'in/stuck.txt', 'never served', 'text/plain');
    faulty.rules.set(STUCK, 'hang');

    const clients: ClientRequest[] = [];
    for (let i = 0; i < 50; i++) {
      const req = rawHttpRequest(`${agent.base}/invocations`, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' } });
      req.on('error', () => undefined);
      req.end(JSON.stringify(fileRequest(BUCKETS.docs, 'in/stuck.txt')));
      clients.push(req);
    }
    await until(() => faulty.hanging(STUCK) === 50, '50 document reads to hang');
    expect(await agent.ping()).toMatchObject({ status: 'HealthyBusy' });
    for (const req of clients) req.destroy();

    await until(() => agent.server.inFlight === 0, 'the abandoned invocations to end', 3_000);
    await until(() => faulty.hanging(STUCK) === 0, 'the abandoned reads to close their connections', 3_000);
    expect(await agent.ping()).toMatchObject({ status: 'Healthy' });
    const later = await within(3_000, 'answer to a later document read', agent.post(fileRequest(BUCKETS.docs, DOCUMENT_KEY)));
    expect(later.status).toBe(200);
    expect(faulty.count(DOCUMENT_OBJECT)).toBe(1);
    // Each abandoned invocation is one warning; answering a client that is gone raised nothing.
    expect(agent.logger.lines.filter((l) => l.message === 'Invocation failed' && l.statusCode === 499)).toHaveLength(50);
    expect(agent.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('reads documents only from DOCUMENT_SOURCES, never the agent own prompt or tools, and never calls S3 for a refused one', async () => {
    await s3.put(BUCKETS.docs, 'incoming/a.txt', 'allowed document', 'text/plain');
    await s3.put(BUCKETS.docs, 'incoming-other/b.txt', 'outside the prefix', 'text/plain');
    await s3.put(BUCKETS.config, 'shared/notes.txt', 'a document in the config bucket', 'text/plain');
    const agent = await startAgent({
      DOCUMENT_SOURCES: JSON.stringify([
        { bucketName: BUCKETS.docs, prefix: 'incoming/' },
        // Whole buckets that also hold the agent's own objects: those stay refused.
        { bucketName: BUCKETS.config, prefix: '' },
        { bucketName: BUCKETS.tools, prefix: 'tools/' },
      ]),
    });

    expect((await agent.post(fileRequest(BUCKETS.docs, 'incoming/a.txt'))).status).toBe(200);
    expect((await agent.post(fileRequest(BUCKETS.config, 'shared/notes.txt'))).status).toBe(200);

    const refused = [
      [BUCKETS.docs, 'incoming-other/b.txt'],
      [BUCKETS.docs, 'incoming'],
      [BUCKETS.docs, DOCUMENT_KEY],
      ['some-other-bucket', 'incoming/a.txt'],
      [BUCKETS.config, SYSTEM_PROMPT_KEY],
      [BUCKETS.tools, TOOLS_KEY],
    ] as const;
    for (const [bucket, key] of refused) {
      const answer = await agent.post(fileRequest(bucket, key));
      expect(answer.status, `${bucket}/${key}: ${answer.text}`).toBe(403);
      expect(errorOf(answer)).toContain(`s3://${bucket}/${key}`);
      expect(errorOf(answer)).toContain(`s3://${BUCKETS.docs}/incoming/`);
      expect(answer.json()).toMatchObject({ fields: ['content'] });
    }
    // The agent's own objects were read once, as its resources; refused documents never.
    expect(faulty.count(PROMPT_OBJECT)).toBe(1);
    expect(faulty.count(TOOLS_OBJECT)).toBe(1);
    for (const key of ['incoming-other/b.txt', 'incoming', DOCUMENT_KEY]) expect(faulty.count(`${BUCKETS.docs}/${key}`)).toBe(0);
    expect(faulty.requests.filter((r) => r.includes('some-other-bucket'))).toEqual([]);
  });

  it('reads no document from S3 when DOCUMENT_SOURCES is unset, and says so', async () => {
    for (const unset of ['', '[]']) {
      const agent = await startAgent({ DOCUMENT_SOURCES: unset });
      const answer = await agent.post(fileRequest(BUCKETS.docs, DOCUMENT_KEY));
      expect(answer.status).toBe(403);
      expect(errorOf(answer)).toContain('DOCUMENT_SOURCES');
      expect(faulty.count(DOCUMENT_OBJECT)).toBe(0);
      // Inline data still works.
      expect((await agent.post(dataRequest)).status).toBe(200);
    }
  });
});
