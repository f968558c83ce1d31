import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { unzipSync, zipSync } from 'fflate';

/** Every file under `dir`, keyed by its path relative to `dir` with `/` separators. */
function filesUnder(dir: string): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(dir, path).split(sep).join('/')] = readFileSync(path);
  }
  return files;
}

/** A staged directory zipped, as `cdk deploy` uploads an asset whose packaging is zip. */
export function zipDirectory(dir: string): Uint8Array {
  return zipSync(filesUnder(dir));
}

/** Unpacks a zip (a code asset staged as a .zip file) into `into`; entries escaping it are refused. */
export function unzipInto(zip: Uint8Array, into: string): void {
  const root = resolve(into);
  for (const [name, bytes] of Object.entries(unzipSync(zip))) {
    if (name.endsWith('/')) continue;
    const path = resolve(root, name);
    if (!path.startsWith(root + sep)) throw new Error(`zip entry ${name} escapes the directory`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
}
