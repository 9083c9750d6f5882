import { makeVector, Type, type Data, type DataType, type Vector } from 'apache-arrow';
import type { FieldType } from '../contract/contract.js';
import { assertNever, internalError } from '../errors.js';
import type { Nullable } from '../plan/scalar.js';

/**
 * Decoded values of one field over one batch, kept in the buffers Arrow
 * decoded them into so that filters and sort keys run over typed arrays and
 * only rows that reach the result become JS objects. Values are in the plan's
 * representation (src/plan/scalar.ts): `number` columns hold int32, float64
 * or date (days); `bigint` columns hold int64 or timestamp (microseconds).
 *
 * `valid` is Arrow's validity bitmap (bit i set = row i is not null), or null
 * when the batch has no nulls. `scalars` holds already-materialised values:
 * dictionary-decoded data, unusual Arrow layouts, and rows after a sort.
 */
export type Column =
  | { readonly kind: 'number'; readonly values: NumberArray; readonly valid: Uint8Array | null }
  | { readonly kind: 'bigint'; readonly values: BigInt64Array; readonly valid: Uint8Array | null }
  | { readonly kind: 'boolean'; readonly bits: Uint8Array; readonly valid: Uint8Array | null }
  | { readonly kind: 'string'; readonly offsets: Int32Array; readonly bytes: Buffer; readonly valid: Uint8Array | null }
  | { readonly kind: 'scalars'; readonly values: readonly Nullable[] };

export type NumberArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

export const bitSet = (bits: Uint8Array, i: number): boolean => ((bits[i >> 3]! >> (i & 7)) & 1) === 1;

/** The value of row `i`, materialised. */
export function valueAt(c: Column, i: number): Nullable {
  switch (c.kind) {
    case 'number':
      return c.valid !== null && !bitSet(c.valid, i) ? null : c.values[i]!;
    case 'bigint':
      return c.valid !== null && !bitSet(c.valid, i) ? null : c.values[i]!;
    case 'boolean':
      return c.valid !== null && !bitSet(c.valid, i) ? null : bitSet(c.bits, i);
    case 'string':
      return c.valid !== null && !bitSet(c.valid, i) ? null : c.bytes.toString('utf8', c.offsets[i]!, c.offsets[i + 1]!);
    case 'scalars':
      return c.values[i]!;
    default:
      return assertNever(c, 'column');
  }
}

/**
 * Converts one Arrow vector (one record batch's column) into a column of the
 * field's type, or returns a reason when the Arrow type cannot hold it (the
 * file changed type under the contract).
 */
export function columnFromArrow(vector: Vector, type: FieldType): Column | string {
  if (vector.data.length !== 1) return columnFromGet(vector, type);
  const data = vector.data[0]!;
  const dt = data.type as DataType;
  if (dt.typeId === Type.Dictionary) return dictionaryColumn(data, type);
  // Record batches decoded from IPC start at offset 0; anything else is rare
  // enough to take the slow, obviously-correct path.
  if (data.offset !== 0) return columnFromGet(vector, type);
  const valid = data.nullCount > 0 ? (data.nullBitmap ?? null) : null;
  const n = data.length;
  switch (type) {
    case 'string':
      if (dt.typeId !== Type.Utf8 && dt.typeId !== Type.Binary) return dt.typeId === Type.LargeUtf8 || dt.typeId === Type.Utf8View ? columnFromGet(vector, type) : `is ${dt}`;
      return {
        kind: 'string',
        offsets: data.valueOffsets as Int32Array,
        bytes: Buffer.from(data.values.buffer, data.values.byteOffset, data.values.byteLength),
        valid,
      };
    case 'boolean':
      if (dt.typeId !== Type.Bool) return `is ${dt}`;
      return { kind: 'boolean', bits: data.values as Uint8Array, valid };
    case 'int32':
    case 'float64':
      if (type === 'int32' ? !isIntUpTo32(dt) : dt.typeId !== Type.Float || (dt as unknown as { precision: number }).precision === 0) return `is ${dt}`;
      return { kind: 'number', values: (data.values as NumberArray).subarray(0, n), valid };
    case 'int64':
      if (dt.typeId !== Type.Int) return `is ${dt}`;
      if ((dt as unknown as { bitWidth: number }).bitWidth === 64) {
        if (!(dt as unknown as { isSigned: boolean }).isSigned) return `is ${dt}`;
        return { kind: 'bigint', values: (data.values as BigInt64Array).subarray(0, n), valid };
      }
      return { kind: 'bigint', values: widenToBigInt(data.values as NumberArray, n), valid };
    case 'date':
      return dateColumn(data, n, valid) ?? `is ${dt}`;
    case 'timestamp':
      return timestampColumn(data, n, valid) ?? `is ${dt}`;
    default:
      return assertNever(type, 'field type');
  }
}

function isIntUpTo32(dt: DataType): boolean {
  if (dt.typeId !== Type.Int) return false;
  const { bitWidth, isSigned } = dt as unknown as { bitWidth: number; isSigned: boolean };
  return bitWidth < 32 || (bitWidth === 32 && isSigned);
}

function widenToBigInt(values: NumberArray, n: number): BigInt64Array {
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) out[i] = BigInt(values[i]!);
  return out;
}

const DAY_MS = 86_400_000;

function dateColumn(data: Data, n: number, valid: Uint8Array | null): Column | undefined {
  if (data.type.typeId !== Type.Date) return undefined;
  const unit = (data.type as unknown as { unit: number }).unit;
  if (unit === 0 /* DateUnit.DAY */) return { kind: 'number', values: (data.values as Int32Array).subarray(0, n), valid };
  // Date64 stores milliseconds, as int32 pairs in arrow-js' buffers.
  const ms = new BigInt64Array(data.values.buffer, data.values.byteOffset, n);
  const days = new Int32Array(n);
  for (let i = 0; i < n; i++) days[i] = Number(floorDiv(ms[i]!, BigInt(DAY_MS)));
  return { kind: 'number', values: days, valid };
}

/** Microseconds per unit of Arrow's TimeUnit (SECOND, MILLISECOND, MICROSECOND, NANOSECOND). */
const MICROS_PER_UNIT = [1_000_000n, 1000n, 1n, 0n] as const;

function timestampColumn(data: Data, n: number, valid: Uint8Array | null): Column | undefined {
  if (data.type.typeId !== Type.Timestamp) return undefined;
  const unit = (data.type as unknown as { unit: number }).unit;
  const raw = new BigInt64Array(data.values.buffer, data.values.byteOffset, n);
  if (unit === 2) return { kind: 'bigint', values: raw, valid };
  const out = new BigInt64Array(n);
  if (unit === 3) for (let i = 0; i < n; i++) out[i] = floorDiv(raw[i]!, 1000n);
  else {
    const f = MICROS_PER_UNIT[unit as 0 | 1];
    for (let i = 0; i < n; i++) out[i] = raw[i]! * f;
  }
  return { kind: 'bigint', values: out, valid };
}

/**
 * Dictionary-encoded data: the dictionary is decoded once through the fast
 * path, then each row picks its entry.
 */
function dictionaryColumn(data: Data, type: FieldType): Column | string {
  const dictionary = (data as unknown as { dictionary?: Vector }).dictionary;
  if (dictionary === undefined) return `is ${data.type}`;
  const entries = columnFromArrow(dictionary, type);
  if (typeof entries === 'string') return entries;
  const indices = data.values as NumberArray | BigInt64Array;
  const valid = data.nullCount > 0 ? (data.nullBitmap ?? null) : null;
  const values: Nullable[] = new Array(data.length);
  for (let i = 0; i < data.length; i++) {
    values[i] = valid !== null && !bitSet(valid, i) ? null : valueAt(entries, Number(indices[i]!));
  }
  return { kind: 'scalars', values };
}

/** Layouts parquet-wasm does not produce today but Arrow allows: read through Arrow's accessors. */
function columnFromGet(vector: Vector, type: FieldType): Column | string {
  if (vector.data.length > 1) {
    const values: Nullable[] = [];
    for (const d of vector.data) {
      const c = columnFromArrow(makeVector(d), type);
      if (typeof c === 'string') return c;
      for (let i = 0; i < d.length; i++) values.push(valueAt(c, i));
    }
    return { kind: 'scalars', values };
  }
  // Exact only for types whose get() is exact; timestamps come back as float
  // milliseconds, so they are refused here rather than rounded.
  if (type !== 'string' && type !== 'boolean' && type !== 'int32' && type !== 'float64' && type !== 'int64') {
    throw internalError(`cannot decode ${type} from Arrow ${vector.type} with offset ${vector.data[0]?.offset}`);
  }
  const values: Nullable[] = new Array(vector.length);
  for (let i = 0; i < vector.length; i++) {
    const v: unknown = vector.get(i);
    if (v === null || v === undefined) values[i] = null;
    else if (type === 'string' && typeof v === 'string') values[i] = v;
    else if (type === 'boolean' && typeof v === 'boolean') values[i] = v;
    else if ((type === 'int32' || type === 'float64') && typeof v === 'number') values[i] = v;
    else if (type === 'int64' && typeof v === 'bigint') values[i] = v;
    else return `is ${vector.type}`;
  }
  return { kind: 'scalars', values };
}

/** Division rounding toward negative infinity: nanoseconds before 1970 floor to the earlier microsecond. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}
