import type { FieldType } from '../../contract/contract.js';

import type { TextOp } from '../../plan/expr.js';
import { finiteDoubleLiteral, isoDate, isoTimestamp, quoteString, unsupportedBy, type SqlDialect } from './dialect.js';

/**
 * DuckDB's SQL (1.x). Source columns are cast to the field's type, because
 * DuckDB reads Parquet's physical types as they are (TINYINT, UINTEGER,
 * FLOAT, TIMESTAMP_NS); a cast to the type a column already has is dropped
 * when the statement is bound, so filters still reach the Parquet reader.
 *
 * The connection must run with `TimeZone = 'UTC'`: casting a timestamp
 * without time zone to TIMESTAMPTZ reads it in the session's zone, and the
 * plan reads every timestamp as UTC. Everything else here is independent of
 * the session (literals carry their offset; the year mask converts
 * explicitly).
 */
export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  readField(column, type) {
    switch (type) {
      case 'int32':
      case 'int64':
      case 'float64':
      case 'timestamp':
        return `CAST(${column} AS ${TYPES[type]})`;
      default:
        return column;
    }
  },
  sqlType: (type) => TYPES[type],
  float(v) {
    if (Number.isFinite(v)) return finiteDoubleLiteral(v);
    return `CAST('${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'}' AS DOUBLE)`;
  },
  date(days) {
    const text = isoDate(days);
    if (text === undefined) throw unsupportedBy('duckdb', 'a date outside the years 0001–9999');
    return `DATE '${text}'`;
  },
  timestamp(micros) {
    const text = isoTimestamp(micros);
    if (text === undefined) throw unsupportedBy('duckdb', 'a timestamp outside the years 0001–9999');
    return `TIMESTAMPTZ '${text}+00'`;
  },
  text(x, op, pattern, negated) {
    const test = `${TEXT_FUNCTION[op]}(${x}, ${quoteString(pattern)})`;
    return negated ? `NOT ${test}` : test;
  },
  integerDivision: (a, b) => `(${a}) // ${b}`,
  startOfYear(x, type) {
    if (type === 'date') return `make_date(year(${x}), 1, 1)`;
    // date_trunc on a TIMESTAMPTZ works in the session's zone: truncate the UTC wall time instead.
    return `timezone('UTC', date_trunc('year', timezone('UTC', ${x})))`;
  },
  afterLastAt: (x) => `split_part(${x}, '@', -1)`,
  // BIGINT sums are HUGEINT (128-bit): exact.
  sumIntegers: (x) => `sum(${x})`,
  truncate: (x) => `trunc(${x})`,
  offsetLimit(offset, limit) {
    const parts = [...(limit !== undefined ? [`LIMIT ${limit}`] : []), ...(offset > 0 ? [`OFFSET ${offset}`] : [])];
    return parts.join(' ');
  },
};

const TYPES: Record<FieldType, string> = {
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  int32: 'INTEGER',
  int64: 'BIGINT',
  float64: 'DOUBLE',
  date: 'DATE',
  timestamp: 'TIMESTAMPTZ',
};

const TEXT_FUNCTION: Record<TextOp, string> = { contains: 'contains', startsWith: 'starts_with', endsWith: 'ends_with' };
