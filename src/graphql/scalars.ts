import { GraphQLError, Kind, type ValueNode } from 'graphql';
import type { FieldType } from '../contract/contract.js';
import { SluiceError } from '../errors.js';
import { parseBigInt as parseBigIntValue, parseDate as parseDateValue, parseDateTime as parseDateTimeValue } from '../plan/parse-scalar.js';
import { formatDate, formatTimestamp } from '../plan/scalar.js';

/**
 * The custom scalars of docs/graphql.md and their mapping to the plan's internal
 * values (src/plan/scalar.ts): BigInt ↔ bigint, Date ↔ days since epoch,
 * DateTime ↔ microseconds since epoch (UTC), parsed by plan/parse-scalar.ts.
 * Every parse failure is a GraphQLError with code BAD_USER_INPUT and a
 * message that shows the accepted form.
 */
const bad = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** A parser of plan/parse-scalar.ts whose refusal is a GraphQLError, as graphql-js reports it to the caller unchanged. */
const asGraphQL =
  <T>(parse: (value: unknown) => T) =>
  (value: unknown): T => {
    try {
      return parse(value);
    } catch (e) {
      throw e instanceof SluiceError ? bad(e.message) : e;
    }
  };

export const parseBigInt = asGraphQL(parseBigIntValue);
export const parseDate = asGraphQL(parseDateValue);
export const parseDateTime = asGraphQL(parseDateTimeValue);

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
