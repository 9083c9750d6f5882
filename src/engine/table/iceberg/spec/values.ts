import { compareStrings } from '../../../../plan/scalar.js';
import type { PrimitiveType } from './types.js';

/**
 * Values of Iceberg primitive types, one exact representation per type:
 *
 * | type                                 | representation                        |
 * |--------------------------------------|---------------------------------------|
 * | boolean                              | boolean                               |
 * | int, date                            | number (date: days since 1970-01-01)  |
 * | long, time, timestamp, timestamptz   | bigint (time, timestamps: µs)         |
 * | timestamp_ns, timestamptz_ns         | bigint (ns)                           |
 * | float, double                        | number                                |
 * | decimal(P, S)                        | bigint: the unscaled value            |
 * | string                               | string                                |
 * | uuid                                 | string, canonical lower-case form     |
 * | fixed, binary                        | Uint8Array                            |
 *
 * They come from three encodings: the JSON single-value serialization
 * (`initial-default`), the binary single-value serialization (manifest
 * bounds and partition summaries), and Avro (partition tuples).
 */
export type IcebergValue = boolean | number | bigint | string | Uint8Array;

const MICROS_PER_DAY = 86_400_000_000n;

/** A value of `type` from its JSON single-value serialization (spec Appendix D); throws on a malformed one. */
export function valueFromJson(type: PrimitiveType, json: unknown): IcebergValue {
  const text = json !== null && typeof json === 'object' && 'isLosslessNumber' in json ? String(json) : json;
  switch (type.type) {
    case 'boolean':
      if (typeof text !== 'boolean') throw new Error('a boolean default is not true or false');
      return text;
    case 'int':
      return safeInt(text);
    case 'long':
      return bigintOf(text);
    case 'float':
      return Math.fround(numberOf(text));
    case 'double':
      return numberOf(text);
    case 'decimal':
      return decimalFromString(String(text), type.scale);
    case 'date':
      return parseDate(stringOf(text));
    case 'time':
      return parseTime(stringOf(text), 6);
    case 'timestamp':
    case 'timestamptz':
      return parseTimestamp(stringOf(text), 6);
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return parseTimestamp(stringOf(text), 9);
    case 'string':
      return stringOf(text);
    case 'uuid':
      return stringOf(text).toLowerCase();
    case 'fixed':
    case 'binary':
      return hexBytes(stringOf(text));
    default:
      throw new Error(`a default of type ${type.type} cannot be read`);
  }
}

/**
 * A value from its binary single-value serialization (spec Appendix D), or
 * undefined when the bytes do not fit the type. Bounds written before a
 * promotion keep their old width: a 4-byte long is an int, a 4-byte double
 * a float.
 */
export function valueFromBinary(type: PrimitiveType, bytes: Uint8Array): IcebergValue | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength;
  switch (type.type) {
    case 'boolean':
      return n === 1 ? bytes[0] !== 0 : undefined;
    case 'int':
    case 'date':
      return n === 4 ? view.getInt32(0, true) : undefined;
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      if (n === 8) return view.getBigInt64(0, true);
      // int → long promotion; date → timestamp promotion keeps day bounds.
      if (n === 4 && type.type === 'long') return BigInt(view.getInt32(0, true));
      return undefined;
    case 'float':
      return n === 4 ? view.getFloat32(0, true) : undefined;
    case 'double':
      return n === 8 ? view.getFloat64(0, true) : n === 4 ? view.getFloat32(0, true) : undefined;
    case 'decimal':
      return n === 0 ? undefined : bigEndianSigned(bytes);
    case 'string':
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        return undefined;
      }
    case 'uuid':
      return n === 16 ? uuidString(bytes) : undefined;
    case 'fixed':
    case 'binary':
      return bytes.slice();
    default:
      return undefined;
  }
}

/** Total order of two non-null values of one type (strings by code point, bytes unsigned); NaN sorts last. */
export function compareValues(a: IcebergValue, b: IcebergValue): number {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = typeof a === 'bigint' ? a : BigInt(a as number);
    const y = typeof b === 'bigint' ? b : BigInt(b as number);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  throw new Error('values of different types compared');
}

/** Equality as equality deletes use it: by value, NaN equal to NaN, -0 equal to 0. */
export function sameValue(a: IcebergValue | null, b: IcebergValue | null): boolean {
  if (a === null || b === null) return a === b;
  return compareValues(a, b) === 0;
}

/** A key for hashing values of one type (equality-delete sets). Distinct for distinct values, equal for equal ones. */
export function valueKey(v: IcebergValue | null): string {
  if (v === null) return 'n';
  if (v instanceof Uint8Array) return `x${Buffer.from(v).toString('hex')}`;
  switch (typeof v) {
    case 'string':
      return `s${v}`;
    case 'bigint':
      return `i${v}`;
    case 'number':
      // Integers and longs of one field compare equal whatever their width: one key for both.
      return Number.isInteger(v) ? `i${v}` : Number.isNaN(v) ? 'NaN' : `f${v}`;
    case 'boolean':
      return v ? 't' : 'f';
  }
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil: no Date quirks for years < 100). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day number (Hinnant's civil_from_days). */
export function civilFromDays(z: number): { year: number; month: number; day: number } {
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

function parseDate(s: string): number {
  const m = /^(-?\d{4,})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) throw new Error('a date default is not yyyy-mm-dd');
  return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** hh:mm:ss[.fraction] → units of 10^-digits seconds. */
function parseTime(s: string, digits: number): bigint {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(s);
  if (!m) throw new Error('a time default is not hh:mm:ss');
  const unit = 10n ** BigInt(digits);
  const seconds = BigInt(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0));
  const fraction = (m[4] ?? '').padEnd(9, '0').slice(0, digits);
  return seconds * unit + BigInt(fraction === '' ? 0 : fraction);
}

/** yyyy-mm-ddThh:mm:ss[.f][+hh:mm|Z] → µs (digits 6) or ns (digits 9) since the epoch, UTC. */
function parseTimestamp(s: string, digits: number): bigint {
  const m = /^(-?\d{4,}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) throw new Error('a timestamp default is not ISO-8601');
  const unit = 10n ** BigInt(digits);
  const perDay = (MICROS_PER_DAY * unit) / 1_000_000n;
  let t = BigInt(parseDate(m[1]!)) * perDay + parseTime(m[2]!, digits);
  const zone = m[3];
  if (zone !== undefined && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const offset = BigInt(Number(z[2]) * 3600 + Number(z[3]) * 60) * unit;
    t += z[1] === '+' ? -offset : offset;
  }
  return t;
}

/** "123.45" at scale 2 → 12345n; a value with more fraction digits than the scale is malformed. */
export function decimalFromString(s: string, scale: number): bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error('a decimal default is not a number');
  const exponent = Number(m[4] ?? 0);
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let pointShift = scale - (m[3] ?? '').length + exponent;
  if (pointShift < 0) {
    const dropped = digits.slice(digits.length + pointShift);
    if (/[^0]/.test(dropped)) throw new Error('a decimal default has more digits than its scale');
    digits = digits.slice(0, digits.length + pointShift);
    pointShift = 0;
  }
  const unscaled = BigInt(digits === '' ? '0' : digits) * 10n ** BigInt(pointShift);
  return m[1] === '-' ? -unscaled : unscaled;
}

/** A big-endian two's-complement integer (decimal bytes). */
export function bigEndianSigned(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  const bits = BigInt(bytes.length * 8);
  return bytes[0]! & 0x80 ? v - (1n << bits) : v;
}

/** 16 bytes as a canonical lower-case UUID. */
export function uuidString(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function hexBytes(s: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(s)) throw new Error('a binary default is not hexadecimal');
  return new Uint8Array(Buffer.from(s, 'hex'));
}

function safeInt(v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31)
    throw new Error('an int default is not a 32-bit integer');
  return n;
}

function bigintOf(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if ((typeof v === 'string' && /^-?\d+$/.test(v)) || (typeof v === 'number' && Number.isSafeInteger(v))) return BigInt(v);
  throw new Error('a long default is not an integer');
}

function numberOf(v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number') throw new Error('a floating-point default is not a number');
  return n;
}

function stringOf(v: unknown): string {
  if (typeof v !== 'string') throw new Error('a default is not a string');
  return v;
}
