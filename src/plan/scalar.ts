import type { FieldType } from '../contract/contract.js';

/**
 * Values inside a plan and between plan operators, one representation per
 * contract type, chosen so comparisons are exact and cheap:
 *
 * | type      | representation                         |
 * |-----------|----------------------------------------|
 * | string    | string                                 |
 * | boolean   | boolean                                |
 * | int32     | number (integer)                       |
 * | int64     | bigint                                 |
 * | float64   | number                                 |
 * | date      | number: days since 1970-01-01          |
 * | timestamp | bigint: microseconds since epoch (UTC) |
 *
 * `null` stands for SQL NULL.
 */
export type Scalar = string | boolean | number | bigint;
export type Nullable = Scalar | null;
export type Row = Record<string, Nullable>;

const DAY_MS = 86_400_000;

/**
 * Days since 1970-01-01 of a date in the proleptic Gregorian calendar, for
 * any year (Howard Hinnant's `days_from_civil`). Unlike `Date.UTC`, which
 * reads years 0–99 as 1900–1999, so 0050-01-01 would become 1950-01-01.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

export function formatDate(days: number): string {
  let text = DATES.get(days);
  if (text === undefined) {
    text = new Date(days * DAY_MS).toISOString().slice(0, 10);
    // Days are few (a page's rows mostly share a handful): kept until there are too many to keep.
    if (DATES.size >= 16_384) DATES.clear();
    DATES.set(days, text);
  }
  return text;
}
const DATES = new Map<number, string>();

export function formatTimestamp(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const iso = new Date(Number(ms)).toISOString(); // yyyy-mm-ddThh:mm:ss.sssZ
  const sub = ((micros % 1000n) + 1000n) % 1000n;
  return sub === 0n ? iso : `${iso.slice(0, -1)}${String(sub).padStart(3, '0')}Z`;
}

/** Formats a scalar the way the plan printer and cursors show it. */
export function formatScalar(v: Nullable, type: FieldType): string {
  if (v === null) return 'null';
  switch (type) {
    case 'date':
      return formatDate(v as number);
    case 'timestamp':
      return formatTimestamp(v as bigint);
    case 'string':
      return JSON.stringify(v);
    default:
      return String(v);
  }
}

/**
 * A key under which two scalars collide in a Set or Map exactly when
 * `compareScalars` finds them equal: the same value of the same type, and
 * also an integer held as a number and as a bigint (`1` and `1n`), as
 * literals of an int64 field may be. Lets set operations over value lists
 * run in linear time instead of comparing every value with every other.
 */
export function valueKey(v: Scalar): Scalar {
  if (typeof v === 'bigint') return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
  if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) return BigInt(v);
  return v;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * SQL ordering of two non-null scalars of the same type. Strings compare by
 * code point, which for the UTF-8 that Parquet stores equals byte order.
 */
export function compareScalars(a: Scalar, b: Scalar): number {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareStrings(a: string, b: string): number {
  // UTF-16 code-unit order differs from code-point order only when surrogates
  // meet code units U+E000..U+FFFF; fall back to code points then.
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 || y >= 0xd800) {
        const cx = a.codePointAt(i)!;
        const cy = b.codePointAt(i)!;
        if (cx !== cy) return cx < cy ? -1 : 1;
        continue;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}
