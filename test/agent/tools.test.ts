import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tool, type InvokableTool } from '@strands-agents/sdk';
import { strToU8, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import type { ToolLocation } from '../../agent/core/config.js';
import { S3ObjectError } from '../../agent/core/errors.js';
import { createToolLoader, loadTools } from '../../agent/core/tools.js';
import { memoryLogger, memoryStore } from './helpers/memory.js';

/** A tool module as a user writes it: bare imports of the SDK and zod, no bundling. */
const VENDOR_TOOL = `
import { tool } from '@strands-agents/sdk';
import { z } from 'zod';
export const lookupVendor = tool({
  name: 'lookup_vendor',
  description: 'Finds a vendor by id',
  inputSchema: z.object({ id: z.string() }),
  callback: ({ id }) => 'vendor-' + id,
});
`;

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-tools-test-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const file = (key: string): ToolLocation => ({ bucketName: 'tools', key, isFile: true, isZipArchive: false });
const zip = (key: string): ToolLocation => ({ bucketName: 'tools', key, isFile: false, isZipArchive: true });

async function load(locations: ToolLocation[], objects: Record<string, string | Uint8Array>) {
  const logger = memoryLogger();
  const tools = await loadTools(locations, { store: memoryStore(objects), logger, dir: await freshDir() });
  return {
    tools,
    logger,
    warnings: logger.lines.filter((l) => l.level === 'warn'),
    errors: logger.lines.filter((l) => l.level === 'error'),
  };
}

function invokable(tool: Tool | undefined): InvokableTool<unknown, unknown> {
  if (tool === undefined || !('invoke' in tool)) throw new Error('not an invokable tool');
  return tool as InvokableTool<unknown, unknown>;
}

describe('loadTools', () => {
  it('loads a single-file module that imports the SDK and zod by their package names', async () => {
    const { tools, warnings } = await load([file('vendor.mjs')], { 'tools/vendor.mjs': VENDOR_TOOL });
    expect(warnings).toEqual([]);
    expect(tools.map((t) => t.name)).toEqual(['lookup_vendor']);
    // The module got the agent's own SDK, so its tool is one of the agent's classes.
    expect(tools[0]).toBeInstanceOf(Tool);
    expect(await invokable(tools[0]).invoke({ id: '7' })).toBe('vendor-7');
  });

  it('loads every module of a zip, including one that imports a sibling helper', async () => {
    const archive = zipSync({
      'tools/vendor.js': strToU8(VENDOR_TOOL),
      'tools/tax.mjs': strToU8(`
        import { tool } from '@strands-agents/sdk';
        import { rate } from './lib/rates.js';
        export default [tool({ name: 'tax', description: 'VAT', inputSchema: { type: 'object', properties: {} }, callback: () => rate })];
      `),
      'tools/lib/rates.js': strToU8('export const rate = 0.2;'),
      'tools/README.md': strToU8('not a module'),
    });
    const { tools, warnings } = await load([zip('bundle.zip')], { 'tools/bundle.zip': archive });
    expect(warnings).toEqual([]);
    expect(tools.map((t) => t.name).sort()).toEqual(['lookup_vendor', 'tax']);
    expect(await invokable(tools.find((t) => t.name === 'tax')).invoke({})).toBe(0.2);
  });

  it('accepts a self-contained tool object that does not import the SDK', async () => {
    const standalone = `
      export const echo = {
        name: 'echo', description: 'Echoes', toolSpec: { name: 'echo', description: 'Echoes', inputSchema: { type: 'object' } },
        async *stream() { throw new Error('not called here'); },
      };`;
    const { tools } = await load([file('echo.js')], { 'tools/echo.js': standalone });
    expect(tools.map((t) => t.name)).toEqual(['echo']);
  });

  it('logs one ERROR line per object that downloaded but is no tool module, names it, and keeps the tools that loaded', async () => {
    const { tools, errors, warnings } = await load(
      [file('vendor.mjs'), file('broken.mjs'), file('settings.json'), file('constants.mjs'), zip('not-a-zip.zip'), zip('helpers.zip')],
      {
        'tools/vendor.mjs': VENDOR_TOOL,
        'tools/broken.mjs': 'export const = ;',
        'tools/settings.json': '{"region": "eu-west-1"}',
        'tools/constants.mjs': 'export const rate = 0.2;',
        'tools/not-a-zip.zip': 'plain text',
        'tools/helpers.zip': zipSync({ 'lib/a.js': strToU8('export const a = 1;') }),
      },
    );
    expect(tools.map((t) => t.name)).toEqual(['lookup_vendor']);
    expect(warnings).toEqual([]);
    // Locations load in parallel: one line each, in no particular order.
    const byKey = Object.fromEntries(errors.map((e) => [String(e.key), e.reason]));
    expect(errors).toHaveLength(5);
    expect(byKey).toEqual({
      'broken.mjs': expect.stringContaining('broken.mjs failed to load ('),
      'settings.json': expect.stringContaining('settings.json failed to load ('),
      'constants.mjs': 'constants.mjs exports no Strands tool',
      'not-a-zip.zip': expect.stringContaining('it is not a usable zip archive'),
      'helpers.zip': 'none of its modules exports a Strands tool',
    });
    for (const line of errors) {
      expect(line.message).toContain(`Tool object s3://tools/${String(line.key)} is not usable`);
      expect(line.message).toContain('A tool object must be an ES module exporting Strands tool(...) values');
    }
  });

  it('rejects with the S3ObjectError naming a tool object that failed to download, retries only it, and never reads a bad module twice', async () => {
    const objects: Record<string, string> = { 'tools/vendor.mjs': VENDOR_TOOL, 'tools/broken.mjs': 'export const = ;' };
    const store = memoryStore(objects);
    const logger = memoryLogger();
    const loader = createToolLoader([file('vendor.mjs'), file('broken.mjs'), file('later.mjs')], { store, logger, dir: await freshDir() });

    const failure = await loader().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(S3ObjectError);
    expect((failure as Error).message).toMatch(/^Cannot read the tool object s3:\/\/tools\/later\.mjs: NoSuchKey/);

    objects['tools/later.mjs'] = VENDOR_TOOL.replace("'lookup_vendor'", "'later_tool'");
    expect((await loader()).map((t) => t.name)).toEqual(['lookup_vendor', 'later_tool']);
    expect(await loader()).toHaveLength(2);
    expect(Object.fromEntries(store.reads)).toEqual({ 'tools/vendor.mjs': 1, 'tools/broken.mjs': 1, 'tools/later.mjs': 2 });
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.key)).toEqual(['broken.mjs']);
  });

  it('counts a module whose import never finishes as broken, without waiting for it', async () => {
    const logger = memoryLogger();
    const store = memoryStore({ 'tools/stuck.mjs': 'await new Promise(() => {}); export const never = 1;', 'tools/vendor.mjs': VENDOR_TOOL });
    const tools = await createToolLoader([file('stuck.mjs'), file('vendor.mjs')], { store, logger, dir: await freshDir(), importTimeoutMs: 100 })();
    expect(tools.map((t) => t.name)).toEqual(['lookup_vendor']);
    expect(logger.lines.find((l) => l.level === 'error')?.reason).toBe('stuck.mjs failed to load (its import did not finish within 100 ms)');
  });

  it('refuses an archive whose entries escape the extraction directory', async () => {
    const archive = zipSync({ '../evil.mjs': strToU8(VENDOR_TOOL) });
    const { tools, errors } = await load([zip('evil.zip')], { 'tools/evil.zip': archive });
    expect(tools).toEqual([]);
    expect(errors[0]?.reason).toContain('escapes the extraction directory');
  });

  it('keeps the first of two tools with the same name', async () => {
    const { tools, warnings } = await load([file('a.mjs'), file('b.mjs')], { 'tools/a.mjs': VENDOR_TOOL, 'tools/b.mjs': VENDOR_TOOL });
    expect(tools).toHaveLength(1);
    expect(warnings.map((w) => w.message)).toEqual(['Skipping tool with a duplicate name']);
  });

  it('infers the kind from the key when neither flag is set, and logs an ERROR for what it cannot infer', async () => {
    const neither = (key: string): ToolLocation => ({ bucketName: 'tools', key, isFile: false, isZipArchive: false });
    const { tools, errors, logger } = await load([neither('vendor.mjs'), neither('tools.tar')], { 'tools/vendor.mjs': VENDOR_TOOL, 'tools/tools.tar': 'x' });
    expect(tools.map((t) => t.name)).toEqual(['lookup_vendor']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ key: 'tools.tar', reason: expect.stringContaining('neither isFile nor isZipArchive is set') });
    // Not even downloaded.
    expect(logger.lines.some((l) => l.message.includes('tools.tar') && l.level !== 'error')).toBe(false);
  });
});
