import { internalError } from '../../errors.js';
import { Expr, exprFields } from '../../plan/expr.js';
import type { ScanField, ScanNode } from '../../plan/plan.js';
import type { Batch } from '../columnar/batch.js';
import { rowFilterKey } from '../index/visible-stats.js';
import { checkColumnType } from '../parquet/column-types.js';
import type { OpenSourceFile } from '../parquet/read-row-groups.js';
import { sourceFailure } from '../storage/source-files.js';
import { planRowGroups } from './plan-row-groups.js';
import { lookedUpFields } from './prune-row-groups.js';
import { readUnits } from './read-units.js';
import type { ScanContext, ScanOrder, ScanReport } from './scan-context.js';

/**
 * The scan operator: lists the source's files, prunes row groups by statistics and
 * by the engine's Bloom filters of string columns (built from chunks decoded
 * for an `eq` / `in` filter, kept in the column cache) — under a row filter,
 * by the caller's filters only where the statistics prove every row of the
 * group visible, or by the statistics of its visible rows once a scan under
 * the same row filter has decoded it (prune-row-groups.ts, visibleEvidence;
 * visible-stats.ts; plan-row-groups.ts) —, decodes the
 * surviving ones one at a time (so a consumer that has enough
 * stops the reading), and evaluates the scan's filters on the decoded
 * buffers (read-units.ts). Every file is reported, pruned or not (lineage, docs/lineage-and-audit.md).
 * Each row group is charged to the request's budget (scan-budget.ts) before
 * it is decoded, so a request past its limits stops reading there.
 */

export type { ScanContext, ScanOrder, ScanReport, SourceAccess, SourceFileReport } from './scan-context.js';

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
  // which row groups are read is decided by `visibleEvidence` (plan-row-groups.ts).
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
  const rowFilter = node.rowFilter && ctx.visible ? rowFilterKey(node.rowFilter) : undefined;
  const units = planRowGroups({
    node,
    files,
    filter,
    byName,
    lookedUp,
    sortBy: ordered,
    columns: ctx.columns,
    visible: rowFilter === undefined ? undefined : { statistics: ctx.visible!, rowFilter },
  });

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
      sources: report.sources,
      label,
      visible,
    },
    ctx,
  );
}

/** A file whose schema no longer fits the contract is a source problem, reported before any row is read. */
function checkSchema(file: OpenSourceFile, fields: readonly ScanField[], label: string): void {
  // A file version's columns do not change: each (column, type) that fits is checked once, not on every request.
  let fit = fitting.get(file.footer);
  if (fit === undefined) fitting.set(file.footer, (fit = new Set()));
  for (const f of fields) {
    const key = `${f.column}\u0000${f.type}`;
    if (fit.has(key)) continue;
    const column = file.footer.columns.find((c) => c.name === f.column);
    const shown = file.object.shownAs ?? file.object.uri;
    if (column === undefined) throw sourceFailure('SOURCE_CORRUPT', label, `column ${f.column} is missing from ${shown}`);
    const problem = checkColumnType(f, column);
    if (problem !== undefined) throw sourceFailure('SOURCE_CORRUPT', label, `column ${f.column} in ${shown} ${problem}`);
    fit.add(key);
  }
}

/** The columns of each file footer (one per file version) found to fit a field's type. */
const fitting = new WeakMap<object, Set<string>>();
