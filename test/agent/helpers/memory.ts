import type { LogFields, Logger, LogLevel } from '../../../agent/core/logger.js';
import { S3ObjectError } from '../../../agent/core/errors.js';
import type { ObjectStore, StoredObject } from '../../../agent/core/s3.js';

export type LogLine = { readonly level: LogLevel; readonly message: string } & LogFields;

/** A logger that keeps its lines, so tests can assert on warnings. */
export function memoryLogger(): Logger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const make = (base: LogFields): Logger => {
    const at = (level: LogLevel) => (message: string, fields?: LogFields) => {
      lines.push({ ...base, ...fields, level, message });
    };
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (f) => make({ ...base, ...f }) };
  };
  return Object.assign(make({}), { lines });
}

/** An in-memory ObjectStore that counts reads per object; missing objects fail like S3's NoSuchKey. */
export function memoryStore(objects: Record<string, string | Uint8Array | StoredObject>): ObjectStore & { readonly reads: Map<string, number> } {
  const reads = new Map<string, number>();
  return {
    reads,
    async get(bucket, key, options) {
      const id = `${bucket}/${key}`;
      reads.set(id, (reads.get(id) ?? 0) + 1);
      const value = objects[id];
      if (value === undefined) {
        const error = new Error('The specified key does not exist.');
        error.name = 'NoSuchKey';
        throw new S3ObjectError(bucket, key, error, options?.label === undefined ? {} : { label: options.label });
      }
      if (typeof value === 'string') return { bytes: new TextEncoder().encode(value) };
      if (value instanceof Uint8Array) return { bytes: value };
      return value;
    },
  };
}
