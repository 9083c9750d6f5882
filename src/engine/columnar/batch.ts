import { internalError } from '../../errors.js';
import type { Column } from './column.js';

/**
 * What flows between operators: columns over `length` rows plus the subset
 * still alive. Filters and limits only narrow `selection`, so no operator
 * copies column data; rows become objects only when they reach the result or
 * a sort's winners.
 */
export interface Batch {
  readonly length: number;
  /** By field name; the map's order is the order fields appear in result rows. */
  readonly columns: ReadonlyMap<string, Column>;
  /** Live rows, ascending; null means every row 0..length-1. */
  readonly selection: Int32Array | null;
  /**
   * Position of row 0 in the input's natural order (file order, then row
   * group, then row). Scans may visit row groups out of order; sorts break
   * ties by ordinal, so results do not depend on the visiting order.
   */
  readonly ordinalBase: number;
}

export const liveCount = (b: Batch): number => (b.selection === null ? b.length : b.selection.length);

/** The batch with only the rows passing `test`; with `limit`, only the first `limit` of them (the rest are not tested). */
export function narrow(b: Batch, test: (i: number) => boolean, limit = Infinity): Batch {
  const max = Math.min(liveCount(b), limit);
  const out = new Int32Array(max);
  let n = 0;
  if (b.selection === null) {
    for (let i = 0; i < b.length && n < max; i++) if (test(i)) out[n++] = i;
  } else {
    const selection = b.selection;
    for (let k = 0; k < selection.length && n < max; k++) {
      const i = selection[k]!;
      if (test(i)) out[n++] = i;
    }
  }
  return { ...b, selection: out.subarray(0, n) };
}

/** The batch with its live rows [from, from + count). */
export function sliceLive(b: Batch, from: number, count: number): Batch {
  const live = liveCount(b);
  if (from === 0 && count >= live) return b;
  const end = Math.min(live, from + count);
  if (b.selection !== null) return { ...b, selection: b.selection.subarray(from, end) };
  const out = new Int32Array(Math.max(0, end - from));
  for (let k = 0; k < out.length; k++) out[k] = from + k;
  return { ...b, selection: out };
}

export function columnOf(b: Batch, field: string): Column {
  const c = b.columns.get(field);
  if (c === undefined) throw internalError(`field ${field} is not available to this operator`);
  return c;
}
