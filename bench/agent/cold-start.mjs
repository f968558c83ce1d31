// Module initialization time of the agent bundles, in fresh Node processes:
//   lambda     `await import(bundle)` (what Lambda's init phase runs before the first event)
//   agentcore  `await import(bundle)`, which resolves once the server listens (port 0, 127.0.0.1)
// Each sample is measured inside the child around the import; the wall time of the whole
// process is reported too, next to a bare `node` baseline. Medians over N alternated runs.
//
//   node bench/agent/cold-start.mjs [--runs 15]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleAgent } from '../../scripts/bundle-agent.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
const bundles = await bundleAgent();

// A valid configuration; S3 resolves to a closed local port so nothing leaves the machine
// (the AgentCore server's resource preload starts after it listens and fails harmlessly).
const env = {
  PATH: process.env.PATH,
  SYSTEM_PROMPT_S3_BUCKET_NAME: 'bench',
  SYSTEM_PROMPT_S3_KEY: 'system.txt',
  MODEL_ID: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  PORT: '0',
  AGENT_SERVER_HOST: '127.0.0.1',
  LOG_LEVEL: 'error',
};

const probe = (url) =>
  `const t = performance.now(); await import(${JSON.stringify(url)}); ` +
  `process.stderr.write('INIT ' + (performance.now() - t) + '\\n'); process.exit(0);`;

function sample(script) {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wall = performance.now() - started;
  const output = child.stderr.toString();
  if (child.status !== 0) throw new Error(`probe failed (${child.status}): ${output}`);
  const init = Number(output.match(/INIT ([\d.]+)/)?.[1] ?? NaN);
  return { wall, init };
}

const cases = {
  baseline: 'process.stderr.write("INIT 0\\n");',
  lambda: probe(pathToFileURL(bundles.lambda.outfile).href),
  agentcore: probe(pathToFileURL(bundles.agentcore.outfile).href),
};
const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, script] of Object.entries(cases)) samples[name].push(sample(script));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const baselineWall = median(samples.baseline.map((s) => s.wall));
console.log(`\nmodule initialization, median of ${runs} fresh processes (node ${process.version})\n`);
console.log('case        import ms   process ms   process - node baseline ms');
for (const [name, list] of Object.entries(samples)) {
  const wall = median(list.map((s) => s.wall));
  const init = name === 'baseline' ? '-' : median(list.map((s) => s.init)).toFixed(0);
  console.log(`${name.padEnd(10)} ${String(init).padStart(10)} ${wall.toFixed(0).padStart(12)} ${(wall - baselineWall).toFixed(0).padStart(14)}`);
}
console.log('\nbudget: module initialization <= 200 ms');
