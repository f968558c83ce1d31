import { unzipSync } from 'fflate';

export interface ZipEntry {
  /** Normalized relative path with forward slashes. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** Upper bound on what one archive may expand to: /tmp on Lambda is 512 MB by default. */
export const MAX_UNZIPPED_BYTES = 256 * 1024 * 1024;

/** A relative path that stays inside the extraction directory, or undefined for one that escapes it. */
export function safeRelativePath(name: string): string | undefined {
  const parts = name.replace(/\\/g, '/').split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0 || parts.some((part) => part === '..') || /^[a-zA-Z]:/.test(name) || name.startsWith('/')) {
    return undefined;
  }
  return parts.join('/');
}

/**
 * The files of a zip archive. Directory entries are dropped; an entry whose path would escape
 * the extraction directory, or an archive expanding beyond MAX_UNZIPPED_BYTES, is an error.
 */
export function readZip(bytes: Uint8Array, maxBytes = MAX_UNZIPPED_BYTES): ZipEntry[] {
  let total = 0;
  const files = unzipSync(bytes, {
    filter: (file) => {
      total += file.originalSize;
      if (total > maxBytes) {
        throw new Error(`archive expands beyond ${maxBytes} bytes`);
      }
      return !file.name.endsWith('/');
    },
  });
  return Object.entries(files).map(([name, content]) => {
    const path = safeRelativePath(name);
    if (path === undefined) {
      throw new Error(`archive entry ${JSON.stringify(name)} escapes the extraction directory`);
    }
    return { path, bytes: content };
  });
}
