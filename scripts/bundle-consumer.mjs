// Bundles the document consumer (consumer/index.ts) into one minified ESM file at library build
// time, so a user's synth never runs esbuild. Output (gitignored, shipped in the package):
//   assets/consumer/index.mjs   Lambda handler `index.handler` (nodejs22.x); `.mjs` makes it ESM
//                               without a package.json, so the directory holds exactly what Lambda runs.
// The Step Functions client is bundled, like the relay's: the function runs the SDK it was tested with.
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { BUNDLE_OPTIONS } from './bundle-agent.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const CONSUMER_ENTRY = join(root, 'consumer', 'index.ts');

/**
 * Builds the consumer into `outdir` (default `assets/consumer`, emptied first so the Lambda asset
 * holds only the bundle) and returns its path and size. Exported so benches can build it too.
 */
export async function bundleConsumer({ outdir = join(root, 'assets', 'consumer'), metafile = false } = {}) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const outfile = join(outdir, 'index.mjs');
  const result = await esbuild.build({ ...BUNDLE_OPTIONS, entryPoints: [CONSUMER_ENTRY], outfile, metafile: true });
  const bytes = Object.values(result.metafile.outputs)[0].bytes;
  return { outfile, bytes, ...(metafile ? { metafile: result.metafile } : {}) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  const { bytes } = await bundleConsumer();
  console.log(`bundle:consumer: assets/consumer/index.mjs (${Math.round(bytes / 1024)} KB) in ${Date.now() - started} ms`);
}
