import { internalError } from '../errors.js';
import { Expr, exprFields } from '../plan/expr.js';
import type { ScanField, ScanNode } from '../plan/plan.js';
import { liveCount, sliceLive, type Batch } from './batch.js';
import { throwIfAborted } from './cancellation.js';
import type { Column } from './column.js';
import { checkColumnType } from './column-types.js';
import { sizeOf, ColumnCache } from './column-cache.js';
import type { DecodePool } from './decode-pool.js';
import { compilePredicate, countRows, selectRows } from './evaluate-predicate.js';
import { BloomFilter } from './bloom-filter.js';
import {
  compareBounds,
  isExcludedByBloom,
  isProvablyAll,
  isProvablyEmpty,
  lookedUpFields,
  sortBound,
  visibleEvidence,
  type Evidence,
  type FieldStats,
  type SortBound,
  type StatsOf,
} from './prune-row-groups.js';
import type { ParquetFooter } from './parquet-metadata.js';
import { readRowGroup, type DecodedBatch, type OpenSourceFile } from './read-row-groups.js';
import type { ScanBudget } from './scan-budget.js';
import { sourceFailure, type SourceObject } from './source-files.js';
import { narrowRange, sortedRows } from './sorted-range.js';
import { rowFilterKey, statsOfRows, VisibleStatistics } from './visible-stats.js';

/**
 * The scan: lists the source's files, prunes row groups by statistics and
 * by the engine's Bloom filters of string columns (built from chunks decoded
 * for an `eq` / `in` filter, kept in the column cache) — under a row filter,
 * by the caller's filters only where the statistics prove every row of the
 * group visible, or by the statistics of its visible rows once a scan under
 * the same row filter has decoded it (prune-row-groups.ts, visibleEvidence;
 * visible-stats.ts) —, decodes the
 * surviving ones one at a time (so a consumer that has enough
 * stops the reading), and evaluates the scan's filters on the decoded
 * buffers. Every file is reported, pruned or not (lineage, SPEC §5).
 * Each row group is charged to the request's budget (scan-budget.ts) before
 * it is decoded, so a request past its limits stops reading there.
 */

/** One file's share of a scan, as reported in lineage. */
export interface SourceFileReport {
  readonly uri: string;
  readonly etag: string;
  /** Row groups decoded; pruned and never-reached groups are not counted. */
  rowGroupsScanned: number;
  readonly rowGroupsTotal: number;
  /** Rows in the decoded row groups (before filters). */
  rowsScanned: number;
  /** Compressed bytes of the column chunks read (from the footer), cache hits included: the budget's measure. */
  bytesRead: number;
  /**
   * When this execution started its first read of the file, as a
   * `performance.now()` timestamp (tracing turns it into the span's clock);
   * absent when nothing was read.
   */
  readStartedAt?: number;
  /** When its last read of the file ended. */
  readEndedAt?: number;
  /** Object storage only: body bytes received for this file by this execution, retries included; cache hits cost nothing. */
  bytesFetched?: number;
  /** Object storage only: requests sent for this file by this execution, retries included. */
  requests?: number;
}

export interface ScanReport {
  readonly product: string;
  readonly major: number;
  readonly version: string;
  readonly sources: SourceFileReport[];
}

/** What a scan needs from the engine: listing and cached opened files. */
export interface SourceAccess {
  list(pattern: string, label: string): Promise<SourceObject[]>;
  open(object: SourceObject, label: string): Promise<OpenSourceFile>;
}

/**
 * A top-K sort above the scan (through filters and projections) asking for
 * its rows best-first. The scan visits row groups in order of the first
 * key's statistics and asks before each whether it can still contribute;
 * `stopBefore` must be monotone (once true for a bound, true for every worse
 * one) because the scan ends at the first true. Within a row group, once
 * `narrowing()`, the scan decodes the key and filter columns first and the
 * rest only for `candidates` that could still enter the top-K.
 */
export interface ScanOrder {
  readonly field: string;
  readonly direction: 'asc' | 'desc';
  readonly nullsLast: boolean;
  readonly keyFields: readonly string[];
  stopBefore(bound: SortBound): boolean;
  narrowing(): boolean;
  candidates(b: Batch): Batch;
  /** Rows the top-K still lacks to be full. */
  shortBy(): number;
  /** At most how many of a batch's first live rows can still matter (Infinity: any); the scan stops filtering there. */
  firstRowsEnough(b: Batch): number;
}

export interface ScanContext {
  readonly access: SourceAccess;
  readonly decoder: DecodePool;
  /** Decoded column chunks shared by executions; undefined: none. */
  readonly columns?: ColumnCache;
  readonly signal: AbortSignal | undefined;
  readonly reports: ScanReport[];
  /** The request's limits on rows, bytes and decoded memory; undefined: none. */
  readonly budget?: ScanBudget;
  /** Statistics of row-filtered row groups' visible rows, shared by executions (visible-stats.ts); undefined: none kept. */
  readonly visible?: VisibleStatistics;
}

interface Unit {
  readonly file: number;
  readonly rowGroup: number;
  readonly numRows: number;
  readonly ordinalBase: number;
  readonly bound: SortBound;
  /** Statistics prove every row passes the filters: nothing to evaluate, filter-only columns unread. */
  readonly allPass: boolean;
  /** What the group was judged by (prune-row-groups.ts, visibleEvidence). */
  readonly judgedBy: Evidence['kind'];
}

/**
 * Opens a scan: lists and checks files and plans the row groups to visit,
 * eagerly, so the scan is reported even if its consumer never pulls a row.
 * `needed` are the fields the operators above read; the scan decodes those
 * plus what its filters read.
 */
export async function openScan(
  node: ScanNode,
  needed: readonly string[],
  ctx: ScanContext,
  order?: ScanOrder,
): Promise<AsyncIterable<Batch>> {
  const label = node.product;
  const objects = await ctx.access.list(node.source, label);
  const files = await Promise.all(objects.map((o) => ctx.access.open(o, label)));

  const byName = new Map(node.fields.map((f) => [f.name, f]));
  // Rows are tested against the row filter and the caller's filters alike;
  // which row groups are read is decided by `visibleEvidence` below.
  const filter = Expr.and(node.rowFilter === undefined ? node.filters : [node.rowFilter, ...node.filters]);
  const filterFields = exprFields(filter);
  const keyFields = order?.keyFields ?? [];
  for (const f of [...filterFields, ...needed, ...keyFields]) {
    if (!byName.has(f)) throw internalError(`scan of ${label} does not read field ${f}`);
  }
  const decode = node.fields.filter((f) => filterFields.has(f.name) || needed.includes(f.name) || keyFields.includes(f.name));
  // Only the scan's own filters are consulted, as for statistics: those the
  // optimizer placed below any Mask, so a filter over raw values prunes only
  // where the statistics of the same raw values could.
  const lookedUp = ctx.columns === undefined ? [] : node.fields.filter((f) => f.type === 'string' && lookedUpFields(filter).has(f.name));
  for (const file of files) checkSchema(file, decode, label);

  const report: ScanReport = {
    product: node.product,
    major: node.major,
    version: node.version,
    sources: files.map((f) => ({
      uri: f.object.uri,
      etag: f.object.etag,
      rowGroupsScanned: 0,
      rowGroupsTotal: f.footer.rowGroups.length,
      rowsScanned: 0,
      bytesRead: 0,
    })),
  };
  ctx.reports.push(report);

  // A scan with a fetch must return the first rows in file order, so only
  // an unlimited scan may be visited in sort order.
  const ordered = order !== undefined && node.fetch === undefined ? order : undefined;
  let units: Unit[] = [];
  let ordinal = 0;
  // The row group being judged; the two lookups are made once per scan, not once per row group.
  let file = files[0]!;
  let rg = file.footer.rowGroups[0]!;
  let ri = 0;
  const statsOf: StatsOf = (name) => fieldStats(rg, byName.get(name)!);
  const bloomOf = (name: string) => {
    const field = byName.get(name)!;
    return field.type === 'string' ? ctx.columns?.getBloom(ColumnCache.bloomKey(file.object.cacheKey, ri, field.column)) : undefined;
  };
  const rowFilter = node.rowFilter && ctx.visible ? rowFilterKey(node.rowFilter) : undefined;
  const visibleRows = () => {
    const g = rowFilter === undefined ? undefined : ctx.visible!.get(VisibleStatistics.key(file.object.cacheKey, ri, rowFilter));
    if (g === undefined) return undefined;
    const stats: StatsOf = (name) => {
      const f = byName.get(name)!;
      return g.columns.get(VisibleStatistics.columnKey(f.column, f.type));
    };
    return { rows: g.rows, stats };
  };
  for (let fi = 0; fi < files.length; fi++) {
    file = files[fi]!;
    for (ri = 0; ri < file.footer.rowGroups.length; ri++) {
      rg = file.footer.rowGroups[ri]!;
      // Under a row filter, a group holding rows it hides is judged by its visible rows' statistics, or by the row filter alone (see visibleEvidence).
      const e = visibleEvidence(node.rowFilter, filter, statsOf, visibleRows);
      const bloomed = lookedUp.length > 0 && e.kind !== 'visible-rows' && isExcludedByBloom(e.predicate, bloomOf);
      if (rg.numRows > 0 && !isProvablyEmpty(e.predicate, e.stats) && !bloomed) {
        const bound: SortBound =
          ordered && e.kind !== 'row-filter'
            ? sortBound(e.stats(ordered.field), ordered.direction, ordered.nullsLast)
            : { kind: 'unknown' };
        const allPass = e.kind === 'every-row' && isProvablyAll(filter, statsOf);
        units.push({ file: fi, rowGroup: ri, numRows: rg.numRows, ordinalBase: ordinal, bound, allPass, judgedBy: e.kind });
      }
      ordinal += rg.numRows;
    }
  }
  if (ordered) units = units.sort((a, b) => compareBounds(a.bound, b.bound, ordered.direction));

  const visible = node.rowFilter && rowFilter !== undefined ? { rowFilter: node.rowFilter, key: rowFilter } : undefined;
  return readUnits(
    {
      units,
      files,
      decode,
      filterFields,
      lookedUp,
      needed: new Set(needed),
      filter,
      fetch: node.fetch,
      order: ordered,
      report,
      label,
      visible,
    },
    ctx,
  );
}

interface ReadPlan {
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
  readonly report: ScanReport;
  readonly label: string;
  /** The row filter and its key, when the scan gathers statistics of its visible rows. */
  readonly visible: { readonly rowFilter: Expr; readonly key: string } | undefined;
}

/** The first (or only) read of a row group, started ahead of use. */
interface FirstRead {
  readonly batches: DecodedBatch[];
  /** Only the deciding columns were read; the rest follow for rows that survive. */
  readonly late: readonly ScanField[];
  /** Bloom filters the decoder built of looked-up columns, by column: kept once the row group is used. */
  readonly blooms: Map<string, BloomFilter>;
}

async function* readUnits(p: ReadPlan, ctx: ScanContext): AsyncGenerator<Batch> {
  const { units, files, filter, order, report, label } = p;
  // Fields a row group needs when the statistics already settle its filter.
  const unfiltered = p.decode.filter((f) => p.needed.has(f.name) || (order?.keyFields.includes(f.name) ?? false));
  let remaining = p.fetch ?? Infinity;
  if (remaining <= 0) return;
  const split = { tried: 0, completed: 0 };

  const start = (u: Unit): Promise<FirstRead> => {
    const filtering = filter.kind !== 'const' && !u.allPass;
    const decode = filtering ? p.decode : unfiltered;
    const source = report.sources[u.file]!;
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
    const first = twoPhase ? early : decode;
    const bytes = chunkBytes(file, u.rowGroup, first);
    ctx.budget?.chargeRowGroup(u.numRows, bytes);
    source.rowGroupsScanned++;
    source.rowsScanned += u.numRows;
    source.bytesRead += bytes;
    source.readStartedAt ??= now();
    const read = (async (): Promise<FirstRead> => {
      const blooms = new Map<string, BloomFilter>();
      const batches = await timed(
        source,
        readRowGroup(ctx.decoder, file, u.rowGroup, first, label, ctx.signal, ctx.columns, p.lookedUp, blooms),
      );
      if (twoPhase && batches.length !== 1) {
        // Both reads must cut the row group alike to be joined; a split batch is read whole instead.
        charge(source, chunkBytes(file, u.rowGroup, decode), ctx);
        return {
          batches: await timed(source, readRowGroup(ctx.decoder, file, u.rowGroup, decode, label, ctx.signal, ctx.columns)),
          late: [],
          blooms,
        };
      }
      return { batches, late: twoPhase ? late : [], blooms };
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
  const footerOnly = (u: Unit) => (filter.kind === 'const' || u.allPass) && unfiltered.length === 0;
  // Nothing above reads a field (a count): the rows passing the filter need
  // only be counted, and a batch of that many rows without columns stands for them.
  const countOnly = p.needed.size === 0 && order === undefined && p.fetch === undefined;
  const started = new Map<number, Promise<FirstRead>>();
  for (let k = 0; k < units.length; k++) {
    const u = units[k]!;
    throwIfAborted(ctx.signal);
    if (order?.stopBefore(u.bound)) return;
    if (footerOnly(u)) {
      const out = sliceLive({ length: u.numRows, columns: new Map(), selection: null, ordinalBase: u.ordinalBase }, 0, remaining);
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
      if (ctx.budget?.allows(units[j]!.numRows, chunkBytes(files[units[j]!.file]!, units[j]!.rowGroup, p.decode)) === false) break;
      started.set(j, start(units[j]!));
    }
    const { batches, late, blooms } = await read;
    for (const d of batches) ctx.budget?.chargeMemory(columnBytes(d.columns));
    if (late.length > 0) split.tried++;
    if (p.lookedUp.length > 0 && batches.length === 1 && batches[0]!.length === u.numRows)
      keepBlooms(files[u.file]!, u.rowGroup, batches[0]!, p.lookedUp, blooms, ctx);
    const visible =
      p.visible && u.judgedBy !== 'every-row' && batches.length === 1 && batches[0]!.length === u.numRows ? p.visible : undefined;
    if (visible)
      keepVisibleStats(
        files[u.file]!,
        u.rowGroup,
        batches[0]!,
        p.decode,
        (f) => p.filterFields.has(f.name) || (order?.keyFields.includes(f.name) ?? false),
        visible,
        ctx,
      );
    let offset = 0;
    for (const d of batches) {
      let batch: Batch = { length: d.length, columns: d.columns, selection: null, ordinalBase: u.ordinalBase + offset };
      offset += d.length;
      // A scan with a fetch (never visited in sort order), or a top-K over rows already in its order, stops testing rows once it has enough.
      const enough = Math.min(p.fetch === undefined ? Infinity : remaining, order?.firstRowsEnough(batch) ?? Infinity);
      if (filter.kind !== 'const' && !u.allPass) batch = filterRows(filter, batch, enough, countOnly);
      else batch = sliceLive(batch, 0, enough);
      if (late.length > 0 && order !== undefined) batch = order.candidates(batch);
      batch = sliceLive(batch, 0, remaining);
      if (liveCount(batch) === 0) continue;
      if (late.length > 0) {
        batch = await completeBatch(batch, files[u.file]!, u.rowGroup, late, report.sources[u.file]!, label, ctx);
        split.completed++;
      }
      remaining -= liveCount(batch);
      yield batch;
      if (remaining <= 0) return;
    }
  }
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

function rangeRows(from: number, to: number): Int32Array {
  const rows = new Int32Array(to - from);
  for (let k = 0; k < rows.length; k++) rows[k] = from + k;
  return rows;
}

/**
 * Keeps the Bloom filters of a row group the scan uses, for the next
 * lookups: those the decoder thread built, else built here (chunks that came
 * from the column cache, or that the decoder could not build a filter of).
 * Only here, as the row group is used, so that which filters exist (and so
 * what later lookups read, which lineage reports) never depends on how far
 * reads started ahead got before a scan stopped.
 */
function keepBlooms(
  file: OpenSourceFile,
  rowGroup: number,
  batch: DecodedBatch,
  fields: readonly ScanField[],
  built: ReadonlyMap<string, BloomFilter>,
  ctx: ScanContext,
): void {
  const cache = ctx.columns;
  if (cache === undefined) return;
  for (const f of fields) {
    const c = batch.columns.get(f.name);
    if (c?.kind !== 'string') continue;
    const key = ColumnCache.bloomKey(file.object.cacheKey, rowGroup, f.column);
    if (cache.getBloom(key) === undefined) cache.putBloom(key, built.get(f.column) ?? BloomFilter.ofColumn(c, batch.length));
  }
}

/**
 * Keeps the statistics of a row group's visible rows for the columns just
 * decoded (visible-stats.ts), unless known: later scans under the same row
 * filter judge the group by them. Only here, as the row group is used, like
 * Bloom filters, so that which statistics exist never depends on how far
 * reads started ahead got. Columns read later for a two-phase read's
 * survivors are not seen whole, and are left out; so are strings of many
 * distinct values (e-mails, notes) that this scan neither filters nor sorts
 * on: their bounds cost a pass over every value and seldom prune.
 */
function keepVisibleStats(
  file: OpenSourceFile,
  rowGroup: number,
  batch: DecodedBatch,
  fields: readonly ScanField[],
  judged: (f: ScanField) => boolean,
  visible: { readonly rowFilter: Expr; readonly key: string },
  ctx: ScanContext,
): void {
  const key = VisibleStatistics.key(file.object.cacheKey, rowGroup, visible.key);
  const known = ctx.visible!.get(key);
  const worth = (f: ScanField) => {
    const c = batch.columns.get(f.name);
    return c !== undefined && (c.kind !== 'string' || c.dictionary !== undefined || judged(f));
  };
  const missing = fields.filter((f) => worth(f) && !known?.columns.has(VisibleStatistics.columnKey(f.column, f.type)));
  if (missing.length === 0) return;
  const rows = selectRows(visible.rowFilter, { length: batch.length, columns: batch.columns, selection: null, ordinalBase: 0 }).selection;
  const stats = new Map(
    missing.map((f) => [VisibleStatistics.columnKey(f.column, f.type), statsOfRows(batch.columns.get(f.name)!, rows, batch.length)]),
  );
  ctx.visible!.record(key, rows === null ? batch.length : rows.length, stats);
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
  const rest = await timed(source, readRowGroup(ctx.decoder, file, rowGroup, late, label, ctx.signal, ctx.columns));
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
  for (const c of columns.values()) n += sizeOf(c);
  return n;
};

/**
 * A row group's statistics as pruning reads them, for one field: made once
 * per (row group, column, type) and kept with the cached footer, since
 * every query prunes every row group of the files it lists.
 */
const statsByRowGroup = new WeakMap<object, Map<string, FieldStats | undefined>>();
function fieldStats(rg: ParquetFooter['rowGroups'][number], field: ScanField): FieldStats | undefined {
  let byField = statsByRowGroup.get(rg);
  if (byField === undefined) statsByRowGroup.set(rg, (byField = new Map()));
  const key = `${field.column}\u0000${field.type}`;
  if (byField.has(key)) return byField.get(key);
  const s = rg.stats.get(field.column);
  const stats = s && Object.freeze({ ...s, numRows: rg.numRows, mayHoldNaN: field.type === 'float64' });
  byField.set(key, stats);
  return stats;
}

/** A file whose schema no longer fits the contract is a source problem, reported before any row is read. */
function checkSchema(file: OpenSourceFile, fields: readonly ScanField[], label: string): void {
  for (const f of fields) {
    const column = file.footer.columns.find((c) => c.name === f.column);
    const shown = file.object.shownAs ?? file.object.uri;
    if (column === undefined) throw sourceFailure('SOURCE_CORRUPT', label, `column ${f.column} is missing from ${shown}`);
    const problem = checkColumnType(f, column);
    if (problem !== undefined) throw sourceFailure('SOURCE_CORRUPT', label, `column ${f.column} in ${shown} ${problem}`);
  }
}
