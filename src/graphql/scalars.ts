import { GraphQLError, Kind, type ValueNode } from 'graphql';
import type { FieldType } from '../contract/contract.js';
import { daysFromCivil, formatDate, formatTimestamp } from '../plan/scalar.js';

/**
 * The custom scalars of SPEC §2 and their mapping to the plan's internal
 * values (src/plan/scalar.ts): BigInt ↔ bigint, Date ↔ days since epoch,
 * DateTime ↔ microseconds since epoch (UTC). Every parse failure is a
 * GraphQLError with code BAD_USER_INPUT and a message that shows the accepted
 * form.
 */
const bad = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function parseBigInt(value: unknown): bigint {
  let n: bigint | undefined;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^-?\d{1,19}$/.test(value)) n = BigInt(value);
  if (n === undefined || n < INT64_MIN || n > INT64_MAX) {
    throw bad(`BigInt cannot represent ${describe(value)}: send a 64-bit integer as a string of digits ("123") or an Int`);
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
  throw bad(`Date cannot represent ${describe(value)}: use YYYY-MM-DD (years 0000–9999), e.g. "2024-03-01"`);
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
  throw bad(
    `DateTime cannot represent ${describe(value)}: use ISO-8601 with a zone from -14:00 to +14:00, years 0000–9999, e.g. "2024-03-01T12:00:00Z"`,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return `a ${typeof value}`;
}

/** The literal's raw value for scalar parsing (strings and ints only). */
function literal(node: ValueNode): unknown {
  if (node.kind === Kind.STRING) return node.value;
  if (node.kind === Kind.INT) return Number.isSafeInteger(Number(node.value)) ? Number(node.value) : node.value;
  return node.kind === Kind.NULL ? null : `a ${node.kind.toLowerCase().replace('value', '')} literal`;
}

export interface ScalarSpec<T> {
  readonly name: string;
  readonly description: string;
  serialize(value: unknown): string;
  parseValue(value: unknown): T;
  parseLiteral(node: ValueNode): T;
}

export const BigIntScalar: ScalarSpec<bigint> = {
  name: 'BigInt',
  description: 'A 64-bit signed integer, serialized as a string of digits; accepted as a string or an Int.',
  serialize: (v) => (typeof v === 'bigint' ? v.toString() : String(parseBigInt(v))),
  parseValue: parseBigInt,
  parseLiteral: (node) => {
    // Large Int literals must not pass through a float.
    if (node.kind === Kind.INT) return parseBigInt(/^-?\d{1,19}$/.test(node.value) ? node.value : Number(node.value));
    return parseBigInt(literal(node));
  },
};

export const DateScalar: ScalarSpec<number> = {
  name: 'Date',
  description: 'A calendar date, YYYY-MM-DD.',
  serialize: (v) => formatDate(v as number),
  parseValue: parseDate,
  parseLiteral: (node) => parseDate(literal(node)),
};

export const DateTimeScalar: ScalarSpec<bigint> = {
  name: 'DateTime',
  description: 'An instant, ISO-8601 in UTC (…Z) with up to microsecond precision.',
  serialize: (v) => formatTimestamp(v as bigint),
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTime(literal(node)),
};

/** GraphQL type name of each contract type. */
export const GRAPHQL_SCALAR: Record<FieldType, string> = {
  string: 'String',
  boolean: 'Boolean',
  int32: 'Int',
  int64: 'BigInt',
  float64: 'Float',
  date: 'Date',
  timestamp: 'DateTime',
};
