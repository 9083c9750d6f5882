import { assertNever } from '../../errors.js';
import { Expr, type CompareExpr, type InExpr, type TextExpr } from '../../plan/expr.js';
import { compareScalars, compareStrings, type Scalar } from '../../plan/scalar.js';
import type { BloomFilter } from '../index/bloom-filter.js';
import type { ColumnChunkStats } from '../parquet/parquet-metadata.js';

/**
 * Statistics-based row-group pruning: a row group is skipped only when the
 * predicate is provably false for every row in it, judged from exact
 * min/max and null counts. Missing statistics prove nothing, so a row group
 * without them is always read.
 *
 * Leaves are false on NULL (src/plan/expr.ts), so a group of only nulls fails
 * every leaf but `isNull`. AND is provably false when any argument is; OR
 * when all are.
 */

/** A row group's statistics for one field, in the field's representation. */
export interface FieldStats extends ColumnChunkStats {
  readonly numRows: number;
  /**
   * Float columns may hold NaN, which statistics leave out of min/max and
   * which no comparison accepts: bounds then still exclude, but never cover.
   */
  readonly mayHoldNaN: boolean;
}

export type StatsOf = (field: string) => FieldStats | undefined;

export function isProvablyEmpty(e: Expr, stats: StatsOf): boolean {
  switch (e.kind) {
    case 'const':
      return !e.value;
    case 'and':
      return e.args.some((a) => isProvablyEmpty(a, stats));
    case 'or':
      return e.args.every((a) => isProvablyEmpty(a, stats));
    case 'isNull': {
      const s = stats(e.field);
      if (s?.nullCount === undefined) return false;
      return e.negated ? s.nullCount === s.numRows : s.nullCount === 0;
    }
    case 'compare':
    case 'in':
    case 'text': {
      const s = stats(e.field);
      if (s === undefined) return false;
      if (s.nullCount === s.numRows) return true;
      if (s.min === undefined || s.max === undefined) return false;
      return leafExcludesRange(e, s.min, s.max);
    }
    default:
      return assertNever(e, 'expression');
  }
}

/** Whether no non-null value in [min, max] can satisfy the leaf. */
function leafExcludesRange(e: CompareExpr | InExpr | TextExpr, min: Scalar, max: Scalar): boolean {
  switch (e.kind) {
    case 'compare': {
      const v = e.value;
      const op = e.op;
      switch (op) {
        case 'eq':
          return compareScalars(v, min) < 0 || compareScalars(v, max) > 0;
        case 'ne':
          return compareScalars(min, v) === 0 && compareScalars(max, v) === 0;
        case 'lt':
          return compareScalars(min, v) >= 0;
        case 'lte':
          return compareScalars(min, v) > 0;
        case 'gt':
          return compareScalars(max, v) <= 0;
        case 'gte':
          return compareScalars(max, v) < 0;
        default:
          return assertNever(op, 'comparison');
      }
    }
    case 'in':
      if (e.negated) return compareScalars(min, max) === 0 && e.values.some((v) => compareScalars(v, min) === 0);
      return e.values.every((v) => compareScalars(v, min) < 0 || compareScalars(v, max) > 0);
    case 'text': {
      if (e.negated || e.op !== 'startsWith' || typeof min !== 'string' || typeof max !== 'string') return false;
      // Every string starting with p is >= p, and is below any string that
      // is greater than p without starting with it (they differ at some
      // position inside p, where that string is greater).
      const p = e.pattern;
      return compareStrings(max, p) < 0 || (compareStrings(min, p) > 0 && !min.startsWith(p));
    }
    default:
      return assertNever(e, 'expression');
  }
}

/**
 * The dual: whether the predicate is provably true for every row, so a row
 * group needs no filtering (a count over it needs no decoding at all). Leaves
 * need a known null count of zero, as a null fails them, except `isNull`.
 */
export function isProvablyAll(e: Expr, stats: StatsOf): boolean {
  switch (e.kind) {
    case 'const':
      return e.value;
    case 'and':
      return e.args.every((a) => isProvablyAll(a, stats));
    case 'or':
      return e.args.some((a) => isProvablyAll(a, stats));
    case 'isNull': {
      const s = stats(e.field);
      if (s?.nullCount === undefined) return false;
      return e.negated ? s.nullCount === 0 : s.nullCount === s.numRows;
    }
    case 'compare':
    case 'in':
    case 'text': {
      const s = stats(e.field);
      if (s === undefined || s.nullCount !== 0 || s.mayHoldNaN || s.min === undefined || s.max === undefined) return false;
      return leafCoversRange(e, s.min, s.max);
    }
    default:
      return assertNever(e, 'expression');
  }
}

/** Whether every value in [min, max] satisfies the leaf. */
function leafCoversRange(e: CompareExpr | InExpr | TextExpr, min: Scalar, max: Scalar): boolean {
  switch (e.kind) {
    case 'compare': {
      const v = e.value;
      const op = e.op;
      switch (op) {
        case 'eq':
          return compareScalars(min, v) === 0 && compareScalars(max, v) === 0;
        case 'ne':
          return compareScalars(v, min) < 0 || compareScalars(v, max) > 0;
        case 'lt':
          return compareScalars(max, v) < 0;
        case 'lte':
          return compareScalars(max, v) <= 0;
        case 'gt':
          return compareScalars(min, v) > 0;
        case 'gte':
          return compareScalars(min, v) >= 0;
        default:
          return assertNever(op, 'comparison');
      }
    }
    case 'in':
      if (e.negated) return e.values.every((v) => compareScalars(v, min) < 0 || compareScalars(v, max) > 0);
      return compareScalars(min, max) === 0 && e.values.some((v) => compareScalars(v, min) === 0);
    case 'text':
      if (e.op !== 'startsWith' || typeof min !== 'string' || typeof max !== 'string') return false;
      // Strings sharing a prefix form one interval in code-point order, so
      // when both bounds have the prefix every string between them has it.
      if (!e.negated) return min.startsWith(e.pattern) && max.startsWith(e.pattern);
      return leafExcludesRange({ ...e, negated: false }, min, max);
    default:
      return assertNever(e, 'expression');
  }
}

/**
 * What a unit of data (a row group; later a file or a manifest entry, by
 * their statistics) may be judged by, for a scan under a row filter.
 *
 * Statistics and Bloom filters describe every row of the unit, hidden ones
 * included. Were the caller's own predicates to prune by them, what is read
 * (and so lineage, metrics, timing, the budget) would answer questions about
 * hidden rows: `amount > x` reading a group or not reveals a hidden amount.
 * So the caller's predicates may judge a unit only by statistics that
 * describe visible rows alone:
 *
 * - `every-row`: there is no row filter, or the unit's statistics prove
 *   that every row in it passes the row filter; its statistics then
 *   describe visible rows only, and may prune it, order it for a top-K,
 *   settle its filter (`isProvablyAll`), and its Bloom filters may exclude
 *   it — as without a row filter;
 * - `visible-rows`: the statistics of the unit's visible rows are known
 *   (visible-stats.ts, gathered when a scan under the same row filter
 *   decoded it): they may prune it and order it, but not settle its filter
 *   (hidden rows still fail the row filter) and no Bloom filter, which
 *   covers every row, may exclude it;
 * - `row-filter`: anything else is judged by the row filter alone, the same
 *   for every query of the session: skipped only when no row can pass the
 *   row filter, its place in a sort unknown, its rows all tested.
 *
 * `predicate` is what `stats` may prove empty.
 */
export interface Evidence {
  readonly kind: 'every-row' | 'visible-rows' | 'row-filter';
  readonly predicate: Expr;
  readonly stats: StatsOf;
}

/** `visibleRows`: the unit's visible rows and their statistics, when known. */
export function visibleEvidence(
  rowFilter: Expr | undefined,
  filter: Expr,
  stats: StatsOf,
  visibleRows?: () => { readonly rows: number; readonly stats: StatsOf } | undefined,
): Evidence {
  if (rowFilter === undefined || isProvablyAll(rowFilter, stats)) return { kind: 'every-row', predicate: filter, stats };
  // Nothing passes the row filter: the caller's predicates need not be asked.
  if (isProvablyEmpty(rowFilter, stats)) return { kind: 'row-filter', predicate: rowFilter, stats };
  const visible = visibleRows?.();
  if (visible !== undefined)
    return { kind: 'visible-rows', predicate: visible.rows === 0 ? Expr.const(false) : filter, stats: visible.stats };
  return { kind: 'row-filter', predicate: rowFilter, stats };
}

/**
 * Where a row group can start in a sort on one field, for top-K visiting
 * order: the best value it may hold (min ascending, max descending), `nulls`
 * when it holds only nulls (they sort last), or `unknown`. When nulls sort
 * first (a backward page), a group that may hold a null may start with it:
 * `unknown`, read early and never skipped.
 */
export type SortBound = { readonly kind: 'value'; readonly value: Scalar } | { readonly kind: 'nulls' } | { readonly kind: 'unknown' };

export function sortBound(s: FieldStats | undefined, direction: 'asc' | 'desc', nullsLast = true): SortBound {
  if (s === undefined) return { kind: 'unknown' };
  if (!nullsLast && s.nullCount !== 0) return { kind: 'unknown' };
  if (s.nullCount === s.numRows) return { kind: 'nulls' };
  const value = direction === 'asc' ? s.min : s.max;
  return value === undefined ? { kind: 'unknown' } : { kind: 'value', value };
}

/**
 * Orders bounds for visiting: unknown first (they might hold anything, so
 * no group after them can be skipped before they are read), then by value
 * from best to worst, then all-null groups. Stable for equal bounds.
 */
export function compareBounds(a: SortBound, b: SortBound, direction: 'asc' | 'desc'): number {
  const rank = (x: SortBound) => (x.kind === 'unknown' ? 0 : x.kind === 'value' ? 1 : 2);
  const r = rank(a) - rank(b);
  if (r !== 0 || a.kind !== 'value' || b.kind !== 'value') return r;
  const c = compareScalars(a.value, b.value);
  return direction === 'asc' ? c : -c;
}

/**
 * Bloom-filter pruning (bloom-filter.ts): whether the predicate is provably
 * false for a row group because every value an `eq` or `in` leaf accepts is
 * absent from the group's filter for that field. `bloomOf` gives a string
 * field's filter, or undefined when there is none (proves nothing).
 */
export function isExcludedByBloom(e: Expr, bloomOf: (field: string) => BloomFilter | undefined): boolean {
  switch (e.kind) {
    case 'and':
      return e.args.some((a) => isExcludedByBloom(a, bloomOf));
    case 'or':
      return e.args.every((a) => isExcludedByBloom(a, bloomOf));
    case 'compare': {
      if (e.op !== 'eq' || typeof e.value !== 'string') return false;
      const b = bloomOf(e.field);
      return b !== undefined && !b.mayContain(e.value);
    }
    case 'in': {
      if (e.negated || e.placeholder !== undefined || !e.values.every((v) => typeof v === 'string')) return false;
      const b = bloomOf(e.field);
      return b !== undefined && e.values.every((v) => !b.mayContain(v as string));
    }
    default:
      return false;
  }
}

/** Fields whose values an `eq` or `in` leaf of the predicate looks up: those a Bloom filter can prune on. */
export function lookedUpFields(e: Expr, into: Set<string> = new Set()): Set<string> {
  switch (e.kind) {
    case 'and':
    case 'or':
      for (const a of e.args) lookedUpFields(a, into);
      break;
    case 'compare':
      if (e.op === 'eq' && typeof e.value === 'string') into.add(e.field);
      break;
    case 'in':
      if (!e.negated && e.placeholder === undefined && e.values.length > 0 && e.values.every((v) => typeof v === 'string'))
        into.add(e.field);
      break;
    default:
      break;
  }
  return into;
}
