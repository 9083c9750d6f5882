import { Expr } from '../../plan/expr.js';
import type { Batch } from '../columnar/batch.js';
import { ascendingRun, type Column } from '../columnar/column.js';

/**
 * The rows of a batch that comparisons on ascending columns allow, as one
 * range [from, to): on a primary-key chunk, `order_id >= 5000000` holds
 * exactly from the first row at or past the value, found by binary search
 * instead of testing 125,000 rows. Only conjuncts comparing a typed column
 * without nulls whose values only go up take part (with a value of the
 * column's own representation); every other conjunct is left to the filter,
 * which still tests every row of the range. Undefined: no conjunct narrows.
 */
export function sortedRange(filter: Expr, columns: ReadonlyMap<string, Column>, length: number): { from: number; to: number } | undefined {
  let from = 0;
  let to = length;
  let narrowed = false;
  for (const c of Expr.conjuncts(filter)) {
    if (c.kind !== 'compare' || c.op === 'ne') continue;
    const values = ascendingValues(columns.get(c.field));
    const v = c.value;
    if (values === undefined || typeof v !== typeof values[0] || v !== v) continue;
    const value = v as number | bigint;
    const firstFrom = (strict: boolean) => firstAtOrPast(values, 0, length, value, strict);
    switch (c.op) {
      case 'gte':
        from = Math.max(from, firstFrom(false));
        break;
      case 'gt':
        from = Math.max(from, firstFrom(true));
        break;
      case 'lte':
        to = Math.min(to, firstFrom(true));
        break;
      case 'lt':
        to = Math.min(to, firstFrom(false));
        break;
      case 'eq':
        from = Math.max(from, firstFrom(false));
        to = Math.min(to, firstFrom(true));
        break;
    }
    narrowed = true;
  }
  return narrowed ? { from, to: Math.max(from, to) } : undefined;
}

/**
 * The rows of a batch that `sortedRange`'s comparisons and any `IN` on an
 * ascending column allow, ascending: a relationship batch's `customer_id IN
 * (500 keys)` finds each key by binary search instead of testing every row
 * against a set. Undefined: no conjunct narrows.
 */
export function sortedRows(
  filter: Expr,
  columns: ReadonlyMap<string, Column>,
  length: number,
): { from: number; to: number } | Int32Array | undefined {
  const range = sortedRange(filter, columns, length);
  const { from, to } = range ?? { from: 0, to: length };
  let rows: Int32Array | undefined;
  for (const c of Expr.conjuncts(filter)) {
    if (c.kind !== 'in' || c.negated || c.placeholder !== undefined) continue;
    const values = ascendingValues(columns.get(c.field));
    if (values === undefined) continue;
    // Keys of another representation (or NaN) are left to the filter.
    if (c.values.some((v) => typeof v !== typeof values[0] || v !== v)) continue;
    const keys = [...c.values] as (number | bigint)[];
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const found: number[] = [];
    for (let k = 0; k < keys.length; k++) {
      if (k > 0 && keys[k] === keys[k - 1]) continue;
      const start = firstAtOrPast(values, from, to, keys[k]!, false);
      const end = firstAtOrPast(values, start, to, keys[k]!, true);
      for (let i = start; i < end; i++) found.push(i);
    }
    const these = Int32Array.from(found);
    rows = rows === undefined ? these : intersect(rows, these);
  }
  if (rows !== undefined) return rows;
  return range;
}

/** A column's values when it is typed, without nulls and ascending; else undefined. */
function ascendingValues(column: Column | undefined): (ArrayLike<number | bigint> & object) | undefined {
  if (column === undefined || (column.kind !== 'number' && column.kind !== 'bigint') || column.valid !== null) return undefined;
  const values = column.values as ArrayLike<number | bigint> & object;
  return values.length > 0 && ascendingRun(values).ascending ? values : undefined;
}

/** The first row in [lo, hi) at or past `value` (strictly past it when `strict`), by binary search. */
function firstAtOrPast(values: ArrayLike<number | bigint>, lo: number, hi: number, value: number | bigint, strict: boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? values[mid]! <= value : values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function intersect(a: Int32Array, b: Int32Array): Int32Array {
  const out: number[] = [];
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else {
      out.push(a[i]!);
      i++;
      j++;
    }
  }
  return Int32Array.from(out);
}

/** Like `narrow` over a batch without selection, testing only rows [from, to), keeping at most `limit`. */
export function narrowRange(b: Batch, from: number, to: number, test: (i: number) => boolean, limit: number): Batch {
  const out = new Int32Array(Math.max(0, Math.min(to - from, limit)));
  let n = 0;
  for (let i = from; i < to && n < out.length; i++) if (test(i)) out[n++] = i;
  return { ...b, selection: out.subarray(0, n) };
}
