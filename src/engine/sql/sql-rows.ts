import { internalError } from '../../errors.js';
import type { Nullable, Row } from '../../plan/scalar.js';
import { tooManyGroups } from '../kernels/aggregate.js';
import type { LoweredPlan, SqlColumn } from './lower-plan.js';

/**
 * A lowered statement's result rows (arrays in column order, values as the
 * engine's client gives them) as the plan's rows: keyed by field name,
 * values in the plan's representation by `decode`, which throws on a value
 * it cannot convert exactly. Fails like the embedded engine when an
 * aggregate formed more groups than the plan allows.
 */
export function planRows(
  lowered: LoweredPlan,
  rows: readonly (readonly unknown[])[],
  decode: (value: unknown, column: SqlColumn) => Nullable,
): Row[] {
  const { columns, maxGroups } = lowered;
  const width = columns.length + lowered.extraColumns;
  const out: Row[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const values = rows[i]!;
    if (values.length !== width) throw internalError(`the engine returned ${values.length} columns for a statement of ${width}`);
    if (maxGroups !== undefined && Number(values[columns.length]) > maxGroups.max) throw tooManyGroups(maxGroups.max);
    const row: Row = {};
    for (let k = 0; k < columns.length; k++) {
      const v = values[k];
      row[columns[k]!.name] = v === null || v === undefined ? null : decode(v, columns[k]!);
    }
    out[i] = row;
  }
  return out;
}
