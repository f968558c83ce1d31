// Runs every benchmark in bench/ in turn and prints each one's table. Benchmarks are not tests:
// they measure, they do not assert. Servers they start listen on 127.0.0.1 and stop by themselves.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' };
const benches = [
  ['node', ['bench/agent/bundle-size.mjs']],
  ['node', ['bench/agent/cold-start.mjs', '--runs', '15']],
  ['node', ['bench/agent/server-throughput.mjs', '--duration', '5', '--rounds', '3', '--connections', '16']],
  [join(root, 'node_modules', '.bin', 'tsx'), ['bench/synth/synth-bench.ts', '5']],
  [join(root, 'node_modules', '.bin', 'tsx'), ['bench/synth/document-processing-bench.ts', '5']],
  ['node', ['bench/cli/local-start.mjs', '--runs', '10']],
  ['node', ['bench/relay/relay-overhead.mjs', '--calls', '300', '--runs', '15']],
  ['node', ['bench/consumer/consumer-batch.mjs', '--batches', '200', '--runs', '15']],
  [join(root, 'node_modules', '.bin', 'tsx'), ['bench/workflow/document-overhead.ts', '30', '3']],
  [join(root, 'node_modules', '.bin', 'tsx'), ['bench/interactive/front-door-ttfb.ts', '30', '5']],
  [join(root, 'node_modules', '.bin', 'tsx'), ['bench/interactive/turn-overhead.ts', '10', '5']],
  [join(root, 'node_modules', '.bin', 'tsx'), ['bench/interactive/heartbeat.ts', '60']],
];

// The shipped bundles the benchmarks run (the document workflow's runs all of them: agents,
// relay, consumer, and the CLI's Lambda runner).
for (const script of ['bundle:agent', 'bundle:functions', 'bundle:cli']) execFileSync('npm', ['run', script], { cwd: root, stdio: 'inherit', env });
for (const [command, args] of benches) {
  console.log(`\n$ ${[command.replace(`${root}/`, ''), ...args].join(' ')}`);
  execFileSync(command, args, { cwd: root, stdio: 'inherit', env });
}
