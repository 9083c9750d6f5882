import { assertNever } from '../../errors.js';
import type { SortKey } from '../../plan/plan.js';
import { compareScalars, type Nullable } from '../../plan/scalar.js';
import { columnOf, liveCount, narrow, type Batch } from '../columnar/batch.js';
import { ascendingRun as runOf, bitSet, valueAt, type Column } from '../columnar/column.js';
import type { SortBound } from '../scan/prune-row-groups.js';

/**
 * Sorting: keys in order, each ascending or descending, nulls last (docs/graphql.md)
 * unless a key says `nullsLast: false` (a backward page sorts the connection's
 * order reversed, so its nulls come first), ties broken by input ordinal so the
 * sort is stable whatever order the scan visited row groups in.
 *
 * `TopK` keeps the best `k` rows in a bounded heap whose root is the worst
 * kept row. A candidate is compared against that root straight from the
 * batch's buffers (strings as UTF-8 bytes), and only rows that enter the
 * heap are materialised. `SortAll` (no fetch) has to keep every row.
 *
 * Both are fed a slice of a batch's live rows at a time and say how many
 * bytes they hold (`heldBytes`, an estimate), so the executor can charge
 * what they keep to the request's memory budget and let the event loop turn
 * between slices (execute.ts); their final sort is `sortPaced` for the same
 * reason. A top-K of offset + first + 1 rows is as big as the offset asks.
 */
interface Entry {
  /** The fields kept for the parent, in order, then any sort key the parent does not read. */
  readonly row: Nullable[];
  /** UTF-8 of string keys by key number, to compare with undecoded candidates (top-K only). */
  readonly keyBytes: (Buffer | undefined)[];
  readonly ordinal: number;
}

/** Where each sort key sits in an entry's row, and which fields an entry holds. */
interface EntryLayout {
  readonly fields: readonly string[];
  readonly keyAt: readonly number[];
}

function entryLayout(fields: readonly string[], keys: readonly SortKey[]): EntryLayout {
  const all = [...fields];
  const keyAt = keys.map((k) => {
    const at = all.indexOf(k.field);
    if (at >= 0) return at;
    all.push(k.field);
    return all.length - 1;
  });
  return { fields: all, keyAt };
}

function compareEntries(keys: readonly SortKey[], keyAt: readonly number[]): (a: Entry, b: Entry) => number {
  return (a, b) => {
    for (let k = 0; k < keys.length; k++) {
      const c = compareKeyValues(a.row[keyAt[k]!]!, b.row[keyAt[k]!]!, keys[k]!);
      if (c !== 0) return c;
    }
    return a.ordinal - b.ordinal;
  };
}

function compareKeyValues(x: Nullable, y: Nullable, key: Pick<SortKey, 'direction' | 'nullsLast'>): number {
  if (x === null || y === null) return x === y ? 0 : (x === null) === key.nullsLast ? 1 : -1;
  const c = compareScalars(x, y);
  return key.direction === 'asc' ? c : -c;
}

/** Materialises row `i` of a batch; `withBytes` when it will be compared with undecoded rows. */
function entryOf(b: Batch, i: number, columns: readonly Column[], layout: EntryLayout, withBytes: boolean): Entry {
  const row: Nullable[] = new Array(columns.length);
  for (let k = 0; k < columns.length; k++) row[k] = valueAt(columns[k]!, i);
  const keyBytes = withBytes
    ? layout.keyAt.map((at) => {
        const v = row[at];
        return typeof v === 'string' ? Buffer.from(v, 'utf8') : undefined;
      })
    : [];
  return { row, keyBytes, ordinal: b.ordinalBase + i };
}

/**
 * About what an entry costs the heap, for the memory budget: the entry, its
 * row and key arrays, a bigint or a boxed double per number, a string per
 * string (counted as two bytes a character, so it errs high), and a Buffer
 * per string key of a top-K. Measured on Node 20 (64-bit): an entry of a
 * bigint and a double takes 217 bytes, here 216.
 */
function entryBytes(e: Entry): number {
  let bytes = 144 + 8 * (e.row.length + e.keyBytes.length);
  for (const v of e.row) {
    if (typeof v === 'string') bytes += 24 + 2 * v.length;
    else if (typeof v === 'bigint') bytes += 24;
    else if (typeof v === 'number') bytes += 16;
  }
  for (const k of e.keyBytes) if (k !== undefined) bytes += 120 + k.length;
  return bytes;
}

/** Kept rows, best first, cut down to the parent's fields. */
async function rowsOf(
  entries: Entry[],
  order: (a: Entry, b: Entry) => number,
  width: number,
  pause: () => Promise<void>,
): Promise<Nullable[][]> {
  const sorted = await sortPaced(entries, order, pause);
  return sorted.map((e) => (e.row.length === width ? e.row : e.row.slice(0, width)));
}

/** Rows sorted in one go, and the length of the runs sortPaced sorts and merges between pauses. */
const RUN = 8192;

/**
 * `items` sorted by `order`, with `pause` awaited every RUN elements placed:
 * runs of RUN sorted natively, then merged pairwise. One native sort of a
 * million rows held the event loop for seconds, deadline and /health
 * included; this is the same O(n log n) in steps the caller can interrupt.
 * `order` must be total (entries tie-break on ordinal). May reuse `items`.
 */
export async function sortPaced<T>(items: T[], order: (a: T, b: T) => number, pause: () => Promise<void>): Promise<T[]> {
  const n = items.length;
  if (n <= RUN) return items.sort(order);
  for (let from = 0; from < n; from += RUN) {
    const run = items.slice(from, from + RUN).sort(order);
    for (let k = 0; k < run.length; k++) items[from + k] = run[k]!;
    await pause();
  }
  let src = items;
  let dst: T[] = new Array<T>(n);
  let placed = 0;
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      for (let i = lo, j = mid, k = lo; k < hi; k++) {
        dst[k] = j < hi && (i >= mid || order(src[j]!, src[i]!) < 0) ? src[j++]! : src[i++]!;
        if (++placed === RUN) {
          placed = 0;
          await pause();
        }
      }
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/** Row `i` of the current batch against a kept entry's key `k`, unadjusted for direction; null is handled by the caller. */
type RowVsEntry = (i: number, e: Entry) => number;

function rowVsEntry(c: Column, at: number, k: number): { isNull: (i: number) => boolean; compare: RowVsEntry } {
  switch (c.kind) {
    case 'number':
    case 'bigint': {
      const values = c.values as ArrayLike<number | bigint>;
      const valid = c.valid;
      return {
        isNull: valid === null ? () => false : (i) => !bitSet(valid, i),
        compare: (i, e) => {
          const x = values[i]!;
          const y = e.row[at] as number | bigint;
          return x < y ? -1 : x > y ? 1 : 0;
        },
      };
    }
    case 'boolean': {
      const { bits, valid } = c;
      return {
        isNull: valid === null ? () => false : (i) => !bitSet(valid, i),
        compare: (i, e) => (bitSet(bits, i) ? 1 : 0) - (e.row[at] ? 1 : 0),
      };
    }
    case 'string': {
      const valid = c.valid;
      const isNull = valid === null ? () => false : (i: number) => !bitSet(valid, i);
      if (c.dictionary !== undefined) {
        // A coded column (the column cache's): row i's value is its code's entry.
        const { codes, entries } = c.dictionary;
        const { offsets, bytes } = entries;
        return {
          isNull,
          compare: (i, e) => {
            const p = e.keyBytes[k]!;
            const code = codes[i]!;
            return bytes.compare(p, 0, p.length, offsets[code], offsets[code + 1]);
          },
        };
      }
      const { offsets, bytes } = c;
      return {
        isNull,
        compare: (i, e) => {
          const p = e.keyBytes[k]!;
          return bytes.compare(p, 0, p.length, offsets[i], offsets[i + 1]);
        },
      };
    }
    case 'scalars': {
      const values = c.values;
      return {
        isNull: (i) => values[i] === null,
        compare: (i, e) => compareScalars(values[i]!, e.row[at]!),
      };
    }
    default:
      return assertNever(c, 'column');
  }
}

export class TopK {
  private readonly heap: Entry[] = [];
  private readonly layout: EntryLayout;
  private readonly worse: (a: Entry, b: Entry) => number;

  constructor(
    private readonly keys: readonly SortKey[],
    private readonly k: number,
    private readonly fields: readonly string[],
  ) {
    this.layout = entryLayout(fields, keys);
    this.worse = compareEntries(keys, this.layout.keyAt);
  }

  /** Bytes the kept rows hold, about (`entryBytes`); grows as the heap fills, not as rows replace others. */
  heldBytes = 0;

  /** Offers the live rows from..to-1 (positions among the batch's live rows) of `b`. */
  offer(b: Batch, from = 0, to = liveCount(b)): void {
    if (this.k === 0) return;
    const { layout, heap } = this;
    const columns = layout.fields.map((f) => columnOf(b, f));
    const beats = this.beatsIn(b);
    const visit = (i: number) => {
      if (heap.length < this.k) this.push(entryOf(b, i, columns, layout, true));
      else if (beats(i, heap[0]!)) this.replaceTop(entryOf(b, i, columns, layout, true));
    };
    // A first key in a typed array without nulls: once the heap is full, a
    // row whose first key sorts strictly after the worst kept row's cannot
    // enter, and that is one comparison, not a call per key.
    const first = columnOf(b, this.keys[0]!.field);
    if ((first.kind === 'number' || first.kind === 'bigint') && first.valid === null) {
      const values = first.values as ArrayLike<number | bigint>;
      const asc = this.keys[0]!.direction === 'asc';
      const at = layout.keyAt[0]!;
      let worst = heap.length >= this.k ? (heap[0]!.row[at] as number | bigint | null) : null;
      const test = (i: number) => {
        if (worst !== null && (asc ? values[i]! > worst : values[i]! < worst)) return;
        visit(i);
        if (heap.length >= this.k) worst = heap[0]!.row[at] as number | bigint | null;
      };
      // Values running upwards: past the worst kept row, no later row can enter either.
      const sorted = asc && runOf(values).ascending;
      const live = b.selection;
      for (let j = from; j < to; j++) {
        const i = live === null ? j : live[j]!;
        if (sorted && worst !== null && values[i]! > worst) break;
        test(i);
      }
      return;
    }
    const live = b.selection;
    if (live === null) for (let i = from; i < to; i++) visit(i);
    else for (let j = from; j < to; j++) visit(live[j]!);
  }

  /**
   * How many of a batch's first live rows can enter the heap at most, or
   * Infinity. When the first key's values run in the sort's direction
   * without nulls (a primary-key scan), the batch's own first `k` live rows
   * beat every later one: those later rows sort after them on the first key
   * or, with a single key, tie and lose on ordinal. So the scan may stop
   * testing a row group's filter once it has `k` live rows.
   */
  firstRowsEnough(b: Batch): number {
    const first = this.keys[0]!;
    const c = b.columns.get(first.field);
    if (c === undefined || (c.kind !== 'number' && c.kind !== 'bigint') || c.valid !== null) return Infinity;
    const run = runOf(c.values);
    const ok = first.direction === 'asc' ? (this.keys.length === 1 ? run.ascending : run.strictlyAscending) : false;
    return ok ? this.k : Infinity;
  }

  /** Once the heap is full, most rows of a batch cannot enter it: `candidates` can then narrow a batch cheaply. */
  get full(): boolean {
    return this.heap.length >= this.k;
  }

  get shortBy(): number {
    return Math.max(0, this.k - this.heap.length);
  }

  /**
   * The rows of `b` that could still enter the heap, judged on the sort keys
   * alone (`b` needs only the key columns). Lets a scan skip decoding the
   * other columns of a row group none of whose rows can win.
   */
  candidates(b: Batch): Batch {
    if (this.k === 0) return { ...b, selection: new Int32Array(0) };
    if (!this.full) return b;
    const beats = this.beatsIn(b);
    const worst = this.heap[0]!;
    return narrow(b, (i) => beats(i, worst));
  }

  /** Whether row i of `b` sorts before the kept entry e (ties on every key go to the lower ordinal). */
  private beatsIn(b: Batch): (i: number, e: Entry) => boolean {
    const keyAt = this.layout.keyAt;
    const readers = this.keys.map((key, k) => rowVsEntry(columnOf(b, key.field), keyAt[k]!, k));
    const dirs = this.keys.map((key) => (key.direction === 'asc' ? 1 : -1));
    const nullsLast = this.keys.map((key) => key.nullsLast);
    return (i, e) => {
      for (let k = 0; k < readers.length; k++) {
        const r = readers[k]!;
        const rowNull = r.isNull(i);
        const keptNull = e.row[keyAt[k]!] === null;
        if (rowNull || keptNull) {
          if (rowNull !== keptNull) return nullsLast[k] ? keptNull : rowNull;
          continue;
        }
        const c = r.compare(i, e) * dirs[k]!;
        if (c !== 0) return c < 0;
      }
      return b.ordinalBase + i < e.ordinal;
    };
  }

  /**
   * Whether no row of a row group starting at `bound` (on the first key) can
   * enter the heap: it is full and the bound sorts strictly after the worst
   * kept row's first key. Rows tying on the first key could still win on a
   * later key, hence strictly. A worst row whose first key is null can be
   * beaten by any non-null row (nulls last) or by another null (nulls first,
   * ties), so then nothing is skipped. With nulls first a group that may hold
   * a null has an `unknown` bound (sortBound), so a value bound is all values.
   */
  cannotBeat(bound: SortBound): boolean {
    if (this.k === 0) return true;
    if (this.heap.length < this.k) return false;
    const worst = this.heap[0]!.row[this.layout.keyAt[0]!]!;
    if (worst === null) return false;
    switch (bound.kind) {
      case 'unknown':
        return false;
      case 'nulls':
        return true;
      case 'value':
        return compareKeyValues(bound.value, worst, this.keys[0]!) > 0;
      default:
        return assertNever(bound, 'sort bound');
    }
  }

  /** The kept rows, best first: one array of values per row, in `fields` order; `pause` is awaited while sorting. */
  result(pause: () => Promise<void>): Promise<Nullable[][]> {
    return rowsOf([...this.heap], this.worse, this.fields.length, pause);
  }

  // A max-heap on `worse`: the root is the row that leaves first.
  private push(e: Entry): void {
    const h = this.heap;
    this.heldBytes += entryBytes(e);
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.worse(h[i]!, h[parent]!) <= 0) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private replaceTop(e: Entry): void {
    const h = this.heap;
    h[0] = e;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < h.length && this.worse(h[l]!, h[top]!) > 0) top = l;
      if (r < h.length && this.worse(h[r]!, h[top]!) > 0) top = r;
      if (top === i) return;
      [h[i], h[top]] = [h[top]!, h[i]!];
      i = top;
    }
  }
}

/** A full sort: every live row is materialised, then sorted once. */
export class SortAll {
  private readonly entries: Entry[] = [];
  private readonly layout: EntryLayout;

  constructor(
    private readonly keys: readonly SortKey[],
    private readonly fields: readonly string[],
  ) {
    this.layout = entryLayout(fields, keys);
  }

  /** Bytes the kept rows hold, about (`entryBytes`). */
  heldBytes = 0;

  /** Keeps the live rows from..to-1 (positions among the batch's live rows) of `b`. */
  offer(b: Batch, from = 0, to = liveCount(b)): void {
    const columns = this.layout.fields.map((f) => columnOf(b, f));
    const live = b.selection;
    for (let j = from; j < to; j++) {
      const e = entryOf(b, live === null ? j : live[j]!, columns, this.layout, false);
      this.heldBytes += entryBytes(e);
      this.entries.push(e);
    }
  }

  result(pause: () => Promise<void>): Promise<Nullable[][]> {
    return rowsOf(this.entries, compareEntries(this.keys, this.layout.keyAt), this.fields.length, pause);
  }
}
