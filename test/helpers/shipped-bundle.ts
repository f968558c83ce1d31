import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';

// test/helpers builds as CommonJS (no package.json of its own), so __dirname rather than import.meta.
const ROOT = resolve(__dirname, '..', '..');

/** Every `.ts` file under `path` (relative to the repository root), or `path` itself when it is a file. */
async function sourcesUnder(path: string): Promise<string[]> {
  const absolute = resolve(ROOT, path);
  // A missing directory throws: a list naming something that is gone must be corrected, not skipped.
  if (!(await stat(absolute)).isDirectory()) return [absolute];
  const entries = await readdir(absolute, { recursive: true });
  const sources = entries.filter((name) => name.endsWith('.ts') && !name.split(/[\\/]/).includes('node_modules')).map((name) => join(absolute, name));
  if (sources.length === 0) throw new Error(`${path} holds no .ts file: is it a directory the bundle is built from?`);
  return sources;
}

/**
 * Fails unless the shipped bundle at `bundlePath` is newer than every `.ts` file under
 * `sourceDirs` (directories, or single files, relative to the repository root). Give whole
 * directories (agent/, the function's own, cli/ or relay/ when it imports from them): a bundle that
 * gains an import stays covered, where a hand-kept list of files goes stale.
 */
export async function expectFreshBundle(bundlePath: string, sourceDirs: readonly string[], rebuild = 'npm run bundle:functions'): Promise<void> {
  const bundle = isAbsolute(bundlePath) ? bundlePath : resolve(ROOT, bundlePath);
  const shown = relative(ROOT, bundle);
  const built = await stat(bundle).catch(() => undefined);
  if (built === undefined) throw new Error(`${shown} is missing: run ${rebuild}`);
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const dir of sourceDirs) {
    for (const source of await sourcesUnder(dir)) {
      const { mtimeMs } = await stat(source);
      if (newest === undefined || mtimeMs > newest.mtimeMs) newest = { path: source, mtimeMs };
    }
  }
  if (newest !== undefined && newest.mtimeMs > built.mtimeMs) {
    throw new Error(`${shown} is older than ${relative(ROOT, newest.path)}: run ${rebuild}`);
  }
}
