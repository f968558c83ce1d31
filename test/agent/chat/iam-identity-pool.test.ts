// ChatAuth.iam() with Cognito identity pool credentials: API Gateway reports the same assumed-role
// ARN for every user of the pool, so the user must be told apart by the identity id.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userKeyOf } from '../../../agent/chat/auth.js';
import { AgentRuntimeType } from '../../../agent/core/errors.js';
import { installStreamingGlobals, invokeStreamingHandler } from '../../../cli/lambda-streaming.js';
import { chatDependencies, lambdaChat, type TestChatDependencies } from '../helpers/chat-front-doors.js';
import { eventsOf, restProxyEvent } from '../helpers/chat-transport.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

const POOL_ROLE_ARN = 'arn:aws:sts::123456789012:assumed-role/ChatAuthRole/CognitoIdentityCredentials';
const ALICE = 'us-east-1:0a1b2c3d-0000-4000-8000-00000000a11c';
const BOB = 'us-east-1:0a1b2c3d-0000-4000-8000-000000000b0b';

describe('chat on Lambda, IAM with Cognito identity pool credentials', () => {
  let uninstall: () => void;
  let dir: string;
  let deps: TestChatDependencies;

  beforeAll(async () => {
    uninstall = installStreamingGlobals();
    dir = await mkdtemp(join(tmpdir(), 'chat-identity-pool-'));
    deps = chatDependencies(AgentRuntimeType.LAMBDA, new ScriptedModel([{ text: 'Hello Alice.' }, { text: 'Hello Bob.' }]), { directory: dir });
  });
  afterAll(async () => {
    uninstall();
    await rm(dir, { recursive: true, force: true });
  });

  const ask = async (cognitoIdentityId: string, body: Record<string, unknown>) => {
    const event = restProxyEvent({ body: JSON.stringify(body), userArn: POOL_ROLE_ARN, cognitoIdentityId });
    const result = await invokeStreamingHandler(lambdaChat(deps), event, { timeoutMs: 5_000 }).done;
    return eventsOf(result.http?.body.toString('utf8') ?? '');
  };

  it("keeps each identity's sessions its own: another identity cannot continue them", async () => {
    const first = await ask(ALICE, { message: 'Hi, I am Alice' });
    expect(first.map((e) => e.type)).toEqual(['session', 'text', 'done']);
    const sessionId = first[0]?.type === 'session' ? first[0].sessionId : '';

    const intrusion = await ask(BOB, { message: 'What did Alice say?', sessionId });
    expect(intrusion).toEqual([{ type: 'error', code: 'SessionNotFound', message: `Session ${sessionId} does not exist` }]);

    // The session is Alice's, under her identity id's user key, with only her turn in it.
    await expect(deps.sessions.get(userKeyOf('aws-iam', ALICE), sessionId)).resolves.toMatchObject({ turns: 1 });
    await expect(deps.sessions.get(userKeyOf('aws-iam', POOL_ROLE_ARN), sessionId)).rejects.toMatchObject({ code: 'SessionNotFound' });
    expect((await deps.sessions.list(userKeyOf('aws-iam', BOB), 10)).sessions).toEqual([]);

    // Bob's own session works.
    expect((await ask(BOB, { message: 'Hi, I am Bob' })).map((e) => e.type)).toEqual(['session', 'text', 'done']);
  });
});
