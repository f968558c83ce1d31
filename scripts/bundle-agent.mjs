// Bundles the default agent's two entrypoints into one minified ESM file each, at library build
// time, so a user's synth never runs esbuild. Output (gitignored, shipped in the package):
//   assets/agent/lambda/index.js     Lambda handler `index.handler` (nodejs22.x)
//   assets/agent/agentcore/index.js  AgentCore direct-code entry point ["index.js"] (NODE_22)
// Each directory also gets {"type":"module"} so Node loads the `.js` file as ESM.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const ENTRYPOINTS = {
  lambda: join(root, 'agent', 'lambda.ts'),
  agentcore: join(root, 'agent', 'agentcore.ts'),
};

// Bundled CJS dependencies (parts of the AWS SDK) call `require` for Node built-ins; an ESM
// bundle has no `require`, so give it one.
const REQUIRE_BANNER =
  "import{createRequire as __aafCreateRequire}from'node:module';const require=__aafCreateRequire(import.meta.url);";

// The Strands SDK imports its MCP client eagerly, which drags in @modelcontextprotocol/sdk and
// two copies of ajv (~450 KB minified). The default agent never uses MCP, so these imports resolve
// to stand-ins that throw if anything ever constructs them.
const MCP_STUB = `
class McpUnavailable { constructor() { throw new Error('MCP is not included in the default agent bundle'); } }
export const Client = McpUnavailable, StreamableHTTPClientTransport = McpUnavailable,
  ClientCredentialsProvider = McpUnavailable, StdioClientTransport = McpUnavailable,
  SSEClientTransport = McpUnavailable, McpError = McpUnavailable, UrlElicitationRequiredError = McpUnavailable;
export const ErrorCode = {}, ElicitRequestSchema = {}, LoggingMessageNotificationSchema = {};
export function takeResult() { throw new Error('MCP is not included in the default agent bundle'); }
export function getDefaultEnvironment() { return {}; }
`;

const trimUnusedDependencies = {
  name: 'trim-unused-dependencies',
  setup(build) {
    build.onResolve({ filter: /^@modelcontextprotocol\/sdk(\/|$)/ }, (args) => ({ path: args.path, namespace: 'mcp-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'mcp-stub' }, () => ({ contents: MCP_STUB, loader: 'js' }));
    // zod's `z` namespace re-exports all ~60 error-message locales (~250 KB); keep English only.
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * The esbuild options every agent bundle uses (the benches bundle their harnesses with them too,
 * so they measure the code as shipped).
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  // Prefer ESM builds of dependencies: smaller and tree-shakeable.
  mainFields: ['module', 'main'],
  banner: { js: REQUIRE_BANNER },
  plugins: [trimUnusedDependencies],
  legalComments: 'none',
  logLevel: 'warning',
};

/**
 * Builds both bundles into `outdir` (default `assets/agent`) and returns their paths and sizes.
 * Exported so tests can build into a temporary directory.
 */
export async function bundleAgent({ outdir = join(root, 'assets', 'agent'), metafile = false } = {}) {
  const results = {};
  await Promise.all(
    Object.entries(ENTRYPOINTS).map(async ([name, entry]) => {
      const dir = join(outdir, name);
      await mkdir(dir, { recursive: true });
      const outfile = join(dir, 'index.js');
      const result = await esbuild.build({ ...BUNDLE_OPTIONS, entryPoints: [entry], outfile, metafile });
      await writeFile(join(dir, 'package.json'), '{"type":"module"}\n');
      const bytes = result.metafile ? Object.values(result.metafile.outputs)[0].bytes : undefined;
      results[name] = { outfile, bytes, metafile: result.metafile };
    }),
  );
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  const results = await bundleAgent();
  const names = Object.keys(results).join(', ');
  console.log(`bundle:agent: ${names} -> assets/agent in ${Date.now() - started} ms`);
}
