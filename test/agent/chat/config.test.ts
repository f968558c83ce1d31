import { describe, expect, it } from 'vitest';
import { readChatConfig, readSessionStoreConfig } from '../../../agent/chat/config.js';
import { createChatDependencies } from '../../../agent/chat/dependencies.js';
import { readConfig } from '../../../agent/core/config.js';
import { AgentConfigError, AgentRuntimeType } from '../../../agent/core/errors.js';
import { baseEnv } from '../helpers/deps.js';
import { memoryLogger, memoryStore } from '../helpers/memory.js';
import { ScriptedModel } from '../helpers/scripted-model.js';
import { interactiveEnv } from './helpers/chat-deps.js';

function configError(read: () => unknown): AgentConfigError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(AgentConfigError);
    return error as AgentConfigError;
  }
  throw new Error('nothing was thrown');
}

describe('readChatConfig', () => {
  it('reads the production store and every setting', () => {
    expect(
      readChatConfig({
        SESSION_BUCKET: 'sessions-bucket',
        SESSION_TABLE: 'sessions-table',
        SESSION_TTL_SECONDS: '86400',
        CONVERSATION_WINDOW: '20',
        TURN_TIMEOUT_SECONDS: '3600',
        HEARTBEAT_SECONDS: '5',
        CORS_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:5173,https://app.example.com',
      }),
    ).toEqual({
      storage: { kind: 'aws', bucket: 'sessions-bucket', table: 'sessions-table' },
      sessionTtlSeconds: 86400,
      conversationWindow: 20,
      turnTimeoutSeconds: 3600,
      heartbeatSeconds: 5,
      corsAllowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
    });
  });

  it('defaults: 30 days, 40 messages, 15 min turns, 15 s heartbeats, no origins; a directory store without the AWS names', () => {
    expect(readChatConfig({ SESSION_DIRECTORY: '/tmp/sessions', CORS_ALLOWED_ORIGINS: '' })).toEqual({
      storage: { kind: 'directory', directory: '/tmp/sessions' },
      sessionTtlSeconds: 2_592_000,
      conversationWindow: 40,
      turnTimeoutSeconds: 900,
      heartbeatSeconds: 15,
      corsAllowedOrigins: [],
    });
    // The production names win over a directory.
    expect(readSessionStoreConfig({ SESSION_BUCKET: 'b', SESSION_TABLE: 't', SESSION_DIRECTORY: '/tmp/x' }).storage.kind).toBe('aws');
  });

  it.each<[Record<string, string>, string, string]>([
    [{}, 'SESSION_DIRECTORY', 'is required when SESSION_BUCKET and SESSION_TABLE are unset'],
    [{ SESSION_BUCKET: 'b' }, 'SESSION_TABLE', 'is required with SESSION_BUCKET'],
    [{ SESSION_TABLE: 't', SESSION_DIRECTORY: '/tmp/x' }, 'SESSION_BUCKET', 'is required with SESSION_TABLE'],
    [{ SESSION_DIRECTORY: '/d', SESSION_TTL_SECONDS: '30d' }, 'SESSION_TTL_SECONDS', 'must be an integer from 60 to 315360000, got "30d"'],
    [{ SESSION_DIRECTORY: '/d', CONVERSATION_WINDOW: '1' }, 'CONVERSATION_WINDOW', 'from 2 to 10000, got "1"'],
    [{ SESSION_DIRECTORY: '/d', TURN_TIMEOUT_SECONDS: '0' }, 'TURN_TIMEOUT_SECONDS', 'from 1 to 28800'],
    [{ SESSION_DIRECTORY: '/d', HEARTBEAT_SECONDS: '30' }, 'HEARTBEAT_SECONDS', 'from 1 to 15, got "30"'],
    [{ SESSION_DIRECTORY: '/d', CORS_ALLOWED_ORIGINS: 'https://app.example.com/' }, 'CORS_ALLOWED_ORIGINS', '"https://app.example.com/" is not an origin'],
    [{ SESSION_DIRECTORY: '/d', CORS_ALLOWED_ORIGINS: '*' }, 'CORS_ALLOWED_ORIGINS', '"*" is not an origin'],
    [{ SESSION_DIRECTORY: '/d', CORS_ALLOWED_ORIGINS: 'app.example.com' }, 'CORS_ALLOWED_ORIGINS', 'is not an origin'],
    [{ SESSION_DIRECTORY: '/d', CORS_ALLOWED_ORIGINS: 'ftp://files.example.com' }, 'CORS_ALLOWED_ORIGINS', 'is not an origin'],
  ])('refuses %j naming %s', (env, variable, message) => {
    const error = configError(() => readChatConfig(env));
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(message);
  });
});

describe('INVOKE_TYPE=interactive', () => {
  it('is accepted by the agent core, batch still the default', () => {
    expect(readConfig(baseEnv({ INVOKE_TYPE: 'interactive' })).invokeType).toBe('interactive');
    expect(readConfig(baseEnv({ INVOKE_TYPE: '' })).invokeType).toBe('batch');
  });

  it('is required by createChatDependencies, which also checks the chat variables', () => {
    const overrides = { logger: memoryLogger(), store: memoryStore({}), modelFactory: () => new ScriptedModel([]) };
    const batch = configError(() => createChatDependencies(AgentRuntimeType.LAMBDA, { ...interactiveEnv({ INVOKE_TYPE: 'batch' }), SESSION_DIRECTORY: '/tmp/s' }, overrides));
    expect(batch.message).toBe('INVOKE_TYPE: must be "interactive" for a chat agent, got "batch"');
    expect(configError(() => createChatDependencies(AgentRuntimeType.LAMBDA, interactiveEnv(), overrides)).variable).toBe('SESSION_DIRECTORY');
  });

  it('caches agents on AgentCore only, unless told otherwise', () => {
    const overrides = { logger: memoryLogger(), store: memoryStore({}), modelFactory: () => new ScriptedModel([]) };
    const env = { ...interactiveEnv(), SESSION_DIRECTORY: '/tmp/chat-config-test' };
    expect(createChatDependencies(AgentRuntimeType.AGENTCORE, env, overrides).cacheAgents).toBe(true);
    expect(createChatDependencies(AgentRuntimeType.LAMBDA, env, overrides).cacheAgents).toBe(false);
    expect(createChatDependencies(AgentRuntimeType.LAMBDA, env, { ...overrides, cacheAgents: true }).cacheAgents).toBe(true);
  });
});
