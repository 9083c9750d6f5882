import type { FieldType } from '../contract/contract.js';
import { userError } from '../errors.js';
import { daysFromCivil, type Scalar } from './scalar.js';

/**
 * The one parser of written values into the plan's representation
 * (scalar.ts), by field type: BigInt ↔ bigint, Date ↔ days since epoch,
 * DateTime ↔ microseconds since epoch (UTC). GraphQL's custom scalars
 * (graphql/scalars.ts) and policy row filters (policy/row-filter.ts) both
 * parse with it, so a value means the same wherever it is written. Every
 * failure is a BAD_USER_INPUT whose message shows the accepted form.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function parseBigInt(value: unknown): bigint {
  let n: bigint | undefined;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^-?\d{1,19}$/.test(value)) n = BigInt(value);
  if (n === undefined || n < INT64_MIN || n > INT64_MAX) {
    throw userError(`BigInt cannot represent ${describe(value)}: send a 64-bit integer as a string of digits ("123") or an Int`);
  }
  return n;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Days since epoch of a valid `YYYY-MM-DD` (years 0000–9999, proleptic Gregorian), else undefined. */
function civilDays(text: string): number | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[mo - 1]!)) return undefined;
  return daysFromCivil(y, mo, d);
}

export function parseDate(value: unknown): number {
  const days = typeof value === 'string' ? civilDays(value) : undefined;
  if (days !== undefined) return days;
  throw userError(`Date cannot represent ${describe(value)}: use YYYY-MM-DD (years 0000–9999), e.g. "2024-03-01"`);
}

const DATETIME_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/;
/** Offsets in use run from -12:00 to +14:00; RFC 3339 allows no more than ±23:59, ISO-8601 and time zones no more than ±14:00. */
const MAX_OFFSET_MINUTES = 14 * 60;
/** The instants a DateTime can name and print back: 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z. */
const MIN_MICROS = BigInt(daysFromCivil(0, 1, 1)) * 86_400_000_000n;
const MAX_MICROS = BigInt(daysFromCivil(10_000, 1, 1)) * 86_400_000_000n - 1n;

export function parseDateTime(value: unknown): bigint {
  const m = typeof value === 'string' ? DATETIME_RE.exec(value) : null;
  if (m) {
    const [, day, hh, mm, ss, frac = '', zone] = m;
    const h = Number(hh);
    const mi = Number(mm);
    const s = Number(ss);
    const days = civilDays(day!);
    let offsetMinutes = 0;
    if (zone !== 'Z') {
      const [oh, om] = [Number(zone!.slice(1, 3)), Number(zone!.slice(4, 6))];
      offsetMinutes = om < 60 ? (zone![0] === '-' ? -1 : 1) * (oh * 60 + om) : Infinity;
    }
    if (days !== undefined && h < 24 && mi < 60 && s < 60 && Math.abs(offsetMinutes) <= MAX_OFFSET_MINUTES) {
      const seconds = BigInt(days) * 86_400n + BigInt(h * 3600 + mi * 60 + s - offsetMinutes * 60);
      const micros = seconds * 1_000_000n + BigInt(frac.padEnd(6, '0'));
      if (micros >= MIN_MICROS && micros <= MAX_MICROS) return micros;
    }
  }
  throw userError(
    `DateTime cannot represent ${describe(value)}: use ISO-8601 with a zone from -14:00 to +14:00, years 0000–9999, e.g. "2024-03-01T12:00:00Z"`,
  );
}

/**
 * A value written for a field of type `type` (a policy's YAML, which may
 * also hold numbers as strings and dates as YAML dates), in the plan's
 * representation.
 */
export function parseScalar(type: FieldType, v: unknown): Scalar {
  switch (type) {
    case 'string':
      if (typeof v === 'string') return v;
      break;
    case 'boolean':
      if (typeof v === 'boolean') return v;
      break;
    case 'int32':
      if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 2 ** 31) return v;
      if (typeof v === 'string' && /^-?\d{1,10}$/.test(v)) return Number(v);
      break;
    case 'float64':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
      break;
    case 'int64':
      return parseBigInt(v);
    case 'date':
      return parseDate(v instanceof Date ? v.toISOString().slice(0, 10) : v);
    case 'timestamp':
      return parseDateTime(v instanceof Date ? v.toISOString() : v);
  }
  throw userError(`${JSON.stringify(v)} is not a ${type} value`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return `a ${typeof value}`;
}
