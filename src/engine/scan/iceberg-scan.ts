import type { FieldType } from '../../contract/contract.js';
import { internalError } from '../../errors.js';
import { Expr, exprFields } from '../../plan/expr.js';
import type { ScanField, ScanNode } from '../../plan/plan.js';
import type { Nullable } from '../../plan/scalar.js';
import { sizeOf } from '../cache/column-cache.js';
import { liveCount, narrow, sliceLive, type Batch } from '../columnar/batch.js';
import { valueAt, type Column } from '../columnar/column.js';
import { selectRows } from '../kernels/evaluate-predicate.js';
import { throwIfAborted } from '../limits/cancellation.js';
import { checkColumnType } from '../parquet/column-types.js';
import { readRowGroup, type OpenSourceFile } from '../parquet/read-row-groups.js';
import { isS3Uri } from '../storage/s3-location.js';
import { shownPath, sourceFailure } from '../storage/source-files.js';
import { toScalar, type DataFileTask, type DeleteFileTask, type FieldRead, type IcebergValue } from '../table/iceberg/index.js';
import { unsupported } from '../table/iceberg/spec/refusal.js';
import type { PrimitiveType } from '../table/iceberg/spec/types.js';
import type { TableSources } from '../table/table-sources.js';
import type { ScanContext, ScanReport, SourceFileReport } from './scan-context.js';

/**
 * The scan of an Apache Iceberg snapshot (SPEC §10): the table layer plans
 * it (table/iceberg: manifests and data files pruned by partition values
 * and column bounds under the row-filter rule, each field bound by field id
 * per data file, the delete files that apply to each), and each data file
 * is read here a row group at a time with the Parquet decoder the other
 * scans use (decoder threads, column cache, budget).
 *
 * Per row group, in this order: columns renamed to the contract's fields
 * (a field the file does not hold is a constant column: its identity
 * partition value, its initial default, or null); rows deleted by a
 * position delete (their position in the file) or an equality delete
 * (their values of its equality fields) dropped; then the row filter and
 * the caller's filters. So a deleted row never reaches a filter, a count or
 * an aggregate, and is still charged to the budget's rows scanned (the row
 * group is charged whole before it is decoded).
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
): Promise<AsyncIterable<Batch>> {
  const label = node.product;
  const snapshotId = node.table?.snapshotId;
  const table = await tables.withSnapshot(node.source, label, snapshotId);
  const snapshot = table.snapshot(snapshotId === undefined ? undefined : { snapshotId });

  const byName = new Map(node.fields.map((f) => [f.name, f]));
  const filter = Expr.and(node.rowFilter === undefined ? node.filters : [node.rowFilter, ...node.filters]);
  const filterFields = exprFields(filter);
  for (const f of [...filterFields, ...needed]) {
    if (!byName.has(f)) throw internalError(`scan of ${label} does not read field ${f}`);
  }
  const decode = node.fields.filter((f) => filterFields.has(f.name) || needed.includes(f.name));
  const plan = await table.planScan({
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
  const deleteReports = new Map(
    plan.deleteFiles
      .filter((d) => applied.has(d))
      .map((d) => {
        const source: SourceFileReport = {
          uri: d.object.uri,
          etag: d.object.etag,
          role: 'delete',
          rowGroupsScanned: 0,
          rowGroupsTotal: 0,
          rowsScanned: 0,
          bytesRead: 0,
        };
        report.sources.push(source);
        return [d, source] as const;
      }),
  );
  ctx.reports.push(report);

  return (async function* (): AsyncGenerator<Batch> {
    let remaining = node.fetch ?? Infinity;
    if (remaining <= 0) return;
    let ordinal = 0;
    for (let k = 0; k < read.length; k++) {
      const task = read[k]!;
      const file = files[k]!;
      const source = dataReports.get(task)!;
      const rowGroups = file.footer.rowGroups;
      if (file.footer.numRows !== task.recordCount) {
        // Positions could not be trusted: a position delete might remove the wrong row.
        throw sourceFailure(
          'SOURCE_CORRUPT',
          label,
          `${task.shownAs} holds ${file.footer.numRows} rows where its manifest entry says ${task.recordCount}`,
        );
      }
      const reads = decode.map((f) => ({ field: f, read: task.fields.get(f.name)! }));
      const columnFields: ScanField[] = reads.flatMap(({ field, read }) =>
        read.kind === 'column' ? [{ ...field, column: read.column }] : [],
      );
      const equality = await Promise.all(
        task.equalityDeletes.map(async (e) => {
          const set = await deletes.equalityOf(e.file);
          const applied = deleteReports.get(e.file);
          if (applied !== undefined) applied.rowsScanned = e.file.recordCount;
          return { set, keys: e.keys.map((key) => keyRead(key.read, e.file.equalityTypes!.get(key.fieldId)!, key.fieldId)) };
        }),
      );
      const keyFields = uniqueByName(equality.flatMap((e) => e.keys.flatMap((key) => (key.field === undefined ? [] : [key.field]))));
      for (const f of [...columnFields, ...keyFields]) checkColumn(file, f, label, task.shownAs);
      const deleted = await deletes.deletedPositions(task.uri, task.positionDeletes);
      for (const d of task.positionDeletes) {
        const applied = deleteReports.get(d);
        if (applied !== undefined) applied.rowsScanned = d.recordCount;
      }
      const toDecode = uniqueByName([...columnFields, ...keyFields]);

      let fileRow = 0;
      for (let rowGroup = 0; rowGroup < rowGroups.length; rowGroup++) {
        throwIfAborted(ctx.signal);
        const numRows = rowGroups[rowGroup]!.numRows;
        const bytes = chunkBytes(file, rowGroup, toDecode);
        ctx.budget?.chargeRowGroup(numRows, bytes);
        source.rowGroupsScanned++;
        source.rowsScanned += numRows;
        source.bytesRead += bytes;
        const decoded =
          toDecode.length === 0
            ? [{ length: numRows, columns: new Map<string, Column>() }]
            : await readRowGroup(ctx.decoder, { file, rowGroup, fields: toDecode, label, signal: ctx.signal, cache: ctx.columns });
        let offset = 0;
        for (const d of decoded) {
          ctx.budget?.chargeMemory([...d.columns.values()].reduce((n, c) => n + sizeOf(c), 0));
          const columns = new Map<string, Column>();
          for (const { field, read } of reads) {
            columns.set(field.name, read.kind === 'column' ? d.columns.get(field.name)! : constantColumn(read.value, field.type, d.length));
          }
          const first = fileRow + offset;
          const keyColumns = equality.map((e) =>
            e.keys.map((key) => (key.field === undefined ? undefined : d.columns.get(key.field.name)!)),
          );
          let batch: Batch = { length: d.length, columns, selection: null, ordinalBase: ordinal + offset };
          offset += d.length;
          if (deleted.size > 0 || equality.length > 0) {
            // Equality deletes on one column: each distinct value is looked up once (keys repeat across rows).
            const memos = equality.map((e) => (e.keys.length === 1 ? new Map<IcebergValue | null, boolean>() : undefined));
            batch = narrow(batch, (i) => {
              if (deleted.has(first + i)) return false;
              for (let e = 0; e < equality.length; e++) {
                const { set, keys } = equality[e]!;
                const memo = memos[e];
                if (memo !== undefined) {
                  const key = keys[0]!;
                  const value = key.field === undefined ? key.value! : icebergOf(valueAt(keyColumns[e]![0]!, i));
                  let hit = memo.get(value);
                  if (hit === undefined) memo.set(value, (hit = set.has([value])));
                  if (hit) return false;
                  continue;
                }
                const values = keys.map((key, j) => (key.field === undefined ? key.value! : icebergOf(valueAt(keyColumns[e]![j]!, i))));
                if (set.has(values)) return false;
              }
              return true;
            });
          }
          batch =
            filter.kind === 'const'
              ? filter.value
                ? sliceLive(batch, 0, remaining)
                : { ...batch, selection: new Int32Array(0) }
              : selectRows(filter, batch, remaining);
          if (liveCount(batch) === 0) continue;
          remaining -= liveCount(batch);
          yield batch;
          if (remaining <= 0) return;
        }
        fileRow += numRows;
        ordinal += numRows;
      }
    }
  })();
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

function constantColumn(value: IcebergValue | null, type: FieldType, length: number): Column {
  const scalar = toScalar(value, type);
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

function chunkBytes(file: OpenSourceFile, rowGroup: number, fields: readonly ScanField[]): number {
  const sizes = file.footer.rowGroups[rowGroup]!.columnBytes;
  let n = 0;
  for (const column of new Set(fields.map((f) => f.column))) n += sizes.get(column) ?? 0;
  return n;
}
