import { sourceFailure } from '../../../storage/source-files.js';
import type { DeleteFileTask } from '../scan/plan-scan.js';
import { FILE_PATH_ID, POS_ID } from '../scan/plan-scan.js';
import { valueKey, type IcebergValue } from '../spec/values.js';
import { icebergValue, openParquetRows } from './parquet-rows.js';

/**
 * Reading delete files (spec "Delete Formats"), columns bound by field id:
 * position deletes as the deleted row positions per data file, equality
 * deletes as a set of deleted keys. Both are cached per delete file (they
 * are immutable) for as long as the loader lives, typically one table
 * version. The fast engine and the reference reader share them.
 */
export interface EqualityDeleteSet {
  readonly fieldIds: readonly number[];
  readonly size: number;
  /** Whether a row with these values (in `fieldIds` order, null equal to null) is deleted. */
  has(values: readonly (IcebergValue | null)[]): boolean;
}

/** A key of several values of known types: values equal as equality deletes compare them give equal keys. */
export const rowKey = (values: readonly (IcebergValue | null)[]) => values.map(valueKey).join('\u0000');

/** Row groups whose deleted rows are kept (a few bytes each: deletes are sparse); past it the memory starts again. */
const MAX_FOUND = 65_536;

export class DeleteFiles {
  private readonly positions = new Map<DeleteFileTask, Promise<ReadonlyMap<string, readonly number[]>>>();
  private readonly equalities = new Map<DeleteFileTask, Promise<EqualityDeleteSet>>();
  private readonly found = new Map<string, Int32Array>();

  /** `mapPath` maps a recorded data file path to the URI the plan reads it from (undefined: outside the table). */
  constructor(
    private readonly mapPath: (recorded: string) => string | undefined,
    private readonly label = '',
  ) {}

  /** Deleted row positions (0-based, ascending) by data file URI. */
  positionsOf(task: DeleteFileTask): Promise<ReadonlyMap<string, readonly number[]>> {
    let found = this.positions.get(task);
    if (found === undefined) {
      found = this.readPositions(task);
      this.positions.set(task, found);
    }
    return found;
  }

  equalityOf(task: DeleteFileTask): Promise<EqualityDeleteSet> {
    let found = this.equalities.get(task);
    if (found === undefined) {
      found = this.readEquality(task);
      this.equalities.set(task, found);
    }
    return found;
  }

  /**
   * The rows of a stretch of a data file that its deletes were found to
   * delete, as a scan found them (`key` names the file, the stretch and the
   * delete files applied): the same deletes delete the same rows, so a
   * later scan of the same snapshot need not test them again.
   */
  foundDeleted(key: string): Int32Array | undefined {
    return this.found.get(key);
  }

  keepFoundDeleted(key: string, rows: Int32Array): void {
    if (this.found.size >= MAX_FOUND) this.found.clear();
    this.found.set(key, rows);
  }

  /** Positions of `dataUri` deleted by any of `tasks`. */
  async deletedPositions(dataUri: string, tasks: readonly DeleteFileTask[]): Promise<Set<number>> {
    const out = new Set<number>();
    for (const t of tasks) for (const p of (await this.positionsOf(t)).get(dataUri) ?? []) out.add(p);
    return out;
  }

  private async readPositions(task: DeleteFileTask): Promise<ReadonlyMap<string, readonly number[]>> {
    const file = await openParquetRows(task.object, task.shownAs, this.label);
    const byId = new Map(file.columns.filter((c) => c.fieldId !== undefined).map((c) => [c.fieldId!, c.name]));
    const pathColumn = byId.get(FILE_PATH_ID) ?? 'file_path';
    const posColumn = byId.get(POS_ID) ?? 'pos';
    if (!file.columns.some((c) => c.name === pathColumn) || !file.columns.some((c) => c.name === posColumn)) {
      throw sourceFailure('SOURCE_CORRUPT', this.label, `${task.shownAs} is a position delete file without file_path and pos columns`);
    }
    const rows = await file.read([pathColumn, posColumn]);
    const out = new Map<string, number[]>();
    for (const r of rows) {
      const path = r[pathColumn];
      const pos = r[posColumn];
      if (typeof path !== 'string' || (typeof pos !== 'bigint' && typeof pos !== 'number')) {
        throw sourceFailure('SOURCE_CORRUPT', this.label, `${task.shownAs} has a row without a file path or position`);
      }
      const uri = this.mapPath(path);
      if (uri === undefined) continue; // names a file outside the table: no data file of the plan
      let list = out.get(uri);
      if (list === undefined) out.set(uri, (list = []));
      list.push(Number(pos));
    }
    for (const list of out.values()) list.sort((a, b) => a - b);
    return out;
  }

  private async readEquality(task: DeleteFileTask): Promise<EqualityDeleteSet> {
    const ids = task.equalityFieldIds!;
    const types = task.equalityTypes!;
    const file = await openParquetRows(task.object, task.shownAs, this.label);
    const byId = new Map(file.columns.filter((c) => c.fieldId !== undefined).map((c) => [c.fieldId!, c.name]));
    const names = ids.map((id) => byId.get(id));
    if (names.some((n) => n === undefined)) {
      throw sourceFailure('SOURCE_CORRUPT', this.label, `${task.shownAs} lacks a column for one of its equality field ids`);
    }
    const rows = await file.read(names as string[]);
    const keys = new Set<string>();
    for (const r of rows) keys.add(rowKey(ids.map((id, i) => icebergValue(types.get(id)!, r[names[i]!]))));
    return Object.freeze({ fieldIds: ids, size: keys.size, has: (values: readonly (IcebergValue | null)[]) => keys.has(rowKey(values)) });
  }
}
