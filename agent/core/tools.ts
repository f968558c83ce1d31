import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Tool } from '@strands-agents/sdk';
import { settleWithin } from './abort.js';
import { cacheAsync } from './cache.js';
import type { ToolLocation } from './config.js';
import { toError } from './errors.js';
import type { Logger } from './logger.js';
import type { ObjectStore } from './s3.js';
import { installHostModules, toolsExportedBy } from './tool-modules.js';
import { readZip, type ZipEntry } from './zip.js';

const MODULE_EXTENSIONS = new Set(['.js', '.mjs']);

/** What a tool object must be, as the error line about one that is not says. */
export const TOOL_OBJECT_CONTRACT =
  'A tool object must be an ES module exporting Strands tool(...) values (export const lookup = tool({ name, description, inputSchema, callback })): ' +
  'a .js or .mjs file, or a .zip of such modules';

/** Time a tool module's import (its top-level code) may take before it counts as broken. */
export const DEFAULT_TOOL_IMPORT_TIMEOUT_MS = 10_000;

export interface LoadToolsOptions {
  readonly store: ObjectStore;
  readonly logger: Logger;
  /** Where modules are written; a fresh directory under the OS temp dir by default. */
  readonly dir?: string;
  /** Bound on importing one module; DEFAULT_TOOL_IMPORT_TIMEOUT_MS by default. */
  readonly importTimeoutMs?: number;
}

type Kind = 'file' | 'zip';

function kindOf(location: ToolLocation): Kind | undefined {
  if (location.isZipArchive) return 'zip';
  if (location.isFile) return 'file';
  // Neither flag set: go by the key's extension rather than guess.
  const extension = extname(location.key).toLowerCase();
  if (extension === '.zip') return 'zip';
  if (MODULE_EXTENSIONS.has(extension)) return 'file';
  return undefined;
}

/** Writes a single module under `dir` and returns its path. */
async function writeModule(location: ToolLocation, bytes: Uint8Array, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const name = basename(location.key);
  // A module saved without a recognised extension is still imported as an ES module.
  const file = join(dir, MODULE_EXTENSIONS.has(extname(name).toLowerCase()) ? name : `${name}.mjs`);
  await writeFile(file, bytes);
  return file;
}

/** Writes a zip's entries under `dir` and returns the paths of the modules to import, sorted. */
async function writeEntries(entries: readonly ZipEntry[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const modules: string[] = [];
  for (const entry of entries) {
    const file = join(dir, ...entry.path.split('/'));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, entry.bytes);
    const segments = entry.path.split('/');
    const hidden = segments.some((s) => s.startsWith('.') || s === '__MACOSX' || s === 'node_modules');
    if (!hidden && MODULE_EXTENSIONS.has(extname(entry.path).toLowerCase())) modules.push(file);
  }
  return modules.sort();
}

/** Imports one module, bounded in time: a module whose top-level code never finishes is broken. */
async function importModule(file: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const loading: Promise<Record<string, unknown>> = import(pathToFileURL(file).href);
  const namespace = await settleWithin(loading, timeoutMs);
  if (namespace === undefined) throw new Error(`its import did not finish within ${timeoutMs} ms`);
  return namespace;
}

/**
 * The tools of one location. A download (or disk) failure rejects, so the caller retries it on the
 * next invocation. An object that downloaded but holds no usable tool module (not a zip, a syntax
 * error, a module exporting no Strands tool, JSON...) is one ERROR line naming it and resolves to
 * the tools that did load, possibly none: downloading it again would not change it.
 */
async function loadLocation(location: ToolLocation, dir: () => Promise<string>, options: LoadToolsOptions): Promise<Tool[]> {
  const { store, logger } = options;
  const where = { bucket: location.bucketName, key: location.key };
  const object = `s3://${location.bucketName}/${location.key}`;
  const unusable = (reason: string, tools: Tool[] = []): Tool[] => {
    logger.error(`Tool object ${object} is not usable: ${reason}. ${TOOL_OBJECT_CONTRACT}. It is ignored until the agent restarts`, {
      ...where,
      reason,
    });
    return tools;
  };
  const kind = kindOf(location);
  if (kind === undefined) {
    return unusable('neither isFile nor isZipArchive is set and the key does not end in .js, .mjs or .zip');
  }
  const { bytes } = await store.get(location.bucketName, location.key, { label: 'tool object' });
  let modules: string[];
  if (kind === 'zip') {
    let entries: ZipEntry[];
    try {
      entries = readZip(bytes);
    } catch (error) {
      return unusable(`it is not a usable zip archive (${toError(error).message})`);
    }
    modules = await writeEntries(entries, await dir());
    if (modules.length === 0) return unusable('the archive holds no .js or .mjs module');
  } else {
    modules = [await writeModule(location, bytes, await dir())];
  }

  const tools: Tool[] = [];
  const problems: string[] = [];
  for (const file of modules) {
    const name = kind === 'zip' ? relative(await dir(), file) : basename(location.key);
    let namespace: Record<string, unknown>;
    try {
      namespace = await importModule(file, options.importTimeoutMs ?? DEFAULT_TOOL_IMPORT_TIMEOUT_MS);
    } catch (error) {
      problems.push(`${name} failed to load (${toError(error).message})`);
      continue;
    }
    const exported = toolsExportedBy(namespace);
    // A zip's helper modules export no tool, and need not.
    if (exported.length === 0 && kind === 'file') problems.push(`${name} exports no Strands tool`);
    if (exported.length === 0 && kind === 'zip') logger.debug('Module exports no Strands tool', { ...where, module: name });
    tools.push(...exported);
  }
  if (kind === 'zip' && tools.length === 0 && problems.length === 0) problems.push('none of its modules exports a Strands tool');
  return problems.length === 0 ? tools : unusable(problems.join('; '), tools);
}

/**
 * A loader of every tool location's Strands tools, for the container's life. Each location is
 * cached on its own once it has loaded, or turned out unusable (logged once); a location whose
 * download failed is not cached, so the next call downloads it again, and the call rejects with
 * the S3ObjectError naming it: the agent never runs, and answers, without a tool it was given.
 * Two tools with one name keep the first.
 */
export function createToolLoader(locations: readonly ToolLocation[], options: LoadToolsOptions): () => Promise<Tool[]> {
  const root = cacheAsync(async () => {
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'agent-tools-')));
    await installHostModules(dir);
    return dir;
  });
  const perLocation = locations.map((location, index) =>
    cacheAsync(() => loadLocation(location, async () => join(await root(), `tools-${index}`), options)),
  );
  return cacheAsync(async () => {
    const loaded = await Promise.all(perLocation.map((load) => load()));
    const byName = new Map<string, Tool>();
    loaded.forEach((tools, index) => {
      for (const tool of tools) {
        if (byName.has(tool.name)) {
          const location = locations[index];
          options.logger.warn('Skipping tool with a duplicate name', { bucket: location?.bucketName, key: location?.key, tool: tool.name });
        } else {
          byName.set(tool.name, tool);
        }
      }
    });
    const tools = [...byName.values()];
    if (locations.length > 0) options.logger.info('Tools loaded', { tools: tools.map((t) => t.name) });
    return tools;
  });
}

/** Loads every tool location once (see createToolLoader); rejects if a download failed. */
export function loadTools(locations: readonly ToolLocation[], options: LoadToolsOptions): Promise<Tool[]> {
  return createToolLoader(locations, options)();
}
