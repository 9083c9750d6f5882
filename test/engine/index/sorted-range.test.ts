import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { narrow, type Batch } from '../../../src/engine/columnar/batch.js';
import type { Column } from '../../../src/engine/columnar/column.js';
import { compilePredicate } from '../../../src/engine/kernels/evaluate-predicate.js';
import { narrowRange, sortedRange, sortedRows } from '../../../src/engine/index/sorted-range.js';
import { Expr, type CompareOp } from '../../../src/plan/expr.js';

/** Range-narrowing by binary search keeps exactly the rows the filter keeps, on sorted and unsorted columns alike. */
const OPS: CompareOp[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'];

const batchOf = (ids: number[], xs: (number | null)[], asBigint: boolean): Batch => {
  const valid = xs.some((x) => x === null)
    ? Uint8Array.from({ length: Math.ceil(xs.length / 8) }, (_, k) =>
        xs.slice(8 * k, 8 * k + 8).reduce<number>((m, x, j) => (x === null ? m : m | (1 << j)), 0),
      )
    : null;
  const id: Column = asBigint
    ? { kind: 'bigint', values: BigInt64Array.from(ids.map(BigInt)), valid: null }
    : { kind: 'number', values: Float64Array.from(ids), valid: null };
  const x: Column = { kind: 'number', values: Float64Array.from(xs.map((v) => v ?? 0)), valid };
  return {
    length: ids.length,
    columns: new Map([
      ['id', id],
      ['x', x],
    ]),
    selection: null,
    ordinalBase: 0,
  };
};

const rows = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.option(fc.integer({ min: 0, max: 9 }), { nil: null })), {
  maxLength: 60,
});

describe('sortedRange', () => {
  it('with the filter over it, keeps exactly what the filter alone keeps', () => {
    fc.assert(
      fc.property(
        rows,
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.tuple(fc.constantFrom('id', 'x'), fc.constantFrom(...OPS), fc.integer({ min: -1, max: 40 })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.integer({ min: 1, max: 70 }),
        (rs, sorted, asBigint, leaves, limit) => {
          let id = 0;
          const ids = rs.map(([step], i) => (sorted ? (id += step) : (i * 7) % 11));
          const b = batchOf(
            ids,
            rs.map(([, x]) => x),
            asBigint,
          );
          const filter = Expr.and(leaves.map(([f, op, v]) => Expr.compare(f, op, f === 'id' && asBigint ? BigInt(v) : v)));
          const test = compilePredicate(filter, b.columns);
          const range = sortedRange(filter, b.columns, b.length);
          const got = range === undefined ? narrow(b, test, limit) : narrowRange(b, range.from, range.to, test, limit);
          expect([...got.selection!]).toEqual([...narrow(b, test, limit).selection!]);
          // Unsorted ids (0, 7, 3, …) never narrow by binary search.
          const idLeaves = leaves.filter(([f]) => f === 'id').map(([f, op, v]) => Expr.compare(f, op, asBigint ? BigInt(v) : v));
          if (!sorted && ids.length > 2 && idLeaves.length > 0)
            expect(sortedRange(Expr.and(idLeaves), b.columns, b.length)).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('with IN lists too, keeps exactly what the filter alone keeps', () => {
    fc.assert(
      fc.property(
        rows,
        fc.boolean(),
        fc.array(fc.integer({ min: -1, max: 40 }), { maxLength: 6 }),
        fc.option(fc.tuple(fc.constantFrom(...OPS), fc.integer({ min: -1, max: 40 })), { nil: undefined }),
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 70 }),
        (rs, asBigint, keys, compare, xKeys, limit) => {
          let id = 0;
          const b = batchOf(
            rs.map(([step]) => (id += step)),
            rs.map(([, x]) => x),
            asBigint,
          );
          const key = (v: number) => (asBigint ? BigInt(v) : v);
          const filter = Expr.and([
            Expr.in('id', keys.map(key)),
            ...(compare ? [Expr.compare('id', compare[0], key(compare[1]))] : []),
            ...(xKeys.length > 0 ? [Expr.in('x', xKeys)] : []),
          ]);
          const test = compilePredicate(filter, b.columns);
          const found = sortedRows(filter, b.columns, b.length);
          const got =
            found === undefined
              ? narrow(b, test, limit)
              : found instanceof Int32Array
                ? narrow({ ...b, selection: found }, test, limit)
                : narrowRange(b, found.from, found.to, test, limit);
          expect([...got.selection!]).toEqual([...narrow(b, test, limit).selection!]);
          if (b.length > 0) expect(found).toBeInstanceOf(Int32Array);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('finds the range by the values, not the rows', () => {
    const b = batchOf([1, 2, 2, 2, 5, 9], [0, 0, 0, 0, 0, 0], false);
    const range = (op: CompareOp, v: number) => sortedRange(Expr.compare('id', op, v), b.columns, b.length);
    expect(range('gte', 2)).toEqual({ from: 1, to: 6 });
    expect(range('gt', 2)).toEqual({ from: 4, to: 6 });
    expect(range('eq', 2)).toEqual({ from: 1, to: 4 });
    expect(range('lt', 5)).toEqual({ from: 0, to: 4 });
    expect(range('lte', 0)).toEqual({ from: 0, to: 0 });
    expect(range('ne', 2)).toBeUndefined();
    // A column with nulls never takes part (x has none here but is not ascending either way).
    expect(sortedRange(Expr.compare('x', 'gte', 0), batchOf([1], [null], false).columns, 1)).toBeUndefined();
  });
});
