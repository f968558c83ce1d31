import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { unzipSync, zipSync, type Zippable } from 'fflate';

/**
 * The date cdk-assets gives every entry of the zips it uploads (1980-01-01 00:00, the first DOS
 * date), so the same files zip to the same bytes. Local time: fflate writes the DOS fields from the
 * local-time getters, so this is 1980-01-01 00:00 in the archive in any time zone.
 */
const ZIP_ENTRY_DATE = new Date(1980, 0, 1, 0, 0, 0);

/** Every file under `dir`, keyed by its path relative to `dir` with `/` separators, in path order. */
function filesUnder(dir: string): Zippable {
  const paths = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  const files: Zippable = {};
  for (const path of paths) files[relative(dir, path).split(sep).join('/')] = [readFileSync(path), { mtime: ZIP_ENTRY_DATE }];
  return files;
}

/**
 * A staged directory zipped, as `cdk deploy` uploads an asset whose packaging is zip: entries in
 * path order with a fixed date, so every run (and both contracts' runs) serve the same bytes.
 */
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
