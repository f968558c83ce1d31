// createChatClient against the REST API's golden stand-in: turns, authentication, failures,
// cancelling, and the Sessions API.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChatClientError, createChatClient, type ChatEvent, type EndpointChatClient } from '../../sdk';
import { goldenFrame, goldenTurn, HEARTBEAT_FRAME, startChatStandIn, within, type ChatStandIn } from './helpers/chat-stand-in';

let standIn: ChatStandIn;
let client: EndpointChatClient;

beforeAll(async () => {
  standIn = await startChatStandIn();
});
afterAll(async () => {
  await standIn.close();
});
beforeEach(() => {
  standIn.requests.length = 0;
  standIn.sessions.clear();
  standIn.script(undefined);
  standIn.authorize(undefined);
  client = createChatClient({ endpoint: `${standIn.url}/`, timeoutMs: 2_000 });
});

/** All the events, within 3 s. */
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

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const SESSION_ID = 'session-0123456789-0123456789-0123456789';

describe('send', () => {
  it("yields a turn's events in order, then continues the session it started", async () => {
    const first = await collect(client.send('hello'));
    const sessionId = (first[0] as { sessionId: string }).sessionId;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first).toEqual(goldenTurn(sessionId, 'hello'));
    expect(standIn.requests[0]).toMatchObject({ method: 'POST', url: '/chat', body: '{"message":"hello"}' });
    expect(standIn.requests[0]!.headers).toMatchObject({ 'content-type': 'application/json', accept: 'text/event-stream' });
    expect(standIn.requests[0]!.headers.authorization).toBeUndefined();

    const second = await collect(client.send('again', { sessionId }));
    expect(second).toEqual(goldenTurn(sessionId, 'again'));
    expect(JSON.parse(standIn.requests[1]!.body)).toEqual({ message: 'again', sessionId });
    expect(standIn.sessions.get(sessionId)!.messages).toHaveLength(4);
  });

  it('makes the request only when iteration starts', async () => {
    const events = client.send('lazy');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(standIn.requests).toHaveLength(0);
    await collect(events);
    expect(standIn.requests).toHaveLength(1);
  });

  it('swallows heartbeats and skips event types it does not know', async () => {
    const turn = goldenTurn(SESSION_ID, 'hi');
    standIn.script(() => ({
      chunks: [
        HEARTBEAT_FRAME,
        goldenFrame(turn[0]!),
        HEARTBEAT_FRAME,
        'event: progress\ndata: {"type":"progress","percent":50}\n\n',
        ...turn.slice(1).flatMap((event) => [goldenFrame(event), HEARTBEAT_FRAME]),
      ],
    }));
    expect(await collect(client.send('hi'))).toEqual(turn);
  });

  it('ends after done or error, even when the server sends more', async () => {
    const error: ChatEvent = { type: 'error', code: 'SessionBusy', message: 'Another turn is running' };
    standIn.script(() => ({ chunks: [goldenFrame({ type: 'session', sessionId: SESSION_ID }), goldenFrame(error), goldenFrame({ type: 'text', delta: 'late' })], hold: true }));
    expect(await collect(client.send('hi'))).toEqual([{ type: 'session', sessionId: SESSION_ID }, error]);
    // The client closed the held-open stream once it had the last event.
    await within(standIn.requests[0]!.closed, 2_000, 'the connection closed');
    expect(standIn.requests[0]!.disconnected).toBe(true);
  });

  it('reports an error code it does not know as Internal', async () => {
    standIn.script(() => ({ chunks: ['event: error\ndata: {"type":"error","code":"Quota","message":"over"}\n\n'] }));
    expect(await collect(client.send('hi'))).toEqual([{ type: 'error', code: 'Internal', message: 'over' }]);
  });

  it('ends a stream that stops before done or error with an Internal "stream ended early" event', async () => {
    const turn = goldenTurn(SESSION_ID, 'hi');
    // The last frame is cut short: it is not delivered either.
    standIn.script(() => ({ chunks: [goldenFrame(turn[0]!), goldenFrame(turn[1]!), goldenFrame(turn[2]!).slice(0, 20)] }));
    expect(await collect(client.send('hi'))).toEqual([turn[0], turn[1], { type: 'error', code: 'Internal', message: 'stream ended early' }]);
  });

  it('ends with an Internal error event at a frame that is not a valid event', async () => {
    standIn.script(() => ({ chunks: [goldenFrame({ type: 'session', sessionId: SESSION_ID }), 'event: text\ndata: {"type":"text","delta":7}\n\n'], hold: true }));
    const events = await collect(client.send('hi'));
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ type: 'error', code: 'Internal', message: expect.stringMatching(/^malformed event: invalid text event/) });
  });

  it('throws Unauthorized for HTTP 401, with the answer', async () => {
    standIn.authorize(() => false);
    const error = await rejection(collect(client.send('hi')));
    expect(error).toBeInstanceOf(ChatClientError);
    expect(error).toMatchObject({ code: 'Unauthorized', status: 401, message: 'The token was refused', body: '{"code":"Unauthorized","message":"The token was refused"}' });
  });

  it('throws HttpError with the status and body text for other non-2xx answers', async () => {
    standIn.script(() => ({ status: 502, headers: { 'content-type': 'text/plain' }, chunks: ['Bad gateway, try later'] }));
    const error = await rejection(collect(client.send('hi')));
    expect(error).toBeInstanceOf(ChatClientError);
    expect(error).toMatchObject({ code: 'HttpError', status: 502, body: 'Bad gateway, try later', message: 'HTTP 502: Bad gateway, try later' });
  });

  it('throws InvalidResponse for a 2xx answer that is not an event stream', async () => {
    standIn.script(() => ({ status: 200, headers: { 'content-type': 'application/json' }, chunks: ['{"ok":true}'] }));
    expect(await rejection(collect(client.send('hi')))).toMatchObject({ code: 'InvalidResponse', status: 200, body: '{"ok":true}' });
  });

  it('refuses a malformed session id before sending anything', async () => {
    expect(await rejection(collect(client.send('hi', { sessionId: 'short' })))).toMatchObject({ code: 'BadRequest' });
    expect(standIn.requests).toHaveLength(0);
  });

  it('throws ConnectionTimeout when no answer starts within timeoutMs', async () => {
    standIn.script(() => ({ delayMs: 5_000 }));
    const started = Date.now();
    const error = await rejection(collect(createChatClient({ endpoint: standIn.url, timeoutMs: 150 }).send('hi')));
    expect(error).toMatchObject({ code: 'ConnectionTimeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not limit a turn that has started by timeoutMs', async () => {
    const turn = goldenTurn(SESSION_ID, 'hi');
    // 8 chunks 40 ms apart: the turn lasts three times the timeout.
    standIn.script(() => ({ chunks: [goldenFrame(turn[0]!), HEARTBEAT_FRAME, HEARTBEAT_FRAME, ...turn.slice(1).map(goldenFrame)], gapMs: 40 }));
    const started = Date.now();
    expect(await collect(createChatClient({ endpoint: standIn.url, timeoutMs: 100 }).send('hi'))).toEqual(turn);
    expect(Date.now() - started).toBeGreaterThan(250);
  });
});

describe('cancelling', () => {
  it('aborting the signal mid-turn closes the connection and throws the reason', async () => {
    standIn.script(() => ({ chunks: [goldenFrame({ type: 'session', sessionId: SESSION_ID }), HEARTBEAT_FRAME], hold: true }));
    const controller = new AbortController();
    const seen: ChatEvent[] = [];
    const reason = new Error('user pressed stop');
    const error = await rejection(
      within(
        (async () => {
          for await (const event of client.send('hi', { signal: controller.signal })) {
            seen.push(event);
            controller.abort(reason);
          }
        })(),
        2_000,
        'the aborted turn ended',
      ),
    );
    expect(error).toBe(reason);
    expect(seen).toEqual([{ type: 'session', sessionId: SESSION_ID }]);
    await within(standIn.requests[0]!.closed, 2_000, 'the connection closed');
    expect(standIn.requests[0]!.disconnected).toBe(true);
  });

  it('aborting before the answer starts throws the reason', async () => {
    standIn.script(() => ({ delayMs: 1_000 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await rejection(collect(client.send('hi', { signal: controller.signal })));
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  });

  it('an already aborted signal sends nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    await rejection(collect(client.send('hi', { signal: controller.signal })));
    expect(standIn.requests).toHaveLength(0);
  });

  it('leaving the loop early closes the connection', async () => {
    standIn.script(() => ({ chunks: [goldenFrame({ type: 'session', sessionId: SESSION_ID }), goldenFrame({ type: 'text', delta: 'a' })], hold: true }));
    const seen: string[] = [];
    for await (const event of client.send('hi')) {
      seen.push(event.type);
      break;
    }
    expect(seen).toEqual(['session']);
    await within(standIn.requests[0]!.closed, 2_000, 'the connection closed');
    expect(standIn.requests[0]!.disconnected).toBe(true);
  });
});

describe('authentication', () => {
  it('calls the token function before every request and sends a bearer token', async () => {
    let calls = 0;
    const tokenClient = createChatClient({
      endpoint: standIn.url,
      token: async () => {
        calls += 1;
        return `token-${calls}`;
      },
    });
    standIn.authorize((request) => /^Bearer token-\d+$/.test(String(request.headers.authorization)));
    const { sessionId } = await tokenClient.ask('one');
    await tokenClient.ask('two', { sessionId });
    await tokenClient.listSessions();
    expect(calls).toBe(3);
    expect(standIn.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2', 'Bearer token-3']);
  });

  it('sends a fixed token as is', async () => {
    await createChatClient({ endpoint: standIn.url, token: 'abc.def.ghi' }).ask('hi');
    expect(standIn.requests[0]!.headers.authorization).toBe('Bearer abc.def.ghi');
  });

  it('adds the headers a signer returns, given the request as sent (host excluded)', async () => {
    const signed: unknown[] = [];
    const signClient = createChatClient({
      endpoint: standIn.url,
      sign: async (request) => {
        signed.push(request);
        return { authorization: 'Signed', 'x-amz-date': '20250101T000000Z', host: 'elsewhere.example' };
      },
    });
    await signClient.ask('hi');
    expect(signed).toEqual([
      { method: 'POST', url: `${standIn.url}/chat`, headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: '{"message":"hi"}' },
    ]);
    expect(standIn.requests[0]!.headers).toMatchObject({ authorization: 'Signed', 'x-amz-date': '20250101T000000Z', host: new URL(standIn.url).host });
  });

  it('refuses a token and a signer together, and a client without a target', () => {
    expect(() => createChatClient({ endpoint: standIn.url, token: 't', sign: async () => ({}) } as never)).toThrow(/token or sign/);
    expect(() => createChatClient({} as never)).toThrow(/endpoint, or agentRuntimeArn/);
  });
});

describe('ask', () => {
  it('collects a turn', async () => {
    const answer = await client.ask('collect me');
    expect(answer).toEqual({ sessionId: answer.sessionId, text: 'You said: collect me', stopReason: 'end_turn', usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 } });
    expect(standIn.sessions.has(answer.sessionId)).toBe(true);
  });

  it("throws the turn's error event as a ChatClientError with its code and session", async () => {
    const error = await rejection(client.ask('hi', { sessionId: SESSION_ID }));
    expect(error).toBeInstanceOf(ChatClientError);
    expect(error).toMatchObject({ code: 'SessionNotFound', message: 'No such session', sessionId: SESSION_ID });
  });
});

describe('Sessions API', () => {
  it('lists, pages, reads and deletes sessions', async () => {
    const ids: string[] = [];
    for (const message of ['first', 'second', 'third']) ids.push((await client.ask(message)).sessionId);

    const all = await client.listSessions();
    expect(all.sessions.map((s) => s.sessionId)).toEqual([...ids].reverse());
    expect(all.sessions[0]).toEqual({ ...standIn.sessions.get(ids[2]!), messages: undefined });
    expect(all.nextToken).toBeUndefined();

    const page1 = await client.listSessions({ limit: 2 });
    expect(page1.sessions.map((s) => s.title)).toEqual(['third', 'second']);
    const page2 = await client.listSessions({ limit: 2, nextToken: page1.nextToken! });
    expect(page2).toEqual({ sessions: [expect.objectContaining({ title: 'first' })] });
    expect(standIn.requests.slice(-2).map((r) => r.url)).toEqual(['/sessions?limit=2', '/sessions?limit=2&nextToken=2']);

    const detail = await client.getSession(ids[0]!);
    expect(detail).toMatchObject({ sessionId: ids[0], title: 'first', messages: [{ role: 'user', text: 'first' }, { role: 'assistant', text: 'You said: first' }] });

    await expect(client.deleteSession(ids[0]!)).resolves.toBeUndefined();
    expect(standIn.requests.at(-1)).toMatchObject({ method: 'DELETE', url: `/sessions/${ids[0]}` });
    expect(standIn.sessions.has(ids[0]!)).toBe(false);
  });

  it('throws SessionNotFound (404) for an unknown session', async () => {
    for (const call of [client.getSession(SESSION_ID), client.deleteSession(SESSION_ID)]) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(ChatClientError);
      expect(error).toMatchObject({ code: 'SessionNotFound', status: 404, message: 'No such session' });
    }
  });

  it('throws Unauthorized for HTTP 401', async () => {
    standIn.authorize(() => false);
    expect(await rejection(client.listSessions())).toMatchObject({ code: 'Unauthorized', status: 401 });
  });

  it('is only on endpoint clients', () => {
    const direct = createChatClient({ agentRuntimeArn: 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1', region: 'us-east-1' });
    expect(Object.keys(direct).sort()).toEqual(['ask', 'send']);
  });
});
