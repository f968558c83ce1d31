import { extname, posix } from 'node:path';
import type { DocumentPolicy } from './document-sources.js';
import { DocumentError, S3ObjectError } from './errors.js';
import type { AgentInvocationRequest } from './request.js';
import type { ObjectStore } from './s3.js';

/** Binary formats the Bedrock Converse API takes as document or image content blocks. */
const DOCUMENT_FORMATS = ['pdf', 'doc', 'docx', 'xls', 'xlsx'] as const;
const IMAGE_FORMATS = ['png', 'jpeg', 'gif', 'webp'] as const;

export type BinaryDocumentFormat = (typeof DOCUMENT_FORMATS)[number];
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/**
 * The request's document, ready for the prompt: text goes inline (every model reads text; the
 * seed did the same), PDFs and Office files become document blocks, images image blocks.
 */
export type LoadedDocument =
  | { readonly kind: 'text'; readonly origin: string; readonly text: string }
  | { readonly kind: 'document'; readonly origin: string; readonly name: string; readonly format: BinaryDocumentFormat; readonly bytes: Uint8Array }
  | { readonly kind: 'image'; readonly origin: string; readonly format: ImageFormat; readonly bytes: Uint8Array };

const EXTENSION_ALIASES: Record<string, string> = { jpg: 'jpeg' };
const CONTENT_TYPE_FORMATS: Record<string, string> = {
  'application/pdf': 'pdf',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

function formatOf(key: string, contentType: string | undefined): string | undefined {
  const extension = extname(key).slice(1).toLowerCase();
  if (extension !== '') return EXTENSION_ALIASES[extension] ?? extension;
  const mime = contentType?.split(';')[0]?.trim().toLowerCase();
  return mime === undefined ? undefined : CONTENT_TYPE_FORMATS[mime];
}

/**
 * Bedrock accepts document names of letters, digits, single spaces, hyphens, parentheses and
 * square brackets only; anything else in the file name becomes a hyphen.
 */
export function documentName(key: string): string {
  const stem = posix.basename(key, extname(key));
  const cleaned = stem.replace(/[^A-Za-z0-9\s\-()[\]]+/g, '-').replace(/\s+/g, ' ').trim().slice(0, 200);
  return cleaned === '' ? 'document' : cleaned;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface LoadDocumentOptions {
  /** Refuses objects the agent may not read as documents (DOCUMENT_SOURCES), before any S3 call. */
  readonly policy: DocumentPolicy;
  /** Cancels the read when the invocation ends. */
  readonly signal?: AbortSignal;
}

/** The document a request refers to: inline `data`, or the S3 object of a `file` request. */
export async function loadDocument(request: AgentInvocationRequest, store: ObjectStore, options: LoadDocumentOptions): Promise<LoadedDocument> {
  if (request.contentType === 'data') {
    return { kind: 'text', origin: 'inline data', text: request.content.data };
  }
  const { bucket, key } = request.content;
  options.policy(bucket, key);
  const origin = `s3://${bucket}/${key}`;
  let object;
  try {
    object = await store.get(bucket, key, { label: 'document', ...(options.signal === undefined ? {} : { signal: options.signal }) });
  } catch (error) {
    // A missing document is the caller's mistake; any other S3 failure is the agent's (S3ObjectError).
    if (error instanceof S3ObjectError && error.notFound) throw new DocumentError(`${origin} does not exist`, error);
    // The role may read DOCUMENT_SOURCES but not list the bucket, so S3 answers AccessDenied for a
    // key that does not exist: most likely the caller's mistake too.
    if (error instanceof S3ObjectError && error.cause?.name === 'AccessDenied') {
      throw new DocumentError(`${origin} does not exist, or the agent may not read it (S3 answered AccessDenied)`, error);
    }
    throw error;
  }
  const format = formatOf(key, object.contentType);
  if ((DOCUMENT_FORMATS as readonly string[]).includes(format ?? '')) {
    return { kind: 'document', origin, name: documentName(key), format: format as BinaryDocumentFormat, bytes: object.bytes };
  }
  if ((IMAGE_FORMATS as readonly string[]).includes(format ?? '')) {
    return { kind: 'image', origin, format: format as ImageFormat, bytes: object.bytes };
  }
  // Everything else (txt, md, csv, json, xml, html, no extension...) is used as text if it is UTF-8.
  try {
    return { kind: 'text', origin, text: utf8.decode(object.bytes) };
  } catch {
    throw new DocumentError(
      `${origin} is neither UTF-8 text nor a supported binary format (${[...DOCUMENT_FORMATS, ...IMAGE_FORMATS].join(', ')})`,
    );
  }
}
