/**
 * The table schema and partition spec the writer is given, their JSON
 * forms in table metadata and manifest headers, and the partition
 * transforms it can apply (identity and the time transforms).
 *
 * Only flat schemas of the primitive types the project serves are written:
 * the writer makes demo and benchmark tables, not every table Iceberg allows.
 */
import type { WriterValue } from './single-value.js';

export type PrimitiveTypeName = 'boolean' | 'int' | 'long' | 'float' | 'double' | 'date' | 'timestamp' | 'timestamptz' | 'string';

export interface SchemaField {
  readonly id: number;
  readonly name: string;
  readonly type: PrimitiveTypeName;
  readonly required: boolean;
  readonly doc?: string;
}

export interface TableSchema {
  readonly fields: readonly SchemaField[];
  /** Field ids that identify a row (Iceberg's `identifier-field-ids`); they must be required. */
  readonly identifierFieldIds?: readonly number[];
}

export type TransformName = 'identity' | 'year' | 'month' | 'day' | 'hour';

export interface PartitionField {
  /** The partition field's name, e.g. `region` or `event_time_month`. */
  readonly name: string;
  readonly sourceId: number;
  readonly transform: TransformName;
}

/** Partition field ids start at 1000, as in every Iceberg writer. */
export const FIRST_PARTITION_FIELD_ID = 1000;

/** Iceberg's reserved field ids of position delete files (spec "Position Delete Files"). */
export const FILE_PATH_FIELD: SchemaField = { id: 2147483546, name: 'file_path', type: 'string', required: true };
export const POS_FIELD: SchemaField = { id: 2147483545, name: 'pos', type: 'long', required: true };

const PRIMITIVES = new Set<string>(['boolean', 'int', 'long', 'float', 'double', 'date', 'timestamp', 'timestamptz', 'string']);

export function checkSchema(schema: TableSchema, spec: readonly PartitionField[]): void {
  const ids = new Set<number>();
  const names = new Set<string>();
  for (const f of schema.fields) {
    if (!Number.isInteger(f.id) || f.id < 1 || f.id >= FIRST_PARTITION_FIELD_ID) throw new Error(`field ${f.name}: ids run from 1 to 999`);
    if (ids.has(f.id) || names.has(f.name)) throw new Error(`field ${f.name} (id ${f.id}) is declared twice`);
    if (!PRIMITIVES.has(f.type)) throw new Error(`field ${f.name}: type ${f.type} is not written by this writer`);
    ids.add(f.id);
    names.add(f.name);
  }
  for (const id of schema.identifierFieldIds ?? []) {
    const f = schema.fields.find((x) => x.id === id);
    if (f === undefined || !f.required) throw new Error(`identifier field ${id} must be a required field of the schema`);
  }
  for (const p of spec) {
    const source = schema.fields.find((f) => f.id === p.sourceId);
    if (source === undefined) throw new Error(`partition field ${p.name}: no source field ${p.sourceId}`);
    if (p.transform !== 'identity' && !['date', 'timestamp', 'timestamptz'].includes(source.type))
      throw new Error(`partition field ${p.name}: ${p.transform} applies to dates and timestamps, not ${source.type}`);
    if (p.transform === 'hour' && source.type === 'date') throw new Error(`partition field ${p.name}: hour does not apply to a date`);
  }
}

/** The type of a partition field's values (spec "Partition Transforms"). */
export function partitionResultType(p: PartitionField, schema: TableSchema): PrimitiveTypeName {
  const source = schema.fields.find((f) => f.id === p.sourceId)!;
  switch (p.transform) {
    case 'identity':
      return source.type;
    case 'day':
      return 'date';
    default:
      return 'int';
  }
}

const MICROS_PER_DAY = 86_400_000_000n;
const MICROS_PER_HOUR = 3_600_000_000n;
const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/**
 * A transform applied to a non-null source value (dates as days, timestamps
 * as µs). Like the date arithmetic below, written apart from the reader's
 * (src/…/spec/partition.ts), so that reading a written table checks both.
 */
export function applyTransform(transform: TransformName, sourceType: PrimitiveTypeName, v: WriterValue): WriterValue {
  if (transform === 'identity') return v;
  const micros = sourceType === 'date' ? BigInt(v as number) * MICROS_PER_DAY : (v as bigint);
  if (transform === 'hour') return Number(floorDiv(micros, MICROS_PER_HOUR));
  const days = Number(floorDiv(micros, MICROS_PER_DAY));
  if (transform === 'day') return days;
  const { year, month } = civil(days);
  return transform === 'year' ? year - 1970 : (year - 1970) * 12 + month - 1;
}

/** How Iceberg writes a partition value in a data file's folder name (Java's `PartitionSpec.partitionToPath`). */
export function humanPartitionValue(transform: TransformName, type: PrimitiveTypeName, v: WriterValue | null): string {
  if (v === null) return 'null';
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  switch (transform) {
    case 'year':
      return String(1970 + (v as number));
    case 'month': {
      const m = v as number;
      const year = 1970 + Math.floor(m / 12);
      return `${year}-${pad((((m % 12) + 12) % 12) + 1)}`;
    }
    case 'day':
      return isoDate(v as number);
    case 'hour': {
      const h = v as number;
      return `${isoDate(Math.floor(h / 24))}-${pad(((h % 24) + 24) % 24)}`;
    }
    case 'identity':
      if (type === 'date') return isoDate(v as number);
      // Java URL-encodes identity values (a `/` in a value must not make a folder).
      return encodeURIComponent(String(v));
  }
}

export function isoDate(days: number): string {
  const { year, month, day } = civil(days);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The civil date of a day number (Hinnant's civil_from_days). */
function civil(z: number): { year: number; month: number; day: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp + (mp < 10 ? 3 : -9);
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** The schema as table metadata writes it. */
export function schemaJson(schema: TableSchema, schemaId = 0): object {
  return {
    type: 'struct',
    'schema-id': schemaId,
    ...(schema.identifierFieldIds !== undefined &&
      schema.identifierFieldIds.length > 0 && { 'identifier-field-ids': schema.identifierFieldIds }),
    fields: schema.fields.map((f) => ({
      id: f.id,
      name: f.name,
      required: f.required,
      type: f.type,
      ...(f.doc !== undefined && { doc: f.doc }),
    })),
  };
}

/** The partition spec's fields as table metadata and manifest headers write them. */
export function specFieldsJson(spec: readonly PartitionField[]): object[] {
  return spec.map((p, i) => ({ name: p.name, transform: p.transform, 'source-id': p.sourceId, 'field-id': FIRST_PARTITION_FIELD_ID + i }));
}
