import { Expr } from '../plan/expr.js';
import type { Batch } from './batch.js';
import { ascendingRun, type Column } from './column.js';

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
    const column = columns.get(c.field);
    if (column === undefined || (column.kind !== 'number' && column.kind !== 'bigint') || column.valid !== null) continue;
    const v = c.value;
    if (typeof v !== (column.kind === 'number' ? 'number' : 'bigint') || v !== v) continue;
    const values = column.values as ArrayLike<number | bigint> & object;
    if (!ascendingRun(values).ascending) continue;
    const value = v as number | bigint;
    // First row at or past the value (`atLeast`), or strictly past it.
    const firstFrom = (strict: boolean) => {
      let lo = 0;
      let hi = length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (strict ? values[mid]! <= value : values[mid]! < value) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
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

/** Like `narrow` over a batch without selection, testing only rows [from, to), keeping at most `limit`. */
export function narrowRange(b: Batch, from: number, to: number, test: (i: number) => boolean, limit: number): Batch {
  const out = new Int32Array(Math.max(0, Math.min(to - from, limit)));
  let n = 0;
  for (let i = from; i < to && n < out.length; i++) if (test(i)) out[n++] = i;
  return { ...b, selection: out.subarray(0, n) };
}
