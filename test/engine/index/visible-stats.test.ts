import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dictionaryOf, valueAt, type Column } from '../../../src/engine/columnar/column.js';
import { MAX_BOUND_LENGTH, statsOfRows, VisibleStatistics } from '../../../src/engine/index/visible-stats.js';
import { compareScalars, type Nullable, type Scalar } from '../../../src/plan/scalar.js';

/**
 * Statistics of the rows a row filter lets through (visible-stats.ts):
 * min, max and null count over the selected rows of a column, whatever its
 * layout, against a plain computation over the materialised values.
 */
const validity = (present: boolean[]): Uint8Array | null => {
  if (present.every(Boolean)) return null;
  const bits = new Uint8Array(Math.ceil(present.length / 8));
  present.forEach((p, i) => (bits[i >> 3]! |= p ? 1 << (i & 7) : 0));
  return bits;
};

function stringColumn(values: (string | null)[]): Column & { kind: 'string' } {
  const parts = values.map((v) => Buffer.from(v ?? '', 'utf8'));
  const offsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
  return { kind: 'string', offsets, bytes: Buffer.concat(parts), valid: validity(values.map((v) => v !== null)) };
}

const columns: fc.Arbitrary<Column> = fc.oneof(
  fc
    .array(fc.option(fc.oneof(fc.double(), fc.constant(Number.NaN)), { nil: null }), { maxLength: 40 })
    .map((vs): Column => ({ kind: 'number', values: Float64Array.from(vs, (v) => v ?? 0), valid: validity(vs.map((v) => v !== null)) })),
  fc
    .array(fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: null }), { maxLength: 40 })
    .map((vs): Column => ({ kind: 'bigint', values: BigInt64Array.from(vs, (v) => v ?? 0n), valid: validity(vs.map((v) => v !== null)) })),
  fc.array(fc.option(fc.string({ unit: 'binary', maxLength: 4 }), { nil: null }), { maxLength: 40 }).chain((vs) =>
    fc.boolean().map((coded): Column => {
      const c = stringColumn(vs);
      const dictionary = coded ? dictionaryOf(c, vs.length) : undefined;
      return dictionary ? { ...c, dictionary } : c;
    }),
  ),
  fc.array(fc.option(fc.boolean(), { nil: null }), { maxLength: 40 }).map((vs): Column => ({ kind: 'scalars', values: vs })),
);

const lengthOf = (c: Column) =>
  c.kind === 'string' ? c.offsets.length - 1 : c.kind === 'scalars' ? c.values.length : c.kind === 'boolean' ? 0 : c.values.length;

describe('statistics of visible rows', () => {
  it('equal min, max, nulls and NaN of the selected values', () => {
    fc.assert(
      fc.property(
        columns.chain((c) => fc.tuple(fc.constant(c), fc.option(fc.subarray([...Array(lengthOf(c)).keys()]), { nil: null }))),
        ([c, picked]) => {
          const n = lengthOf(c);
          const rows = picked === null ? null : Int32Array.from(picked);
          const values: Nullable[] = (picked ?? [...Array(n).keys()]).map((i) => valueAt(c, i));
          const present = values.filter((v): v is Scalar => v !== null && v === v);
          const sorted = [...present].sort(compareScalars);
          const s = statsOfRows(c, rows, n);
          expect(s.numRows).toBe(values.length);
          expect(s.nullCount).toBe(values.filter((v) => v === null).length);
          expect(s.mayHoldNaN).toBe(values.some((v) => v !== null && v !== v));
          expect(s.min === undefined ? undefined : compareScalars(s.min, sorted[0]!)).toBe(sorted.length ? 0 : undefined);
          expect(s.max === undefined ? undefined : compareScalars(s.max, sorted.at(-1)!)).toBe(sorted.length ? 0 : undefined);
        },
      ),
    );
  });

  it('leave out bounds of long strings', () => {
    const long = 'x'.repeat(MAX_BOUND_LENGTH + 1);
    const s = statsOfRows(stringColumn(['a', long, null]), null, 3);
    expect(s).toMatchObject({ numRows: 3, nullCount: 1 });
    expect(s.min).toBeUndefined();
    expect(s.max).toBeUndefined();
    expect(statsOfRows(stringColumn(['a', long, null]), Int32Array.of(0, 2), 3)).toMatchObject({ min: 'a', max: 'a', nullCount: 1 });
  });

  it('keep at most their capacity of row groups, least recently used dropped first', () => {
    const kept = new VisibleStatistics(2);
    const one = new Map([['c\u0000int32', statsOfRows({ kind: 'number', values: Int32Array.of(1, 2), valid: null }, null, 2)]]);
    kept.record('g1', 2, one);
    kept.record('g2', 2, one);
    expect(kept.get('g1')?.rows).toBe(2);
    kept.record('g3', 2, one);
    expect(kept.get('g2')).toBeUndefined();
    expect(kept.get('g1')?.columns.size).toBe(1);
    // More columns of a known group add to it.
    kept.record('g1', 2, new Map([['d\u0000int32', one.get('c\u0000int32')!]]));
    expect([...kept.get('g1')!.columns.keys()].sort()).toEqual(['c\u0000int32', 'd\u0000int32']);
  });
});
