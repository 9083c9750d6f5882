import type { Expr } from '../../../../plan/expr.js';
import { sourceFailure } from '../../../storage/source-files.js';
import type { BoundField, FieldRead } from '../scan/bind-fields.js';
import type { DataFileTask, ScanPlan } from '../scan/plan-scan.js';
import { judge } from '../scan/prune.js';
import type { PrimitiveType } from '../spec/types.js';
import type { IcebergValue } from '../spec/values.js';
import type { DeleteFiles } from './delete-files.js';
import { icebergValue, openParquetRows } from './parquet-rows.js';

/**
 * The reference reader: materialises the rows of a scan plan, deletes
 * applied, one data file at a time with hyparquet. Simple and slow on
 * purpose: it is the yardstick the planning (and the fast engine reading
 * the same plans) is checked against, with DuckDB over the same files as a
 * second oracle.
 *
 * Rows are keyed by contract field name, values in the representation of
 * spec/values.ts. `where` keeps the rows a predicate is true for (the same
 * leaf semantics as the plan: false on null).
 */
export type IcebergRow = Record<string, IcebergValue | null>;

export async function readPlanRows(plan: ScanPlan, deletes: DeleteFiles, label = '', where?: Expr): Promise<IcebergRow[]> {
  const out: IcebergRow[] = [];
  for (const task of plan.files) {
    if (task.pruned !== undefined) continue;
    for (const row of await readTaskRows(task, plan.fields, deletes, label)) {
      if (where === undefined || rowMatches(where, row, plan.fields)) out.push(row);
    }
  }
  return out;
}

/** The live rows of one data file task. */
export async function readTaskRows(
  task: DataFileTask,
  fields: readonly BoundField[],
  deletes: DeleteFiles,
  label = '',
): Promise<IcebergRow[]> {
  const file = await openParquetRows(task.object!, task.shownAs, label);
  const columns = new Set<string>();
  for (const r of task.fields.values()) if (r.kind === 'column') columns.add(r.column);
  for (const e of task.equalityDeletes) for (const k of e.keys) if (k.read.kind === 'column') columns.add(k.read.column);
  const raw = await file.read([...columns]);
  if (raw.length !== task.recordCount) {
    // The manifest's record count and the file disagree: positions could not be trusted.
    throw sourceFailure(
      'SOURCE_CORRUPT',
      label,
      `${task.shownAs} holds ${raw.length} rows where its manifest entry says ${task.recordCount}`,
    );
  }
  const deleted = await deletes.deletedPositions(task.uri, task.positionDeletes);
  const equality = await Promise.all(
    task.equalityDeletes.map(async (e) => ({ set: await deletes.equalityOf(e.file), keys: e.keys, types: e.file.equalityTypes! })),
  );
  const rows: IcebergRow[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (deleted.has(i)) continue;
    const r = raw[i]!;
    if (equality.some(({ set, keys, types }) => set.has(keys.map((k) => valueOf(k.read, types.get(k.fieldId)!, r))))) continue;
    const row: IcebergRow = {};
    for (const f of fields) row[f.name] = valueOf(task.fields.get(f.name)!, f.icebergType, r);
    rows.push(row);
  }
  return rows;
}

function valueOf(read: FieldRead, type: PrimitiveType, raw: Record<string, unknown>): IcebergValue | null {
  return read.kind === 'constant' ? read.value : icebergValue(type, raw[read.column]);
}

/** Whether a predicate over contract field names is true for a row. */
export function rowMatches(where: Expr, row: IcebergRow, fields: readonly BoundField[]): boolean {
  const types = new Map(fields.map((f) => [f.name, f.icebergType]));
  return (
    judge(where, (name) => (types.has(name) ? [{ type: types.get(name)!, constant: { value: row[name] ?? null } }] : undefined)) ===
    'always'
  );
}
