/**
 * The bench's orders and customers loaded into PostgreSQL, the same rows
 * as the Parquet files Sluice serves: DuckDB writes each Parquet file out
 * as CSV (the next file while PostgreSQL copies the last), the server reads
 * it with `COPY … FROM` into a table created in the same transaction (so
 * PostgreSQL writes no WAL for it), then the keys and indexes, then
 * `VACUUM (FREEZE, ANALYZE)`.
 *
 * Tables take the types of the contracts (orders v2, customers v1) and the
 * contract's field names as column names, so PostGraphile's fields read like
 * Sluice's (`total_amount` → `totalAmount`). What a PostGraphile user would
 * add for the bench's questions, and nothing more:
 *
 * - primary keys (order_id, customer_id): Q1, Q3 and Q6 page by order_id,
 *   Q6 looks customers up by theirs;
 * - orders (region, total_amount): Q2 and Q8 (a region, amounts above a
 *   bound, largest first);
 * - orders (email): Q4's point lookup;
 * - a view of totals by region and status for Q5: PostGraphile v4 has no
 *   group-by of its own (the @graphile/pg-aggregates plugin declares graphql
 *   below 16 as a peer, which cannot sit beside this project's graphql 16);
 * - a declared (not enforced) foreign key orders.customer_id → customers for
 *   Q6's `customerByCustomerId`: the generated orders reference customer ids
 *   past the last customer (Sluice's relationship answers null for them), so
 *   a real constraint cannot hold; a smart comment declares it to PostGraphile;
 * - the analyst of Q8 as a role with a row-level security policy (region in
 *   the caller's `regions` claim). Sluice's analyst also gets e-mails hashed:
 *   PostgreSQL has no per-caller column mask, so PostGraphile would need a
 *   computed column or a view per caller for that; the peer's Q8 returns the
 *   rows only.
 *
 * Q7 (a count over half the regions and a quarter of the quantities) and Q5
 * read most of the table: no index a user would add helps them.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { BenchData } from '../generate.js';
import type { Cluster } from './postgres.js';

export const INDEXES = [
  'orders: primary key (order_id)',
  'orders (region, total_amount)',
  'orders (email)',
  'customers: primary key (customer_id)',
];

const ORDERS = `CREATE TABLE orders (
  order_id bigint NOT NULL,
  customer_id bigint NOT NULL,
  region text NOT NULL,
  status text NOT NULL,
  total_amount double precision NOT NULL,
  currency text NOT NULL,
  quantity integer NOT NULL,
  email text,
  notes text,
  order_date date NOT NULL,
  created_at timestamptz NOT NULL,
  is_gift boolean
)`;

const CUSTOMERS = `CREATE TABLE customers (
  customer_id bigint NOT NULL,
  name text NOT NULL,
  email text,
  country text NOT NULL,
  segment text NOT NULL,
  signup_date date NOT NULL,
  lifetime_value double precision,
  is_active boolean NOT NULL,
  updated_at timestamptz NOT NULL
)`;

const ORDER_COLUMNS = 'order_id, customer_id, region, status, amount, currency, quantity, email, notes, order_date, created_at, is_gift';
const CUSTOMER_COLUMNS = 'customer_id, name, email, country, segment, signup_date, lifetime_value, is_active, updated_at';

/** The analyst's row filter: the regions of the caller's token (PostGraphile sets `jwt.claims.*` from it). */
const AFTER = [
  'ALTER TABLE customers ADD PRIMARY KEY (customer_id)',
  'ALTER TABLE orders ADD PRIMARY KEY (order_id)',
  'CREATE INDEX orders_region_total_amount ON orders (region, total_amount)',
  'CREATE INDEX orders_email ON orders (email)',
  `COMMENT ON TABLE orders IS E'@foreignKey (customer_id) references customers (customer_id)'`,
  `CREATE VIEW order_totals AS
     SELECT region, status, count(*) AS orders, sum(total_amount) AS total_amount_sum, avg(total_amount) AS total_amount_avg
     FROM orders GROUP BY region, status`,
  'CREATE ROLE analyst NOLOGIN',
  'GRANT USAGE ON SCHEMA public TO analyst',
  'GRANT SELECT ON orders, customers TO analyst',
  'ALTER TABLE orders ENABLE ROW LEVEL SECURITY',
  `CREATE POLICY analyst_regions ON orders FOR SELECT TO analyst
     USING (region = ANY (string_to_array(current_setting('jwt.claims.regions', true), ',')))`,
];

export interface LoadTimes {
  readonly copySeconds: number;
  readonly indexSeconds: number;
  readonly analyzeSeconds: number;
  readonly tableBytes: number;
  readonly indexBytes: number;
}

export async function loadBenchData(
  cluster: Cluster,
  data: BenchData,
  progress: (s: string) => void = () => undefined,
): Promise<LoadTimes> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  const duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  const t0 = Date.now();
  const seconds = (from: number) => (Date.now() - from) / 1000;
  try {
    const parts = (glob: string) =>
      readdirSync(dirname(glob))
        .filter((f) => f.endsWith('.parquet'))
        .sort()
        .map((f) => join(dirname(glob), f));
    const jobs = [
      ...parts(data.customersGlob).map((file) => ({ table: 'customers', columns: CUSTOMER_COLUMNS, file })),
      ...parts(data.ordersGlob).map((file) => ({ table: 'orders', columns: ORDER_COLUMNS, file })),
    ];
    const exportCsv = async (i: number): Promise<string> => {
      const job = jobs[i]!;
      const csv = cluster.stagingFile(`load-${i}.csv`);
      await duck.run(`COPY (SELECT ${job.columns} FROM read_parquet('${job.file}')) TO '${csv}' (FORMAT csv, HEADER false)`);
      return csv;
    };
    await client.query('BEGIN');
    await client.query(CUSTOMERS);
    await client.query(ORDERS);
    let next = exportCsv(0);
    for (let i = 0; i < jobs.length; i++) {
      const csv = await next;
      if (i + 1 < jobs.length) {
        next = exportCsv(i + 1);
        next.catch(() => undefined); // awaited on the next turn; a COPY failing first must not leave it unhandled
      }
      progress(`postgres: COPY ${jobs[i]!.table} from file ${i + 1}/${jobs.length}, ${seconds(t0).toFixed(0)} s so far…`);
      await client.query(`COPY ${jobs[i]!.table} FROM '${csv}' (FORMAT csv)`);
      rmSync(csv, { force: true });
    }
    await client.query('COMMIT');
    const copySeconds = seconds(t0);
    const t1 = Date.now();
    for (const statement of AFTER) {
      if (/^(ALTER TABLE \w+ ADD PRIMARY|CREATE INDEX)/.test(statement)) progress(`postgres: ${statement.split('\n')[0]}…`);
      await client.query(statement);
    }
    const indexSeconds = seconds(t1);
    const t2 = Date.now();
    progress('postgres: VACUUM (FREEZE, ANALYZE)…');
    await client.query('VACUUM (FREEZE, ANALYZE) customers, orders');
    const analyzeSeconds = seconds(t2);
    const size = await client.query<{ table: string; indexes: string }>(
      `SELECT sum(pg_table_size(c.oid))::text AS table, sum(pg_indexes_size(c.oid))::text AS indexes
         FROM pg_class c WHERE c.relname IN ('orders', 'customers')`,
    );
    progress(`postgres: ${data.rows.toLocaleString('en')} orders loaded in ${seconds(t0).toFixed(0)} s (COPY ${copySeconds.toFixed(0)} s)`);
    return {
      copySeconds,
      indexSeconds,
      analyzeSeconds,
      tableBytes: Number(size.rows[0]!.table),
      indexBytes: Number(size.rows[0]!.indexes),
    };
  } finally {
    duck.closeSync();
    await client.end();
  }
}
