/**
 * The chat proxy's settings, from the environment the construct sets: the runtime and endpoint to
 * call, how callers authenticate, the heartbeat and the browser origins allowed.
 */
import { AUTH_MODES, commaListOf, isAuthMode, type AuthMode } from '../agent/chat/auth-config.js';
import { DEFAULT_HEARTBEAT_SECONDS } from '../agent/chat/protocol.js';
import { AgentConfigError } from '../agent/core/errors.js';
import { QUALIFIER, RUNTIME_ARN } from '../relay/event.js';
import { dataPlaneEndpoint } from './upstream.js';

export interface ProxyConfig {
  readonly agentRuntimeArn: string;
  readonly qualifier: string;
  /** The runtime's Region, from its ARN. */
  readonly region: string;
  /** The data plane's base URL (AWS_ENDPOINT_URL_BEDROCK_AGENTCORE overrides it, as for the SDK). */
  readonly endpoint: string;
  readonly authMode: AuthMode;
  readonly heartbeatSeconds: number;
  readonly allowedOrigins: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

// Read here rather than with agent/chat/config.ts, which brings zod (~190 KB) into this function.

/** Reads the proxy's variables; throws AgentConfigError naming the first wrong one. */
export function readProxyConfig(env: Env): ProxyConfig {
  const agentRuntimeArn = env.AGENT_RUNTIME_ARN?.trim() ?? '';
  const arn = RUNTIME_ARN.exec(agentRuntimeArn);
  if (arn === null) {
    throw new AgentConfigError('AGENT_RUNTIME_ARN', `must be an AgentCore runtime ARN, got ${JSON.stringify(agentRuntimeArn)}`);
  }
  const qualifier = env.AGENT_QUALIFIER?.trim() || 'DEFAULT';
  if (!QUALIFIER.test(qualifier)) throw new AgentConfigError('AGENT_QUALIFIER', `must be an endpoint name or version, got ${JSON.stringify(qualifier)}`);
  const mode = env.AUTH_MODE?.trim().toUpperCase() ?? '';
  if (!isAuthMode(mode)) throw new AgentConfigError('AUTH_MODE', `must be one of ${AUTH_MODES.join(', ')}, got ${JSON.stringify(env.AUTH_MODE ?? '')}`);
  const rawHeartbeat = env.HEARTBEAT_SECONDS?.trim() || String(DEFAULT_HEARTBEAT_SECONDS);
  const heartbeatSeconds = Number(rawHeartbeat);
  if (!Number.isInteger(heartbeatSeconds) || heartbeatSeconds < 1 || heartbeatSeconds > 15) {
    throw new AgentConfigError('HEARTBEAT_SECONDS', `must be a whole number of seconds from 1 to 15, got ${JSON.stringify(rawHeartbeat)}`);
  }
  const region = arn[1]!;
  return {
    agentRuntimeArn,
    qualifier,
    region,
    endpoint: env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE?.trim() || env.AWS_ENDPOINT_URL?.trim() || dataPlaneEndpoint(region),
    authMode: mode,
    heartbeatSeconds,
    allowedOrigins: commaListOf(env.CORS_ALLOWED_ORIGINS),
  };
}
