import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** The relay as shipped (`npm run bundle:functions`, run by `pretest`). */
const ASSET_DIR = resolve(import.meta.dirname, '..', '..', 'assets', 'relay');
const BUDGET_BYTES = 1.5 * 1024 * 1024;

describe('relay bundle', () => {
  it('is one ESM file, index.mjs, alone in its asset directory (what Lambda gets), within 1.5 MB', async () => {
    expect(await readdir(ASSET_DIR)).toEqual(['index.mjs']);
    const { size } = await stat(join(ASSET_DIR, 'index.mjs'));
    expect(size).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('loads in plain Node away from any node_modules and exports only `handler`', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-bundle-'));
    try {
      await copyFile(join(ASSET_DIR, 'index.mjs'), join(dir, 'index.mjs'));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--no-warnings', '--input-type=module', '-e', "const m = await import('./index.mjs'); process.stdout.write(JSON.stringify(Object.keys(m)));"],
        { cwd: dir, env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' }, timeout: 10_000 },
      );
      expect(JSON.parse(stdout)).toEqual(['handler']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
