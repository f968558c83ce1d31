import * as fs from 'fs';
import * as path from 'path';
import { InvalidRuntimeConfigError } from './errors';
import { AgentRuntimeType } from './runtime-type';

/** The part of esbuild's API this file uses; esbuild is the app's dependency, not ours. */
interface EsbuildApi {
  buildSync(options: Record<string, unknown>): unknown;
}

function loadEsbuild(entry: string, runtimeType: AgentRuntimeType): EsbuildApi {
  try {
    const resolved = require.resolve('esbuild', { paths: [path.dirname(entry), process.cwd(), __dirname] });
    // Resolved at synth from the user's app: a static import would make esbuild our dependency.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(resolved) as EsbuildApi;
  } catch {
    throw new InvalidRuntimeConfigError(
      runtimeType,
      `bundling '${entry}' needs esbuild: run 'npm install --save-dev esbuild' in your CDK app (bundling never uses Docker)`,
      'code',
    );
  }
}

/**
 * Bundles a TypeScript entry into `outputDir/index.js`, one minified ESM file for Node.js 22,
 * with a package.json marking it ESM (Lambda and AgentCore both load `index.js` as a module).
 */
export function bundleTypeScriptEntry(entry: string, outputDir: string, runtimeType: AgentRuntimeType): void {
  const esbuild = loadEsbuild(entry, runtimeType);
  esbuild.buildSync({
    entryPoints: [entry],
    outfile: path.join(outputDir, 'index.js'),
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    logLevel: 'error',
    // CommonJS dependencies inside an ESM bundle call require(); give them one.
    banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
  });
  fs.writeFileSync(path.join(outputDir, 'package.json'), '{"type":"module"}\n');
}
