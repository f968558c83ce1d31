// A document's id, which is also the name of its execution: readable (the file name) and unique
// per upload (a hash of where it is and which version), so that a notification delivered twice
// names the same execution and Step Functions starts it once.
import { createHash } from 'node:crypto';

/** What identifies one upload. */
export interface DocumentVersion {
  readonly bucket: string;
  /** The key as stored (decoded). */
  readonly key: string;
  readonly versionId?: string;
  readonly sequencer?: string;
}

export const SLUG_MAX_CHARS = 40;
export const HASH_CHARS = 16;
/** slug, `-`, hash. */
export const DOCUMENT_ID_MAX_CHARS = SLUG_MAX_CHARS + 1 + HASH_CHARS;
/** The slug of a file name that has no letters or digits. */
export const EMPTY_SLUG = 'document';

/** The last segment of a key (`raw/a/b.pdf` → `b.pdf`). */
export function fileNameOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** A file name without its extension (a leading dot, as in `.env`, starts no extension). */
function stem(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}

/** The readable part: lowercased, runs of anything outside `[a-z0-9]` as one `-`, at most 40 chars. */
export function slugOf(fileName: string): string {
  const slug = stem(fileName)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX_CHARS);
  return slug === '' ? EMPTY_SLUG : slug;
}

/**
 * What tells uploads of one key apart: the version id in a versioned bucket, else the event's
 * sequencer. `"null"` is the version id of an object written while versioning was off or
 * suspended: every such upload has it, so it cannot tell them apart.
 */
export function versionOf(document: Pick<DocumentVersion, 'versionId' | 'sequencer'>): string | undefined {
  const { versionId, sequencer } = document;
  if (versionId !== undefined && versionId !== '' && versionId !== 'null') return versionId;
  return sequencer === undefined || sequencer === '' ? undefined : sequencer;
}

/** `<slug>-<first 16 hex chars of SHA-256(bucket \n key \n version)>`: at most 57 chars of `[a-z0-9-]`. */
export function documentIdOf(document: DocumentVersion): string {
  const version = versionOf(document);
  if (version === undefined) throw new Error(`s3://${document.bucket}/${document.key}: the notification has neither a versionId nor a sequencer`);
  const hash = createHash('sha256').update(`${document.bucket}\n${document.key}\n${version}`, 'utf8').digest('hex').slice(0, HASH_CHARS);
  return `${slugOf(fileNameOf(document.key))}-${hash}`;
}

/** The execution's name: the document id (Step Functions allows 80 chars, no spaces or specials). */
export function executionNameOf(documentId: string): string {
  return documentId;
}
