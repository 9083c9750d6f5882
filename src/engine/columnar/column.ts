import { DataType, DateUnit, makeVector, Precision, TimeUnit, type Data, type Vector } from 'apache-arrow';
import type { FieldType } from '../../contract/contract.js';
import { assertNever, internalError } from '../../errors.js';
import type { Nullable } from '../../plan/scalar.js';
import { dictionaryCodes } from './string-dictionary.js';

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
  | { readonly kind: 'number'; readonly values: NumberArray; readonly valid: Uint8Array | null; readonly index?: BitmapIndex }
  | { readonly kind: 'bigint'; readonly values: BigInt64Array; readonly valid: Uint8Array | null }
  | { readonly kind: 'boolean'; readonly bits: Uint8Array; readonly valid: Uint8Array | null }
  | {
      readonly kind: 'string';
      readonly offsets: Int32Array;
      readonly bytes: Buffer;
      readonly valid: Uint8Array | null;
      /**
       * Low-cardinality columns kept in the column cache: each row's code into
       * the distinct values. Such a column is kept by its codes alone
       * (`codedStringColumn`): `offsets` and `bytes` are spelled out again on
       * each read of them, so kernels read the dictionary instead.
       */
      readonly dictionary?: StringDictionary;
      /** Chunks in the column cache with few distinct values: a bitmap per value (bitmap-index.ts). */
      readonly index?: BitmapIndex;
    }
  | { readonly kind: 'scalars'; readonly values: readonly Nullable[] };

/**
 * A bitmap per distinct value of a low-cardinality chunk (bit i set when row
 * i holds it): built and read by index/bitmap-index.ts, kept with the column.
 */
export interface BitmapIndex {
  /** The distinct values, by code: a string chunk's dictionary's order, or numbers in order of first appearance. */
  readonly values: readonly (string | number)[];
  readonly bitmaps: readonly Uint32Array[];
}

/**
 * The distinct values of a string column and each row's code (rows that
 * are null have code 0; `valid` says which they are). Filters test each
 * distinct value once and rows by code; group-bys group by code.
 */
export interface StringDictionary {
  readonly codes: Uint16Array;
  /** The distinct values as a string column without nulls, code k at row k. */
  readonly entries: Column & { readonly kind: 'string' };
  readonly values: readonly string[];
}

export type StringColumn = Column & { readonly kind: 'string' };

/**
 * Codes for a string column of `n` rows with at most `maxEntries` distinct
 * values, or undefined when it has more (found out within the first rows
 * of a high-cardinality column). Values are compared as bytes.
 */
export function dictionaryOf(c: StringColumn, n: number, maxEntries = MAX_DICTIONARY_ENTRIES): StringDictionary | undefined {
  const found = dictionaryCodes(c.offsets, c.bytes, c.valid, n, maxEntries);
  if (found === undefined) return undefined;
  const { codes, starts, ends } = found;
  const values = starts.map((s, k) => c.bytes.toString('utf8', s, ends[k]));
  const entryBytes = Buffer.from(values.join(''), 'utf8');
  const entryOffsets = new Int32Array(values.length + 1);
  for (let k = 0; k < values.length; k++) entryOffsets[k + 1] = entryOffsets[k]! + (ends[k]! - starts[k]!);
  return { codes, entries: { kind: 'string', offsets: entryOffsets, bytes: entryBytes, valid: null }, values };
}

/**
 * A string column held by its dictionary alone (what the column cache keeps
 * of a low-cardinality chunk): two bytes a row instead of four of offsets
 * plus the values' bytes again, which for a region or a status is most of a
 * chunk's memory. Kernels read `dictionary`; `offsets` and `bytes` remain
 * readable for any path that does not, rebuilt from the codes on each read
 * (never kept, so the cache's count of the column's bytes stays true).
 */
export function codedStringColumn(dictionary: StringDictionary, valid: Uint8Array | null, index?: BitmapIndex): StringColumn {
  const spelled = () => spellOut(dictionary, valid);
  const column = { kind: 'string' as const, valid, dictionary, ...(index !== undefined && { index }) };
  return Object.defineProperties(column, {
    offsets: { get: () => spelled().offsets, enumerable: true },
    bytes: { get: () => spelled().bytes, enumerable: true },
  }) as StringColumn;
}

/** Offsets and bytes of every row of a coded column (a null row spelled empty). */
function spellOut(d: StringDictionary, valid: Uint8Array | null): { offsets: Int32Array; bytes: Buffer } {
  const { codes } = d;
  const eo = d.entries.offsets;
  const n = codes.length;
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const k = codes[i]!;
    offsets[i + 1] = offsets[i]! + (valid !== null && !bitSet(valid, i) ? 0 : eo[k + 1]! - eo[k]!);
  }
  const bytes = Buffer.allocUnsafe(offsets[n]!);
  for (let i = 0; i < n; i++) {
    if (offsets[i + 1] === offsets[i]) continue;
    const k = codes[i]!;
    d.entries.bytes.copy(bytes, offsets[i], eo[k], eo[k + 1]);
  }
  return { offsets, bytes };
}

/** Distinct values above which a string column is kept without codes. */
export const MAX_DICTIONARY_ENTRIES = 4096;

/**
 * A dictionary a decoder thread found (decode-worker.ts): codes, and the
 * distinct values as offsets into their UTF-8 bytes.
 */
export function dictionaryFrom(codes: Uint16Array, offsets: Int32Array, bytes: Uint8Array): StringDictionary {
  const entryBytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = Array.from({ length: offsets.length - 1 }, (_, k) => entryBytes.toString('utf8', offsets[k]!, offsets[k + 1]!));
  return { codes, entries: { kind: 'string', offsets, bytes: entryBytes, valid: null }, values };
}

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
      if (c.valid !== null && !bitSet(c.valid, i)) return null;
      return c.dictionary !== undefined
        ? c.dictionary.values[c.dictionary.codes[i]!]!
        : c.bytes.toString('utf8', c.offsets[i]!, c.offsets[i + 1]!);
    case 'scalars':
      return c.values[i]!;
    default:
      return assertNever(c, 'column');
  }
}

/**
 * Converts one Arrow vector (one record batch's column) into a column of the
 * field's type, or returns a reason when the Arrow type cannot hold it (the
 * file changed type under the contract). Accepts what `checkColumnType`
 * accepts: exact types plus lossless widenings.
 */
export function columnFromArrow(vector: Vector, type: FieldType): Column | string {
  if (vector.data.length !== 1) return columnFromGet(vector, type);
  const data = vector.data[0]!;
  const dt = data.type as DataType;
  if (DataType.isDictionary(dt)) return dictionaryColumn(data, type);
  // Record batches decoded from IPC start at offset 0; anything else is rare
  // enough to take the slow, obviously-correct path.
  if (data.offset !== 0) return columnFromGet(vector, type);
  const valid = data.nullCount > 0 ? (data.nullBitmap ?? null) : null;
  const n = data.length;
  const unfit = `is ${dt}`;
  switch (type) {
    case 'string':
      if (DataType.isLargeUtf8(dt) || DataType.isUtf8View(dt)) return columnFromGet(vector, type);
      if (!DataType.isUtf8(dt) && !DataType.isBinary(dt)) return unfit;
      return {
        kind: 'string',
        offsets: data.valueOffsets as Int32Array,
        bytes: Buffer.from(data.values.buffer, data.values.byteOffset, data.values.byteLength),
        valid,
      };
    case 'boolean':
      if (!DataType.isBool(dt)) return unfit;
      return { kind: 'boolean', bits: data.values as Uint8Array, valid };
    case 'int32':
      if (!DataType.isInt(dt) || dt.bitWidth > 32 || (dt.bitWidth === 32 && !dt.isSigned)) return unfit;
      return { kind: 'number', values: (data.values as NumberArray).subarray(0, n), valid };
    case 'float64':
      if (!DataType.isFloat(dt) || dt.precision === Precision.HALF) return unfit;
      return { kind: 'number', values: (data.values as NumberArray).subarray(0, n), valid };
    case 'int64':
      if (!DataType.isInt(dt) || (dt.bitWidth === 64 && !dt.isSigned)) return unfit;
      if (dt.bitWidth === 64) return { kind: 'bigint', values: (data.values as BigInt64Array).subarray(0, n), valid };
      return { kind: 'bigint', values: widenToBigInt(data.values as NumberArray, n), valid };
    case 'date':
      if (!DataType.isDate(dt)) return unfit;
      return {
        kind: 'number',
        values: dt.unit === DateUnit.DAY ? (data.values as Int32Array).subarray(0, n) : daysFromMillis(int64s(data, n)),
        valid,
      };
    case 'timestamp':
      if (!DataType.isTimestamp(dt)) return unfit;
      return { kind: 'bigint', values: microsFrom(int64s(data, n), dt.unit), valid };
    default:
      return assertNever(type, 'field type');
  }
}

/** The 64-bit values of a Date64 or Timestamp column, whatever typed array arrow-js chose to hold them. */
const int64s = (data: Data, n: number) => new BigInt64Array(data.values.buffer, data.values.byteOffset, n);

function widenToBigInt(values: NumberArray, n: number): BigInt64Array {
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) out[i] = BigInt(values[i]!);
  return out;
}

const DAY_MS = 86_400_000n;

function daysFromMillis(ms: BigInt64Array): Int32Array {
  const days = new Int32Array(ms.length);
  for (let i = 0; i < ms.length; i++) days[i] = Number(floorDiv(ms[i]!, DAY_MS));
  return days;
}

function microsFrom(raw: BigInt64Array, unit: TimeUnit): BigInt64Array {
  switch (unit) {
    case TimeUnit.MICROSECOND:
      return raw;
    case TimeUnit.NANOSECOND:
      return raw.map((v) => floorDiv(v, 1000n));
    case TimeUnit.MILLISECOND:
      return raw.map((v) => v * 1000n);
    case TimeUnit.SECOND:
      return raw.map((v) => v * 1_000_000n);
    default:
      return assertNever(unit, 'time unit');
  }
}

/**
 * Dictionary-encoded data: the dictionary is decoded once through the fast
 * path, then each row picks its entry.
 */
function dictionaryColumn(data: Data, type: FieldType): Column | string {
  const dictionary = data.dictionary;
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

export interface AscendingRun {
  /** Every value ≥ the one before it. */
  readonly ascending: boolean;
  /** Every value > the one before it. */
  readonly strictlyAscending: boolean;
}

/**
 * Whether a typed array's values only go up (NaN never does), found once
 * per array: columns come from the column cache, so a primary-key chunk is
 * checked on its first query and then known. Top-K and range filters over
 * such a chunk need not look at every row.
 */
const runs = new WeakMap<object, AscendingRun>();
export function ascendingRun(values: ArrayLike<number | bigint> & object): AscendingRun {
  let run = runs.get(values);
  if (run === undefined) {
    let ascending = values.length === 0 || values[0] === values[0];
    let strictlyAscending = ascending;
    for (let i = 1; i < values.length && ascending; i++) {
      const a = values[i - 1]!;
      const b = values[i]!;
      if (!(b >= a)) ascending = strictlyAscending = false;
      else if (b === a) strictlyAscending = false;
    }
    run = { ascending, strictlyAscending };
    runs.set(values, run);
  }
  return run;
}
