import type { FieldType } from '../../contract/contract.js';
import { internalError } from '../../errors.js';
import { Expr, exprFields } from '../../plan/expr.js';
import type { ScanField, ScanNode } from '../../plan/plan.js';
import type { Nullable } from '../../plan/scalar.js';
import type { Batch } from '../columnar/batch.js';
import { valueAt, type Column } from '../columnar/column.js';
import { rowFilterKey } from '../index/visible-stats.js';
import { checkColumnType } from '../parquet/column-types.js';
import type { DecodedBatch, OpenSourceFile } from '../parquet/read-row-groups.js';
import { isS3Uri } from '../storage/s3-location.js';
import { shownPath, sourceFailure } from '../storage/source-files.js';
import {
  toScalar,
  type DataFileTask,
  type DeleteFiles,
  type DeleteFileTask,
  type EqualityDeleteSet,
  type FieldRead,
  type IcebergValue,
} from '../table/iceberg/index.js';
import { unsupported } from '../table/iceberg/spec/refusal.js';
import type { PrimitiveType } from '../table/iceberg/spec/types.js';
import type { TableSources } from '../table/table-sources.js';
import { planRowGroups, type FileField } from './plan-row-groups.js';
import { lookedUpFields } from './prune-row-groups.js';
import { readUnits, type TableFileReads } from './read-units.js';
import type { ScanContext, ScanOrder, ScanReport, SourceFileReport } from './scan-context.js';

/**
 * The scan of an Apache Iceberg snapshot (docs/iceberg.md): the table layer plans
 * it (table/iceberg: manifests and data files pruned by partition values
 * and column bounds under the row-filter rule, each field bound by field id
 * per data file, the delete files that apply to each), and its data files
 * are then read as the Parquet scan reads files: the same row-group
 * planning (plan-row-groups.ts: statistics and Bloom filters, judged under
 * a row filter by `visibleEvidence` exactly as for Parquet, best-first for
 * a top-K) and the same reading (read-units.ts: budget, read-ahead,
 * two-phase reads, counts from the footer), told how each file binds the
 * fields and which of its rows are deleted (`TableFileReads`).
 *
 * Per row group, in this order: columns renamed to the contract's fields
 * (a field the file does not hold is a constant column: its identity
 * partition value, its initial default, or null); rows deleted by a
 * position delete (their position in the file) or an equality delete
 * (their values of its equality fields) dropped; then the row filter and
 * the caller's filters. So a deleted row never reaches a filter, a count or
 * an aggregate, and is still charged to the budget's rows scanned (the row
 * group is charged whole before it is decoded). Statistics describe
 * deleted rows too, which only makes them looser: a group they prove empty
 * holds no live row either, and a bound on all rows bounds the live ones.
 * A count comes from the footer only for a group none of whose rows is
 * deleted, or whose deleted rows an earlier scan of the same snapshot
 * found (DeleteFiles.foundDeleted).
 *
 * Every data file of the manifests read is reported (pruned ones with no
 * row group scanned and, never opened, no row group total) but those the
 * row filter alone pruned, and every delete file applied to a data file
 * read, with `role: "delete"`.
 */
export async function openIcebergScan(
  node: ScanNode,
  needed: readonly string[],
  ctx: ScanContext,
  tables: TableSources,
  order?: ScanOrder,
): Promise<AsyncIterable<Batch>> {
  const label = node.product;
  const snapshotId = node.table?.snapshotId;
  const table = await tables.withSnapshot(node.source, label, snapshotId);
  const snapshot = table.snapshot(snapshotId === undefined ? undefined : { snapshotId });

  const byName = new Map(node.fields.map((f) => [f.name, f]));
  const filter = Expr.and(node.rowFilter === undefined ? node.filters : [node.rowFilter, ...node.filters]);
  const filterFields = exprFields(filter);
  const keyFields = order?.keyFields ?? [];
  for (const f of [...filterFields, ...needed, ...keyFields]) {
    if (!byName.has(f)) throw internalError(`scan of ${label} does not read field ${f}`);
  }
  const decode = node.fields.filter((f) => filterFields.has(f.name) || needed.includes(f.name) || keyFields.includes(f.name));
  const plan = await tables.planScan(node.source, table, {
    snapshot,
    fields: decode.map((f) => ({ name: f.name, column: f.column, type: f.type })),
    ...(node.rowFilter !== undefined && { rowFilter: node.rowFilter }),
    ...(node.filters.length > 0 && { filter: Expr.and(node.filters) }),
  });
  const deletes = tables.deleteFiles(node.source, table);

  const read = plan.files.filter((t) => t.pruned === undefined);
  const files = await Promise.all(read.map((t) => ctx.access.open(t.object!, label)));
  const dataReports = new Map<DataFileTask, SourceFileReport>();
  const report: ScanReport = {
    product: node.product,
    major: node.major,
    version: node.version,
    sources: [],
    ...(plan.snapshot !== null && { snapshot: { id: plan.snapshot.id, timestampMs: plan.snapshot.timestampMs } }),
    manifests: plan.manifests,
  };
  for (const t of plan.files) {
    // A file the row filter alone proves holds no visible row is not the session's business (nor, so, its count).
    if (t.pruned === 'row-filter') continue;
    const opened = t.pruned === undefined ? files[read.indexOf(t)] : undefined;
    const source: SourceFileReport = {
      // As the store names it to users: never an absolute local path.
      uri: t.object?.uri ?? (isS3Uri(t.uri) ? t.uri : shownPath(t.uri)),
      etag: t.object?.etag ?? '',
      rowGroupsScanned: 0,
      rowGroupsTotal: opened?.footer.rowGroups.length ?? 0,
      rowsScanned: 0,
      bytesRead: 0,
    };
    dataReports.set(t, source);
    report.sources.push(source);
  }
  // The delete files applied: those of the data files read (deletes of other partitions change nothing read).
  const applied = new Set<DeleteFileTask>();
  for (const t of read) {
    for (const d of t.positionDeletes) applied.add(d);
    for (const e of t.equalityDeletes) applied.add(e.file);
  }
  for (const d of plan.deleteFiles) {
    if (!applied.has(d)) continue;
    // Read whole (once per table version) wherever a data file it applies to is read.
    report.sources.push({
      uri: d.object.uri,
      etag: d.object.etag,
      role: 'delete',
      rowGroupsScanned: 0,
      rowGroupsTotal: 0,
      rowsScanned: d.recordCount,
      bytesRead: 0,
    });
  }
  ctx.reports.push(report);

  const decodeKey = decode.map((f) => `${f.name}\u0000${f.column}\u0000${f.type}`).join('\u0001');
  const tableFiles = read.map((task, k) => boundFileOf(task, files[k]!, decode, decodeKey, label));
  // A scan with a fetch must return the first rows in file order, so only an unlimited scan may be visited in sort order.
  const ordered = order !== undefined && node.fetch === undefined ? order : undefined;
  const lookedUp = ctx.columns === undefined ? [] : decode.filter((f) => f.type === 'string' && lookedUpFields(filter).has(f.name));
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
    fieldIn: (file, name) => tableFiles[file]!.fields.get(name)!,
  });
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
      sources: read.map((t) => dataReports.get(t)!),
      label,
      visible: node.rowFilter && rowFilter !== undefined ? { rowFilter: node.rowFilter, key: rowFilter } : undefined,
      table: tableReads(tableFiles, deletes),
    },
    ctx,
  );
}

const NONE = new Int32Array(0);

/** A data file read, as the reading needs it: its fields bound, its equality keys, where its row groups start, its deletes. */
interface BoundFile {
  readonly task: DataFileTask;
  /** Every decodable field, by contract name: the file's column, or one value for every row. */
  readonly fields: ReadonlyMap<string, FileField>;
  /** The equality deletes' key fields the file stores, under private names. */
  readonly keyFields: readonly ScanField[];
  /** The file's row of each row group's first row. */
  readonly rowGroupStarts: readonly number[];
  readonly hasDeletes: boolean;
  /** The file version bound and checked. */
  readonly fileKey: string;
  /** Names the file version and the delete files applied, for keys of found deleted rows. */
  readonly deletesKey: string;
  /** The key of each whole row group's found deleted rows (made once: lookups then hash a known string). */
  readonly groupKeys: readonly string[];
}

/**
 * Bound files by plan task (kept with the plan, for the table version) and
 * the fields decoded: binding and checking a file once, not per query.
 */
const boundFiles = new WeakMap<DataFileTask, Map<string, BoundFile>>();
function boundFileOf(task: DataFileTask, file: OpenSourceFile, decode: readonly ScanField[], key: string, label: string): BoundFile {
  let byDecode = boundFiles.get(task);
  if (byDecode === undefined) boundFiles.set(task, (byDecode = new Map()));
  let bound = byDecode.get(key);
  // Checked against this very file version (a file changed since is checked again).
  if (bound === undefined || bound.fileKey !== file.object.cacheKey) {
    bound = boundFile(task, file, decode, label);
    if (byDecode.size >= 64) byDecode.clear();
    byDecode.set(key, bound);
  }
  return bound;
}

function boundFile(task: DataFileTask, file: OpenSourceFile, decode: readonly ScanField[], label: string): BoundFile {
  if (file.footer.numRows !== task.recordCount) {
    // Positions could not be trusted: a position delete might remove the wrong row.
    throw sourceFailure(
      'SOURCE_CORRUPT',
      label,
      `${task.shownAs} holds ${file.footer.numRows} rows where its manifest entry says ${task.recordCount}`,
    );
  }
  const fields = new Map<string, FileField>();
  for (const f of decode) {
    const read = task.fields.get(f.name)!;
    fields.set(f.name, read.kind === 'column' ? { ...f, column: read.column } : { constant: toScalar(read.value, f.type) });
  }
  const keyFields = uniqueByName(
    task.equalityDeletes.flatMap((e) =>
      e.keys.flatMap((key) => {
        const k = keyRead(key.read, e.file.equalityTypes!.get(key.fieldId)!, key.fieldId);
        return k.field === undefined ? [] : [k.field];
      }),
    ),
  );
  for (const f of [...fields.values(), ...keyFields]) if (!('constant' in f)) checkColumn(file, f, label, task.shownAs);
  const rowGroupStarts: number[] = [];
  let row = 0;
  for (const rg of file.footer.rowGroups) {
    rowGroupStarts.push(row);
    row += rg.numRows;
  }
  const applied = [...task.positionDeletes, ...task.equalityDeletes.map((e) => e.file)];
  const deletesKey = [file.object.cacheKey, ...applied.map((d) => d.uri)].join('\u0001');
  return {
    task,
    fields,
    keyFields,
    rowGroupStarts,
    hasDeletes: applied.length > 0,
    fileKey: file.object.cacheKey,
    deletesKey,
    groupKeys: file.footer.rowGroups.map((rg, i) => foundKey(deletesKey, i, 0, rg.numRows)),
  };
}

/** Names a stretch of a data file's row group and the deletes applied, for DeleteFiles.foundDeleted. */
const foundKey = (deletesKey: string, rowGroup: number, first: number, length: number) =>
  `${rowGroup}\u0000${first}\u0000${length}\u0000${deletesKey}`;

/** The reading's view of the table's files (read-units.ts): fields bound per file, deleted rows dropped before any filter. */
function tableReads(bound: readonly BoundFile[], deletes: DeleteFiles): TableFileReads {
  const loaded = new Map<BoundFile, Promise<FileDeletes>>();
  const deletesOf = (f: BoundFile) => {
    let found = loaded.get(f);
    if (found === undefined) loaded.set(f, (found = loadDeletes(f, deletes)));
    return found;
  };
  return {
    stored: (file, fields) =>
      fields.flatMap((field) => {
        const f = bound[file]!.fields.get(field.name);
        return f === undefined || 'constant' in f ? [] : [f];
      }),
    deleteKeys: (u) => {
      const f = bound[u.file]!;
      return f.keyFields.length === 0 || deletes.foundDeleted(f.groupKeys[u.rowGroup]!) !== undefined ? [] : f.keyFields;
    },
    knownDeleted: (u) => {
      const f = bound[u.file]!;
      if (!f.hasDeletes) return 0;
      return deletes.foundDeleted(f.groupKeys[u.rowGroup]!)?.length;
    },
    complete: async (u, d, first) => {
      const f = bound[u.file]!;
      const columns = new Map<string, Column>();
      for (const [name, field] of f.fields) {
        if ('constant' in field) columns.set(name, constantColumn(field.constant, d.length));
        else {
          const c = d.columns.get(name);
          if (c !== undefined) columns.set(name, c);
        }
      }
      const batch: Batch = { length: d.length, columns, selection: null, ordinalBase: u.ordinalBase + first };
      if (!f.hasDeletes) return { batch, deleted: NONE };
      const whole = first === 0 && d.length === u.numRows;
      const key = whole ? f.groupKeys[u.rowGroup]! : foundKey(f.deletesKey, u.rowGroup, first, d.length);
      // Known for the whole row group (its key columns then left unread), or for this stretch of it.
      let deleted = deletes.foundDeleted(key) ?? within(deletes.foundDeleted(f.groupKeys[u.rowGroup]!), first, d.length);
      if (deleted === undefined) {
        deleted = deletedRows(await deletesOf(f), f.rowGroupStarts[u.rowGroup]! + first, d);
        deletes.keepFoundDeleted(key, deleted);
      }
      return { batch, deleted };
    },
  };
}

/** A data file's deletes, loaded: its deleted positions (ascending) and its equality delete sets with how to read their keys. */
interface FileDeletes {
  readonly positions: readonly number[];
  readonly equality: readonly { readonly set: EqualityDeleteSet; readonly keys: readonly KeyRead[] }[];
}

async function loadDeletes(f: BoundFile, deletes: DeleteFiles): Promise<FileDeletes> {
  const positions = [...(await deletes.deletedPositions(f.task.uri, f.task.positionDeletes))].sort((a, b) => a - b);
  const equality = await Promise.all(
    f.task.equalityDeletes.map(async (e) => ({
      set: await deletes.equalityOf(e.file),
      keys: e.keys.map((key) => keyRead(key.read, e.file.equalityTypes!.get(key.fieldId)!, key.fieldId)),
    })),
  );
  return { positions, equality };
}

/** The rows of `rows` (ascending, of a whole row group) in [first, first + length), counted from `first`. */
function within(rows: Int32Array | undefined, first: number, length: number): Int32Array | undefined {
  if (rows === undefined) return undefined;
  const out: number[] = [];
  for (const r of rows) if (r >= first && r < first + length) out.push(r - first);
  return Int32Array.from(out);
}

/** Rows of a decoded batch (the file's rows from `start`) that the file's deletes delete, ascending. */
function deletedRows(del: FileDeletes, start: number, d: DecodedBatch): Int32Array {
  const out: number[] = [];
  const { positions, equality } = del;
  let p = lowerBound(positions, start);
  const keyColumns = equality.map((e) => e.keys.map((key) => (key.field === undefined ? undefined : d.columns.get(key.field.name)!)));
  // Equality deletes on one column: each distinct value is looked up once (keys repeat across rows).
  const memos = equality.map((e) => (e.keys.length === 1 ? new Map<IcebergValue | null, boolean>() : undefined));
  for (let i = 0; i < d.length; i++) {
    while (p < positions.length && positions[p]! < start + i) p++;
    if (p < positions.length && positions[p] === start + i) {
      out.push(i);
      continue;
    }
    for (let e = 0; e < equality.length; e++) {
      const { set, keys } = equality[e]!;
      const memo = memos[e];
      let hit: boolean | undefined;
      if (memo !== undefined) {
        const key = keys[0]!;
        const value = key.field === undefined ? key.value! : icebergOf(valueAt(keyColumns[e]![0]!, i));
        hit = memo.get(value);
        if (hit === undefined) memo.set(value, (hit = set.has([value])));
      } else {
        hit = set.has(keys.map((key, j) => (key.field === undefined ? key.value! : icebergOf(valueAt(keyColumns[e]![j]!, i)))));
      }
      if (hit) {
        out.push(i);
        break;
      }
    }
  }
  return Int32Array.from(out);
}

function lowerBound(a: readonly number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How a data file gives one equality field: a column decoded under a private name, or a constant. */
interface KeyRead {
  readonly field?: ScanField;
  readonly value?: IcebergValue | null;
}

function keyRead(read: FieldRead, type: PrimitiveType, fieldId: number): KeyRead {
  if (read.kind === 'constant') return { value: read.value };
  return { field: { name: `\u0000equality:${fieldId}`, column: read.column, type: fieldTypeOf(type, fieldId) } };
}

/** The contract type an equality field is decoded as (its values compared as Iceberg values of its current type). */
function fieldTypeOf(t: PrimitiveType, fieldId: number): FieldType {
  switch (t.type) {
    case 'int':
      return 'int32';
    case 'long':
      return 'int64';
    case 'float':
    case 'double':
      return 'float64';
    case 'string':
    case 'boolean':
    case 'date':
      return t.type;
    case 'timestamp':
    case 'timestamptz':
      return 'timestamp';
    default:
      throw unsupported(`an equality delete on field ${fieldId} of type ${t.type}`);
  }
}

/** A decoded value as the Iceberg value equality deletes compare (int64 and timestamps are bigint in both). */
const icebergOf = (v: Nullable): IcebergValue | null => v;

function constantColumn(scalar: Nullable, length: number): Column {
  return { kind: 'scalars', values: new Array<Nullable>(length).fill(scalar) };
}

function uniqueByName(fields: readonly ScanField[]): ScanField[] {
  const seen = new Map<string, ScanField>();
  for (const f of fields) if (!seen.has(f.name)) seen.set(f.name, f);
  return [...seen.values()];
}

/** A data file whose column no longer fits the field it is bound to is a source problem, reported before any row is read. */
function checkColumn(file: OpenSourceFile, f: ScanField, label: string, shown: string): void {
  const column = file.footer.columns.find((c) => c.name === f.column);
  if (column === undefined) throw sourceFailure('SOURCE_CORRUPT', label, `column ${f.column} is missing from ${shown}`);
  const problem = checkColumnType(f, column);
  if (problem !== undefined) throw sourceFailure('SOURCE_CORRUPT', label, `column ${f.column} in ${shown} ${problem}`);
}
