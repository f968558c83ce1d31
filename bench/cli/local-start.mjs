// The command-line tool's local run, as a user meets it (the bundled assets/cli/index.mjs):
//   start   `agentic-ai-framework local <agent>` spawned → first GET /ping answered 200
//   invoke  `agentic-ai-framework invoke --local --payload ...` spawned → exited with the answer,
//           against a Bedrock stand-in on 127.0.0.1 (ConverseStream: one tool call, then the JSON)
// for the default agent of examples/batch-agent-agentcore-runtime (AgentCore contract) and of
// examples/batch-agent-lambda (Lambda contract), each synthesized with the CDK CLI into a temporary
// cloud assembly. Medians of N runs. Nothing reaches AWS (fake credentials, local endpoints).
//
//   node bench/cli/local-start.mjs [--runs 10]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EventStreamCodec } from '@smithy/core/event-streams';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'assets', 'cli', 'index.mjs');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const WAIT_MS = 30_000;

execFileSync('npm', ['run', '--silent', 'bundle:agent'], { cwd: root, stdio: 'inherit' });
execFileSync('npm', ['run', '--silent', 'bundle:cli'], { cwd: root, stdio: 'inherit' });

const work = mkdtempSync(join(tmpdir(), 'bench-cli-'));
const servers = [];
const children = new Set();
const cleanup = () => {
  for (const child of children) child.kill('SIGKILL');
  for (const server of servers) server.close();
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);

/** Synthesizes an example with the CDK CLI into its own assembly directory. */
function synth(example) {
  const out = join(work, example);
  execFileSync(join(root, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-notices', '--no-version-reporting', '--output', out], {
    cwd: join(root, 'examples', example),
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' },
  });
  return out;
}

// --- a Bedrock ConverseStream stand-in (binary event stream over cleartext HTTP/2) ---
const codec = new EventStreamCodec((b) => new TextDecoder().decode(b), (t) => new TextEncoder().encode(t));
const frame = (type, payload) =>
  codec.encode({
    headers: {
      ':event-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: new TextEncoder().encode(JSON.stringify(payload)),
  });
const ANSWER = JSON.stringify({ vendor: 'Acme Paper GmbH', invoiceNumber: 'INV-2025-0042', currency: 'EUR', total: 42.5 });
const bedrock = createHttp2Server((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const toolResultSent = body.messages.at(-1)?.content.some((block) => 'toolResult' in block);
    const events = [['messageStart', { role: 'assistant' }]];
    if (!toolResultSent) {
      events.push(
        ['contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse-1', name: 'currency_lookup' } } }],
        ['contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"currency":"eur"}' } } }],
        ['contentBlockStop', { contentBlockIndex: 0 }],
        ['messageStop', { stopReason: 'tool_use' }],
      );
    } else {
      events.push(['contentBlockDelta', { contentBlockIndex: 0, delta: { text: ANSWER } }], ['contentBlockStop', { contentBlockIndex: 0 }], ['messageStop', { stopReason: 'end_turn' }]);
    }
    events.push(['metadata', { usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 }, metrics: { latencyMs: 1 } }]);
    res.writeHead(200, { 'Content-Type': 'application/vnd.amazon.eventstream' });
    for (const [type, payload] of events) res.write(frame(type, payload));
    res.end();
  });
});
await new Promise((resolve) => bedrock.listen(0, '127.0.0.1', resolve));
servers.push(bedrock);
const modelEndpoint = `http://127.0.0.1:${bedrock.address().port}`;

const env = {
  PATH: process.env.PATH,
  HOME: work,
  AWS_ACCESS_KEY_ID: 'AKIAFAKELOCALBENCH00',
  AWS_SECRET_ACCESS_KEY: 'fake',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: join(work, 'none'),
  AWS_SHARED_CREDENTIALS_FILE: join(work, 'none'),
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  OTEL_TRACES_EXPORTER: 'none',
  NODE_NO_WARNINGS: '1',
};

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const ping = (port) =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/ping', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });

/** Spawns `local`, polls /ping every 5 ms; returns the ms to the first 200 and a stop function. */
async function startLocal(app, agent, port) {
  const started = performance.now();
  const child = spawn(process.execPath, [cli, 'local', agent, '--app', app, '--port', String(port), '--model-endpoint', modelEndpoint, '--env', 'OTEL_TRACES_EXPORTER=none'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  while (!(await ping(port))) {
    if (child.exitCode !== null) throw new Error(`local exited: ${stderr}`);
    if (performance.now() - started > WAIT_MS) throw new Error(`no /ping 200 within ${WAIT_MS} ms: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const ms = performance.now() - started;
  return {
    ms,
    stop: async () => {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      children.delete(child);
    },
  };
}

const PAYLOAD = JSON.stringify({ contentType: 'data', content: { data: 'INVOICE INV-2025-0042\nAcme Paper GmbH\nTotal: 42.50 eur' } });

function invokeOnce(port) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cli, 'invoke', '--local', '--port', String(port), '--payload', PAYLOAD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (code !== 0 || JSON.parse(out).result?.currency !== 'EUR') reject(new Error(`invoke failed (${code}): ${err}${out}`));
      else resolve(ms);
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const cases = [
  { name: 'AgentCore contract (batch-agent-agentcore-runtime)', app: synth('batch-agent-agentcore-runtime'), agent: 'InvoiceAgent' },
  { name: 'Lambda contract (batch-agent-lambda)', app: synth('batch-agent-lambda'), agent: 'InvoiceAgent' },
];
console.log(`\nagentic-ai-framework local / invoke --local, median of ${runs} runs (node ${process.version})\n`);
console.log('case                                                   start→/ping ms   invoke --local ms');
for (const c of cases) {
  const starts = [];
  const invokes = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const local = await startLocal(c.app, c.agent, port);
    starts.push(local.ms);
    try {
      invokes.push(await invokeOnce(port));
    } finally {
      await local.stop();
    }
  }
  console.log(`${c.name.padEnd(54)} ${median(starts).toFixed(0).padStart(14)} ${median(invokes).toFixed(0).padStart(19)}`);
}
console.log('\ninvoke --local is the whole `invoke` process: node start, the POST, the agent (two model calls and the tool), the print.');
console.log('The first invocation of each started agent is measured: the Lambda sandbox is initialised at start, the AgentCore server preloads its prompt and tool.');
cleanup();
process.exit(0);
