import { GraphQLError, Kind, type ValueNode } from 'graphql';
import type { FieldType } from '../contract/contract.js';
import { formatDate, formatTimestamp } from '../plan/scalar.js';

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

export function parseDate(value: unknown): number {
  const m = typeof value === 'string' ? DATE_RE.exec(value) : null;
  if (m) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    // Date.UTC rolls 2024-02-30 over into March; a round trip catches that.
    if (Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === value) return ms / 86_400_000;
  }
  throw bad(`Date cannot represent ${describe(value)}: use YYYY-MM-DD, e.g. "2024-03-01"`);
}

const DATETIME_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/;

export function parseDateTime(value: unknown): bigint {
  const m = typeof value === 'string' ? DATETIME_RE.exec(value) : null;
  if (m) {
    const [, day, hh, mm, ss, frac = '', zone] = m;
    const h = Number(hh);
    const mi = Number(mm);
    const s = Number(ss);
    if (h < 24 && mi < 60 && s < 60) {
      try {
        const days = parseDate(day);
        let offsetMinutes = 0;
        if (zone !== 'Z') {
          const sign = zone![0] === '-' ? -1 : 1;
          offsetMinutes = sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
        }
        const seconds = BigInt(days) * 86_400n + BigInt(h * 3600 + mi * 60 + s - offsetMinutes * 60);
        return seconds * 1_000_000n + BigInt(frac.padEnd(6, '0'));
      } catch {
        // fall through to the one message below
      }
    }
  }
  throw bad(`DateTime cannot represent ${describe(value)}: use ISO-8601 with a zone, e.g. "2024-03-01T12:00:00Z"`);
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
