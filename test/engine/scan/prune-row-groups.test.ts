import { describe, expect, it } from 'vitest';
import { compareBounds, isProvablyAll, isProvablyEmpty, sortBound, type FieldStats } from '../../../src/engine/scan/prune-row-groups.js';
import { Expr } from '../../../src/plan/expr.js';

/** The pruning rules alone, over hand-written statistics. */
const stats: Record<string, FieldStats> = {
  n: { numRows: 100, nullCount: 0, min: 10n, max: 20n, mayHoldNaN: false },
  s: { numRows: 100, nullCount: 5, min: 'banana', max: 'cherry', mayHoldNaN: false },
  allNull: { numRows: 100, nullCount: 100, mayHoldNaN: false },
  noMinMax: { numRows: 100, nullCount: 3, mayHoldNaN: false },
  same: { numRows: 100, nullCount: 0, min: 7, max: 7, mayHoldNaN: false },
  prefixed: { numRows: 100, nullCount: 0, min: 'ab1', max: 'ab9', mayHoldNaN: false },
  float: { numRows: 100, nullCount: 0, min: 1.5, max: 2.5, mayHoldNaN: true },
};
const empty = (e: Expr) => isProvablyEmpty(e, (f) => stats[f]);

describe('isProvablyEmpty', () => {
  it('compares against [min, max]', () => {
    expect(empty(Expr.compare('n', 'eq', 9n))).toBe(true);
    expect(empty(Expr.compare('n', 'eq', 10n))).toBe(false);
    expect(empty(Expr.compare('n', 'lt', 10n))).toBe(true);
    expect(empty(Expr.compare('n', 'lte', 10n))).toBe(false);
    expect(empty(Expr.compare('n', 'gt', 20n))).toBe(true);
    expect(empty(Expr.compare('n', 'gte', 20n))).toBe(false);
    expect(empty(Expr.compare('n', 'ne', 15n))).toBe(false);
    expect(empty(Expr.compare('same', 'ne', 7))).toBe(true);
  });

  it('handles IN lists, negated only when every value is the one listed', () => {
    expect(empty(Expr.in('n', [1n, 30n]))).toBe(true);
    expect(empty(Expr.in('n', [1n, 15n]))).toBe(false);
    expect(empty(Expr.in('n', []))).toBe(true);
    expect(empty(Expr.in('same', [7], true))).toBe(true);
    expect(empty(Expr.in('n', [10n], true))).toBe(false);
  });

  it('prunes startsWith by range and never other text tests', () => {
    expect(empty(Expr.text('s', 'startsWith', 'apple'))).toBe(true);
    expect(empty(Expr.text('s', 'startsWith', 'd'))).toBe(true);
    expect(empty(Expr.text('s', 'startsWith', 'ban'))).toBe(false);
    expect(empty(Expr.text('s', 'startsWith', 'c'))).toBe(false);
    expect(empty(Expr.text('s', 'startsWith', 'cherryx'))).toBe(true);
    expect(empty(Expr.text('s', 'startsWith', 'apple', true))).toBe(false);
    expect(empty(Expr.text('s', 'contains', 'zzz'))).toBe(false);
  });

  it('uses null counts, and knows all-null groups fail every leaf but IS NULL', () => {
    expect(empty(Expr.isNull('n'))).toBe(true);
    expect(empty(Expr.isNull('s'))).toBe(false);
    expect(empty(Expr.isNull('allNull', true))).toBe(true);
    expect(empty(Expr.isNull('allNull'))).toBe(false);
    expect(empty(Expr.compare('allNull', 'ne', 1))).toBe(true);
    expect(empty(Expr.text('allNull', 'contains', 'x', true))).toBe(true);
  });

  it('proves nothing without statistics', () => {
    expect(empty(Expr.compare('noMinMax', 'eq', 1))).toBe(false);
    expect(empty(Expr.compare('missing', 'eq', 1))).toBe(false);
    expect(empty(Expr.isNull('missing'))).toBe(false);
  });

  it('combines: AND when any argument is empty, OR when all are', () => {
    const no = Expr.compare('n', 'eq', 1n);
    const maybe = Expr.compare('n', 'eq', 15n);
    expect(empty(Expr.and([maybe, no]))).toBe(true);
    expect(empty(Expr.or([maybe, no]))).toBe(false);
    expect(empty(Expr.or([no, Expr.compare('s', 'eq', 'zebra')]))).toBe(true);
    expect(empty(Expr.const(false))).toBe(true);
    expect(empty(Expr.const(true))).toBe(false);
  });
});

const all = (e: Expr) => isProvablyAll(e, (f) => stats[f]);

describe('isProvablyAll', () => {
  it('covers a range only with no nulls and exact bounds', () => {
    expect(all(Expr.compare('n', 'gte', 10n))).toBe(true);
    expect(all(Expr.compare('n', 'gt', 10n))).toBe(false);
    expect(all(Expr.compare('n', 'lt', 21n))).toBe(true);
    expect(all(Expr.compare('n', 'ne', 21n))).toBe(true);
    expect(all(Expr.compare('same', 'eq', 7))).toBe(true);
    expect(all(Expr.in('same', [1, 7]))).toBe(true);
    expect(all(Expr.in('n', [1n, 30n], true))).toBe(true);
    // Nulls fail every comparison.
    expect(all(Expr.compare('s', 'gte', 'a'))).toBe(false);
    expect(all(Expr.isNull('n', true))).toBe(true);
    expect(all(Expr.isNull('allNull'))).toBe(true);
  });

  it('covers startsWith when both bounds share the prefix, and never with possible NaN', () => {
    expect(all(Expr.text('prefixed', 'startsWith', 'ab'))).toBe(true);
    expect(all(Expr.text('prefixed', 'startsWith', 'ab1'))).toBe(false);
    expect(all(Expr.text('prefixed', 'startsWith', 'b', true))).toBe(true);
    expect(all(Expr.text('prefixed', 'contains', 'ab'))).toBe(false);
    expect(all(Expr.compare('float', 'lt', 3))).toBe(false);
    expect(empty(Expr.compare('float', 'gt', 3))).toBe(true);
  });

  it('combines: AND when all arguments are, OR when any is', () => {
    expect(all(Expr.and([Expr.compare('n', 'gte', 10n), Expr.compare('n', 'lte', 20n)]))).toBe(true);
    expect(all(Expr.and([Expr.compare('n', 'gte', 10n), Expr.compare('n', 'lte', 19n)]))).toBe(false);
    expect(all(Expr.or([Expr.compare('n', 'gte', 15n), Expr.compare('n', 'lte', 20n)]))).toBe(true);
    expect(all(Expr.const(true))).toBe(true);
  });
});

describe('sortBound', () => {
  it('orders unknown groups first, then by bound, then all-null groups', () => {
    const bounds = [sortBound(stats.allNull, 'asc'), sortBound(stats.n, 'asc'), sortBound(undefined, 'asc'), sortBound(stats.same, 'asc')];
    const sorted = [...bounds].sort((a, b) => compareBounds(a, b, 'asc'));
    expect(sorted).toEqual([{ kind: 'unknown' }, { kind: 'value', value: 7 }, { kind: 'value', value: 10n }, { kind: 'nulls' }]);
    expect(sortBound(stats.n, 'desc')).toEqual({ kind: 'value', value: 20n });
  });
});
