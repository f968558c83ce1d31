import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** The consumer as shipped (`npm run bundle:functions`, run by `pretest`). */
const ASSET_DIR = resolve(import.meta.dirname, '..', '..', 'assets', 'consumer');
const BUDGET_BYTES = 1.5 * 1024 * 1024;
/** Lambda's init phase for this function: loading the module. */
const INIT_BUDGET_MS = 200;

describe('consumer bundle', () => {
  it('is one ESM file, index.mjs, alone in its asset directory (what Lambda gets), within 1.5 MB', async () => {
    expect(await readdir(ASSET_DIR)).toEqual(['index.mjs']);
    const { size } = await stat(join(ASSET_DIR, 'index.mjs'));
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it(`loads in plain Node away from any node_modules, exports only \`handler\`, within ${INIT_BUDGET_MS} ms (median of 3 fresh processes)`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'consumer-bundle-'));
    try {
      await copyFile(join(ASSET_DIR, 'index.mjs'), join(dir, 'index.mjs'));
      const script =
        "const t = performance.now(); const m = await import('./index.mjs'); " +
        'process.stdout.write(JSON.stringify({ exports: Object.keys(m), ms: performance.now() - t }));';
      const runs: Array<{ exports: string[]; ms: number }> = [];
      for (let i = 0; i < 3; i++) {
        const { stdout } = await promisify(execFile)(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:Docs' },
          timeout: 10_000,
        });
        runs.push(JSON.parse(stdout) as { exports: string[]; ms: number });
      }
      for (const run of runs) expect(run.exports).toEqual(['handler']);
      const median = runs.map((run) => run.ms).sort((a, b) => a - b)[1]!;
      expect(median).toBeLessThanOrEqual(INIT_BUDGET_MS);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
