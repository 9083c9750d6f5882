import { describe, expect, it } from 'vitest';
import { compareBounds, isProvablyEmpty, sortBound, type FieldStats } from '../../src/engine/prune-row-groups.js';
import { Expr } from '../../src/plan/expr.js';

/** The pruning rules alone, over hand-written statistics. */
const stats: Record<string, FieldStats> = {
  n: { numRows: 100, nullCount: 0, min: 10n, max: 20n },
  s: { numRows: 100, nullCount: 5, min: 'banana', max: 'cherry' },
  allNull: { numRows: 100, nullCount: 100 },
  noMinMax: { numRows: 100, nullCount: 3 },
  same: { numRows: 100, nullCount: 0, min: 7, max: 7 },
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

describe('sortBound', () => {
  it('orders unknown groups first, then by bound, then all-null groups', () => {
    const bounds = [sortBound(stats.allNull, 'asc'), sortBound(stats.n, 'asc'), sortBound(undefined, 'asc'), sortBound(stats.same, 'asc')];
    const sorted = [...bounds].sort((a, b) => compareBounds(a, b, 'asc'));
    expect(sorted).toEqual([{ kind: 'unknown' }, { kind: 'value', value: 7 }, { kind: 'value', value: 10n }, { kind: 'nulls' }]);
    expect(sortBound(stats.n, 'desc')).toEqual({ kind: 'value', value: 20n });
  });
});
