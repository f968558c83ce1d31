import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractJson, type JsonValue } from '../../agent/core/json.js';

/** What JSON.parse gives back for `value` (e.g. -0 becomes 0). */
const roundTrip = (value: unknown): JsonValue => JSON.parse(JSON.stringify(value)) as JsonValue;

/** Whether `text` as a whole is JSON (then rule 1 applies, not the embedded search). */
function isWholeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Prose that cannot open a JSON value or a code fence. */
const prose = fc.string({ maxLength: 80 }).map((s) => s.replace(/[{[`]/g, ' '));
const container = fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue()));

describe('extractJson', () => {
  it.each([
    ['a bare object', '{"a": 1}', { a: 1 }],
    ['a bare scalar', '  42 ', 42],
    ['a json fence', 'Result:\n```json\n{"total": 3}\n```', { total: 3 }],
    ['a fence without language tag', '```\n[1, 2]\n```', [1, 2]],
    ['a value after prose', 'The answer is {"ok": true} as requested.', { ok: true }],
    ['deep nesting the seed regex missed', 'x {"a": {"b": {"c": {"d": 1}}}} y', { a: { b: { c: { d: 1 } } } }],
    ['braces inside strings', 'see {"text": "a } or { b", "n": [1]}', { text: 'a } or { b', n: [1] }],
    ['escaped quotes in strings', 'r: {"q": "say \\"}\\" now"}', { q: 'say "}" now' }],
    ['a decoy before the value', 'Use {braces} like this: {"real": 1}', { real: 1 }],
    ['an array first', 'ids [3, 4] then {"a": 1}', [3, 4]],
    ['a value inside an unclosed decoy', '{ "broken": {"inner": 2} ', { inner: 2 }],
  ])('recovers %s', (_name, text, expected) => {
    const extraction = extractJson(text);
    expect(extraction).toMatchObject({ found: true, value: expected });
  });

  it('prefers a fenced value over an earlier value in prose', () => {
    const extraction = extractJson('Example: {"not": "this"}\n```json\n{"this": true}\n```');
    expect(extraction).toEqual({ found: true, value: { this: true }, source: 'fence' });
  });

  it('falls back to the prose when a fence holds no JSON', () => {
    const extraction = extractJson('```python\nprint("hi")\n```\nAnswer: {"a": 1}');
    expect(extraction).toEqual({ found: true, value: { a: 1 }, source: 'embedded' });
  });

  it.each([
    ['empty text', '   ', 'empty'],
    ['plain prose', 'No data here.', 'no parseable JSON'],
    ['only invalid braces', '{not: json} and [also, not]', 'no parseable JSON'],
  ])('reports %s as not found instead of throwing', (_name, text, reason) => {
    const extraction = extractJson(text);
    expect(extraction.found).toBe(false);
    if (!extraction.found) expect(extraction.reason).toContain(reason);
  });

  it('gives up within its budget on adversarial text instead of hanging', () => {
    const extraction = extractJson('['.repeat(50_000) + 'x' + ']'.repeat(50_000), 1_000_000);
    expect(extraction).toEqual({ found: false, reason: expect.stringContaining('search limit') });
  });

  it('recovers any JSON value given alone', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(extractJson(JSON.stringify(value))).toMatchObject({ found: true, value: roundTrip(value) });
      }),
      { numRuns: 200 },
    );
  });

  it('recovers any object or array embedded in prose', () => {
    fc.assert(
      fc.property(prose, container, prose, fc.boolean(), (before, value, after, pretty) => {
        const json = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
        const text = `${before}${before === '' ? '' : ' '}${json} ${after}`;
        // Prose of quotes can make the whole text one JSON string, e.g. `" [] "`; that is rule 1.
        fc.pre(before === '' || !isWholeJson(text));
        expect(extractJson(text)).toMatchObject({ found: true, value: roundTrip(value) });
      }),
      { numRuns: 300 },
    );
  });

  it('recovers any JSON value in a fence, whatever surrounds it', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }).map((s) => s.replace(/`/g, "'")), fc.jsonValue(), fc.string({ maxLength: 60 }).map((s) => s.replace(/`/g, "'")), (before, value, after) => {
        const text = `${before}\n\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\`\n${after}`;
        fc.pre(!isWholeJson(text));
        expect(extractJson(text)).toMatchObject({ found: true, value: roundTrip(value) });
      }),
      { numRuns: 300 },
    );
  });
});
