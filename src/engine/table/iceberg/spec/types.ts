import { unsupported } from './refusal.js';

/**
 * Iceberg's type system (spec "Schemas and Data Types"), as frozen plain
 * data. Every field carries its field id: columns are bound by id, never by
 * name, so renames and reorders never change what a field reads.
 */
export type PrimitiveName =
  | 'boolean'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'timestamp_ns'
  | 'timestamptz_ns'
  | 'string'
  | 'uuid'
  | 'binary'
  | 'unknown';

export type PrimitiveType =
  | { readonly type: PrimitiveName }
  | { readonly type: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly type: 'fixed'; readonly length: number }
  /** A type this reader knows by name only (variant, geometry(...), geography(...)): it can be carried, never served. */
  | { readonly type: 'other'; readonly name: string };

export interface StructType {
  readonly type: 'struct';
  readonly fields: readonly NestedField[];
}
export interface ListType {
  readonly type: 'list';
  readonly elementId: number;
  readonly element: IcebergType;
  readonly elementRequired: boolean;
}
export interface MapType {
  readonly type: 'map';
  readonly keyId: number;
  readonly key: IcebergType;
  readonly valueId: number;
  readonly value: IcebergType;
  readonly valueRequired: boolean;
}
export type IcebergType = PrimitiveType | StructType | ListType | MapType;

export interface NestedField {
  readonly id: number;
  readonly name: string;
  readonly required: boolean;
  readonly type: IcebergType;
  /**
   * The `initial-default` as written in the metadata (JSON single-value
   * serialization, see values.ts `valueFromJson`): the value of this field
   * in rows written before the field existed. Undefined: null.
   */
  readonly initialDefault?: unknown;
}

export interface Schema {
  readonly schemaId: number;
  readonly fields: readonly NestedField[];
  readonly identifierFieldIds: readonly number[];
}

const PRIMITIVES = new Set<string>([
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'timestamp_ns',
  'timestamptz_ns',
  'string',
  'uuid',
  'binary',
  'unknown',
]);

export const isPrimitive = (t: IcebergType): t is PrimitiveType => t.type !== 'struct' && t.type !== 'list' && t.type !== 'map';

/** `"decimal(9, 2)"`, `"fixed[16]"`, `"long"` → the type; an unknown name is carried as `other`. */
export function parsePrimitive(name: string): PrimitiveType {
  const s = name.trim();
  if (PRIMITIVES.has(s)) return Object.freeze({ type: s as PrimitiveName });
  const decimal = /^decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(s);
  if (decimal) return Object.freeze({ type: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) });
  const fixed = /^fixed\s*\[\s*(\d+)\s*\]$/.exec(s);
  if (fixed) return Object.freeze({ type: 'fixed', length: Number(fixed[1]) });
  return Object.freeze({ type: 'other', name: s });
}

/** How a type is written in the metadata, for messages. */
export function typeName(t: IcebergType): string {
  switch (t.type) {
    case 'decimal':
      return `decimal(${t.precision}, ${t.scale})`;
    case 'fixed':
      return `fixed[${t.length}]`;
    case 'other':
      return t.name;
    case 'struct':
      return 'struct';
    case 'list':
      return 'list';
    case 'map':
      return 'map';
    default:
      return t.type;
  }
}

/** All fields of a schema by id, nested ones included (list elements and map keys/values are not fields). */
export function fieldsById(schema: Schema): ReadonlyMap<number, NestedField> {
  const out = new Map<number, NestedField>();
  const walk = (fields: readonly NestedField[]) => {
    for (const f of fields) {
      out.set(f.id, f);
      if (f.type.type === 'struct') walk(f.type.fields);
    }
  };
  walk(schema.fields);
  return out;
}

/**
 * Iceberg's allowed type promotions (spec "Schema Evolution"): a file
 * written with `from` is read as `to`. Equal types are trivially allowed.
 */
export function canPromote(from: IcebergType, to: IcebergType): boolean {
  if (from.type === to.type) {
    if (from.type === 'decimal' && to.type === 'decimal') return from.scale === to.scale && from.precision <= to.precision;
    if (from.type === 'fixed' && to.type === 'fixed') return from.length === to.length;
    return isPrimitive(from);
  }
  return (
    (from.type === 'int' && to.type === 'long') ||
    (from.type === 'float' && to.type === 'double') ||
    (from.type === 'date' && (to.type === 'timestamp' || to.type === 'timestamp_ns'))
  );
}

/** The JSON shape of a type in table metadata → the type. Throws SOURCE_CORRUPT-worthy messages as plain Errors (the caller wraps them). */
export function parseType(json: unknown): IcebergType {
  if (typeof json === 'string') return parsePrimitive(json);
  if (json === null || typeof json !== 'object') throw new Error('a type is neither a name nor an object');
  const o = json as Record<string, unknown>;
  switch (o.type) {
    case 'struct':
      return Object.freeze({ type: 'struct', fields: Object.freeze(parseFields(o.fields)) });
    case 'list':
      return Object.freeze({
        type: 'list',
        elementId: intOf(o['element-id'], 'element-id'),
        element: parseType(o.element),
        elementRequired: o['element-required'] === true,
      });
    case 'map':
      return Object.freeze({
        type: 'map',
        keyId: intOf(o['key-id'], 'key-id'),
        key: parseType(o.key),
        valueId: intOf(o['value-id'], 'value-id'),
        value: parseType(o.value),
        valueRequired: o['value-required'] === true,
      });
    default:
      throw new Error(`unknown nested type ${JSON.stringify(String(o.type))}`);
  }
}

function parseFields(json: unknown): NestedField[] {
  if (!Array.isArray(json)) throw new Error('a struct has no field list');
  return json.map((f: unknown) => {
    if (f === null || typeof f !== 'object') throw new Error('a struct field is not an object');
    const o = f as Record<string, unknown>;
    if (typeof o.name !== 'string') throw new Error('a struct field has no name');
    return Object.freeze({
      id: intOf(o.id, 'field id'),
      name: o.name,
      required: o.required === true,
      type: parseType(o.type),
      ...('initial-default' in o && o['initial-default'] !== null && { initialDefault: o['initial-default'] }),
    });
  });
}

export function parseSchema(json: unknown): Schema {
  if (json === null || typeof json !== 'object') throw new Error('a schema is not an object');
  const o = json as Record<string, unknown>;
  const ids = o['identifier-field-ids'];
  return Object.freeze({
    schemaId: o['schema-id'] === undefined ? 0 : intOf(o['schema-id'], 'schema-id'),
    fields: Object.freeze(parseFields(o.fields)),
    identifierFieldIds: Object.freeze(Array.isArray(ids) ? ids.map((i) => intOf(i, 'identifier field id')) : []),
  });
}

/** A JSON number (lossless-json gives LosslessNumber objects; plain numbers pass) that must be a safe integer. */
export function intOf(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : v !== null && typeof v === 'object' && 'isLosslessNumber' in v ? Number(String(v)) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`${what} is not an integer`);
  return n;
}

/** A contract can serve only top-level primitive columns; the rest is refused by name. */
export function requirePrimitive(field: NestedField, what: string): PrimitiveType {
  if (!isPrimitive(field.type)) throw unsupported(`${what} has the nested type ${typeName(field.type)}`);
  return field.type;
}
