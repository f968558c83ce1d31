import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizerVerdict, methodArn, restApiEvent, type ApiTarget } from '../../cli/local-api-gateway.js';
import { startChatFront, type ApiCall, type ChatApi, type ChatFront } from '../../cli/local-chat-http.js';
import { createLocalIssuer, LOCAL_AUDIENCE, type LocalIssuer } from '../../cli/local-issuer.js';
import { freePort } from './cli-process.js';

/**
 * The local front door of an interactive agent, in process, over a stand-in of its routes: who may
 * call it (its own origin and host only), what a browser needs (preflight, CORS on its answers), the
 * page and the client bundle, the local issuer's tokens (verifiable with its published keys, as the
 * agent verifies them), and API Gateway's handling of the authorizer and the proxy event.
 */

let dir: string;
let front: ChatFront;
let issuer: LocalIssuer;
let origin: string;
const calls: ApiCall[] = [];

const api: ChatApi = {
  authorize: async (call) => (call.headers.authorization === 'Bearer good' ? { allowed: true, principalId: 'alice', context: { sub: 'alice' } } : { allowed: false, status: 401, body: { message: 'Unauthorized' } }),
  chat: async (call, _authorization, res) => {
    calls.push(call);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
    res.end('event: done\ndata: {}\n\n');
  },
  sessions: async (call) => {
    calls.push(call);
    return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sessions: [] }) };
  },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chat-front-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>page</title>');
  writeFileSync(join(dir, 'client.mjs'), 'export const bundle = 1;');
  writeFileSync(join(tmpdir(), 'chat-front-secret.txt'), 'secret');
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  issuer = await createLocalIssuer(origin);
  front = await startChatFront({ port, issuer, api, webDir: dir, clientBundle: join(dir, 'client.mjs'), log: () => undefined });
});

afterAll(async () => {
  await front?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(tmpdir(), 'chat-front-secret.txt'), { force: true });
});

/** A raw request (fetch cannot set Host or Origin freely). */
function call(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(front.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: url.port, method, path, headers: { host: url.host, ...headers }, agent: false, timeout: 5_000 }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end(body);
  });
}

describe('who may call the front door', () => {
  it('refuses another Host (DNS rebinding) and another Origin (a page elsewhere), even with a good token', async () => {
    expect((await call('GET', '/sessions', { host: 'evil.example:80', authorization: 'Bearer good' })).status).toBe(403);
    expect((await call('GET', '/sessions', { origin: 'https://evil.example', authorization: 'Bearer good' })).status).toBe(403);
    expect((await call('POST', '/local/token', { origin: 'https://evil.example', 'content-type': 'application/json' }, '{"user":"alice"}')).status).toBe(403);
    expect(calls).toHaveLength(0);
  });

  it('serves its own origin (127.0.0.1 or localhost) with CORS headers, and answers the preflight', async () => {
    const localhost = origin.replace('127.0.0.1', 'localhost');
    const preflight = await call('OPTIONS', '/chat', { origin: localhost, 'access-control-request-method': 'POST' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(localhost);
    expect(preflight.headers['access-control-allow-headers']).toContain('Authorization');
    const refused = await call('GET', '/sessions', { origin });
    expect(refused).toMatchObject({ status: 401, body: '{"message":"Unauthorized"}' });
    expect(refused.headers['access-control-allow-origin']).toBe(origin);
    const listed = await call('GET', '/sessions?limit=5', { origin, authorization: 'Bearer good' });
    expect(listed).toMatchObject({ status: 200, body: '{"sessions":[]}' });
    expect(calls.at(-1)).toMatchObject({ method: 'GET', resource: '/sessions', pathParameters: null });
    expect(calls.at(-1)?.query.get('limit')).toBe('5');
  });

  it('routes as the REST API: /sessions/{sessionId}, and 403 Missing Authentication Token for anything else', async () => {
    await call('DELETE', '/sessions/abc', { authorization: 'Bearer good' });
    expect(calls.at(-1)).toMatchObject({ method: 'DELETE', resource: '/sessions/{sessionId}', pathParameters: { sessionId: 'abc' } });
    expect(await call('PUT', '/chat', { authorization: 'Bearer good' })).toMatchObject({ status: 403, body: '{"message":"Missing Authentication Token"}' });
  });
});

describe('the page, the client and the issuer', () => {
  it('serves the page and the client bundle, and nothing outside the page directory', async () => {
    expect(await call('GET', '/')).toMatchObject({ status: 200, body: '<!doctype html><title>page</title>' });
    const client = await call('GET', '/chat-client.mjs');
    expect(client).toMatchObject({ status: 200, body: 'export const bundle = 1;' });
    expect(client.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await call('GET', '/../chat-front-secret.txt')).status).toBe(404);
    expect((await call('GET', '/%2e%2e/chat-front-secret.txt')).status).toBe(404);
    expect((await call('GET', '/..%2fchat-front-secret.txt')).status).toBe(404);
    expect((await call('GET', '/..%5cchat-front-secret.txt')).status).toBe(404);
  });

  it('mints tokens the agent verifies with the published keys: issuer, audience, subject, expiry', async () => {
    const minted = await call('POST', '/local/token', { 'content-type': 'application/json', origin }, '{"user":"alice"}');
    expect(minted.status).toBe(200);
    const { token, warning } = JSON.parse(minted.body) as { token: string; warning: string };
    expect(warning).toMatch(/^local only/);
    const discovery = JSON.parse((await call('GET', '/.well-known/openid-configuration')).body) as { issuer: string; jwks_uri: string };
    expect(discovery).toMatchObject({ issuer: origin, jwks_uri: `${origin}/.well-known/jwks.json` });
    const keys = JSON.parse((await call('GET', '/.well-known/jwks.json')).body) as Parameters<typeof createLocalJWKSet>[0];
    const { payload } = await jwtVerify(token, createLocalJWKSet(keys), { issuer: origin, audience: LOCAL_AUDIENCE, algorithms: ['ES256'] });
    expect(payload.sub).toBe('alice');
    expect(payload.exp! - payload.iat!).toBe(3600);
    // Another run's key does not verify it.
    const other = await createLocalIssuer(origin);
    await expect(jwtVerify(token, createLocalJWKSet(other.jwks as Parameters<typeof createLocalJWKSet>[0]))).rejects.toThrow();
  });

  it('refuses a user name that is not one', async () => {
    for (const body of ['{"user":""}', '{"user":"a b"}', '{"user":42}', 'not json']) {
      expect((await call('POST', '/local/token', { 'content-type': 'application/json' }, body)).status).toBe(400);
    }
  });
});

describe('API Gateway: the authorizer and the proxy event', () => {
  const target: ApiTarget = { region: 'eu-west-1', accountId: '123456789012', partition: 'aws', apiId: 'local', stage: 'v1' };
  const arn = 'arn:aws:execute-api:eu-west-1:123456789012:local/v1/GET/sessions/abc';
  const policy = (effect: string, resource: string) => ({ principalId: 'alice', policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] }, context: { sub: 'alice', iss: origin, n: 1 } });
  const log = (): void => undefined;

  it('names the method as the authorizer expects', () => {
    expect(methodArn(target, { method: 'GET', path: '/sessions/abc' })).toBe(arn);
  });

  it('passes an Allow covering the method, with the context as strings; refuses as API Gateway does otherwise', () => {
    expect(authorizerVerdict({ ok: true, response: policy('Allow', 'arn:aws:execute-api:eu-west-1:123456789012:local/v1/*') }, arn, log)).toEqual({
      allowed: true,
      principalId: 'alice',
      context: { sub: 'alice', iss: origin, n: '1' },
    });
    expect(authorizerVerdict({ ok: true, response: policy('Allow', 'arn:aws:execute-api:eu-west-1:123456789012:local/v1/POST/chat') }, arn, log)).toMatchObject({ allowed: false, status: 403 });
    expect(authorizerVerdict({ ok: true, response: policy('Deny', '*') }, arn, log)).toMatchObject({ allowed: false, status: 403 });
    expect(authorizerVerdict({ ok: false, error: { errorType: 'Error', errorMessage: 'Unauthorized' } }, arn, log)).toEqual({ allowed: false, status: 401, body: { code: 'Unauthorized', message: 'Unauthorized' } });
    expect(authorizerVerdict({ ok: false, error: { errorType: 'TypeError', errorMessage: 'boom' } }, arn, log)).toMatchObject({ allowed: false, status: 500 });
    expect(authorizerVerdict({ ok: true, response: { principalId: 'alice' } }, arn, log)).toMatchObject({ allowed: false, status: 500 });
  });

  it('builds the proxy event with the headers as sent, the query, the path parameters and the authorizer context', () => {
    const event = restApiEvent(
      target,
      {
        requestId: 'r1',
        method: 'GET',
        path: '/sessions/abc',
        resource: '/sessions/{sessionId}',
        pathParameters: { sessionId: 'abc' },
        query: new URLSearchParams(),
        headers: { host: '127.0.0.1:8080' },
        rawHeaders: ['Host', '127.0.0.1:8080', 'Authorization', 'Bearer t', 'X-Two', '1', 'X-Two', '2'],
        body: '',
      },
      { allowed: true, principalId: 'alice', context: { sub: 'alice' } },
    );
    expect(event).toMatchObject({
      resource: '/sessions/{sessionId}',
      path: '/sessions/abc',
      httpMethod: 'GET',
      headers: { Host: '127.0.0.1:8080', Authorization: 'Bearer t', 'X-Two': '2' },
      multiValueHeaders: { 'X-Two': ['1', '2'] },
      queryStringParameters: null,
      pathParameters: { sessionId: 'abc' },
      body: null,
      isBase64Encoded: false,
      requestContext: { stage: 'v1', resourcePath: '/sessions/{sessionId}', authorizer: { principalId: 'alice', sub: 'alice' }, identity: { sourceIp: '127.0.0.1' } },
    });
  });
});
