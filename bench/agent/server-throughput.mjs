// Throughput of the AgentCore server's POST /invocations against bare node:http, same run, same
// load, all on 127.0.0.1. Three servers, each in its own process:
//   agentcore server  agent/server.ts + the real agent core + a scripted echo model
//   bare echo         node:http that parses the JSON body and answers it back (the budget's baseline)
//   bare + core       node:http calling the same agent core, without our routing and validation
//   agentcore traced  the agentcore server with tracing on, exporting every span to a local sink
// The load is a fixed number of keep-alive connections sending back to back for a fixed time;
// servers are measured one at a time, in rotating order, for several rounds; medians are reported.
//
//   node bench/agent/server-throughput.mjs [--duration 5] [--rounds 3] [--connections 16]
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { BUNDLE_OPTIONS } from '../../scripts/bundle-agent.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, '.bench', 'agent');

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
  },
});
const durationMs = Number(values.duration) * 1000;
const rounds = Number(values.rounds);
const connections = Number(values.connections);

const PAYLOAD = JSON.stringify({
  documentId: 'doc-0001',
  contentType: 'data',
  content: { data: 'INVOICE 7\nVendor: Acme Paper GmbH\nTotal: 42.50 EUR' },
  eventTime: '2025-03-01T10:00:00Z',
  eventName: 'ObjectCreated:Put',
  source: 'aws.s3',
});

async function build() {
  await mkdir(out, { recursive: true });
  for (const name of ['echo-agent', 'echo-agent-server']) {
    await esbuild.build({ ...BUNDLE_OPTIONS, entryPoints: [join(here, `${name}.ts`)], outfile: join(out, `${name}.mjs`) });
  }
}

/** Starts a server process and resolves with its port (printed as JSON on stderr). */
function start(args, env = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stderr.on('data', (chunk) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => l.startsWith('{"port"'));
      if (line) resolve({ child, port: JSON.parse(line).port });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${buffered}`)));
  });
}

function post(agent, port) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/invocations', method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(PAYLOAD) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(PAYLOAD);
  });
}

/** Requests per second completed with 200 by `connections` keep-alive clients over `ms`. */
async function load(port, ms) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const deadline = performance.now() + ms;
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const { status } = await post(agent, port);
        if (status === 200) ok++;
        else failed++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  if (failed > 0) throw new Error(`${failed} requests failed on port ${port}`);
  return ok / elapsed;
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Stands in for the X-Ray OTLP endpoint: reads each export and answers 200. */
async function startSpanSink() {
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
  return sink;
}

await build();
const sink = await startSpanSink();
const tracingEnv = {
  AGENT_OBSERVABILITY_ENABLED: 'true',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ENDPOINT_URL_XRAY: `http://127.0.0.1:${sink.address().port}`,
  OTEL_SERVICE_NAME: 'bench',
};
const servers = [
  { name: 'agentcore + agent', args: [join(out, 'echo-agent-server.mjs'), 'agent'] },
  { name: 'agentcore + echo', args: [join(out, 'echo-agent-server.mjs'), 'echo'] },
  { name: 'bare echo', args: [join(here, 'bare-servers.mjs'), 'echo'] },
  { name: 'bare + agent', args: [join(here, 'bare-servers.mjs'), 'core', pathToFileURL(join(out, 'echo-agent.mjs')).href] },
  { name: 'agentcore traced', args: [join(out, 'echo-agent-server.mjs'), 'traced'], env: tracingEnv },
];
for (const server of servers) Object.assign(server, await start(server.args, server.env), { samples: [] });

try {
  for (const server of servers) {
    const { status, body } = await post(undefined, server.port);
    if (status !== 200 || !body.includes('Acme Paper GmbH')) throw new Error(`${server.name} answered ${status}: ${body}`);
    await load(server.port, 1000); // warm-up (JIT, caches)
  }
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < servers.length; i++) {
      const server = servers[(i + round) % servers.length];
      server.samples.push(await load(server.port, durationMs));
    }
  }
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
  sink.close();
}

const [agentcoreAgent, agentcoreEcho, bare, bareAgent, traced] = servers.map((s) => median(s.samples));
console.log(`\nPOST /invocations throughput, ${connections} keep-alive connections, ${rounds} rounds x ${durationMs / 1000} s each (node ${process.version})\n`);
console.log('server               median req/s   rounds');
for (const server of servers) {
  console.log(`${server.name.padEnd(20)} ${median(server.samples).toFixed(0).padStart(12)}   ${server.samples.map((s) => s.toFixed(0)).join(', ')}`);
}
const pct = (a, b) => `${((a / b) * 100).toFixed(1)} %`;
console.log(`\nagentcore + agent / bare echo    = ${pct(agentcoreAgent, bare)}   (the budget as written: >= 90 %)`);
console.log(`agentcore + echo  / bare echo    = ${pct(agentcoreEcho, bare)}   (server layer alone, no agent)`);
console.log(`agentcore + agent / bare + agent = ${pct(agentcoreAgent, bareAgent)}   (server layer, same agent core on both)`);
console.log(`agentcore traced  / agentcore + agent = ${pct(traced, agentcoreAgent)}   (tracing on, every span exported)`);
