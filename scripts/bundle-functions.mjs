// Bundles the library's own Lambda functions into one minified ESM file each at library build
// time, so a user's synth never runs esbuild. Output (gitignored, shipped in the package):
//   assets/relay/index.mjs      the AgentCore relay (relay/index.ts)
//   assets/consumer/index.mjs   the document consumer (consumer/index.ts)
//   assets/authorizer/index.mjs the chat API's token authorizer (authorizer/index.ts)
//   assets/sessions/index.mjs   the chat Sessions API (sessions/index.ts)
//   assets/chat-proxy/index.mjs the chat API's streaming proxy to an AgentCore agent (chat-proxy/index.ts)
// Each is handler `index.handler` (nodejs22.x); `.mjs` makes it ESM without a package.json, so the
// directory holds exactly what Lambda runs. The AWS SDK clients are bundled: the Lambda runtime's
// own SDK may predate AgentCore, and each function runs the SDK it was tested with.
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { BUNDLE_OPTIONS } from './bundle-agent.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const FUNCTIONS = {
  relay: join(root, 'relay', 'index.ts'),
  consumer: join(root, 'consumer', 'index.ts'),
  authorizer: join(root, 'authorizer', 'index.ts'),
  sessions: join(root, 'sessions', 'index.ts'),
  'chat-proxy': join(root, 'chat-proxy', 'index.ts'),
};

/**
 * Builds one function into `outdir` (default `assets/<name>`, emptied first so the Lambda asset
 * holds only the bundle) and returns its path and size. Exported so benches can build it too.
 */
export async function bundleFunction(name, { outdir = join(root, 'assets', name), metafile = false } = {}) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const outfile = join(outdir, 'index.mjs');
  const result = await esbuild.build({ ...BUNDLE_OPTIONS, entryPoints: [FUNCTIONS[name]], outfile, metafile: true });
  const bytes = Object.values(result.metafile.outputs)[0].bytes;
  return { outfile, bytes, ...(metafile ? { metafile: result.metafile } : {}) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const name of Object.keys(FUNCTIONS)) {
    const started = Date.now();
    const { bytes } = await bundleFunction(name);
    console.log(`bundle:functions: assets/${name}/index.mjs (${Math.round(bytes / 1024)} KB) in ${Date.now() - started} ms`);
  }
}
