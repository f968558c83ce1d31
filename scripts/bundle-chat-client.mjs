// Bundles the chat client (sdk/chat-client.ts, with eventsource-parser) into one minified ESM file
// for browsers, assets/chat-client/index.mjs (gitignored, shipped in the package): a web page
// imports `createChatClient` from it without a build step of its own. Platform `browser`, so a
// Node built-in reaching the client fails this build instead of a user's page.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const CHAT_CLIENT_ENTRY = join(root, 'sdk', 'chat-client.ts');

/** Builds the bundle to `outfile` and returns its path and size in bytes. */
export async function bundleChatClient({ outfile = join(root, 'assets', 'chat-client', 'index.mjs') } = {}) {
  await mkdir(dirname(outfile), { recursive: true });
  const result = await esbuild.build({
    entryPoints: [CHAT_CLIENT_ENTRY],
    outfile,
    bundle: true,
    minify: true,
    platform: 'browser',
    // Browsers with AbortSignal.throwIfAborted and crypto.randomUUID (2022 on).
    target: 'es2022',
    format: 'esm',
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  return { outfile, bytes: Object.values(result.metafile.outputs)[0].bytes, inputs: Object.keys(result.metafile.inputs) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  const { bytes } = await bundleChatClient();
  console.log(`bundle:chat-client: assets/chat-client/index.mjs (${(bytes / 1024).toFixed(1)} KB) in ${Date.now() - started} ms`);
}
