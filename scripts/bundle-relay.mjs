// Bundles the AgentCore relay (relay/index.ts) into one minified ESM file at library build time,
// so a user's synth never runs esbuild. Output (gitignored, shipped in the package):
//   assets/relay/index.mjs   Lambda handler `index.handler` (nodejs22.x); `.mjs` makes it ESM
//                            without a package.json, so the directory holds exactly what Lambda runs.
// The AgentCore client is bundled: the Lambda runtime's own AWS SDK may predate AgentCore.
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { BUNDLE_OPTIONS } from './bundle-agent.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const RELAY_ENTRY = join(root, 'relay', 'index.ts');

/**
 * Builds the relay into `outdir` (default `assets/relay`, emptied first so the Lambda asset holds
 * only the bundle) and returns its path and size. Exported so benches can build it too.
 */
export async function bundleRelay({ outdir = join(root, 'assets', 'relay'), metafile = false } = {}) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const outfile = join(outdir, 'index.mjs');
  const result = await esbuild.build({ ...BUNDLE_OPTIONS, entryPoints: [RELAY_ENTRY], outfile, metafile: true });
  const bytes = Object.values(result.metafile.outputs)[0].bytes;
  return { outfile, bytes, ...(metafile ? { metafile: result.metafile } : {}) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  const { bytes } = await bundleRelay();
  console.log(`bundle:relay: assets/relay/index.mjs (${Math.round(bytes / 1024)} KB) in ${Date.now() - started} ms`);
}
