// Sizes of the two agent bundles as shipped (minified ESM, AWS SDK included), against the
// 1.5 MB budget, plus gzip sizes (what the Lambda/AgentCore zip roughly weighs).
//
//   node bench/agent/bundle-size.mjs
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { bundleAgent } from '../../scripts/bundle-agent.mjs';

const BUDGET_BYTES = 1.5 * 1024 * 1024;
const results = await bundleAgent({ metafile: true });

console.log('\nbundle      size KB   gzip KB   budget KB   within   top inputs (KB)');
for (const [name, { outfile, metafile }] of Object.entries(results)) {
  const bytes = await readFile(outfile);
  const byPackage = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(Object.values(metafile.outputs)[0].inputs)) {
    const pkg = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? 'agent + src';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
  }
  const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([pkg, n]) => `${pkg} ${(n / 1024).toFixed(0)}`);
  console.log(
    `${name.padEnd(10)} ${(bytes.length / 1024).toFixed(0).padStart(8)} ${(gzipSync(bytes).length / 1024).toFixed(0).padStart(9)} ${(BUDGET_BYTES / 1024).toFixed(0).padStart(11)}   ${bytes.length <= BUDGET_BYTES ? 'yes' : 'NO '}      ${top.join(', ')}`,
  );
}
