// Bundles the command-line tool (cli/index.ts) into one ESM file, assets/cli/index.mjs, shipped in
// the package as the `agentic-ai-framework` bin. The AWS SDK clients it uses (dev dependencies)
// are bundled in; cli/python/lambda_runner.py is embedded as text.
import { chmod, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Bundled CommonJS dependencies (parts of the AWS SDK) call `require` for Node built-ins.
const REQUIRE_BANNER =
  "#!/usr/bin/env node\nimport{createRequire as __aafCreateRequire}from'node:module';const require=__aafCreateRequire(import.meta.url);";

export async function bundleCli({ outfile = join(root, 'assets', 'cli', 'index.mjs') } = {}) {
  await mkdir(dirname(outfile), { recursive: true });
  const result = await esbuild.build({
    entryPoints: [join(root, 'cli', 'index.ts')],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_BANNER },
    loader: { '.py': 'text' },
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  await chmod(outfile, 0o755);
  return { outfile, bytes: Object.values(result.metafile.outputs)[0].bytes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  const { bytes } = await bundleCli();
  console.log(`bundle:cli: assets/cli/index.mjs (${Math.round(bytes / 1024)} KB) in ${Date.now() - started} ms`);
}
