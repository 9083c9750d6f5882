/**
 * One point of the scale curve (run by bench/run.ts, one process per size):
 *   tsx bench/scale.ts <rows>
 * Generates the data once under bench/.cache (as run.ts does), then the
 * warm p50 of every bench query through the gateway in-process and in
 * DuckDB over the same Parquet, and cold Q1 of both in fresh processes
 * (bench/cold.ts). Prints one JSON line (chart.ts `ScalePoint`).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { openDemo } from '../test/support/demo.js';
import type { ScalePoint } from './chart.js';
import { ensureData, REPO } from './generate.js';
import { measure } from './measure.js';
import { benchQueries, parquetSources } from './queries.js';

const rows = Number(process.argv[2]);
/**
 * Past 50M orders a query that reads every row no longer fits the column
 * cache and decodes everything on every run (tens of seconds at 100M): one
 * unmeasured run after the first and three measured ones keep the point
 * under half an hour; the table says how many runs each figure has.
 */
const BIG = rows >= 50_000_000;
const runs = BIG ? { runs: 5, minRuns: 3, warmups: 1 } : { runs: 10, minRuns: 5, warmups: 2 };
const progress = (s: string) => process.stderr.write(`  ${s}\n`);
const data = await ensureData(rows, progress);
const queries = benchQueries(data);
const sources = parquetSources(data);
const demo = await openDemo(data.config);
const duck = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
const measured: ScalePoint['queries'][number][] = [];
for (const q of queries) {
  const sluice = await measure(
    async () => {
      const r = await demo.query(q.graphql, undefined, q.headers);
      if (r.errors) throw new Error(`${q.id}: ${JSON.stringify(r.errors)}`);
    },
    runs.runs,
    10_000,
    runs,
  );
  const duckdb = await measure(() => duck.runAndReadAll(q.sql(sources.orders, sources.customers)), runs.runs, 10_000, runs);
  progress(`${rows.toLocaleString('en')} orders, ${q.id}: Sluice ${sluice.p50Ms.toFixed(1)} ms, DuckDB ${duckdb.p50Ms.toFixed(1)} ms`);
  measured.push({ id: q.id, sluiceP50Ms: sluice.p50Ms, duckdbP50Ms: duckdb.p50Ms, runs: Math.min(sluice.runs, duckdb.runs) });
}
await demo.engine.close();
duck.closeSync();

const cold = (engine: string): number => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/cold.ts', engine, 'Q1', String(rows)], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`cold ${engine} Q1 at ${rows}: ${run.stderr}`);
  return (JSON.parse(run.stdout.trim().split('\n').pop()!) as { ms: number }).ms;
};
const point: ScalePoint = {
  rows,
  queries: measured,
  coldQ1: { sluiceMs: cold('sluice'), duckdbMs: cold('duckdb') },
  measuredAt: new Date().toISOString(),
  loadAverage: loadavg(),
  commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).stdout.trim() || null,
};
// Also kept beside the results, so a long point can be measured in a run of its own (bench/run.ts BENCH_SCALE_SAVED).
writeFileSync(join(process.env.BENCH_OUT ?? join(REPO, 'bench'), `scale-${rows}.json`), `${JSON.stringify(point, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(point)}\n`);
