// The AgentCore relay (assets/relay/index.mjs, built as shipped) against local stand-ins:
//   size     the bundle's bytes and gzip bytes, against the 1.5 MB budget
//   init     `await import(bundle)` in fresh Node processes (Lambda's init phase), and the first
//            call after it (the AgentCore client is made then), medians of N, next to bare `node`
//   overhead per call, sequential, one keep-alive connection each, median of N calls per path:
//     direct   POST /invocations to the agent server (agent/server.ts + the real agent core + the
//              scripted echo model, its own process)
//     plane    the same POST sent to the data-plane stand-in (its own process), which forwards it
//     relay    the relay's handler in this process: SDK call (SigV4) to the stand-in, forwarded,
//              answer read and parsed
//   relay − plane is what the relay adds; plane − direct is the stand-in's hop (the real service's
//   hop is not measurable here and is certainly larger).
//
//   node bench/relay/relay-overhead.mjs [--calls 300] [--runs 15]
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { BUNDLE_OPTIONS } from '../../scripts/bundle-agent.mjs';
import { bundleFunction } from '../../scripts/bundle-functions.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, '.bench', 'relay');
const { values } = parseArgs({ options: { calls: { type: 'string', default: '300' }, runs: { type: 'string', default: '15' } } });
const calls = Number(values.calls);
const runs = Number(values.runs);
const BUDGET_BYTES = 1.5 * 1024 * 1024;

const ARN = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/bench-AbC123xyZ9';
const SESSION_ID = 'relay-bench-session-0123456789abcdef0123';
const REQUEST = {
  documentId: 'doc-0001',
  contentType: 'data',
  content: { data: 'INVOICE 7\nVendor: Acme Paper GmbH\nTotal: 42.50 EUR' },
  eventTime: '2025-03-01T10:00:00Z',
};
const BODY = JSON.stringify(REQUEST);
const ENV = {
  PATH: process.env.PATH,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Starts a server process and resolves with its port (printed as JSON on stderr). */
function start(args) {
  const child = spawn(process.execPath, ['--no-warnings', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'error' } });
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

function post(agent, port, path, headers) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(BODY), ...headers } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))) : reject(new Error(`${path}: ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}

// --- build: the relay as shipped, the agent server and the stand-in as processes
await mkdir(out, { recursive: true });
const relay = await bundleFunction('relay', { outdir: join(out, 'bundle') });
for (const entry of [join(root, 'bench', 'agent', 'echo-agent-server.ts'), join(here, 'data-plane-server.ts')]) {
  const name = entry.split('/').pop().replace(/\.ts$/, '.mjs');
  await esbuild.build({ ...BUNDLE_OPTIONS, entryPoints: [entry], outfile: join(out, name) });
}

// --- size
const bytes = await readFile(relay.outfile);

// --- servers
const agentServer = await start([join(out, 'echo-agent-server.mjs'), 'agent']);
const plane = await start([join(out, 'data-plane-server.mjs'), `http://127.0.0.1:${agentServer.port}`]);
process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE = `http://127.0.0.1:${plane.port}`;
Object.assign(process.env, ENV);

// --- init, fresh processes
const probe = (url) =>
  `let t = performance.now(); const { handler } = await import(${JSON.stringify(url)}); const init = performance.now() - t; ` +
  `process.stdout.write = () => true; t = performance.now(); ` +
  `await handler({ agentRuntimeArn: ${JSON.stringify(ARN)}, qualifier: 'DEFAULT', sessionId: ${JSON.stringify(SESSION_ID)}, payload: ${BODY} }, { getRemainingTimeInMillis: () => 60000 }); ` +
  `process.stderr.write('INIT ' + init + ' FIRST ' + (performance.now() - t) + '\\n'); process.exit(0);`;
function sample(script) {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    cwd: out,
    env: { ...ENV, AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wall = performance.now() - started;
  const output = child.stderr.toString();
  if (child.status !== 0) throw new Error(`probe failed (${child.status}): ${output}`);
  return { wall, init: Number(output.match(/INIT ([\d.]+)/)?.[1] ?? NaN), first: Number(output.match(/FIRST ([\d.]+)/)?.[1] ?? NaN) };
}
const cold = { baseline: [], relay: [] };
try {
  for (let i = 0; i < runs; i++) {
    cold.baseline.push(sample('process.stderr.write("INIT 0 FIRST 0\\n");'));
    cold.relay.push(sample(probe(pathToFileURL(relay.outfile).href)));
  }

  // --- overhead per call
  const { handler } = await import(pathToFileURL(relay.outfile).href);
  const write = process.stdout.write.bind(process.stdout);
  // The relay logs one line per call; a bench makes thousands.
  process.stdout.write = (chunk, ...rest) => (String(chunk).includes('"InvokeAgentRuntime') ? true : write(chunk, ...rest));
  const context = { getRemainingTimeInMillis: () => 60_000 };
  const event = { agentRuntimeArn: ARN, qualifier: 'DEFAULT', sessionId: SESSION_ID, payload: REQUEST };
  const directAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const planeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const planePath = `/runtimes/${encodeURIComponent(ARN)}/invocations?qualifier=DEFAULT`;
  const paths = {
    direct: () => post(directAgent, agentServer.port, '/invocations', { 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id': SESSION_ID }),
    plane: () => post(planeAgent, plane.port, planePath, { 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id': SESSION_ID, Accept: 'application/json' }),
    relay: () => handler(event, context),
  };
  const latencies = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
  for (const [name, call] of Object.entries(paths)) {
    const answer = await call();
    if (!String(answer.result).includes('Acme Paper GmbH')) throw new Error(`${name} answered ${JSON.stringify(answer)}`);
    for (let i = 0; i < 50; i++) await call(); // warm-up (JIT, connections)
  }
  // Interleaved, so drift (GC, CPU frequency) spreads over all three paths.
  for (let i = 0; i < calls; i++) {
    for (const [name, call] of Object.entries(paths)) {
      const t = performance.now();
      await call();
      latencies[name].push(performance.now() - t);
    }
  }
  process.stdout.write = write;
  directAgent.destroy();
  planeAgent.destroy();

  const ms = (x) => x.toFixed(2).padStart(8);
  const [direct, viaPlane, viaRelay] = ['direct', 'plane', 'relay'].map((name) => median(latencies[name]));
  const baselineWall = median(cold.baseline.map((s) => s.wall));
  console.log(`\nAgentCore relay (node ${process.version})\n`);
  console.log(`bundle        ${(bytes.length / 1024).toFixed(0)} KB (gzip ${(gzipSync(bytes).length / 1024).toFixed(0)} KB), budget ${(BUDGET_BYTES / 1024).toFixed(0)} KB: ${bytes.length <= BUDGET_BYTES ? 'within' : 'OVER'}`);
  console.log(`init          import ${median(cold.relay.map((s) => s.init)).toFixed(0)} ms, process with the first call ${median(cold.relay.map((s) => s.wall)).toFixed(0)} ms (bare node ${baselineWall.toFixed(0)} ms), median of ${runs} fresh processes; budget 200 ms`);
  console.log(`first call    ${median(cold.relay.map((s) => s.first)).toFixed(1)} ms after init (makes the AgentCore client; through the stand-ins)`);
  console.log(`\nper call, median of ${calls} sequential calls (ms)`);
  console.log(`direct to the agent server   ${ms(direct)}`);
  console.log(`through the stand-in (plain) ${ms(viaPlane)}   stand-in hop  ${ms(viaPlane - direct)}`);
  console.log(`through the relay            ${ms(viaRelay)}   relay adds    ${ms(viaRelay - viaPlane)}`);
} finally {
  agentServer.child.kill('SIGTERM');
  plane.child.kill('SIGTERM');
}
