import { exprFields, type Expr } from '../../plan/expr.js';
import type { ScanField } from '../../plan/plan.js';
import { ColumnCache } from '../cache/column-cache.js';
import { BloomFilter } from '../index/bloom-filter.js';
import { statsOfRows, VisibleStatistics } from '../index/visible-stats.js';
import { selectRows } from '../kernels/evaluate-predicate.js';
import type { DecodedBatch, OpenSourceFile } from '../parquet/read-row-groups.js';
import type { ScanContext } from './scan-context.js';

/**
 * What a row group the scan used teaches later scans: Bloom filters of its
 * looked-up string columns, and statistics of the rows a row filter lets
 * through. Kept only as a group is used, never as it is read ahead.
 */

/**
 * Keeps the Bloom filters of a row group the scan uses, for the next
 * lookups: those the decoder thread built, else built here (chunks that came
 * from the column cache, or that the decoder could not build a filter of).
 * Only here, as the row group is used, so that which filters exist (and so
 * what later lookups read, which lineage reports) never depends on how far
 * reads started ahead got before a scan stopped.
 */
export function keepBlooms(
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
export function keepVisibleStats(
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
  // Which rows are visible needs every column the row filter reads; a batch decoded without one of them (the
  // deciding columns of a two-phase read) teaches nothing, and the group is judged by the row filter as before.
  for (const name of exprFields(visible.rowFilter)) if (!batch.columns.has(name)) return;
  const rows = selectRows(visible.rowFilter, { length: batch.length, columns: batch.columns, selection: null, ordinalBase: 0 }).selection;
  const stats = new Map(
    missing.map((f) => [VisibleStatistics.columnKey(f.column, f.type), statsOfRows(batch.columns.get(f.name)!, rows, batch.length)]),
  );
  ctx.visible!.record(key, rows === null ? batch.length : rows.length, stats);
}
