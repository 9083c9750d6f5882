import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { narrow, type Batch } from '../../../src/engine/columnar/batch.js';
import { numberIndexOf, stringIndexOf } from '../../../src/engine/index/bitmap-index.js';
import { dictionaryOf, type Column, type StringColumn } from '../../../src/engine/columnar/column.js';
import { compilePredicate, countRows, rangeOf, selectRows } from '../../../src/engine/kernels/evaluate-predicate.js';
import { Expr, type CompareOp } from '../../../src/plan/expr.js';
import { validity } from '../../support/validity.js';

/**
 * The vectorised filter (`selectRows`, `countRows`: one loop per conjunct
 * over whole batches) against the row-at-a-time `RowTest` it replaces for
 * unlimited filters, on random batches: numbers with NaN, infinities and
 * -0, nulls everywhere, strings with and without dictionary codes, and
 * batches already narrowed by a selection.
 */
const OPS: CompareOp[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'];
const NUMBERS = [NaN, Infinity, -Infinity, 0, -0, 1, 1.5, 2, -3, Number.MAX_VALUE, Number.MIN_VALUE];
const WORDS = ['EU', 'US', 'APAC', '', 'é', 'EUR'];

function stringColumn(values: string[], valid: Uint8Array | null): StringColumn {
  const offsets = new Int32Array(values.length + 1);
  const parts = values.map((v) => Buffer.from(v, 'utf8'));
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
  return { kind: 'string', offsets, bytes: Buffer.concat(parts), valid };
}

const rowArb = fc.record({
  f: fc.constantFrom(...NUMBERS),
  i: fc.integer({ min: -3, max: 3 }),
  s: fc.constantFrom(...WORDS),
  present: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
});

const batchArb = fc
  .tuple(fc.array(rowArb, { minLength: 0, maxLength: 70 }), fc.boolean(), fc.boolean(), fc.array(fc.boolean(), { maxLength: 70 }))
  .map(([rows, nulls, narrowed, keep]): Batch => {
    const present = (k: 0 | 1 | 2) => rows.map((r) => !nulls || r.present[k]);
    const strings = stringColumn(
      rows.map((r) => r.s),
      validity(present(2)),
    );
    const f: Column & { kind: 'number' } = { kind: 'number', values: Float64Array.from(rows.map((r) => r.f)), valid: validity(present(0)) };
    const i: Column & { kind: 'number' } = { kind: 'number', values: Int32Array.from(rows.map((r) => r.i)), valid: validity(present(1)) };
    const dictionary = dictionaryOf(strings, rows.length)!;
    const columns = new Map<string, Column>([
      ['f', f],
      ['i', i],
      ['s', strings],
      ['d', { ...strings, dictionary }],
      // The same values with bitmap indexes, as the column cache keeps low-cardinality chunks.
      ['fx', { ...f, index: numberIndexOf(f.values, f.valid, rows.length)! }],
      ['ix', { ...i, index: numberIndexOf(i.values, i.valid, rows.length)! }],
      ['dx', { ...strings, dictionary, index: stringIndexOf(dictionary, strings.valid, rows.length)! }],
    ]);
    const selection = narrowed ? Int32Array.from(rows.flatMap((_, k) => (keep[k] ? [k] : []))) : null;
    return { length: rows.length, columns, selection, ordinalBase: 0 };
  });

const leafArb: fc.Arbitrary<Expr> = fc.oneof(
  fc
    .tuple(fc.constantFrom('f', 'i'), fc.constantFrom(...OPS), fc.constantFrom(...NUMBERS, 0.5, -1))
    .map(([f, op, v]) => Expr.compare(f, op, v)),
  fc.tuple(fc.constantFrom('s', 'd'), fc.constantFrom(...OPS), fc.constantFrom(...WORDS, 'F')).map(([f, op, v]) => Expr.compare(f, op, v)),
  fc.tuple(fc.constantFrom('s', 'd'), fc.subarray(WORDS), fc.boolean()).map(([f, vs, neg]) => Expr.in(f, vs, neg)),
  fc.tuple(fc.constantFrom('f', 'i'), fc.subarray([1, 2, -3, NaN]), fc.boolean()).map(([f, vs, neg]) => Expr.in(f, vs, neg)),
  fc.tuple(fc.constantFrom('d', 'f'), fc.boolean()).map(([f, neg]) => Expr.isNull(f, neg)),
  fc
    .tuple(
      fc.constantFrom('d', 's'),
      fc.constantFrom('contains', 'startsWith', 'endsWith') as fc.Arbitrary<'contains'>,
      fc.constantFrom('E', 'U', 'é'),
    )
    .map(([f, op, p]) => Expr.text(f, op, p)),
  fc.boolean().map((v) => Expr.const(v)),
);

/** Leaves over the indexed columns only: a count of their conjunction never visits a row. */
const indexedLeafArb: fc.Arbitrary<Expr> = fc.oneof(
  fc
    .tuple(fc.constantFrom('fx', 'ix'), fc.constantFrom(...OPS), fc.constantFrom(...NUMBERS, 0.5, -1))
    .map(([f, op, v]) => Expr.compare(f, op, v)),
  fc.tuple(fc.constantFrom('fx', 'ix'), fc.subarray([1, 2, -3, NaN, 0]), fc.boolean()).map(([f, vs, neg]) => Expr.in(f, vs, neg)),
  fc.tuple(fc.constantFrom(...OPS), fc.constantFrom(...WORDS, 'F')).map(([op, v]) => Expr.compare('dx', op, v)),
  fc.tuple(fc.subarray(WORDS), fc.boolean()).map(([vs, neg]) => Expr.in('dx', vs, neg)),
  fc
    .tuple(fc.constantFrom('contains', 'startsWith', 'endsWith') as fc.Arbitrary<'contains'>, fc.constantFrom('E', 'U', 'é'))
    .map(([op, p]) => Expr.text('dx', op, p)),
);

const predicateArb: fc.Arbitrary<Expr> = fc.oneof(
  leafArb,
  fc.array(leafArb, { minLength: 0, maxLength: 4 }).map((args) => Expr.and(args)),
  fc.array(leafArb, { minLength: 2, maxLength: 3 }).map((args): Expr => ({ kind: 'or', args })),
  fc.tuple(leafArb, fc.array(leafArb, { minLength: 2, maxLength: 2 })).map(([a, or]) => Expr.and([a, { kind: 'or', args: or }])),
);

const live = (b: Batch): number[] => (b.selection === null ? Array.from({ length: b.length }, (_, i) => i) : [...b.selection]);

describe('selectRows and countRows', () => {
  it('keep exactly the rows the row-at-a-time test keeps, in order', () => {
    fc.assert(
      fc.property(batchArb, predicateArb, (b, e) => {
        const expected = live(narrow(b, compilePredicate(e, b.columns)));
        expect(live(selectRows(e, b))).toEqual(expected);
        expect(countRows(e, b)).toBe(expected.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('counts through bitmap indexes exactly what the row-at-a-time test keeps (nulls, NaN, -0 included)', () => {
    fc.assert(
      fc.property(batchArb, fc.array(indexedLeafArb, { minLength: 1, maxLength: 4 }), (b, leaves) => {
        const e = Expr.and(leaves);
        const whole = { ...b, selection: null };
        expect(countRows(e, whole)).toBe(live(narrow(whole, compilePredicate(e, whole.columns))).length);
      }),
      { numRuns: 2000 },
    );
  });

  it('with a limit, stop at the first rows passing', () => {
    fc.assert(
      fc.property(batchArb, predicateArb, fc.nat(5), (b, e, limit) => {
        expect(live(selectRows(e, b, limit))).toEqual(live(narrow(b, compilePredicate(e, b.columns))).slice(0, limit));
      }),
    );
  });
});

describe('rangeOf', () => {
  const JS: Record<CompareOp, (v: number, x: number) => boolean> = {
    eq: (v, x) => v === x,
    ne: (v, x) => v !== x,
    lt: (v, x) => v < x,
    lte: (v, x) => v <= x,
    gt: (v, x) => v > x,
    gte: (v, x) => v >= x,
  };
  const edge = fc.oneof(
    fc.double(),
    fc.constantFrom(...NUMBERS, -Number.MAX_VALUE, -Number.MIN_VALUE),
    fc.integer().map((n) => n),
  );

  it('turns every comparison with a number into the same answer as JavaScript’s operator', () => {
    fc.assert(
      fc.property(fc.constantFrom(...OPS), edge, edge, (op, x, v) => {
        const { lo, hi, outside } = rangeOf(op, x);
        expect((v >= lo && v <= hi) !== outside).toBe(JS[op](v, x));
      }),
      { numRuns: 20_000 },
    );
  });

  it('is exact next to the bound', () => {
    for (const op of OPS) {
      for (const x of [1, -1, 0, -0, 0.1, 1e300, Number.MIN_VALUE, Number.MAX_VALUE]) {
        const { lo, hi, outside } = rangeOf(op, x);
        const up = x + Math.abs(x) * Number.EPSILON || Number.MIN_VALUE;
        for (const v of [x, up, -up, x - Math.abs(x) * Number.EPSILON]) expect((v >= lo && v <= hi) !== outside).toBe(JS[op](v, x));
      }
    }
  });
});
