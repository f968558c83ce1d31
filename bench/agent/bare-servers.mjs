// Baselines for server-throughput.mjs, on plain node:http and 127.0.0.1. Started as
// `node bare-servers.mjs echo` (parse the JSON body, answer it back) or
// `node bare-servers.mjs core <core-bundle>` (same, but through the agent core with the echo
// model, to separate the server layer's cost from the agent's). Prints `{"port": n}` to stderr.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const [mode, coreBundle] = process.argv.slice(2);
// The echo answers in the AgentInvocationResponse shape, so both sides send the same bytes.
const echo = async (payload) => ({ result: payload, metadata: { executionTime: 0, modelId: 'echo' } });
const invoke = mode === 'core' ? (await import(coreBundle)).invoke : echo;

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    // The same invocation options the AgentCore server passes, so only the server layer differs.
    const options = { requestId: randomUUID(), signal: new AbortController().signal };
    invoke(JSON.parse(Buffer.concat(chunks).toString('utf8')), options).then((answer) => {
      const body = JSON.stringify(answer);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
});
server.listen(0, '127.0.0.1', () => process.stderr.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
