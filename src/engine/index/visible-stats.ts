import type { Expr } from '../../plan/expr.js';
import { compareScalars, type Nullable, type Scalar } from '../../plan/scalar.js';
import { bitSet, valueAt, type Column } from '../columnar/column.js';
import type { FieldStats } from '../scan/prune-row-groups.js';

/**
 * Statistics of the rows a row filter lets through, per row group: what the
 * scan learns about a group the first time it decodes it under that row
 * filter, so that later scans under the same row filter may prune, order
 * and stop by them (prune-row-groups.ts, visibleEvidence).
 *
 * Why: a row group's Parquet statistics describe hidden rows too, so under a
 * row filter they may not judge a group that holds hidden rows by the
 * caller's predicates; without these, a row-filtered top-K (the bench's Q8)
 * would decode every group, every time. Statistics of the visible rows
 * describe exactly what the caller may see, so judging by them reveals
 * nothing a row-filtered session could not find out by reading those rows.
 *
 * Shared by every session with the same row filter (the key is the filter
 * itself, resolved: `region IN ("EU", "US")`), by file version, row group
 * and column with its type. Least recently used entries go first, bounded
 * by their number only: which statistics survive must not depend on the
 * values columns hold (hidden ones included), or what later scans read
 * would.
 */
export interface VisibleRowGroup {
  /** Rows passing the row filter. */
  readonly rows: number;
  /** By `${column}\0${type}`: statistics over those rows. */
  readonly columns: Map<string, FieldStats>;
}

/** A few KiB a group at most (a dozen columns' bounds, strings up to MAX_BOUND_LENGTH): tens of MiB, outside the column cache's budget. */
export const DEFAULT_VISIBLE_GROUPS = 16_384;

/** Longest string kept as a min or max. */
export const MAX_BOUND_LENGTH = 256;

export class VisibleStatistics {
  /** Insertion order is recency order. */
  private readonly groups = new Map<string, VisibleRowGroup>();

  constructor(private readonly capacity = DEFAULT_VISIBLE_GROUPS) {}

  static key(file: string, rowGroup: number, rowFilter: string): string {
    return `${file}\u0000${rowGroup}\u0000${rowFilter}`;
  }

  static columnKey(column: string, type: string): string {
    return `${column}\u0000${type}`;
  }

  get(key: string): VisibleRowGroup | undefined {
    const g = this.groups.get(key);
    if (g !== undefined) {
      this.groups.delete(key);
      this.groups.set(key, g);
    }
    return g;
  }

  /** Adds statistics of more columns of a group's visible rows (`rows` of them). */
  record(key: string, rows: number, columns: ReadonlyMap<string, FieldStats>): void {
    const known = this.groups.get(key);
    const merged = new Map(known?.columns);
    for (const [k, s] of columns) merged.set(k, s);
    this.groups.delete(key);
    this.groups.set(key, { rows, columns: merged });
    while (this.groups.size > this.capacity) this.groups.delete(this.groups.keys().next().value!);
  }
}

/** A row filter as a key: its structure, with typed literals (1 and 1n differ). */
export function rowFilterKey(e: Expr): string {
  return JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'number' ? `${v}d` : v));
}

/**
 * min, max and null count of a column over the rows `selection` lists (all
 * `length` when null), in the representation pruning compares. NaN is left
 * out of min and max, as Parquet statistics leave it, and noted.
 */
export function statsOfRows(c: Column, selection: Int32Array | null, length: number): FieldStats {
  const rows = selection === null ? length : selection.length;
  const at = (k: number) => (selection === null ? k : selection[k]!);
  let nulls = 0;
  let nan = false;
  let min: Scalar | undefined;
  let max: Scalar | undefined;
  const offer = (v: Scalar) => {
    if (min === undefined || compareScalars(v, min) < 0) min = v;
    if (max === undefined || compareScalars(v, max) > 0) max = v;
  };
  switch (c.kind) {
    case 'number': {
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 0; k < rows; k++) {
        const i = at(k);
        if (c.valid !== null && !bitSet(c.valid, i)) nulls++;
        else {
          const v = c.values[i]!;
          if (v !== v) nan = true;
          else {
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
        }
      }
      if (lo <= hi) {
        min = lo;
        max = hi;
      }
      break;
    }
    case 'string':
      if (c.dictionary !== undefined) {
        // Compare each distinct value present once, not each row.
        const seen = new Uint8Array(c.dictionary.values.length);
        for (let k = 0; k < rows; k++) {
          const i = at(k);
          if (c.valid !== null && !bitSet(c.valid, i)) nulls++;
          else seen[c.dictionary.codes[i]!] = 1;
        }
        for (let code = 0; code < seen.length; code++) if (seen[code] === 1) offer(c.dictionary.values[code]!);
        break;
      }
      {
        // UTF-8 byte order is code-point order, which compareStrings keeps: compare bytes (row i's as the source), decode the two winners.
        let lo = -1;
        let hi = -1;
        const o = c.offsets;
        for (let k = 0; k < rows; k++) {
          const i = at(k);
          if (c.valid !== null && !bitSet(c.valid, i)) nulls++;
          else {
            if (lo < 0 || c.bytes.compare(c.bytes, o[lo]!, o[lo + 1]!, o[i]!, o[i + 1]!) < 0) lo = i;
            if (hi < 0 || c.bytes.compare(c.bytes, o[hi]!, o[hi + 1]!, o[i]!, o[i + 1]!) > 0) hi = i;
          }
        }
        if (lo >= 0) {
          min = valueAt(c, lo) as string;
          max = valueAt(c, hi) as string;
        }
      }
      break;
    default:
      ({ nulls, nan } = scan(c, rows, at, offer));
  }
  // Long strings are not kept as bounds (they would make the entry large); without bounds the column proves nothing.
  const bounded =
    min !== undefined && !(typeof min === 'string' && (min.length > MAX_BOUND_LENGTH || (max as string).length > MAX_BOUND_LENGTH));
  return Object.freeze({ numRows: rows, nullCount: nulls, mayHoldNaN: nan, ...(bounded && { min, max }) });
}

function scan(c: Column, rows: number, at: (k: number) => number, offer: (v: Scalar) => void): { nulls: number; nan: boolean } {
  let nulls = 0;
  let nan = false;
  for (let k = 0; k < rows; k++) {
    const v: Nullable = valueAt(c, at(k));
    if (v === null) nulls++;
    else if (v !== v) nan = true;
    else offer(v);
  }
  return { nulls, nan };
}
