/**
 * One cold measurement in a fresh process (run by bench/run.ts):
 *   tsx bench/cold.ts <sluice|duckdb> <query id> <rows>
 * Sluice: the gateway is opened as `serve` opens it (contracts checked
 * against every file's footer), then the first request is timed. DuckDB: a
 * new instance, the first query timed. Prints `{"ms": …}`. The files are in
 * the OS page cache either way: cold means a new process, not a cold disk.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { performance } from 'node:perf_hooks';
import { openDemo } from '../test/support/demo.js';
import { ensureData } from './generate.js';
import { benchQueries, parquetSources } from './queries.js';

const [engine, id, rows] = process.argv.slice(2);
const data = await ensureData(Number(rows));
const q = benchQueries(data).find((x) => x.id === id);
if (q === undefined) throw new Error(`no query ${id}`);
let ms: number;
if (engine === 'sluice') {
  const demo = await openDemo(data.config);
  const t = performance.now();
  const r = await demo.query(q.graphql, undefined, q.headers);
  ms = performance.now() - t;
  if (r.errors) throw new Error(`${id}: ${JSON.stringify(r.errors)}`);
  await demo.engine.close();
} else {
  const duck = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  const s = parquetSources(data);
  const t = performance.now();
  await duck.runAndReadAll(q.sql(s.orders, s.customers));
  ms = performance.now() - t;
  duck.closeSync();
}
process.stdout.write(`${JSON.stringify({ ms })}\n`);
