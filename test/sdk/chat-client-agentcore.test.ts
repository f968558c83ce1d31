// createChatClient calling an AgentCore runtime directly: the request is InvokeAgentRuntime's (the
// same path, query and headers the AWS SDK sends, checked against the SDK itself), the session id
// travels in the session header, and a SigV4 signer built with @smithy/signature-v4 as the client's
// documentation shows produces a signature the stand-in verifies over what it received.
import { createHash } from 'node:crypto';
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChatClientError, createChatClient, type ChatEvent, type ChatRequestSigner } from '../../sdk';
import { goldenTurn, startChatStandIn, within, type ChatStandIn, type RecordedRequest } from './helpers/chat-stand-in';

const REGION = 'us-east-1';
const ARN = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/chat_agent-AbC123dEf4';
const ENCODED_ARN = 'arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fchat_agent-AbC123dEf4';
const CREDENTIALS = { accessKeyId: 'AKIDCHATCLIENTTEST', secretAccessKey: 'chat-client-test-secret', sessionToken: 'chat-client-session-token' };
const SESSION_HEADER = 'x-amzn-bedrock-agentcore-runtime-session-id';
const USER_HEADER = 'x-amzn-bedrock-agentcore-runtime-user-id';

let standIn: ChatStandIn;
const metadataDisabled = process.env.AWS_EC2_METADATA_DISABLED;
beforeAll(async () => {
  // The AWS SDK client below has its credentials given; it must not look for others anyway.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  standIn = await startChatStandIn();
});
afterAll(async () => {
  if (metadataDisabled === undefined) delete process.env.AWS_EC2_METADATA_DISABLED;
  else process.env.AWS_EC2_METADATA_DISABLED = metadataDisabled;
  await standIn.close();
});
beforeEach(() => {
  standIn.requests.length = 0;
  standIn.sessions.clear();
  standIn.script(undefined);
  standIn.authorize(undefined);
});

async function collect(events: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const all: ChatEvent[] = [];
  await within(
    (async () => {
      for await (const event of events) all.push(event);
    })(),
    3_000,
    'the turn ended',
  );
  return all;
}

/** The signer of the client's documentation (createChatClient's `sign`), verbatim. */
function documentedSigner(region: string, credentials: typeof CREDENTIALS): ChatRequestSigner {
  const signer = new SignatureV4({ service: 'bedrock-agentcore', region, credentials, sha256: Sha256 });
  const sign: ChatRequestSigner = async ({ method, url, headers, body }) => {
    const u = new URL(url);
    const signed = await signer.sign({
      method, protocol: u.protocol, hostname: u.hostname, port: u.port === '' ? undefined : Number(u.port),
      path: u.pathname, query: Object.fromEntries(u.searchParams), headers: { ...headers, host: u.host }, body,
    });
    return signed.headers;
  };
  return sign;
}

/**
 * Does `request` carry a valid SigV4 signature for CREDENTIALS? Recomputed, as the service does,
 * from what arrived: the signed headers it names, the path and query as received, the body.
 */
async function verifiesSigV4(request: RecordedRequest): Promise<boolean> {
  const authorization = String(request.headers.authorization ?? '');
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';');
  const amzDate = request.headers['x-amz-date'];
  if (signedHeaders === undefined || typeof amzDate !== 'string' || !signedHeaders.includes('host')) return false;
  // The signer trusts a payload hash header over the body: check it against the body that arrived.
  const payloadHash = request.headers['x-amz-content-sha256'];
  if (payloadHash !== undefined && payloadHash !== createHash('sha256').update(request.body).digest('hex')) return false;
  const headers = Object.fromEntries(signedHeaders.map((name) => [name, String(request.headers[name] ?? '')]));
  const [path, query = ''] = request.url.split('?');
  const host = new URL(`http://${request.headers.host}`);
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`);
  const expected = await new SignatureV4({ service: 'bedrock-agentcore', region: REGION, credentials: CREDENTIALS, sha256: Sha256 }).sign(
    {
      method: request.method, protocol: 'http:', hostname: host.hostname, port: Number(host.port), path: path!,
      query: Object.fromEntries(new URLSearchParams(query)), headers, body: request.body,
    },
    { signingDate },
  );
  return expected.headers.authorization === authorization;
}

describe('AgentCore direct mode', () => {
  it("starts a session with an id of the client's in the session header, then continues it with the id in both", async () => {
    const client = createChatClient({ agentRuntimeArn: ARN, region: REGION, qualifier: 'prod', agentCoreEndpoint: standIn.url, token: 'jwt-token', userId: 'user-7' });
    const first = await collect(client.send('hello'));
    const sent = standIn.requests[0]!;
    const sessionId = String(sent.headers[SESSION_HEADER]);
    expect(sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sent).toMatchObject({ method: 'POST', url: `/runtimes/${ENCODED_ARN}/invocations?qualifier=prod`, body: '{"message":"hello"}' });
    expect(sent.headers).toMatchObject({ authorization: 'Bearer jwt-token', [USER_HEADER]: 'user-7', 'content-type': 'application/json', accept: 'text/event-stream' });
    expect(first).toEqual(goldenTurn(sessionId, 'hello'));

    expect(await collect(client.send('again', { sessionId }))).toEqual(goldenTurn(sessionId, 'again'));
    expect(standIn.requests[1]!.headers[SESSION_HEADER]).toBe(sessionId);
    expect(JSON.parse(standIn.requests[1]!.body)).toEqual({ message: 'again', sessionId });
  });

  it('makes a new session id for every new session', async () => {
    const client = createChatClient({ agentRuntimeArn: ARN, region: REGION, agentCoreEndpoint: standIn.url });
    const a = await client.ask('one');
    const b = await client.ask('two');
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(standIn.requests.map((r) => r.headers[SESSION_HEADER])).toEqual([a.sessionId, b.sessionId]);
    expect(standIn.requests[0]!.headers[USER_HEADER]).toBeUndefined();
  });

  it("calls the Region's AgentCore endpoint by default, with the qualifier only when given", async () => {
    const urls: string[] = [];
    const recording = async (input: string): Promise<Response> => {
      urls.push(input);
      return new Response('', { status: 401 });
    };
    for (const qualifier of [undefined, 'DEFAULT']) {
      const client = createChatClient({ agentRuntimeArn: ARN, region: 'eu-west-1', ...(qualifier === undefined ? {} : { qualifier }), fetch: recording });
      await expect(client.ask('hi')).rejects.toMatchObject({ code: 'Unauthorized' });
    }
    expect(urls).toEqual([
      `https://bedrock-agentcore.eu-west-1.amazonaws.com/runtimes/${ENCODED_ARN}/invocations`,
      `https://bedrock-agentcore.eu-west-1.amazonaws.com/runtimes/${ENCODED_ARN}/invocations?qualifier=DEFAULT`,
    ]);
  });

  it("sends InvokeAgentRuntime's path, query and headers, as the AWS SDK does; both pass SigV4 verification", async () => {
    standIn.authorize(verifiesSigV4);
    const sdk = new BedrockAgentCoreClient({ region: REGION, endpoint: standIn.url, credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const output = await sdk.send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: ARN,
          qualifier: 'prod',
          runtimeSessionId: 'sdk-session-0123456789-0123456789-01',
          runtimeUserId: 'user-7',
          contentType: 'application/json',
          accept: 'text/event-stream',
          payload: new TextEncoder().encode('{"message":"from the sdk"}'),
        }),
      );
      expect(await output.response!.transformToString()).toContain('"type":"done"');
    } finally {
      sdk.destroy();
    }

    const client = createChatClient({ agentRuntimeArn: ARN, region: REGION, qualifier: 'prod', userId: 'user-7', agentCoreEndpoint: standIn.url, sign: documentedSigner(REGION, CREDENTIALS) });
    const answer = await client.ask('from the client', { sessionId: 'sdk-session-0123456789-0123456789-01' });
    expect(answer.text).toBe('You said: from the client');

    const [bySdk, byClient] = standIn.requests;
    expect(byClient!.url).toBe(bySdk!.url);
    for (const name of [SESSION_HEADER, USER_HEADER, 'content-type', 'accept', 'x-amz-security-token']) expect(byClient!.headers[name], name).toBe(bySdk!.headers[name]);
    expect(byClient!.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/\\d{8}/${REGION}/bedrock-agentcore/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$`),
    );
  });

  it('a signature over another body, or by other keys, is refused (401)', async () => {
    standIn.authorize(verifiesSigV4);
    const sign = documentedSigner(REGION, CREDENTIALS);
    const tampering = createChatClient({
      agentRuntimeArn: ARN,
      region: REGION,
      agentCoreEndpoint: standIn.url,
      sign,
      fetch: (input, init) => fetch(input, { ...init, body: '{"message":"something else"}' }),
    });
    const error = await tampering.ask('hi').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatClientError);
    expect(error).toMatchObject({ code: 'Unauthorized', status: 401 });

    const otherKeys = createChatClient({ agentRuntimeArn: ARN, region: REGION, agentCoreEndpoint: standIn.url, sign: documentedSigner(REGION, { ...CREDENTIALS, secretAccessKey: 'another-secret' }) });
    await expect(otherKeys.ask('hi')).rejects.toMatchObject({ code: 'Unauthorized' });

    // And the untampered request with the right keys passes.
    await expect(createChatClient({ agentRuntimeArn: ARN, region: REGION, agentCoreEndpoint: standIn.url, sign }).ask('hi')).resolves.toMatchObject({ stopReason: 'end_turn' });
  });
});
