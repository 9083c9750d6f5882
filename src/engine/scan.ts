import { internalError } from '../errors.js';
import { Expr, exprFields } from '../plan/expr.js';
import type { ScanField, ScanNode } from '../plan/plan.js';
import { liveCount, narrow, sliceLive, type Batch } from './batch.js';
import { checkColumnType } from './column-types.js';
import { compilePredicate } from './evaluate-predicate.js';
import { compareBounds, isProvablyEmpty, sortBound, type SortBound, type StatsOf } from './prune-row-groups.js';
import { readRowGroup, type OpenSourceFile } from './read-row-groups.js';
import { sourceFailure, type SourceObject } from './source-files.js';

/**
 * The scan: lists the source's files, prunes row groups by statistics,
 * decodes the surviving ones one at a time (so a consumer that has enough
 * stops the reading), and evaluates the scan's filters on the decoded
 * buffers. Every file is reported, pruned or not (lineage, SPEC §5).
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
 * A request from a top-K sort above: visit row groups best-first on the
 * first sort key, and ask before each one whether it can still contribute.
 * `stopBefore` must be monotone: once true for a bound, true for every worse
 * bound, because the scan ends at the first true.
 */
export interface ScanOrder {
  readonly field: string;
  readonly direction: 'asc' | 'desc';
  stopBefore(bound: SortBound): boolean;
}

export interface ScanContext {
  readonly access: SourceAccess;
  readonly signal: AbortSignal | undefined;
  readonly reports: ScanReport[];
  throwIfAborted(): void;
}

interface Unit {
  readonly file: number;
  readonly rowGroup: number;
  readonly numRows: number;
  readonly ordinalBase: number;
  readonly bound: SortBound;
}

/**
 * Opens a scan: lists and checks files and plans the row groups to visit,
 * eagerly, so the scan is reported even if its consumer never pulls a row.
 * `needed` are the fields the operators above read; the scan decodes those
 * plus what its filters read.
 */
export async function openScan(node: ScanNode, needed: readonly string[], ctx: ScanContext, order?: ScanOrder): Promise<AsyncIterable<Batch>> {
  const label = node.product;
  const objects = await ctx.access.list(node.source, label);
  const files = await Promise.all(objects.map((o) => ctx.access.open(o, label)));

  const byName = new Map(node.fields.map((f) => [f.name, f]));
  const filter = Expr.and(node.filters);
  const filterFields = exprFields(filter);
  for (const f of [...filterFields, ...needed, ...(order ? [order.field] : [])]) {
    if (!byName.has(f)) throw internalError(`scan of ${label} does not read field ${f}`);
  }
  const decode = node.fields.filter((f) => filterFields.has(f.name) || needed.includes(f.name) || order?.field === f.name);
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
    })),
  };
  ctx.reports.push(report);

  // A scan with a fetch must return the first rows in file order, so only
  // an unlimited scan may be visited in sort order.
  const ordered = order !== undefined && node.fetch === undefined ? order : undefined;
  let units: Unit[] = [];
  let ordinal = 0;
  files.forEach((file, fi) => {
    file.footer.rowGroups.forEach((rg, ri) => {
      const statsOf: StatsOf = (field) => {
        const s = rg.stats.get(byName.get(field)!.column);
        return s && { ...s, numRows: rg.numRows };
      };
      if (rg.numRows > 0 && !isProvablyEmpty(filter, statsOf)) {
        const bound: SortBound = ordered ? sortBound(statsOf(ordered.field), ordered.direction) : { kind: 'unknown' };
        units.push({ file: fi, rowGroup: ri, numRows: rg.numRows, ordinalBase: ordinal, bound });
      }
      ordinal += rg.numRows;
    });
  });
  if (ordered) units = units.sort((a, b) => compareBounds(a.bound, b.bound, ordered.direction));

  return readUnits(units, files, decode, filter, node.fetch, report, ctx, ordered, label);
}

async function* readUnits(
  units: readonly Unit[],
  files: readonly OpenSourceFile[],
  decode: readonly ScanField[],
  filter: Expr,
  fetch: number | undefined,
  report: ScanReport,
  ctx: ScanContext,
  order: ScanOrder | undefined,
  label: string,
): AsyncGenerator<Batch> {
  let remaining = fetch ?? Infinity;
  if (remaining <= 0) return;
  for (const u of units) {
    ctx.throwIfAborted();
    if (order?.stopBefore(u.bound)) return;
    if (decode.length === 0) {
      // Nothing to read (a count without filters): the footer knows the rows.
      const out = sliceLive({ length: u.numRows, columns: new Map(), selection: null, ordinalBase: u.ordinalBase }, 0, remaining);
      remaining -= liveCount(out);
      yield out;
      if (remaining <= 0) return;
      continue;
    }
    const decoded = await readRowGroup(files[u.file]!, u.rowGroup, decode, label);
    const source = report.sources[u.file]!;
    source.rowGroupsScanned++;
    source.rowsScanned += u.numRows;
    let offset = 0;
    for (const d of decoded) {
      let batch: Batch = { length: d.length, columns: d.columns, selection: null, ordinalBase: u.ordinalBase + offset };
      offset += d.length;
      if (filter.kind !== 'const') batch = narrow(batch, compilePredicate(filter, batch.columns));
      batch = sliceLive(batch, 0, remaining);
      const live = liveCount(batch);
      if (live === 0) continue;
      remaining -= live;
      yield batch;
      if (remaining <= 0) return;
    }
  }
}

/** A file whose schema no longer fits the contract is a source problem, reported before any row is read. */
function checkSchema(file: OpenSourceFile, fields: readonly ScanField[], label: string): void {
  for (const f of fields) {
    const column = file.footer.columns.find((c) => c.name === f.column);
    if (column === undefined) throw sourceFailure('SOURCE_CORRUPT', label, `column ${f.column} is missing from ${file.object.uri}`);
    const problem = checkColumnType(f, column);
    if (problem !== undefined) throw sourceFailure('SOURCE_CORRUPT', label, `column ${f.column} in ${file.object.uri} ${problem}`);
  }
}
