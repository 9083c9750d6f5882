import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ScanNode, type ScanField } from '../../src/plan/plan.js';
import type { Row } from '../../src/plan/scalar.js';
import { normalise, querySql, type Oracle } from './duckdb-oracle.js';

/**
 * Data the engine tests run over: the committed demo orders (big row groups,
 * sorted primary key, nulls in strings and booleans) and a generated
 * `events` source (many small files, nulls in every type, a file whose sort
 * column is all null, negative dates, nanosecond timestamps, narrow and
 * widened physical types, strings with astral and high-BMP characters).
 */
export interface Dataset {
  readonly product: string;
  readonly source: string;
  readonly fields: readonly ScanField[];
  readonly primaryKey: string;
  /** A deterministic sample of rows, to draw predicate literals from. */
  readonly sample: readonly Row[];
}

export const ORDERS_SOURCE = resolve('products/orders/data/*.parquet');
export const CUSTOMERS_SOURCE = resolve('products/customers/data/*.parquet');

/** Orders v2: `total_amount` reads column `amount`. */
export const ORDERS_FIELDS: readonly ScanField[] = [
  { name: 'order_id', column: 'order_id', type: 'int64' },
  { name: 'customer_id', column: 'customer_id', type: 'int64' },
  { name: 'region', column: 'region', type: 'string' },
  { name: 'status', column: 'status', type: 'string' },
  { name: 'total_amount', column: 'amount', type: 'float64' },
  { name: 'currency', column: 'currency', type: 'string' },
  { name: 'quantity', column: 'quantity', type: 'int32' },
  { name: 'email', column: 'email', type: 'string' },
  { name: 'notes', column: 'notes', type: 'string' },
  { name: 'order_date', column: 'order_date', type: 'date' },
  { name: 'created_at', column: 'created_at', type: 'timestamp' },
  { name: 'is_gift', column: 'is_gift', type: 'boolean' },
];

export const CUSTOMERS_FIELDS: readonly ScanField[] = [
  { name: 'customer_id', column: 'customer_id', type: 'int64' },
  { name: 'name', column: 'name', type: 'string' },
  { name: 'email', column: 'email', type: 'string' },
  { name: 'country', column: 'country', type: 'string' },
  { name: 'segment', column: 'segment', type: 'string' },
  { name: 'signup_date', column: 'signup_date', type: 'date' },
  { name: 'lifetime_value', column: 'lifetime_value', type: 'float64' },
  { name: 'is_active', column: 'is_active', type: 'boolean' },
  { name: 'updated_at', column: 'updated_at', type: 'timestamp' },
];

export const EVENTS_FIELDS: readonly ScanField[] = [
  { name: 'id', column: 'id', type: 'int64' },
  { name: 'grp', column: 'grp', type: 'int32' },
  { name: 'score', column: 'score', type: 'float64' },
  { name: 'seq', column: 'seq', type: 'int64' },
  { name: 'day', column: 'day', type: 'date' },
  { name: 'at', column: 'at', type: 'timestamp' },
  { name: 'nanos', column: 'ns', type: 'timestamp' },
  { name: 'label', column: 'label', type: 'string' },
  { name: 'flag', column: 'flag', type: 'boolean' },
  { name: 'tiny', column: 'tiny', type: 'int32' },
  { name: 'f32', column: 'f32', type: 'float64' },
  { name: 'u32', column: 'u32', type: 'int64' },
];

/** Row counts of the generated files: small files are one row group each, the last has two (DuckDB cuts at 2048). */
const EVENT_FILES = [700, 700, 700, 700, 350, 700, 700, 2500];
/** The file whose `seq` is entirely null. */
const ALL_NULL_SEQ_FILE = 3;

export async function writeEvents(oracle: Oracle): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-engine-events-'));
  let first = 0;
  for (const [k, n] of EVENT_FILES.entries()) {
    const file = join(dir, `events-${String(k).padStart(2, '0')}.parquet`);
    await oracle.run(`COPY (
      SELECT
        (i + 1)::BIGINT AS id,
        CASE WHEN i % 11 = 0 THEN NULL ELSE (hash(i) % 7)::INTEGER END AS grp,
        CASE WHEN i % 13 = 0 THEN NULL ELSE (hash(i * 3) % 200000)::DOUBLE / 100 - 1000 END AS score,
        CASE WHEN ${k} = ${ALL_NULL_SEQ_FILE} OR i % 17 = 0 THEN NULL ELSE (i * 3 + hash(i) % 5)::BIGINT END AS seq,
        CASE WHEN i % 19 = 0 THEN NULL ELSE DATE '1965-06-01' + (i // 3)::INTEGER END AS day,
        CASE WHEN i % 23 = 0 THEN NULL ELSE make_timestamp((-100000000000000 + i * 123456789 + hash(i) % 1000)::BIGINT)::TIMESTAMPTZ END AS at,
        make_timestamp_ns(1577836800000000000 + i * 1000001 + 7) AS ns,
        CASE WHEN i % 7 = 0 THEN NULL WHEN i % 29 = 0 THEN ''
             ELSE list_element(['alpha', 'Beta', 'gamma', 'Ünïcode ✓', '😀 smile', 'Ａwide', 'alp', 'zeta', 'alpha beta'], (hash(i) % 9 + 1)::INTEGER) || ' #' || (i % 50)::VARCHAR END AS label,
        CASE WHEN i % 5 = 0 THEN NULL ELSE hash(i) % 2 = 0 END AS flag,
        ((hash(i) % 200)::INTEGER - 100)::TINYINT AS tiny,
        ((hash(i) % 1000)::FLOAT / 8) AS f32,
        (hash(i) % 4000000000)::UINTEGER AS u32
      FROM range(${first}, ${first + n}) t(i)
    ) TO '${file}' (FORMAT parquet)`);
    first += n;
  }
  return join(dir, 'events-*.parquet');
}

export async function openDataset(
  oracle: Oracle,
  product: string,
  source: string,
  fields: readonly ScanField[],
  primaryKey: string,
): Promise<Dataset> {
  const all = await oracle.rows(querySql({ source, fields, orderBy: [{ field: primaryKey, direction: 'asc', nullsLast: true }] }));
  // Every 97th row: spread over all files and row groups, deterministic.
  const sample = normalise(
    all.filter((_, i) => i % 97 === 0),
    fields,
  );
  return { product, source, fields, primaryKey, sample };
}

export function scanOf(d: Dataset, overrides: Partial<Omit<ScanNode, 'kind'>> = {}): ScanNode {
  return ScanNode.create({ product: d.product, major: 1, version: '1.0.0', source: d.source, fields: d.fields, filters: [], ...overrides });
}
