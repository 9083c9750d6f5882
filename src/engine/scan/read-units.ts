import { internalError } from '../../errors.js';
import type { Expr } from '../../plan/expr.js';
import type { ScanField } from '../../plan/plan.js';
import { valueBytes } from '../cache/column-cache.js';
import { liveCount, sliceLive, type Batch } from '../columnar/batch.js';
import type { Column } from '../columnar/column.js';
import type { BloomFilter } from '../index/bloom-filter.js';
import { narrowRange, sortedRows } from '../index/sorted-range.js';
import { compilePredicate, countRows, selectRows } from '../kernels/evaluate-predicate.js';
import { throwIfAborted } from '../limits/cancellation.js';
import { readRowGroup, type DecodedBatch, type OpenSourceFile } from '../parquet/read-row-groups.js';
import type { Unit } from './plan-row-groups.js';
import { keepBlooms, keepVisibleStats } from './row-group-facts.js';
import type { ScanContext, ScanOrder, SourceFileReport } from './scan-context.js';

/**
 * Reading the planned row groups (plan-row-groups.ts decided which): each
 * is charged to the request's budget before it is decoded; a few are started
 * ahead while the current one is filtered; the deciding columns may be read
 * first and the rest only for rows that survive (two-phase reads); a fetch
 * or a full top-K stops the reading; Bloom filters and visible-row
 * statistics are kept as each group is used (row-group-facts.ts).
 */

export interface ReadPlan {
  readonly units: readonly Unit[];
  readonly files: readonly OpenSourceFile[];
  /** Every field the scan may decode: those read above, the filters' and the sort keys'. */
  readonly decode: readonly ScanField[];
  readonly filterFields: ReadonlySet<string>;
  /** String fields the filters look values up in: decoded chunks of these get a Bloom filter. */
  readonly lookedUp: readonly ScanField[];
  /** Fields the operators above read. */
  readonly needed: ReadonlySet<string>;
  readonly filter: Expr;
  readonly fetch: number | undefined;
  readonly order: ScanOrder | undefined;
  /** What each of `files` reports (same index). */
  readonly sources: readonly SourceFileReport[];
  readonly label: string;
  /** The row filter and its key, when the scan gathers statistics of its visible rows. */
  readonly visible: { readonly rowFilter: Expr; readonly key: string } | undefined;
  /** A table format's files (Iceberg): fields bound per file, and rows deleted; undefined: plain Parquet. */
  readonly table?: TableFileReads;
}

/**
 * How a table format's data files differ from plain Parquet files to the
 * reading: each file names the fields' columns its own way (or lacks some),
 * and some of its rows may be deleted. Deleted rows leave the batch before
 * any filter or limit sees it, so they never reach a filter, a count or a
 * page; they are still charged, as the row group is charged whole.
 */
export interface TableFileReads {
  /** `fields` as file `file` stores them (columns renamed); fields it lacks are left out. */
  stored(file: number, fields: readonly ScanField[]): readonly ScanField[];
  /** Columns a unit needs decoded to find its deleted rows (with its first read); none once they are known. */
  deleteKeys(u: Unit): readonly ScanField[];
  /**
   * Rows of a unit deleted, when known without decoding (0 when none can
   * be); undefined: to be found from its decoded columns. A count needs no
   * decoding when this is known and the filters are settled.
   */
  knownDeleted(u: Unit): number | undefined;
  /**
   * A decoded batch of a unit (its rows from `first` in the row group) as
   * filters see it, lacking fields as constant columns; and its deleted
   * rows (ascending), which the reading leaves out before any filter's
   * answer, limit or count is taken.
   */
  complete(u: Unit, d: DecodedBatch, first: number): Promise<{ readonly batch: Batch; readonly deleted: Int32Array }>;
}

/** The first (or only) read of a row group, started ahead of use. */
interface FirstRead {
  readonly batches: DecodedBatch[];
  /** Only the deciding columns were read; the rest follow for rows that survive. */
  readonly late: readonly ScanField[];
  /** Bloom filters the decoder built of looked-up columns, by column: kept once the row group is used. */
  readonly blooms: Map<string, BloomFilter>;
}

export async function* readUnits(p: ReadPlan, ctx: ScanContext): AsyncGenerator<Batch> {
  const { units, files, filter, order, sources, label } = p;
  const stored = (file: number, fields: readonly ScanField[]) => (p.table === undefined ? fields : p.table.stored(file, fields));
  const deleteKeys = (u: Unit) => p.table?.deleteKeys(u) ?? [];
  // Fields a row group needs when the statistics already settle its filter.
  const unfiltered = p.decode.filter((f) => p.needed.has(f.name) || (order?.keyFields.includes(f.name) ?? false));
  let remaining = p.fetch ?? Infinity;
  if (remaining <= 0) return;
  const split = { tried: 0, completed: 0 };

  const start = (u: Unit): Promise<FirstRead> => {
    const filtering = filter.kind !== 'const' && !u.allPass;
    const decode = filtering ? p.decode : unfiltered;
    const source = sources[u.file]!;
    // Decoding the deciding columns first pays off when they often leave no
    // row alive (a selective filter; a full top-K that most rows cannot
    // enter). When the second read is nearly always needed, one read is
    // cheaper, so the scan keeps splitting only while at least one row group
    // in four needed no second read.
    const early = decode.filter((f) => (filtering && p.filterFields.has(f.name)) || (order?.keyFields.includes(f.name) ?? false));
    const late = decode.filter((f) => !early.includes(f));
    const twoPhase =
      late.length > 0 &&
      early.length > 0 &&
      (filtering || order?.narrowing() === true) &&
      (split.tried < 4 || split.completed * 4 < split.tried * 3);
    const file = files[u.file]!;
    const keys = deleteKeys(u);
    const first = uniqueFields([...stored(u.file, twoPhase ? early : decode), ...keys]);
    const all = uniqueFields([...stored(u.file, decode), ...keys]);
    const bytes = chunkBytes(file, u.rowGroup, first);
    ctx.budget?.chargeRowGroup(u.numRows, bytes);
    source.rowGroupsScanned++;
    source.rowsScanned += u.numRows;
    source.bytesRead += bytes;
    source.readStartedAt ??= now();
    const read = (async (): Promise<FirstRead> => {
      const blooms = new Map<string, BloomFilter>();
      // Nothing stored to read (a table's file holding the filtered fields as constants, its deletes known): the rows alone.
      if (first.length === 0)
        return { batches: [{ length: u.numRows, columns: new Map() }], late: twoPhase ? stored(u.file, late) : [], blooms };
      const batches = await timed(
        source,
        readRowGroup(ctx.decoder, {
          file,
          rowGroup: u.rowGroup,
          fields: first,
          label,
          signal: ctx.signal,
          cache: ctx.columns,
          blooms: stored(u.file, p.lookedUp),
          built: blooms,
        }),
      );
      if (twoPhase && batches.length !== 1) {
        // Both reads must cut the row group alike to be joined; a split batch is read whole instead.
        charge(source, chunkBytes(file, u.rowGroup, all), ctx);
        return {
          batches: await timed(
            source,
            readRowGroup(ctx.decoder, { file, rowGroup: u.rowGroup, fields: all, label, signal: ctx.signal, cache: ctx.columns }),
          ),
          late: [],
          blooms,
        };
      }
      return { batches, late: twoPhase ? stored(u.file, late) : [], blooms };
    })();
    // A read started ahead may never be awaited (the consumer stopped); its failure must not go unhandled.
    read.catch(() => undefined);
    return read;
  };

  // Decoding runs in the decoder thread, so row groups are started ahead
  // while the current one is filtered: a few for a scan that reads
  // everything; for a top-K, one when it is full and the next group may
  // still feed it, a couple when it is short and the next group is not sure
  // to fill it (a selective filter); none while the scan may well stop soon
  // (a fetch, a top-K on its first group). A filtered fetch that its first
  // group left short reads on two ahead, one for each decoder thread.
  const depth = (k: number): number => {
    if (p.fetch !== undefined) return k > 0 && filter.kind !== 'const' ? 2 : 0;
    if (order === undefined) return 3;
    if (order.narrowing()) return 1;
    const next = units[k + 1];
    if (k === 0 || (next !== undefined && next.allPass && next.numRows >= order.shortBy())) return 0;
    return 2;
  };
  // A count whose filters the statistics settle needs no decoding: the footer knows the rows.
  // Rows deleted from it (a table format) are known then, or no count comes from the footer.
  const footerOnly = (u: Unit) =>
    (filter.kind === 'const' || u.allPass) && unfiltered.length === 0 && (p.table === undefined || p.table.knownDeleted(u) !== undefined);
  // Nothing above reads a field (a count): the rows passing the filter need
  // only be counted, and a batch of that many rows without columns stands for them.
  const countOnly = p.needed.size === 0 && order === undefined && p.fetch === undefined;
  const started = new Map<number, Promise<FirstRead>>();
  for (let k = 0; k < units.length; k++) {
    const u = units[k]!;
    throwIfAborted(ctx.signal);
    if (order?.stopBefore(u.bound)) return;
    if (footerOnly(u)) {
      const live = u.numRows - (p.table?.knownDeleted(u) ?? 0);
      const out = sliceLive({ length: live, columns: new Map(), selection: null, ordinalBase: u.ordinalBase }, 0, remaining);
      remaining -= liveCount(out);
      yield out;
      if (remaining <= 0) return;
      continue;
    }
    const read = started.get(k) ?? start(u);
    started.delete(k);
    for (let j = k + 1; j <= k + depth(k) && j < units.length; j++) {
      if (started.has(j) || footerOnly(units[j]!)) continue;
      if (order?.stopBefore(units[j]!.bound)) break;
      // A group past the budget is not read ahead: the scan fails only if it comes to need it.
      const next = units[j]!;
      if (ctx.budget?.allows(next.numRows, chunkBytes(files[next.file]!, next.rowGroup, stored(next.file, p.decode))) === false) break;
      started.set(j, start(units[j]!));
    }
    const { batches, late, blooms } = await read;
    for (const d of batches) ctx.budget?.chargeMemory(columnBytes(d.columns));
    if (late.length > 0) split.tried++;
    if (p.lookedUp.length > 0 && batches.length === 1 && batches[0]!.length === u.numRows)
      keepBlooms(files[u.file]!, u.rowGroup, batches[0]!, stored(u.file, p.lookedUp), blooms, ctx);
    // As the filters see them: a table's fields bound, its deleted rows out.
    const completed: { readonly batch: Batch; readonly deleted: Int32Array }[] = [];
    let first = 0;
    for (const d of batches) {
      completed.push(
        p.table === undefined
          ? { batch: { length: d.length, columns: d.columns, selection: null, ordinalBase: u.ordinalBase + first }, deleted: NONE }
          : await p.table.complete(u, d, first),
      );
      first += d.length;
    }
    const visible =
      p.visible && u.judgedBy !== 'every-row' && batches.length === 1 && batches[0]!.length === u.numRows ? p.visible : undefined;
    if (visible)
      keepVisibleStats(
        files[u.file]!,
        u.rowGroup,
        // Every row, deleted ones too: statistics of rows the row filter lets through, whether or not deleted, still bound the live ones.
        { length: completed[0]!.batch.length, columns: completed[0]!.batch.columns as Map<string, Column> },
        stored(u.file, p.decode),
        (f) => p.filterFields.has(f.name) || (order?.keyFields.includes(f.name) ?? false),
        visible,
        ctx,
      );
    for (const { batch: whole, deleted } of completed) {
      let batch = whole;
      // A scan with a fetch (never visited in sort order), or a top-K over rows already in its order, stops testing rows once it has enough.
      const enough = Math.min(p.fetch === undefined ? Infinity : remaining, order?.firstRowsEnough(batch) ?? Infinity);
      if (filter.kind !== 'const' && !u.allPass) batch = filterLiveRows(filter, batch, deleted, enough, countOnly);
      else batch = sliceLive(withoutRows(sliceLive(batch, 0, enough + deleted.length), deleted), 0, enough);
      if (late.length > 0 && order !== undefined) batch = order.candidates(batch);
      batch = sliceLive(batch, 0, remaining);
      if (liveCount(batch) === 0) continue;
      if (late.length > 0) {
        batch = await completeBatch(batch, files[u.file]!, u.rowGroup, late, sources[u.file]!, label, ctx);
        split.completed++;
      }
      remaining -= liveCount(batch);
      yield batch;
      if (remaining <= 0) return;
    }
  }
}

const NONE = new Int32Array(0);

/**
 * `filterRows` over the rows of a batch but `deleted` (a table's deleted
 * rows, ascending; few). Deletes are sparse, so rather than test every
 * live row through a selection (which loses the indexes and binary
 * searches of whole columns), the whole batch is filtered and the deleted
 * rows taken out of the answer: a count less the deleted rows that pass;
 * at most `enough` rows found among the first `enough` + deleted ones.
 */
function filterLiveRows(filter: Expr, batch: Batch, deleted: Int32Array, enough: number, countOnly: boolean): Batch {
  if (deleted.length === 0) return filterRows(filter, batch, enough, countOnly);
  if (countOnly) {
    const counted = filterRows(filter, batch, enough, true);
    const passes = compilePredicate(filter, batch.columns);
    let n = 0;
    for (const i of deleted) if (passes(i)) n++;
    return { ...counted, length: counted.length - n };
  }
  const passed = filterRows(filter, batch, enough === Infinity ? Infinity : enough + deleted.length, false);
  return sliceLive(withoutRows(passed, deleted), 0, enough);
}

/** The batch without the rows `deleted` (ascending). */
function withoutRows(batch: Batch, deleted: Int32Array): Batch {
  if (deleted.length === 0) return batch;
  const live = batch.selection;
  const out = new Int32Array(live === null ? batch.length : live.length);
  let n = 0;
  let k = 0;
  const count = live === null ? batch.length : live.length;
  for (let j = 0; j < count; j++) {
    const i = live === null ? j : live[j]!;
    while (k < deleted.length && deleted[k]! < i) k++;
    if (k < deleted.length && deleted[k] === i) continue;
    out[n++] = i;
  }
  return { ...batch, selection: out.subarray(0, n) };
}

/**
 * The rows of a decoded batch that pass the scan's filter, at most
 * `enough`; for a count, just how many. Rows an ascending column's range or
 * IN list allows (sorted-range.ts) are found by binary search first, and
 * only those are tested.
 */
function filterRows(filter: Expr, batch: Batch, enough: number, countOnly: boolean): Batch {
  const found = sortedRows(filter, batch.columns, batch.length);
  if (found !== undefined && !(found instanceof Int32Array) && enough !== Infinity) {
    return narrowRange(batch, found.from, found.to, compilePredicate(filter, batch.columns), enough);
  }
  const within =
    found === undefined ? batch : { ...batch, selection: found instanceof Int32Array ? found : rangeRows(found.from, found.to) };
  if (countOnly) return { length: countRows(filter, within), columns: new Map(), selection: null, ordinalBase: batch.ordinalBase };
  return selectRows(filter, within, enough);
}

function uniqueFields(fields: readonly ScanField[]): ScanField[] {
  const seen = new Map<string, ScanField>();
  for (const f of fields) if (!seen.has(f.name)) seen.set(f.name, f);
  return [...seen.values()];
}

function rangeRows(from: number, to: number): Int32Array {
  const rows = new Int32Array(to - from);
  for (let k = 0; k < rows.length; k++) rows[k] = from + k;
  return rows;
}

/** Adds the remaining columns to a row group's batch decoded in two reads. */
async function completeBatch(
  batch: Batch,
  file: OpenSourceFile,
  rowGroup: number,
  late: readonly ScanField[],
  source: SourceFileReport,
  label: string,
  ctx: ScanContext,
): Promise<Batch> {
  charge(source, chunkBytes(file, rowGroup, late), ctx);
  const rest = await timed(
    source,
    readRowGroup(ctx.decoder, { file, rowGroup, fields: late, label, signal: ctx.signal, cache: ctx.columns }),
  );
  if (rest.length !== 1 || rest[0]!.length !== batch.length) {
    throw internalError(`row group ${rowGroup} of ${file.object.uri} decoded into differently split batches`);
  }
  ctx.budget?.chargeMemory(columnBytes(rest[0]!.columns));
  return { ...batch, columns: new Map([...batch.columns, ...rest[0]!.columns]) };
}

/** Compressed bytes of the chunks of `fields`' columns in one row group, each column once. */
function chunkBytes(file: OpenSourceFile, rowGroup: number, fields: readonly ScanField[]): number {
  const sizes = file.footer.rowGroups[rowGroup]!.columnBytes;
  let n = 0;
  for (const column of new Set(fields.map((f) => f.column))) n += sizes.get(column) ?? 0;
  return n;
}

/** More chunks of a row group already counted: to the budget and the file's report. */
function charge(source: SourceFileReport, bytes: number, ctx: ScanContext): void {
  ctx.budget?.chargeBytes(bytes);
  source.bytesRead += bytes;
}

/** `read`, noting when the file's last read ended (its scan span ends there). */
async function timed<T>(source: SourceFileReport, read: Promise<T>): Promise<T> {
  try {
    return await read;
  } finally {
    source.readEndedAt = Math.max(source.readEndedAt ?? 0, now());
  }
}

/**
 * Monotonic milliseconds, to the microsecond (a read of cached columns takes
 * less than one). Not epoch time: the tracing SDK anchors each span on
 * Date.now() when it starts, and converts performance timestamps with that
 * anchor, so scan spans agree with their execution span's clock.
 */
const now = () => performance.now();

const columnBytes = (columns: ReadonlyMap<string, Column>): number => {
  let n = 0;
  for (const c of columns.values()) n += valueBytes(c);
  return n;
};
