import { LRUCache } from 'lru-cache';
import { exprKey, type Expr } from '../../plan/expr.js';
import type { ScanField, ScanNode } from '../../plan/plan.js';
import type { Scalar } from '../../plan/scalar.js';
import { ColumnCache } from '../cache/column-cache.js';
import { VisibleStatistics } from '../index/visible-stats.js';
import type { ParquetFooter } from '../parquet/parquet-metadata.js';
import type { OpenSourceFile } from '../parquet/read-row-groups.js';
import {
  compareBounds,
  isExcludedByBloom,
  isProvablyAll,
  isProvablyEmpty,
  sortBound,
  visibleEvidence,
  type Evidence,
  type FieldStats,
  type SortBound,
  type StatsOf,
} from './prune-row-groups.js';

/**
 * Which row groups a scan reads, and in which order (DataFusion keeps this,
 * `row_group_filter.rs`, apart from reading them, `opener.rs`; here
 * read-units.ts reads). A group is left out when its statistics prove the
 * filters false for every row, or the engine's Bloom filters of a string
 * column prove a looked-up value absent; under a row filter, the caller's
 * filters count only where the statistics prove every row of the group
 * visible, or by the statistics of its visible rows once a scan under the
 * same row filter has decoded it (prune-row-groups.ts, visibleEvidence;
 * index/visible-stats.ts). A top-K above has the groups visited best-first
 * by its first key's statistics.
 */

/** One row group the scan will visit. */
export interface Unit {
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

export interface RowGroupPlanning {
  readonly node: ScanNode;
  readonly files: readonly OpenSourceFile[];
  /** The row filter and the caller's filters, as rows are tested against them. */
  readonly filter: Expr;
  readonly byName: ReadonlyMap<string, ScanField>;
  /** String fields the filters look values up in (their Bloom filters are consulted). */
  readonly lookedUp: readonly ScanField[];
  /** The first sort key of a top-K visiting groups best-first; undefined: file order. */
  readonly sortBy: { readonly field: string; readonly direction: 'asc' | 'desc'; readonly nullsLast: boolean } | undefined;
  /** Where Bloom filters are kept; undefined: none. */
  readonly columns: ColumnCache | undefined;
  /** Statistics of row-filtered groups' visible rows, and this scan's row filter's key in them; undefined: none kept. */
  readonly visible: { readonly statistics: VisibleStatistics; readonly rowFilter: string } | undefined;
  /**
   * Where files bind fields each their own way (a table format binds them by
   * field id): how file `file` holds field `name`, as a column or as the one
   * value all its rows have. Undefined: as `byName` says, in every file.
   */
  readonly fieldIn?: (file: number, name: string) => FileField;
}

/** How one file holds a field: a column (`column` is the file's name for it), or one value for every row. */
export type FileField = ScanField | { readonly constant: Scalar | null };

export function planRowGroups(p: RowGroupPlanning): readonly Unit[] {
  // Judged on footers alone (no row filter, no Bloom filter or visible statistics, which grow as scans run),
  // a plan is the same for the same files, fields and filters: kept, since a page request re-plans every row group.
  const settled = p.node.rowFilter === undefined && p.lookedUp.length === 0 && p.visible === undefined && p.fieldIn === undefined;
  if (!settled) return judge(p);
  const key = `${p.node.product}@${p.node.version}\u0000${exprKey(p.filter)}\u0000${p.sortBy === undefined ? '' : `${p.sortBy.field} ${p.sortBy.direction} ${p.sortBy.nullsLast}`}\u0000${p.files.map((f) => f.object.cacheKey).join('\u0000')}`;
  let units = plans.get(key);
  if (units === undefined) plans.set(key, (units = Object.freeze(judge(p))));
  return units;
}

/**
 * Row-group plans judged on footers alone, by scan (product version, filter, order, files and their versions),
 * bounded by the units they hold (about 100 bytes each): a caller sending ever new filters churns it, never grows it.
 */
const plans = new LRUCache<string, readonly Unit[]>({ max: 4096, maxSize: 200_000, sizeCalculation: (units) => units.length + 1 });

function judge(p: RowGroupPlanning): Unit[] {
  const { node, files, filter, byName, lookedUp, sortBy: ordered } = p;
  // A filter folded to false (a caller's contradiction) holds for no row: nothing is read. Reading goes on to
  // treat a constant filter as settled, so a group judged by the row filter alone must not get that far.
  if (filter.kind === 'const' && !filter.value) return [];
  // A table's scan may have pruned every file.
  if (files.length === 0) return [];
  let units: Unit[] = [];
  let ordinal = 0;
  // The row group being judged; the two lookups are made once per scan, not once per row group.
  let file = files[0]!;
  let rg = file.footer.rowGroups[0]!;
  let ri = 0;
  let fi = 0;
  const fieldOf = p.fieldIn === undefined ? (name: string): FileField => byName.get(name)! : (name: string) => p.fieldIn!(fi, name);
  const statsOf: StatsOf = (name) => {
    const f = fieldOf(name);
    return 'constant' in f ? constantStats(f.constant, rg.numRows) : fieldStats(rg, f);
  };
  const bloomOf = (name: string) => {
    const field = fieldOf(name);
    if ('constant' in field || field.type !== 'string') return undefined;
    return p.columns?.getBloom(ColumnCache.bloomKey(file.object.cacheKey, ri, field.column));
  };
  const visibleRows = () => {
    const g =
      p.visible === undefined ? undefined : p.visible.statistics.get(VisibleStatistics.key(file.object.cacheKey, ri, p.visible.rowFilter));
    if (g === undefined) return undefined;
    const stats: StatsOf = (name) => {
      const f = fieldOf(name);
      return 'constant' in f ? undefined : g.columns.get(VisibleStatistics.columnKey(f.column, f.type));
    };
    return { rows: g.rows, stats };
  };
  for (fi = 0; fi < files.length; fi++) {
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
  return units;
}

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

/** A field every row of a file holds as one value (Iceberg: a partition value, a default, null): exact statistics. */
function constantStats(value: Scalar | null, numRows: number): FieldStats | undefined {
  if (value === null) return { nullCount: numRows, numRows, mayHoldNaN: false };
  // NaN has no place in an order: it proves nothing.
  if (typeof value === 'number' && Number.isNaN(value)) return undefined;
  return { nullCount: 0, min: value, max: value, numRows, mayHoldNaN: false };
}
