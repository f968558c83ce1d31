import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as strands from '@strands-agents/sdk';
import type { Tool } from '@strands-agents/sdk';
import * as zod from 'zod';

/**
 * Tool modules are plain ES modules downloaded at run time, outside any node_modules tree, yet
 * they are written as `import { tool } from '@strands-agents/sdk'` and `import { z } from 'zod'`.
 * The agent lends them its own copies: it publishes their namespaces on a global and writes small
 * packages under `<toolsDir>/node_modules` that re-export them, so Node's ordinary resolution
 * finds them and a tool shares classes with the agent that runs it.
 */
const HOST_MODULES_KEY = Symbol.for('agentic-ai-framework.agent.host-modules');

const HOST_MODULES: Record<string, Record<string, unknown>> = {
  '@strands-agents/sdk': strands,
  zod,
};

/** Subpaths that resolve to the same namespace as the package root. */
const SUBPATHS: Record<string, string[]> = { zod: ['./v4'] };

const IDENTIFIER_NAME = /^[A-Za-z_$][\w$]*$/;

/** The source of a module re-exporting every name of the host module `specifier`. */
export function hostModuleSource(specifier: string, names: readonly string[]): string {
  const exported = names.filter((name) => IDENTIFIER_NAME.test(name));
  const lines = [`const m = globalThis[Symbol.for(${JSON.stringify(HOST_MODULES_KEY.description)})][${JSON.stringify(specifier)}];`];
  exported.forEach((name, i) => lines.push(`const v${i} = m[${JSON.stringify(name)}];`));
  // Export names may be reserved words (zod exports `enum`, `null`...), local bindings may not.
  lines.push(`export { ${exported.map((name, i) => `v${i} as ${name}`).join(', ')} };`);
  return `${lines.join('\n')}\n`;
}

/** Publishes the host modules and writes their re-exporting packages under `dir/node_modules`. */
export async function installHostModules(dir: string): Promise<void> {
  const globals = globalThis as unknown as Record<symbol, unknown>;
  globals[HOST_MODULES_KEY] = HOST_MODULES;
  for (const [specifier, namespace] of Object.entries(HOST_MODULES)) {
    const packageDir = join(dir, 'node_modules', ...specifier.split('/'));
    await mkdir(packageDir, { recursive: true });
    const exportsMap: Record<string, string> = { '.': './index.js' };
    for (const subpath of SUBPATHS[specifier] ?? []) exportsMap[subpath] = './index.js';
    const manifest = { name: specifier, type: 'module', exports: exportsMap };
    await writeFile(join(packageDir, 'package.json'), JSON.stringify(manifest));
    await writeFile(join(packageDir, 'index.js'), hostModuleSource(specifier, Object.keys(namespace)));
  }
  // `.js` files in the tools directory are ES modules even where Node would assume CommonJS.
  await writeFile(join(dir, 'package.json'), '{"type":"module"}');
}

/**
 * Whether `value` is a Strands tool. Checked by shape rather than `instanceof` so a tool module
 * that bundles its own copy of the SDK still counts.
 */
export function isStrandsTool(value: unknown): value is Tool {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.description === 'string' &&
    typeof candidate.toolSpec === 'object' &&
    candidate.toolSpec !== null &&
    typeof candidate.stream === 'function'
  );
}

/** Every tool a module exports: exported tools, and tools inside exported arrays. */
export function toolsExportedBy(namespace: Record<string, unknown>): Tool[] {
  const found: Tool[] = [];
  for (const value of Object.values(namespace)) {
    if (isStrandsTool(value)) {
      found.push(value);
    } else if (Array.isArray(value)) {
      found.push(...value.filter(isStrandsTool));
    }
  }
  // `export default t` next to `export const t` is one tool, not two.
  return [...new Set(found)];
}
