import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tool, type InvokableTool } from '@strands-agents/sdk';
import { strToU8, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import type { ToolLocation } from '../../agent/core/config.js';
import { loadTools } from '../../agent/core/tools.js';
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
  return { tools, logger, warnings: logger.lines.filter((l) => l.level === 'warn') };
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

  it('skips what fails with a warning and keeps the tools that loaded', async () => {
    const { tools, warnings } = await load(
      [file('vendor.mjs'), file('broken.mjs'), file('missing.mjs'), zip('not-a-zip.zip')],
      {
        'tools/vendor.mjs': VENDOR_TOOL,
        'tools/broken.mjs': 'export const = ;',
        'tools/not-a-zip.zip': 'plain text',
      },
    );
    expect(tools.map((t) => t.name)).toEqual(['lookup_vendor']);
    expect(warnings.map((w) => [w.message, w.key])).toEqual([
      ['Skipping tool module that failed to load', 'broken.mjs'],
      ['Skipping tool location that could not be downloaded or unpacked', 'missing.mjs'],
      ['Skipping tool location that could not be downloaded or unpacked', 'not-a-zip.zip'],
    ]);
    expect((warnings[1]?.error as Error).message).toContain('NoSuchKey');
  });

  it('refuses an archive whose entries escape the extraction directory', async () => {
    const archive = zipSync({ '../evil.mjs': strToU8(VENDOR_TOOL) });
    const { tools, warnings } = await load([zip('evil.zip')], { 'tools/evil.zip': archive });
    expect(tools).toEqual([]);
    expect((warnings[0]?.error as Error).message).toContain('escapes the extraction directory');
  });

  it('keeps the first of two tools with the same name', async () => {
    const { tools, warnings } = await load([file('a.mjs'), file('b.mjs')], { 'tools/a.mjs': VENDOR_TOOL, 'tools/b.mjs': VENDOR_TOOL });
    expect(tools).toHaveLength(1);
    expect(warnings.map((w) => w.message)).toEqual(['Skipping tool with a duplicate name']);
  });

  it('infers the kind from the key when neither flag is set, and skips what it cannot infer', async () => {
    const neither = (key: string): ToolLocation => ({ bucketName: 'tools', key, isFile: false, isZipArchive: false });
    const { tools, warnings } = await load([neither('vendor.mjs'), neither('tools.tar')], { 'tools/vendor.mjs': VENDOR_TOOL });
    expect(tools.map((t) => t.name)).toEqual(['lookup_vendor']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.key).toBe('tools.tar');
  });
});
