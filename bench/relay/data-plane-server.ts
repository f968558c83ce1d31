// The AgentCore data-plane stand-in (test/helpers/agentcore-data-plane.ts) as its own process, for
// relay-overhead.mjs: forwards every InvokeAgentRuntime to the agent server at argv[2].
// Prints `{"port": n}` to stderr once listening on 127.0.0.1.
import { startAgentCoreDataPlane } from '../../test/helpers/agentcore-data-plane.js';

const plane = await startAgentCoreDataPlane({ agentUrl: process.argv[2] });
process.stderr.write(`${JSON.stringify({ port: Number(new URL(plane.url).port) })}\n`);
process.once('SIGTERM', () => void plane.close().then(() => process.exit(0)));
