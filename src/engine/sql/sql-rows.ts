import { internalError } from '../../errors.js';
import type { Nullable, Row } from '../../plan/scalar.js';
import { tooManyGroups } from '../kernels/aggregate.js';
import { exactSum } from '../kernels/exact-float-sum.js';
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
      const column = columns[k]!;
      row[column.name] =
        v === null || v === undefined ? null : column.exactSum !== undefined ? finishExactSum(v, column) : decode(v, column);
    }
    out[i] = row;
  }
  return out;
}

/**
 * A float sum or average from the text of its exact parts (lower-plan.ts
 * `exactFloatSum`): rounded once, as the embedded engine rounds it; the
 * engine's own sum when a value was outside the exact range.
 */
function finishExactSum(v: unknown, column: SqlColumn): number {
  const parts = typeof v === 'string' ? v.split(' ') : [];
  const integer = /^-?\d+$/;
  if (parts.length !== 6 || !parts.slice(0, 5).every((p) => integer.test(p))) {
    throw internalError(`the engine returned ${typeof v} for the exact sum ${column.name}`);
  }
  const [s1, s2, s3, outside, count, sum] = parts as [string, string, string, string, string, string];
  const total = Number(outside) > 0 ? engineDouble(sum, column) : exactSum(BigInt(s1), BigInt(s2), BigInt(s3));
  return column.exactSum === 'avg' ? total / Number(count) : total;
}

/** A double as an engine writes it as text: `1.5E10`, `1e+301`, `NaN`, `nan`, `Infinity`, `-inf`. */
function engineDouble(text: string, column: SqlColumn): number {
  const special: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity, infinity: Infinity, '-infinity': -Infinity };
  const value = special[text.toLowerCase()] ?? Number(text);
  if (Number.isNaN(value) && !text.toLowerCase().includes('nan'))
    throw internalError(`the engine returned a sum ${column.name} that is not a number`);
  return value;
}
