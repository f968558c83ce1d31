/**
 * The document id and execution name the contract fixes, on the consumer's sources (no synth, no
 * bundle: the shipped bundle's ids are checked in consumer.test.ts): examples worked out by hand,
 * then properties over generated buckets, keys and versions.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { documentIdOf, executionNameOf, slugOf, type DocumentVersion } from '../../consumer/document-id.js';
import { encodeCopySourceKey } from '../../consumer/execution.js';
import { decodeS3Key } from '../../consumer/notification.js';

const RUNS = { numRuns: 200 };
const sha16 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);

// Real S3 domains: bucket names are DNS-like, version ids and sequencers are opaque ASCII tokens, keys
// are any Unicode (S3 keys are UTF-8, so never a lone surrogate) under raw/, up to 1024 bytes.
const bucketArb = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
const segmentArb = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 80 }),
  fc.constantFrom('Q3 Report (final).pdf', 'archive.tar.gz', '.env', 'Übersicht März.PDF', '請求書.pdf', '---', 'a+b=c&d.txt', 'x'.repeat(120)),
);
const keyArb = fc
  .array(fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((s) => !s.includes('/')), { maxLength: 3 })
  .chain((folders) => segmentArb.map((name) => `raw/${[...folders, name.replace(/\//g, '_')].join('/')}`));
const versionIdArb = fc.stringMatching(/^[A-Za-z0-9._]{32}$/);
const sequencerArb = fc.stringMatching(/^[0-9A-F]{16,18}$/);
const documentArb: fc.Arbitrary<DocumentVersion> = fc.record(
  { bucket: bucketArb, key: keyArb, versionId: versionIdArb, sequencer: sequencerArb },
  { requiredKeys: ['bucket', 'key', 'sequencer'] },
);
const versionOf = (d: DocumentVersion): string => d.versionId ?? d.sequencer ?? '';

/** The contract's slug, written out again here: stem, lowercase, runs → `-`, trim, 40 chars, else `document`. */
function referenceSlug(key: string): string {
  const name = key.split('/').pop() ?? '';
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  let slug = '';
  for (const ch of stem.toLowerCase()) slug += /[a-z0-9]/.test(ch) ? ch : '-';
  slug = slug.replace(/-{2,}/g, '-');
  while (slug.startsWith('-')) slug = slug.slice(1);
  while (slug.endsWith('-')) slug = slug.slice(0, -1);
  slug = slug.slice(0, 40);
  return slug || 'document';
}

describe('documentId (examples worked out by hand)', () => {
  it.each([
    ['Q3 Report (final).pdf', 'q3-report-final'],
    ['archive.tar.gz', 'archive-tar'],
    ['README', 'readme'],
    ['.env', 'env'],
    ['Übersicht März 2026.PDF', 'bersicht-m-rz-2026'],
    ['請求書.pdf', 'document'],
    ['---.pdf', 'document'],
    ['', 'document'],
    [`${'Ab'.repeat(30)}.pdf`, 'ab'.repeat(20)],
  ])('the slug of %j is %j', (name, slug) => {
    expect(slugOf(name)).toBe(slug);
  });

  it('is the slug and the first 16 hex chars of SHA-256 over bucket, key and version id, joined by newlines', () => {
    const id = documentIdOf({ bucket: 'docs', key: 'raw/invoices/Invoice 7.pdf', versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY', sequencer: '0062F2B1B3A1D2E5F1' });
    expect(id).toBe(`invoice-7-${sha16('docs\nraw/invoices/Invoice 7.pdf\n3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY')}`);
    expect(executionNameOf(id)).toBe(id);
  });

  it('uses the sequencer without a version id, and for the version id "null" every upload gets in an unversioned bucket', () => {
    const expected = `a-${sha16('docs\nraw/a.pdf\n0062F2B1B3A1D2E5F1')}`;
    expect(documentIdOf({ bucket: 'docs', key: 'raw/a.pdf', sequencer: '0062F2B1B3A1D2E5F1' })).toBe(expected);
    expect(documentIdOf({ bucket: 'docs', key: 'raw/a.pdf', versionId: 'null', sequencer: '0062F2B1B3A1D2E5F1' })).toBe(expected);
    expect(() => documentIdOf({ bucket: 'docs', key: 'raw/a.pdf' })).toThrow(/neither a versionId nor a sequencer/);
  });
});

describe(`documentId properties (${RUNS.numRuns} runs each)`, () => {
  it(`is deterministic, at most 57 chars of [a-z0-9-], and is the contract's slug and hash`, () => {
    fc.assert(
      fc.property(documentArb, (document) => {
        const id = documentIdOf(document);
        expect(documentIdOf({ ...document })).toBe(id);
        expect(id.length).toBeLessThanOrEqual(57);
        expect(id).toMatch(/^[a-z0-9][a-z0-9-]*-[0-9a-f]{16}$/);
        expect(id).toBe(`${referenceSlug(document.key)}-${sha16(`${document.bucket}\n${document.key}\n${versionOf(document)}`)}`);
      }),
      RUNS,
    );
  });

  it('differs for different (bucket, key, version) triples, including ones that differ in one part only', () => {
    const oneChanged = documentArb.chain((document) =>
      fc.tuple(
        fc.constant(document),
        fc.oneof(
          bucketArb.map((bucket) => ({ ...document, bucket })),
          keyArb.map((key) => ({ ...document, key })),
          versionIdArb.map((versionId) => ({ ...document, versionId })),
          // A folder more or less, the same file name: the slug is equal, the hash is not.
          fc.constant({ ...document, key: `raw/x/${document.key.slice('raw/'.length)}` }),
        ),
      ),
    );
    fc.assert(
      fc.property(fc.oneof(fc.tuple(documentArb, documentArb), oneChanged), ([a, b]) => {
        fc.pre(a.bucket !== b.bucket || a.key !== b.key || versionOf(a) !== versionOf(b));
        expect(documentIdOf(a)).not.toBe(documentIdOf(b));
      }),
      RUNS,
    );
  });
});

describe('keys: as S3 notifies them, and as CopyObject needs them', () => {
  /** Form encoding as S3 writes keys in notifications: UTF-8 percent-encoded, a space as `+`, `/` kept. */
  const s3NotificationKey = (key: string): string => key.split('/').map((part) => encodeURIComponent(part).replace(/%20/g, '+')).join('/');

  it('decodeS3Key gives back every key from its notification form', () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        expect(decodeS3Key(s3NotificationKey(key))).toBe(key);
      }),
      RUNS,
    );
  });

  it('the CopySource key keeps only unreserved characters, % and /, and decodes to the key', () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        const encoded = encodeCopySourceKey(key);
        expect(encoded).toMatch(/^[A-Za-z0-9\-._~%/]*$/);
        expect(decodeURIComponent(encoded)).toBe(key);
      }),
      RUNS,
    );
  });
});
