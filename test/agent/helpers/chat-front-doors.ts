import { request } from 'node:http';
import type { BackoffContext, Model, Tool } from '@strands-agents/sdk';
import { callerFromAgentCoreHeaders, callerFromApiGatewayEvent, createTokenVerifier } from '../../../agent/chat/auth.js';
import type { AuthConfig } from '../../../agent/chat/auth-config.js';
import { createChatDependencies, type ChatDependencies } from '../../../agent/chat/dependencies.js';
import { runChatTurn } from '../../../agent/chat/turn.js';
import { createChatHandler } from '../../../agent/chat-lambda.js';
import type { StreamingLambdaHandler } from '../../../agent/chat-http/lambda-stream.js';
import { AgentRuntimeType } from '../../../agent/core/errors.js';
import { ThrottlingRetryStrategy } from '../../../agent/core/retry.js';
import { createAgentServer, type AgentServer } from '../../../agent/server.js';
import { preciseNow, type ArrivedChunk } from '../../../cli/lambda-streaming.js';
import { SYSTEM_PROMPT, SYSTEM_PROMPT_BUCKET, SYSTEM_PROMPT_KEY } from './deps.js';
import { memoryLogger, memoryStore } from './memory.js';

/** The IAM caller both front doors name the same way: API Gateway's identity, AgentCore's user id header. */
export const CALLER_ARN = 'arn:aws:sts::123456789012:assumed-role/chat-user/alice';
export const USER_ID_HEADER = 'X-Amzn-Bedrock-AgentCore-Runtime-User-Id';
export const SESSION_HEADER = 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id';
const IAM: AuthConfig = { mode: 'IAM' };

export type TestChatDependencies = ChatDependencies & { readonly logger: ReturnType<typeof memoryLogger> };

/**
 * The production chat dependencies (createChatDependencies) over a session directory, with the
 * system prompt in memory, `model`, `tools`, and retries that never sleep.
 */
export function chatDependencies(
  runtime: AgentRuntimeType,
  model: Model,
  options: { directory: string; env?: Record<string, string>; tools?: Tool[] },
): TestChatDependencies {
  const logger = memoryLogger();
  const deps = createChatDependencies(
    runtime,
    {
      SYSTEM_PROMPT_S3_BUCKET_NAME: SYSTEM_PROMPT_BUCKET,
      SYSTEM_PROMPT_S3_KEY: SYSTEM_PROMPT_KEY,
      MODEL_ID: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
      INVOKE_TYPE: 'interactive',
      SESSION_DIRECTORY: options.directory,
      AUTH_MODE: 'IAM',
      TURN_TIMEOUT_SECONDS: '60',
      ...options.env,
    },
    {
      logger,
      store: memoryStore({ [`${SYSTEM_PROMPT_BUCKET}/${SYSTEM_PROMPT_KEY}`]: SYSTEM_PROMPT }),
      modelFactory: () => model,
      retryStrategy: () => new ThrottlingRetryStrategy({ maxAttempts: 2, backoff: { nextDelay: (_context: BackoffContext) => 0 } }),
    },
  );
  const tools = options.tools;
  return { ...deps, logger, ...(tools === undefined ? {} : { resources: async () => ({ systemPrompt: (await deps.resources()).systemPrompt, tools }) }) };
}

/** The Lambda front door as agent/lambda.ts wires it, over `deps`. */
export function lambdaChat(deps: TestChatDependencies): StreamingLambdaHandler {
  return createChatHandler(() => ({
    turn: (body, caller, emit, options) => runChatTurn(body, caller, deps, emit, options),
    callerOf: (event) => callerFromApiGatewayEvent(event, IAM),
    allowedOrigins: deps.chatConfig.corsAllowedOrigins,
    heartbeatSeconds: deps.chatConfig.heartbeatSeconds,
    logger: deps.logger,
  }));
}

/** The AgentCore front door as agent/agentcore.ts wires it, over `deps`, on 127.0.0.1. */
export async function agentCoreChat(deps: TestChatDependencies, auth: AuthConfig = IAM): Promise<{ server: AgentServer; base: string }> {
  const verifier = createTokenVerifier(auth);
  const server = createAgentServer({
    logger: deps.logger,
    chat: {
      turn: (body, caller, emit, options) => runChatTurn(body, caller, deps, emit, options),
      callerOf: (headers) => callerFromAgentCoreHeaders(headers, verifier, auth),
      heartbeatSeconds: deps.chatConfig.heartbeatSeconds,
    },
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, base: `http://127.0.0.1:${port}` };
}

export interface StreamedAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** Body chunks with their arrival times (preciseNow). */
  readonly chunks: readonly ArrivedChunk[];
}

/**
 * POSTs `body` to the AgentCore server's /invocations over a fresh connection, recording when
 * each chunk arrives. `abortAfter(chunkText)` returning true destroys the connection (the client
 * goes away).
 */
export function postInvocation(
  base: string,
  body: string,
  headers: Record<string, string>,
  options: { abortWhen?: (received: string) => boolean } = {},
): Promise<StreamedAnswer & { aborted: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/invocations`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, agent: false }, (res) => {
      const chunks: ArrivedChunk[] = [];
      let received = '';
      let aborted = false;
      const finish = (): void =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks.map((c) => c.bytes)).toString('utf8'), chunks, aborted });
      res.on('data', (bytes: Buffer) => {
        chunks.push({ bytes, at: preciseNow() });
        received += bytes.toString('utf8');
        if (!aborted && options.abortWhen?.(received) === true) {
          aborted = true;
          req.destroy();
          finish();
        }
      });
      res.on('end', finish);
      res.on('error', () => (aborted ? undefined : reject(new Error('response failed'))));
    });
    req.on('error', (error) => reject(error));
    req.end(body);
  });
}
