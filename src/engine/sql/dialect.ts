import type { FieldType } from '../../contract/contract.js';
import { SluiceError } from '../../errors.js';
import type { TextOp } from '../../plan/expr.js';

/**
 * What differs between the SQL engines a plan is lowered for (lower-plan.ts
 * holds everything they share), in the manner of kysely's per-dialect
 * adapters under one query compiler. Each hook returns SQL text; arguments
 * named `x` are SQL expressions, already parenthesised where needed.
 *
 * Values a hook writes must have exactly the plan's semantics
 * (src/plan/scalar.ts, src/policy/mask-value.ts): a hook that cannot write
 * something exactly says so by throwing `unsupportedBy` rather than writing
 * an approximation.
 */
export interface SqlDialect {
  /** `trino` or `duckdb`: named in errors and in the statement's comment. */
  readonly name: string;
  /**
   * A source column read as the field's type. Source files may hold a
   * narrower or wider physical type than the contract's (checkColumnType);
   * the engine must see the value the embedded engine decodes.
   */
  readField(column: string, type: FieldType): string;
  /** The SQL type a field's values have after `readField` (for typed NULLs). */
  sqlType(type: FieldType): string;
  /** Literals of the types that need the dialect's own syntax; integers and strings are shared. */
  float(v: number): string;
  date(days: number): string;
  timestamp(micros: bigint): string;
  /** `x` matches (or, negated, does not match) a case-sensitive text operator; null when x is null. */
  text(x: string, op: TextOp, pattern: string, negated: boolean): string;
  /** Integer division of two non-negative integers, truncating. */
  integerDivision(a: string, b: string): string;
  /** January 1 (00:00 UTC) of the year of a date or timestamp, of the same type. */
  startOfYear(x: string, type: 'date' | 'timestamp'): string;
  /** The part of `x` after its last `@` (x holds one). */
  afterLastAt(x: string): string;
  /** Exact sum of int32/int64 values, of a type that cannot overflow for any realistic row count. */
  sumIntegers(x: string): string;
  /** A double with its fraction dropped (toward zero), still a double. */
  truncate(x: string): string;
  /** `OFFSET … LIMIT …` in the order the dialect wants; '' when neither applies. */
  offsetLimit(offset: number, limit: number | undefined): string;
}

/** An identifier in double quotes, as both dialects (and the SQL standard) write them. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** A string literal: single quotes doubled, nothing else escaped (standard SQL; Trino and DuckDB alike). */
export const quoteString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/**
 * An int64 literal. -2^63 is written as an expression: its digits without
 * the sign do not fit a bigint, which several parsers reject or widen.
 */
export function integerLiteral(v: bigint | number): string {
  const big = BigInt(v);
  return big === -(2n ** 63n) ? '(-9223372036854775807 - 1)' : String(big);
}

/**
 * A finite double as an exponent literal (`9.005E2`): both dialects type it
 * DOUBLE (a plain `900.5` would be a DECIMAL), and JavaScript's shortest
 * round-trip digits make it parse back to the very same double.
 */
export function finiteDoubleLiteral(v: number): string {
  const [mantissa, exponent] = v.toExponential().split('e') as [string, string];
  return `${mantissa}E${exponent.replace('+', '')}`;
}

/** `YYYY-MM-DD` of a day count when its year has four digits (what a DATE literal accepts), else undefined. */
export function isoDate(days: number): string | undefined {
  const text = new Date(days * 86_400_000).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !text.startsWith('0000') ? text : undefined;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) of microseconds since the epoch, years 0001–9999 only, else undefined. */
export function isoTimestamp(micros: bigint): string | undefined {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return undefined;
  const iso = date.toISOString();
  if (!/^\d{4}-/.test(iso) || iso.startsWith('0000')) return undefined;
  const fraction = String(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n).padStart(6, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction}`;
}

/** The LIKE pattern (escape character `\`) matching `p` literally, for a text operator. */
export function likePattern(op: TextOp, p: string): string {
  const literal = p.replace(/[\\%_]/g, (c) => `\\${c}`);
  switch (op) {
    case 'contains':
      return `%${literal}%`;
    case 'startsWith':
      return `${literal}%`;
    case 'endsWith':
      return `%${literal}`;
  }
}

/** A request the engine cannot be given exactly (a literal out of its range): the caller's to change. */
export function unsupportedBy(dialect: string, what: string): SluiceError {
  return new SluiceError('BAD_USER_INPUT', 'user', `${what} cannot be sent to this product's engine (${dialect}); narrow the request`);
}
