import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Tool } from '@strands-agents/sdk';
import type { ToolLocation } from './config.js';
import { toError } from './errors.js';
import type { Logger } from './logger.js';
import type { ObjectStore } from './s3.js';
import { installHostModules, toolsExportedBy } from './tool-modules.js';
import { readZip } from './zip.js';

const MODULE_EXTENSIONS = new Set(['.js', '.mjs']);

export interface LoadToolsOptions {
  readonly store: ObjectStore;
  readonly logger: Logger;
  /** Where modules are written; a fresh directory under the OS temp dir by default. */
  readonly dir?: string;
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

/** Writes one location's modules under `dir` and returns the paths of the modules to import. */
async function materialize(location: ToolLocation, kind: Kind, bytes: Uint8Array, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  if (kind === 'file') {
    const name = basename(location.key);
    // A module saved without a recognised extension is still imported as an ES module.
    const file = join(dir, MODULE_EXTENSIONS.has(extname(name).toLowerCase()) ? name : `${name}.mjs`);
    await writeFile(file, bytes);
    return [file];
  }
  const modules: string[] = [];
  for (const entry of readZip(bytes)) {
    const file = join(dir, ...entry.path.split('/'));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, entry.bytes);
    const segments = entry.path.split('/');
    const hidden = segments.some((s) => s.startsWith('.') || s === '__MACOSX' || s === 'node_modules');
    if (!hidden && MODULE_EXTENSIONS.has(extname(entry.path).toLowerCase())) modules.push(file);
  }
  return modules.sort();
}

/**
 * Downloads every tool location, imports its modules and returns the Strands tools they export.
 * A location or module that fails is logged as a warning and skipped: the agent runs with the
 * tools that did load (the seed's "graceful degradation"). Two tools with one name keep the first.
 */
export async function loadTools(locations: readonly ToolLocation[], options: LoadToolsOptions): Promise<Tool[]> {
  if (locations.length === 0) return [];
  const { store, logger } = options;
  const root = options.dir ?? (await mkdtemp(join(tmpdir(), 'agent-tools-')));
  await installHostModules(root);
  const byName = new Map<string, Tool>();
  for (const [index, location] of locations.entries()) {
    const where = { bucket: location.bucketName, key: location.key };
    const kind = kindOf(location);
    if (kind === undefined) {
      logger.warn('Skipping tool location: neither isFile nor isZipArchive is set and the key is not .js, .mjs or .zip', where);
      continue;
    }
    let modules: string[];
    try {
      const { bytes } = await store.get(location.bucketName, location.key);
      modules = await materialize(location, kind, bytes, join(root, `tools-${index}`));
    } catch (error) {
      logger.warn('Skipping tool location that could not be downloaded or unpacked', { ...where, error: toError(error) });
      continue;
    }
    for (const file of modules) {
      try {
        const namespace: Record<string, unknown> = await import(pathToFileURL(file).href);
        const tools = toolsExportedBy(namespace);
        if (tools.length === 0) {
          logger.debug('Module exports no Strands tool', { ...where, module: file });
        }
        for (const tool of tools) {
          if (byName.has(tool.name)) {
            logger.warn('Skipping tool with a duplicate name', { ...where, module: file, tool: tool.name });
          } else {
            byName.set(tool.name, tool);
          }
        }
      } catch (error) {
        logger.warn('Skipping tool module that failed to load', { ...where, module: file, error: toError(error) });
      }
    }
  }
  const tools = [...byName.values()];
  logger.info('Tools loaded', { tools: tools.map((t) => t.name) });
  return tools;
}
