// The AgentCore server (agent/server.ts) for server-throughput.mjs, in one of three modes:
//   `agent`:  invocations run the real agent core with the scripted echo model;
//   `traced`: the same with tracing on (AGENT_OBSERVABILITY_ENABLED and the endpoint in the environment);
//   `echo`:   invocations answer the parsed payload back, isolating the server layer's cost.
// Prints `{"port": n}` to stderr once listening on 127.0.0.1.
import type { JsonValue } from '../../agent/core/json.js';
import { startTelemetry } from '../../agent/core/telemetry.js';
import { createAgentServer, type Invoke } from '../../agent/server.js';
import { invoke as agentInvoke, logger } from './echo-agent.js';

const echoInvoke: Invoke = async (payload) => ({ result: payload as JsonValue, metadata: { executionTime: 0, modelId: 'echo' } });

const mode = process.argv[2];
const telemetry = mode === 'traced' ? startTelemetry(process.env, logger) : undefined;
if (mode === 'traced' && !telemetry?.enabled) throw new Error('traced mode needs AGENT_OBSERVABILITY_ENABLED=true and AWS_REGION');
const server = createAgentServer({ logger, telemetry, invoke: mode === 'echo' ? echoInvoke : agentInvoke });
const { port } = await server.listen(0, '127.0.0.1');
process.stderr.write(`${JSON.stringify({ port })}\n`);
process.once('SIGTERM', () => void server.close(0).then(() => process.exit(0)));
