/**
 * `npm run bench`: Sluice next to DuckDB, same files, same run, same machine.
 *
 * Each query runs through the whole gateway in-process (GraphQL parse,
 * validate, compile, analyze, optimize, engine, serialize; no socket) and as
 * the equivalent SQL in DuckDB over the same Parquet files. First run and
 * warm p50/p99 over repeated runs; the figures that matter are the ratios.
 * Results go to bench/results.json and bench/results.md.
 *
 * This is the foundation's rough benchmark on the demo data; the performance
 * work extends it (10M rows, HTTP floor, cold processes, memory).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openDemo } from '../test/support/demo.js';

interface Case {
  readonly id: string;
  readonly what: string;
  readonly graphql: string;
  readonly sql: string;
}

const ORDERS = `'products/orders/data/*.parquet'`;
const CUSTOMERS = `'products/customers/data/*.parquet'`;
const CASES: Case[] = [
  {
    id: 'Q1',
    what: 'primary-key page (first 50)',
    graphql: '{ ordersV2(first: 50) { nodes { order_id status total_amount order_date } pageInfo { endCursor } } }',
    sql: `SELECT order_id, status, amount, order_date FROM ${ORDERS} ORDER BY order_id LIMIT 51`,
  },
  {
    id: 'Q1r',
    what: 'primary-key range page',
    graphql: '{ ordersV2(where: { order_id: { gte: "30100" } }, first: 50) { nodes { order_id status total_amount order_date } } }',
    sql: `SELECT order_id, status, amount, order_date FROM ${ORDERS} WHERE order_id >= 30100 ORDER BY order_id LIMIT 51`,
  },
  {
    id: 'Q2',
    what: 'selective filter + orderBy + first 20',
    graphql:
      '{ ordersV2(where: { region: { eq: "EU" }, total_amount: { gt: 1900 } }, orderBy: [{ total_amount: DESC }], first: 20) { nodes { order_id total_amount created_at } } }',
    sql: `SELECT order_id, amount, created_at FROM ${ORDERS} WHERE region = 'EU' AND amount > 1900 ORDER BY amount DESC NULLS LAST, order_id LIMIT 21`,
  },
  {
    id: 'Q3',
    what: 'full-scan filter (non-selective), first 20 by created_at',
    graphql:
      '{ ordersV2(where: { status: { ne: "cancelled" }, quantity: { gte: 3 } }, orderBy: [{ created_at: DESC }], first: 20) { nodes { order_id status created_at } } }',
    sql: `SELECT order_id, status, created_at FROM ${ORDERS} WHERE status <> 'cancelled' AND quantity >= 3 ORDER BY created_at DESC NULLS LAST, order_id LIMIT 21`,
  },
  {
    id: 'Q4',
    what: 'point lookup on an unsorted column',
    graphql: '{ ordersV2(where: { email: { eq: "buyer43480@example.com" } }, first: 10) { nodes { order_id email } } }',
    sql: `SELECT order_id, email FROM ${ORDERS} WHERE email = 'buyer43480@example.com' ORDER BY order_id LIMIT 11`,
  },
  {
    id: 'Q6',
    what: '500 orders with their customer (relationship, one batch)',
    graphql: '{ ordersV2(first: 500) { nodes { order_id total_amount customer { name country } } } }',
    sql: `SELECT o.order_id, o.amount, c.name, c.country
      FROM (SELECT order_id, amount, customer_id FROM ${ORDERS} ORDER BY order_id LIMIT 501) o
      LEFT JOIN ${CUSTOMERS} c USING (customer_id) ORDER BY o.order_id`,
  },
  {
    id: 'Q7',
    what: 'totalCount with a filter',
    graphql: '{ ordersV2(where: { region: { in: ["EU", "US"] }, notes: { contains: "door" } }) { totalCount } }',
    sql: `SELECT count(*) FROM ${ORDERS} WHERE region IN ('EU', 'US') AND contains(notes, 'door')`,
  },
];

const WARM_RUNS = Number(process.env.BENCH_RUNS ?? 30);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function time(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

async function measure(f: () => Promise<unknown>) {
  const first = await time(f);
  for (let i = 0; i < 3; i++) await f();
  const warm: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) warm.push(await time(f));
  return { firstMs: first, p50Ms: quantile(warm, 0.5), p99Ms: quantile(warm, 0.99) };
}

const progress = (s: string) => process.stderr.write(`${s}\n`);

async function main() {
  progress(`bench: ${CASES.length} queries, ${WARM_RUNS} warm runs each, Sluice (in-process GraphQL) vs DuckDB over the same Parquet`);
  const demo = await openDemo();
  const duck = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  // Plans per request, counted where they reach the engine (a relationship
  // level is one batched plan, whatever the number of parents).
  let executed = 0;
  const execute = demo.engine.execute.bind(demo.engine);
  demo.engine.execute = (...args) => {
    executed++;
    return execute(...args);
  };
  const rows = [];
  for (const c of CASES) {
    progress(`  ${c.id} ${c.what}…`);
    executed = 0;
    const sluice = await measure(async () => {
      const r = await demo.query(c.graphql);
      if (r.errors) throw new Error(`${c.id}: ${JSON.stringify(r.errors)}`);
    });
    // Every request runs the same plans: the first, 3 warm-ups and WARM_RUNS measured.
    const plans = executed / (4 + WARM_RUNS);
    const duckdb = await measure(() => duck.runAndReadAll(c.sql));
    rows.push({ ...c, plans, sluice, duckdb, ratioP50: sluice.p50Ms / duckdb.p50Ms, ratioFirst: sluice.firstMs / duckdb.firstMs });
  }
  duck.closeSync();

  const results = {
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
    data: 'demo: orders v2, 60,000 rows in 2 files × 8 row groups; customers v1, 20,000 rows in 1 file × 10 row groups',
    warmRuns: WARM_RUNS,
    queries: rows.map(({ graphql: _g, sql: _s, ...r }) => r),
  };
  writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
  const f = (x: number) => x.toFixed(2);
  const md = [
    `# Bench — ${results.data}`,
    '',
    `${results.date}, Node ${process.version}, ${results.machine.cpus} cores, ${WARM_RUNS} warm runs. Sluice = whole GraphQL request in-process; DuckDB = the same SQL over the same Parquet.`,
    '',
    '| query | what | plans | Sluice p50 ms | DuckDB p50 ms | ratio p50 | Sluice p99 | DuckDB p99 | Sluice first | DuckDB first |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.id} | ${r.what} | ${r.plans} | ${f(r.sluice.p50Ms)} | ${f(r.duckdb.p50Ms)} | ${f(r.ratioP50)}× | ${f(r.sluice.p99Ms)} | ${f(r.duckdb.p99Ms)} | ${f(r.sluice.firstMs)} | ${f(r.duckdb.firstMs)} |`,
    ),
    '',
  ].join('\n');
  writeFileSync('bench/results.md', md);
  process.stdout.write(md);
}

await main();
