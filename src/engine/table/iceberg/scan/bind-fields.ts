import type { FieldType } from '../../../../contract/contract.js';
import { SluiceError } from '../../../../errors.js';
import type { Nullable } from '../../../../plan/scalar.js';
import type { PartitionSpec } from '../spec/partition.js';
import { unsupported } from '../spec/refusal.js';
import { isPrimitive, typeName, type PrimitiveType, type Schema } from '../spec/types.js';
import { valueFromJson, type IcebergValue } from '../spec/values.js';

/**
 * Binding contract fields to Iceberg field ids, once per scan against the
 * table's current schema; then, per data file, deciding how each field is
 * read (docs/iceberg.md, Iceberg spec "Column Projection"): the Parquet column
 * carrying the field id, or the column the name mapping gives it in files
 * written without ids, or else the file's identity partition value, or else
 * the field's `initial-default`, or else null.
 */
export interface FieldRequest {
  /** The contract field's name (what rows and predicates use). */
  readonly name: string;
  /** The column in the table's current schema. */
  readonly column: string;
  /** The contract type; absent for callers that want raw Iceberg values (the reference reader). */
  readonly type?: FieldType;
}

export interface BoundField {
  readonly name: string;
  readonly column: string;
  readonly fieldId: number;
  readonly icebergType: PrimitiveType;
  readonly contractType?: FieldType;
  /** Rows of files written before the column existed hold this (null when the field has no initial default). */
  readonly initialDefault: IcebergValue | null;
}

/** How one field is read from one data file. */
export type FieldRead =
  /** The file's top-level column of this physical name (bound by field id or the name mapping). */
  | { readonly kind: 'column'; readonly column: string }
  /** Every row of the file holds `value`: an identity partition value, the initial default, or null. */
  | { readonly kind: 'constant'; readonly value: IcebergValue | null; readonly from: 'partition' | 'default' | 'null' };

/** A top-level column of a Parquet file, as its footer describes it. */
export interface ParquetColumn {
  readonly name: string;
  readonly fieldId?: number;
}

/**
 * Which Iceberg types a contract type may serve: the lossless readings the
 * engine decodes (int widens to int64, float to float64). Undefined when
 * allowed, else the reason.
 */
export function servingProblem(column: string, t: PrimitiveType, type: FieldType): string | undefined {
  const ok: Record<FieldType, readonly string[]> = {
    string: ['string'],
    boolean: ['boolean'],
    int32: ['int'],
    int64: ['int', 'long'],
    float64: ['float', 'double'],
    date: ['date'],
    timestamp: ['timestamp', 'timestamptz'],
  };
  if (ok[type].includes(t.type)) return undefined;
  return `column ${column} is ${typeName(t)}, expected ${type}`;
}

/** Iceberg types no contract type can serve: refused as a feature rather than reported as a mismatch. */
const UNSERVABLE = new Set(['decimal', 'time', 'timestamp_ns', 'timestamptz_ns', 'uuid', 'fixed', 'binary', 'unknown', 'other']);

/**
 * Binds requests to the current schema. A column missing from the schema or
 * of an incompatible type is SOURCE_CORRUPT (the contract and the table
 * disagree); a type Sluice cannot serve is SOURCE_UNSUPPORTED.
 */
export function bindFields(schema: Schema, requests: readonly FieldRequest[], label = ''): BoundField[] {
  return requests.map((r) => {
    const field = schema.fields.find((f) => f.name === r.column);
    if (field === undefined) throw mismatch(label, `column ${r.column} is not in the Iceberg table's current schema`);
    if (!isPrimitive(field.type)) throw unsupported(`column ${r.column} has the nested type ${typeName(field.type)}`);
    const t = field.type;
    if (r.type !== undefined) {
      if (UNSERVABLE.has(t.type)) throw unsupported(`column ${r.column} has the type ${typeName(t)}, which no contract type serves`);
      const problem = servingProblem(r.column, t, r.type);
      if (problem !== undefined) throw mismatch(label, problem);
    }
    let initialDefault: IcebergValue | null = null;
    if (field.initialDefault !== undefined) {
      try {
        initialDefault = valueFromJson(t, field.initialDefault);
      } catch (e) {
        throw new SluiceError(
          'SOURCE_CORRUPT',
          'source',
          `${prefix(label)}the initial default of column ${r.column} is not valid (${(e as Error).message})`,
        );
      }
    }
    return Object.freeze({
      name: r.name,
      column: r.column,
      fieldId: field.id,
      icebergType: t,
      ...(r.type !== undefined && { contractType: r.type }),
      initialDefault,
    });
  });
}

/**
 * How each field id is read from one data file. `columns` are the file's
 * top-level columns; `nameMapping` the table's default name mapping;
 * `partition` the file's partition tuple under `spec`.
 */
export function resolveFieldReads(
  fields: readonly Pick<BoundField, 'fieldId' | 'initialDefault'>[],
  columns: readonly ParquetColumn[],
  nameMapping: ReadonlyMap<string, number> | undefined,
  spec: PartitionSpec,
  partition: ReadonlyMap<number, IcebergValue | null>,
): Map<number, FieldRead> {
  const byId = new Map<number, string>();
  const withIds = columns.some((c) => c.fieldId !== undefined);
  if (withIds) {
    for (const c of columns) if (c.fieldId !== undefined) byId.set(c.fieldId, c.name);
  } else if (nameMapping !== undefined) {
    for (const c of columns) {
      const id = nameMapping.get(c.name);
      if (id !== undefined && !byId.has(id)) byId.set(id, c.name);
    }
  } else if (columns.length > 0) {
    // Reading such a file by today's names would be a guess (Iceberg readers treat its columns as absent).
    throw unsupported('data files written without Parquet field ids, and no schema.name-mapping.default to read them by');
  }
  const reads = new Map<number, FieldRead>();
  for (const f of fields) {
    const column = byId.get(f.fieldId);
    if (column !== undefined) {
      reads.set(f.fieldId, Object.freeze({ kind: 'column', column }));
      continue;
    }
    const identity = spec.fields.find((p) => p.sourceId === f.fieldId && p.transform.kind === 'identity' && partition.has(p.fieldId));
    if (identity !== undefined)
      reads.set(f.fieldId, Object.freeze({ kind: 'constant', value: partition.get(identity.fieldId)!, from: 'partition' }));
    else if (f.initialDefault !== null) reads.set(f.fieldId, Object.freeze({ kind: 'constant', value: f.initialDefault, from: 'default' }));
    else reads.set(f.fieldId, Object.freeze({ kind: 'constant', value: null, from: 'null' }));
  }
  return reads;
}

/**
 * An Iceberg value as the plan's scalar for a contract type (src/plan/scalar.ts):
 * int64 as bigint, timestamps as µs, dates as days.
 */
export function toScalar(v: IcebergValue | null, type: FieldType): Nullable {
  if (v === null || v instanceof Uint8Array) return null;
  switch (type) {
    case 'int64':
      return typeof v === 'bigint' ? v : BigInt(v as number);
    case 'int32':
    case 'float64':
    case 'date':
      return typeof v === 'bigint' ? Number(v) : v;
    default:
      return v;
  }
}

const prefix = (label: string) => (label === '' ? '' : `${label}: `);
const mismatch = (label: string, message: string) => new SluiceError('SOURCE_CORRUPT', 'source', `${prefix(label)}${message}`);
