import type { FieldType } from '../../contract/contract.js';
import { finiteDoubleLiteral, isoDate, isoTimestamp, likePattern, quoteString, unsupportedBy, type SqlDialect } from './dialect.js';

/**
 * Trino's SQL (also Starburst's; Athena engine v3 is Trino). Written from
 * Trino's documentation and checked here only through the stand-in
 * (test/support/trino-standin.ts), which runs it on DuckDB: the golden files
 * (test/engine/sql/golden/*.trino.sql) are where a reviewer with a Trino
 * checks it.
 *
 * Columns are read as the catalog types them, except float64, cast to
 * double so a `real` column's values arrive as the doubles the embedded
 * engine widens them to (a real's JSON text parses to a different double).
 * Timestamp columns with or without time zone compare with the
 * `timestamp … UTC` literals through Trino's coercion, which reads a
 * timestamp without zone in the session's zone: the client sends
 * `X-Trino-Time-Zone: UTC`.
 *
 * The hash mask calls the routine named by `engines.trino.hashFunction`,
 * which the operator creates once in a catalog whose connector stores
 * routines (Hive or Memory), with the key of `masking.hashKeyEnv` in its
 * body, so the key never travels with a statement:
 *
 *   CREATE FUNCTION lake.governance.sluice_hash(value varchar)
 *     RETURNS varchar
 *     RETURNS NULL ON NULL INPUT
 *     SECURITY DEFINER
 *     RETURN lower(to_hex(hmac_sha256(to_utf8(value), to_utf8('<the hash key>'))));
 *
 * (lowercase hex HMAC-SHA-256 of the UTF-8 bytes, keyed with the key's UTF-8
 * bytes, as src/policy/mask-value.ts computes it). Whoever may read routine
 * definitions in that catalog can read the key: grant it accordingly.
 */
export const trinoDialect: SqlDialect = {
  name: 'trino',
  readField: (column, type) => (type === 'float64' ? `CAST(${column} AS double)` : column),
  sqlType: (type) => TYPES[type],
  float(v) {
    if (Number.isFinite(v)) return finiteDoubleLiteral(v);
    return Number.isNaN(v) ? 'nan()' : v > 0 ? 'infinity()' : '-infinity()';
  },
  date(days) {
    const text = isoDate(days);
    if (text === undefined) throw unsupportedBy('trino', 'a date outside the years 0001–9999');
    return `DATE '${text}'`;
  },
  timestamp(micros) {
    const text = isoTimestamp(micros);
    if (text === undefined) throw unsupportedBy('trino', 'a timestamp outside the years 0001–9999');
    return `TIMESTAMP '${text} UTC'`;
  },
  // Trino has starts_with but no ends_with or contains for varchar: LIKE with every wildcard escaped does all three.
  text(x, op, pattern, negated) {
    const test = `${x} LIKE ${quoteString(likePattern(op, pattern))} ESCAPE '\\'`;
    return negated ? `NOT (${test})` : test;
  },
  integerDivision: (a, b) => `(${a}) / ${b}`,
  startOfYear(x, type) {
    // date_trunc keeps its argument's type; the cast (a no-op in Trino) keeps a date a date on the stand-in too.
    if (type === 'date') return `CAST(date_trunc('year', ${x}) AS date)`;
    // A timestamp with time zone truncates in its own zone: move it to UTC first.
    return `date_trunc('year', ${x} AT TIME ZONE 'UTC')`;
  },
  // split_part counts from the start only; reversed twice, the first part is the last.
  afterLastAt: (x) => `reverse(split_part(reverse(${x}), '@', 1))`,
  // sum(bigint) is a bigint that fails on overflow; the embedded engine's sum is exact.
  sumIntegers: (x) => `sum(CAST(${x} AS decimal(38, 0)))`,
  truncate: (x) => `truncate(${x})`,
  offsetLimit(offset, limit) {
    const parts = [...(offset > 0 ? [`OFFSET ${offset}`] : []), ...(limit !== undefined ? [`LIMIT ${limit}`] : [])];
    return parts.join(' ');
  },
};

const TYPES: Record<FieldType, string> = {
  string: 'varchar',
  boolean: 'boolean',
  int32: 'integer',
  int64: 'bigint',
  float64: 'double',
  date: 'date',
  timestamp: 'timestamp(6) with time zone',
};
