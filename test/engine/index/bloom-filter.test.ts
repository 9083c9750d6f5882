import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BloomFilter } from '../../../src/engine/index/bloom-filter.js';
import { murmur3 } from '../../../src/engine/index/bloom-hash.js';
import { dictionaryOf, type StringColumn } from '../../../src/engine/columnar/column.js';

/** A string column of `values` (null: a null row), laid out as Arrow lays it out. */
function column(values: readonly (string | null)[]): StringColumn {
  const parts = values.map((v) => Buffer.from(v ?? '', 'utf8'));
  const offsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
  const valid = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v !== null) valid[i >> 3]! |= 1 << (i & 7);
  });
  return { kind: 'string', offsets, bytes: Buffer.concat(parts), valid };
}

const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constant(''),
  fc.constant('é'),
  fc.constant('😀'),
);

describe('BloomFilter', () => {
  it('is MurmurHash3 x86 32 over UTF-8 bytes', () => {
    const h = (s: string) => murmur3(Buffer.from(s, 'utf8'), 0, Buffer.byteLength(s)) >>> 0;
    expect(h('')).toBe(0);
    expect(h('hello')).toBe(0x248bfa47);
    expect(h('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
    // A slice hashes as the bytes it covers.
    const b = Buffer.from('xxhelloyy');
    expect(murmur3(b, 2, 7) >>> 0).toBe(0x248bfa47);
  });

  it('has no false negatives: every added value, empty and non-ASCII ones included, may be contained', () => {
    fc.assert(
      fc.property(fc.array(anyString, { maxLength: 300 }), fc.integer({ min: 1, max: 16 }), (values, bitsPerValue) => {
        const f = BloomFilter.forValues(values.length, bitsPerValue);
        for (const v of values) f.add(v);
        return values.every((v) => f.mayContain(v));
      }),
      { numRuns: 300 },
    );
  });

  it('built from a column, contains every non-null row, with or without dictionary codes', () => {
    fc.assert(
      fc.property(fc.array(fc.option(anyString, { nil: null, freq: 5 }), { minLength: 1, maxLength: 300 }), (values) => {
        const plain = column(values);
        const dictionary = dictionaryOf(plain, values.length);
        for (const c of [plain, ...(dictionary ? [{ ...plain, dictionary }] : [])]) {
          const f = BloomFilter.ofColumn(c, values.length);
          if (!values.every((v) => v === null || f.mayContain(v))) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('says "absent" for about 99% of other values at 10 bits a value', () => {
    const n = 20_000;
    const f = BloomFilter.ofColumn(column(Array.from({ length: n }, (_, i) => `buyer${i}@example.com`)), n);
    expect(f.byteLength).toBeLessThanOrEqual(Math.ceil((n * 10) / 256) * 32);
    let positives = 0;
    for (let i = 0; i < n; i++) if (f.mayContain(`buyer${i + n}@example.com`)) positives++;
    expect(positives / n).toBeLessThan(0.025);
  });
});
