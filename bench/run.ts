/**
 * `npm run bench` (issue 8): Sluice next to DuckDB, same files, same run,
 * same machine.
 *
 * 1. Data: bench/generate.ts writes BENCH_ROWS orders (default 10,000,000)
 *    and rows/50 customers once under bench/.cache, plus a deployment of the
 *    demo contracts and policies over them.
 * 2. Warm, in-process: each query through the whole gateway (yoga.fetch: parse,
 *    validate, compile, analyze, optimize, engine, serialize; no socket), and
 *    the equivalent SQL in DuckDB over the same Parquet files and over the
 *    same rows loaded into DuckDB tables. p50/p99 over repeated runs.
 * 3. Cold: each query first in a fresh process (bench/cold.ts), both engines.
 * 4. HTTP: the real server (`sluice serve`) in its own process: each query's
 *    latency from one client, then autocannon on Q1 against the gateway and
 *    against a trivial yoga server (bench/floor.ts), same concurrency.
 * 5. Memory: the server's peak RSS (VmHWM) and the engine's cache bytes.
 *
 * Results: BENCH_OUT (default bench/) results.json, results.md, results.svg;
 * generated data: BENCH_CACHE (default bench/.cache).
 * BENCH_ROWS=10000 is the smoke mode that test/bench/smoke.test.ts runs.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { DEFAULT_COLUMN_CACHE_BYTES } from '../src/engine/engine.js';
import { performance } from 'node:perf_hooks';
import { openDemo, type Demo } from '../test/support/demo.js';
import { ensureData, REPO, type BenchData } from './generate.js';
import { benchQueries, parquetSources, type BenchQuery } from './queries.js';
import { renderChart, renderScaleChart, type ScalePoint } from './chart.js';
import { benchReplicas, replicasMarkdown } from './replicas.js';
import { measure as measureRuns, median, type Timing } from './measure.js';
import { benchPeers, peersMarkdown } from './peers.js';
import { findPostgresBin, NO_POSTGRES } from './peers/postgres.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const SMOKE = ROWS <= 100_000;
const OUT = process.env.BENCH_OUT ?? join(REPO, 'bench');
const WARM_RUNS = Number(process.env.BENCH_RUNS ?? (SMOKE ? 5 : 30));
/** A slow query stops repeating after this long (but runs at least 5 times). */
const BUDGET_MS = SMOKE ? 1_000 : 15_000;
const COLD_REPEATS = SMOKE ? 1 : 3;
/** Cold processes cost seconds each (a fresh Node, tsx, the gateway): the smoke mode measures Q1's only, which exercises the same path. */
const COLD_QUERIES = SMOKE ? new Set(['Q1']) : undefined;
/** Other data sizes measured by bench/scale.ts for the scale curve (BENCH_SCALE=1000000,…; default 1M beside 10M; none in smoke mode). */
const SCALE = (process.env.BENCH_SCALE ?? (SMOKE ? '' : '1000000'))
  .split(',')
  .filter((x) => x.trim() !== '')
  .map(Number)
  .filter((n) => n !== ROWS);
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? (SMOKE ? 1 : 10));
const CONNECTIONS = 10;
const HASH_KEY = (process.env.SLUICE_HASH_KEY ??= 'demo-only-hash-key');
// The demo config serves /metrics behind a token (server.metrics.tokenEnv); the server process needs one.
process.env.SLUICE_METRICS_TOKEN ??= 'demo-only-metrics-token';

/** `npm run bench -- --peers`: PostGraphile over PostgreSQL beside Sluice (bench/peers.ts). */
const PEERS = process.argv.includes('--peers');

const progress = (s: string) => process.stderr.write(`${s}\n`);
const measure = (f: () => Promise<unknown>) => measureRuns(f, WARM_RUNS, BUDGET_MS);

async function sluiceQuery(demo: Demo, q: BenchQuery): Promise<void> {
  const r = await demo.query(q.graphql, undefined, q.headers);
  if (r.errors) throw new Error(`${q.id}: ${JSON.stringify(r.errors)}`);
}

/** Runs a child to completion; its stdout. */
function runChild(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: REPO,
      env: { ...process.env, SLUICE_HASH_KEY: HASH_KEY, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}: ${err}`))));
  });
}

const TSX = ['--import', 'tsx'];

async function cold(engine: 'sluice' | 'duckdb', id: string): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < COLD_REPEATS; i++) {
    const out = await runChild([...TSX, 'bench/cold.ts', engine, id, String(ROWS)]);
    ms.push((JSON.parse(out.trim().split('\n').pop()!) as { ms: number }).ms);
  }
  return median(ms);
}

/**
 * glibc's allocator as the Dockerfile sets it (read when a process starts;
 * why: docs/configuration.md, Memory): the servers run as the image runs them.
 * bench/memory.ts measures the server with and without them.
 */
const ALLOCATOR = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

/** Starts a server process and waits for the URL it prints. */
async function startProcess(args: string[], pattern: RegExp): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env: { ...process.env, ...ALLOCATOR, SLUICE_HASH_KEY: HASH_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${err}`)), 120_000);
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)));
  });
  return { url, child };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Peak resident set of a process, from /proc (Linux). */
function peakRssBytes(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

async function post(url: string, q: { graphql: string; headers?: Record<string, string> }): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'demo-admin-key', ...q.headers },
    body: JSON.stringify({ query: q.graphql }),
  });
  const body = (await res.json()) as { errors?: unknown };
  if (!res.ok || body.errors) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
}

export interface Load {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly total: number;
}

/**
 * The bench deployment's config with `server` settings changed (compiled
 * execution, the result cache), in a temporary folder of its own (its audit
 * log too); products and policies stay where they are.
 */
function variantConfig(config: string, server: Record<string, unknown>): string {
  const raw = parseYaml(readFileSync(config, 'utf8')) as Record<string, unknown> & { server?: Record<string, unknown> };
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-variant-'));
  const base = dirname(config);
  raw['products'] = resolve(base, String(raw['products'] ?? './products'));
  raw['policies'] = resolve(base, String(raw['policies'] ?? './policies'));
  raw['audit'] = { file: join(dir, 'audit.log') };
  raw.server = { ...raw.server, ...server };
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, stringifyYaml(raw));
  return file;
}

/** `sluice serve` over `config`: autocannon on each body, then its peak RSS; stopped after. */
async function loadServer(config: string, bodies: readonly string[]): Promise<{ loads: Load[]; peakRssBytes: number | null }> {
  const server = await startProcess(['bin/sluice.js', 'serve', '--config', config, '--port', '0'], SERVING);
  const loads: Load[] = [];
  for (const body of bodies) loads.push(await load(server.url, body, { 'x-api-key': 'demo-admin-key' }));
  const peak = peakRssBytes(server.child.pid!);
  await stopProcess(server.child);
  return { loads, peakRssBytes: peak };
}

const SERVING = /sluice: serving .* at (http:\/\/\S+\/graphql)/;

async function load(url: string, body: string, headers: Record<string, string>): Promise<Load> {
  const opts = {
    url,
    connections: CONNECTIONS,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  };
  // Warm-up: one request (the first compiles and reads), then, outside the smoke mode, a second of load.
  await fetch(url, { method: 'POST', headers: opts.headers, body });
  if (!SMOKE) await autocannon({ ...opts, duration: 1 });
  const r = await autocannon({ ...opts, duration: HTTP_SECONDS });
  return {
    // Completed requests over the run's length: a one-second run has a single per-second sample, which may be partial.
    requestsPerSecond: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    total: r.requests.total,
  };
}

async function main() {
  const t0 = performance.now();
  // Before half an hour of measuring, not after it.
  if (PEERS && findPostgresBin() === null) {
    progress(`bench --peers: ${NO_POSTGRES}`);
    process.exit(1);
  }
  progress(
    `bench: ${ROWS.toLocaleString('en')} orders${SMOKE ? ' (smoke mode)' : ''}; up to ${WARM_RUNS} warm runs per query; results to ${OUT}`,
  );
  const data = await ensureData(ROWS, progress);
  const queries = benchQueries(data);
  const sources = parquetSources(data);

  progress('warm, in-process: opening the gateway and DuckDB…');
  const demo = await openDemo(data.config);
  let executed = 0;
  const execute = demo.engine.execute.bind(demo.engine);
  demo.engine.execute = (...args) => {
    executed++;
    return execute(...args);
  };
  const parquetDb = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  const memoryDb = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  await memoryDb.run(`CREATE TABLE orders AS SELECT * FROM ${sources.orders}`);
  await memoryDb.run(`CREATE TABLE customers AS SELECT * FROM ${sources.customers}`);

  const warm = [];
  for (const q of queries) {
    progress(`  ${q.id} ${q.what}: Sluice…`);
    executed = 0;
    const sluice = await measure(() => sluiceQuery(demo, q));
    const plans = executed / (3 + sluice.runs);
    progress(`  ${q.id}: DuckDB over Parquet, DuckDB in memory…`);
    const duckdb = await measure(() => parquetDb.runAndReadAll(q.sql(sources.orders, sources.customers)));
    const duckdbMemory = await measure(() => memoryDb.runAndReadAll(q.sql('orders', 'customers')));
    progress(
      `  ${q.id}: Sluice p50 ${sluice.p50Ms.toFixed(1)} ms, DuckDB ${duckdb.p50Ms.toFixed(1)} ms, in memory ${duckdbMemory.p50Ms.toFixed(1)} ms`,
    );
    warm.push({ id: q.id, what: q.what, plans, sluice, duckdb, duckdbMemory });
  }
  const inProcessCache = cacheStatsOf(demo);
  const benchPeakRss = process.resourceUsage().maxRSS * 1024;
  await demo.engine.close();
  closeDb(parquetDb);
  closeDb(memoryDb);

  const coldTimes: Record<string, { sluiceMs: number; duckdbMs: number } | null> = {};
  for (const q of queries) {
    coldTimes[q.id] = null;
    if (COLD_QUERIES && !COLD_QUERIES.has(q.id)) continue;
    progress(`cold (fresh process × ${COLD_REPEATS}): ${q.id}…`);
    coldTimes[q.id] = { sluiceMs: await cold('sluice', q.id), duckdbMs: await cold('duckdb', q.id) };
  }

  progress('HTTP: starting `sluice serve`…');
  const server = await startProcess(['bin/sluice.js', 'serve', '--config', data.config, '--port', '0'], SERVING);
  const httpLatency: Record<string, Timing> = {};
  for (const q of queries) {
    progress(`  HTTP ${q.id}…`);
    httpLatency[q.id] = await measure(() => post(server.url, q));
  }
  const q1 = queries[0]!;
  progress(`  autocannon -c ${CONNECTIONS} -d ${HTTP_SECONDS}: gateway Q1…`);
  const q1Body = JSON.stringify({ query: q1.graphql });
  const gatewayLoad = await load(server.url, q1Body, { 'x-api-key': 'demo-admin-key' });
  progress(`  autocannon: gateway { __typename } (the gateway's own cost per request, no plan)…`);
  const typenameLoad = await load(server.url, JSON.stringify({ query: '{ __typename }' }), { 'x-api-key': 'demo-admin-key' });
  const serverPeakRss = peakRssBytes(server.child.pid!);
  await stopProcess(server.child);
  progress('  autocannon: gateway Q1 with server.compiledExecution (graphql-jit)…');
  const compiled = await loadServer(variantConfig(data.config, { compiledExecution: true }), [q1Body]);
  progress('  autocannon: gateway Q1 with server.resultCache (reported apart: answers from the cache, not the engine)…');
  const cached = await loadServer(variantConfig(data.config, { resultCache: { maxBytes: 64 * 1024 * 1024 } }), [q1Body]);
  progress('  autocannon: trivial yoga (the floor)…');
  const floor = await startProcess([...TSX, 'bench/floor.ts'], /floor: listening at (\S+)/);
  const floorLoad = await load(floor.url, JSON.stringify({ query: '{ hello }' }), {});
  await stopProcess(floor.child);
  // The peer (optional): PostGraphile over PostgreSQL, the same rows, Sluice measured beside it in turns.
  const peers = PEERS
    ? await benchPeers(data, {
        connections: CONNECTIONS,
        seconds: HTTP_SECONDS,
        runs: WARM_RUNS,
        budgetMs: BUDGET_MS,
        smoke: SMOKE,
        progress,
      })
    : undefined;
  // The scale curve: the same queries at other sizes, each size in a process of its own (bench/scale.ts).
  const scale: ScalePoint[] = [];
  for (const rows of SCALE) {
    progress(`scale: ${rows.toLocaleString('en')} orders (bench/scale.ts)…`);
    scale.push(JSON.parse((await runChild([...TSX, 'bench/scale.ts', String(rows)])).trim().split('\n').pop()!) as ScalePoint);
  }
  // Points measured in runs of their own (a 100M-order point takes half an hour): BENCH_SCALE_SAVED=bench/scale-100000000.json,…
  for (const file of (process.env.BENCH_SCALE_SAVED ?? '').split(',').filter((f) => f.trim() !== '')) {
    const saved = JSON.parse(readFileSync(resolve(file), 'utf8')) as ScalePoint;
    if (saved.rows !== ROWS && !scale.some((p) => p.rows === saved.rows)) scale.push({ ...saved, separate: true });
  }
  scale.push({
    rows: ROWS,
    queries: warm.map((w) => ({ id: w.id, sluiceP50Ms: w.sluice.p50Ms, duckdbP50Ms: w.duckdb.p50Ms })),
    coldQ1: coldTimes['Q1'] ?? null,
  });
  scale.sort((a, b) => a.rows - b.rows);
  // Replicas and Redis (bench/replicas.ts): optional, needs redis-server.
  const replicas =
    process.env.BENCH_REPLICAS === '1' || (!SMOKE && process.env.BENCH_REPLICAS !== '0')
      ? await benchReplicas(data, { connections: CONNECTIONS, seconds: HTTP_SECONDS, progress })
      : undefined;

  const results = {
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length, loadAverage: loadavg() },
    data: {
      orders: data.rows,
      customers: data.customers,
      orderFiles: data.files,
      rowGroupSize: data.rowGroupSize,
      parquetBytes: data.bytes,
    },
    warmRuns: WARM_RUNS,
    queries: warm.map((w) => {
      const c = coldTimes[w.id] ?? null;
      return {
        ...w,
        cold: c,
        http: httpLatency[w.id]!,
        ratio: {
          duckdb: w.sluice.p50Ms / w.duckdb.p50Ms,
          duckdbMemory: w.sluice.p50Ms / w.duckdbMemory.p50Ms,
          cold: c === null ? null : c.sluiceMs / c.duckdbMs,
        },
      };
    }),
    throughput: {
      connections: CONNECTIONS,
      seconds: HTTP_SECONDS,
      query: 'Q1',
      gateway: gatewayLoad,
      floor: floorLoad,
      ratio: gatewayLoad.requestsPerSecond / floorLoad.requestsPerSecond,
      typename: typenameLoad,
      compiled: compiled.loads[0]!,
      resultCache: cached.loads[0]!,
    },
    memory: {
      serverPeakRssBytes: serverPeakRss,
      columnCacheBudgetBytes: columnCacheBudget(),
      benchProcessPeakRssBytes: benchPeakRss,
      inProcessCache,
    },
    scale,
    ...(replicas && { replicas }),
    ...(peers && { peers }),
    seconds: (performance.now() - t0) / 1000,
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const md =
    markdown(results, data, results.peers ? peersMarkdown(results.peers) : undefined) +
    (results.replicas ? `\n${replicasMarkdown(results.replicas)}` : '');
  writeFileSync(join(OUT, 'results.md'), md);
  writeFileSync(
    join(OUT, 'results.svg'),
    renderChart(results.queries, `Sluice vs DuckDB, ${data.rows.toLocaleString('en')} orders, warm p50 (ms, log scale)`),
  );
  if (scale.length > 1) writeFileSync(join(OUT, 'scale.svg'), renderScaleChart(scale));
  process.stdout.write(md);
  progress(`bench: done in ${results.seconds.toFixed(0)} s`);
}

function closeDb(c: DuckDBConnection) {
  c.closeSync();
}

/** The decoded-column cache's budget of the server processes (SLUICE_COLUMN_CACHE_BYTES, or the engine's default). */
function columnCacheBudget(): number {
  const raw = process.env.SLUICE_COLUMN_CACHE_BYTES;
  return raw === undefined || raw === '' ? DEFAULT_COLUMN_CACHE_BYTES : Number(raw);
}

/** The engine's cache figures, when it keeps any. */
function cacheStatsOf(demo: Demo): unknown {
  const e = demo.engine as unknown as { cacheStats?: () => unknown };
  return e.cacheStats?.() ?? null;
}

type Results = {
  date: string;
  machine: { cpus: number; loadAverage: number[] };
  warmRuns: number;
  queries: {
    id: string;
    what: string;
    plans: number;
    sluice: Timing;
    duckdb: Timing;
    duckdbMemory: Timing;
    cold: { sluiceMs: number; duckdbMs: number } | null;
    http: Timing;
    ratio: { duckdb: number; duckdbMemory: number; cold: number | null };
  }[];
  throughput: {
    connections: number;
    seconds: number;
    gateway: Load;
    floor: Load;
    ratio: number;
    typename: Load;
    compiled: Load;
    resultCache: Load;
  };
  memory: { serverPeakRssBytes: number | null; columnCacheBudgetBytes: number; benchProcessPeakRssBytes: number; inProcessCache: unknown };
  scale: ScalePoint[];
};

/** Issues 8 and 18's targets (ratios, same run, warm unless said), each with the figure that decides it. */
function targets(r: Results): string[] {
  const q = (id: string) => r.queries.find((x) => x.id === id)!;
  const x = (v: number) => `${v.toFixed(2)}×`;
  const t = r.throughput;
  const cache = r.memory.inProcessCache as { peakBytes?: number; budgetBytes?: number } | null;
  const rows: [string, string, boolean][] = [
    ...['Q1', 'Q4'].map((id): [string, string, boolean] => [
      `${id} ≤ 0.5× DuckDB over Parquet`,
      x(q(id).ratio.duckdb),
      q(id).ratio.duckdb <= 0.5,
    ]),
    ...['Q2', 'Q3', 'Q7'].map((id): [string, string, boolean] => [
      `${id} ≤ 1.0× DuckDB over Parquet, ≤ 2× DuckDB in memory`,
      `${x(q(id).ratio.duckdb)}, ${x(q(id).ratio.duckdbMemory)}`,
      q(id).ratio.duckdb <= 1 && q(id).ratio.duckdbMemory <= 2,
    ]),
    ['Q5 ≤ 2× DuckDB over Parquet', x(q('Q5').ratio.duckdb), q('Q5').ratio.duckdb <= 2],
    [
      'cold ≤ 3× DuckDB over Parquet (every query)',
      r.queries.flatMap((c) => (c.ratio.cold === null ? [] : [`${c.id} ${x(c.ratio.cold)}`])).join(', ') +
        (r.queries.some((c) => c.ratio.cold === null) ? ' (smoke mode: Q1 only)' : ''),
      r.queries.every((c) => c.ratio.cold === null || c.ratio.cold <= 3),
    ],
    ['Q8 ≤ 1.3× Q2', x(q('Q8').sluice.p50Ms / q('Q2').sluice.p50Ms), q('Q8').sluice.p50Ms <= 1.3 * q('Q2').sluice.p50Ms],
    [
      'HTTP Q1 ≥ 50% of the floor, p99 < 20 ms, no errors',
      `${(t.ratio * 100).toFixed(0)}%, p99 ${t.gateway.p99Ms} ms, ${t.gateway.errors + t.gateway.non2xx} errors`,
      t.ratio >= 0.5 && t.gateway.p99Ms < 20 && t.gateway.errors + t.gateway.non2xx === 0,
    ],
    [
      `server ≤ 600 MiB RSS at the default column cache budget (${mib(r.memory.columnCacheBudgetBytes)}; allocator as the Dockerfile sets it)`,
      mib(r.memory.serverPeakRssBytes),
      r.memory.serverPeakRssBytes !== null && r.memory.serverPeakRssBytes <= 600 * 2 ** 20,
    ],
    ...scaleTarget(r.scale),
    [
      'cache never above its budget',
      cache?.peakBytes === undefined ? 'no cache' : `peak ${cache.peakBytes} of ${cache.budgetBytes} bytes`,
      cache?.peakBytes === undefined || cache.peakBytes <= cache.budgetBytes!,
    ],
  ];
  return [
    'Targets (issues 8 and 18):',
    '',
    '| target | figure | met |',
    '|---|---|---|',
    ...rows.map(([what, fig, ok]) => `| ${what} | ${fig} | ${ok ? 'yes' : 'no'} |`),
    '',
  ];
}

const mib = (b: number | null) => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MiB`);
const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** Issue 18: warm page queries (Q1, Q3, Q6) at the largest size within 2× of 10M, when both were measured. */
function scaleTarget(scale: readonly ScalePoint[]): [string, string, boolean][] {
  const big = scale.at(-1);
  const tenM = scale.find((p) => p.rows === 10_000_000);
  if (big === undefined || tenM === undefined || big === tenM) return [];
  const growth = ['Q1', 'Q3', 'Q6'].map((id) => {
    const a = tenM.queries.find((q) => q.id === id)!.sluiceP50Ms;
    return [id, big.queries.find((q) => q.id === id)!.sluiceP50Ms / a] as const;
  });
  return [
    [
      `warm page queries at ${big.rows.toLocaleString('en')} rows within 2× of 10M`,
      growth.map(([id, g]) => `${id} ${g.toFixed(2)}×`).join(', '),
      growth.every(([, g]) => g <= 2),
    ],
  ];
}

function scaleMarkdown(scale: readonly ScalePoint[]): string[] {
  if (scale.length < 2) return [];
  const ids = scale[0]!.queries.map((q) => q.id);
  const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n.toLocaleString('en'));
  return [
    `Scale curve: warm p50 (ms) of each query and cold Q1, Sluice / DuckDB over Parquet, at ${scale.map((p) => label(p.rows)).join(', ')} orders. Sizes other than the main one are measured by bench/scale.ts in a process of their own, with up to 10 warm runs (3–5 past 50M orders, where a full scan decodes every row group on every run)${scale.some((p) => p.separate) ? '; a size marked * was measured in a run of its own before this one (when, at which load and commit: below the table)' : ', in this run'}:`,
    '',
    `| orders | ${ids.join(' | ')} | cold Q1 |`,
    `|---:|${ids.map(() => '---:|').join('')}---:|`,
    ...scale.map(
      (p) =>
        `| ${label(p.rows)}${p.separate ? '*' : ''} | ${p.queries.map((q) => `${f(q.sluiceP50Ms)} / ${f(q.duckdbP50Ms)}`).join(' | ')} | ${p.coldQ1 === null ? '—' : `${f(p.coldQ1.sluiceMs)} / ${f(p.coldQ1.duckdbMs)}`} |`,
    ),
    '',
    ...scale
      .filter((p) => p.separate)
      .map(
        (p) =>
          `\\* ${label(p.rows)}: measured ${p.measuredAt ?? '(unknown)'} at commit ${p.commit ?? '(unknown)'}, load average ${p.loadAverage?.map((l) => l.toFixed(1)).join(' ') ?? 'n/a'}.`,
      ),
    '',
    '![scale](scale.svg)',
    '',
  ];
}

function markdown(r: Results, d: BenchData, peers?: string): string {
  const x = (v: number) => `${v.toFixed(2)}×`;
  const t = r.throughput;
  return [
    `# Bench — ${d.rows.toLocaleString('en')} orders (${d.files} files, row groups of ${d.rowGroupSize.toLocaleString('en')}), ${d.customers.toLocaleString('en')} customers, ${(d.bytes / 2 ** 20).toFixed(0)} MiB of Parquet`,
    '',
    `${r.date}, Node ${process.version}, ${r.machine.cpus} cores, load average ${r.machine.loadAverage.map((l) => l.toFixed(1)).join(' ')}; up to ${r.warmRuns} warm runs per query. ` +
      'Sluice = the whole GraphQL request in-process (yoga.fetch); DuckDB = the same SQL over the same Parquet files, and over the same rows loaded into DuckDB tables (in memory). ' +
      'Cold = the first query in a fresh process (files in the OS page cache). HTTP = `sluice serve` from one client. Times in ms.',
    '',
    '| query | what | plans | Sluice p50 | p99 | DuckDB Parquet p50 | p99 | DuckDB memory p50 | vs Parquet | vs memory | Sluice cold | DuckDB cold | cold ratio | HTTP p50 | HTTP p99 |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.queries.map(
      (q) =>
        `| ${q.id} | ${q.what} | ${q.plans} | ${f(q.sluice.p50Ms)} | ${f(q.sluice.p99Ms)} | ${f(q.duckdb.p50Ms)} | ${f(q.duckdb.p99Ms)} | ${f(q.duckdbMemory.p50Ms)} | ${x(q.ratio.duckdb)} | ${x(q.ratio.duckdbMemory)} | ${q.cold ? f(q.cold.sluiceMs) : '—'} | ${q.cold ? f(q.cold.duckdbMs) : '—'} | ${q.ratio.cold === null ? '—' : x(q.ratio.cold)} | ${f(q.http.p50Ms)} | ${f(q.http.p99Ms)} |`,
    ),
    '',
    `HTTP load, Q1, autocannon -c ${t.connections} for ${t.seconds} s each, same run:`,
    '',
    '| server | req/s | p50 ms | p99 ms | errors | non-2xx | requests |',
    '|---|---:|---:|---:|---:|---:|---:|',
    `| Sluice gateway (Q1) | ${t.gateway.requestsPerSecond.toFixed(0)} | ${t.gateway.p50Ms} | ${t.gateway.p99Ms} | ${t.gateway.errors} | ${t.gateway.non2xx} | ${t.gateway.total} |`,
    `| trivial graphql-yoga (floor) | ${t.floor.requestsPerSecond.toFixed(0)} | ${t.floor.p50Ms} | ${t.floor.p99Ms} | ${t.floor.errors} | ${t.floor.non2xx} | ${t.floor.total} |`,
    `| Sluice gateway, \`{ __typename }\` (no plan) | ${t.typename.requestsPerSecond.toFixed(0)} | ${t.typename.p50Ms} | ${t.typename.p99Ms} | ${t.typename.errors} | ${t.typename.non2xx} | ${t.typename.total} |`,
    `| Sluice gateway (Q1), server.compiledExecution | ${t.compiled.requestsPerSecond.toFixed(0)} | ${t.compiled.p50Ms} | ${t.compiled.p99Ms} | ${t.compiled.errors} | ${t.compiled.non2xx} | ${t.compiled.total} |`,
    `| Sluice gateway (Q1), server.resultCache (not the engine: answers from the cache) | ${t.resultCache.requestsPerSecond.toFixed(0)} | ${t.resultCache.p50Ms} | ${t.resultCache.p99Ms} | ${t.resultCache.errors} | ${t.resultCache.non2xx} | ${t.resultCache.total} |`,
    '',
    `Ratios to the floor: gateway Q1 ${(t.ratio * 100).toFixed(0)}%, \`{ __typename }\` ${((t.typename.requestsPerSecond / t.floor.requestsPerSecond) * 100).toFixed(0)}%, Q1 compiled ${((t.compiled.requestsPerSecond / t.floor.requestsPerSecond) * 100).toFixed(0)}%, Q1 from the result cache ${((t.resultCache.requestsPerSecond / t.floor.requestsPerSecond) * 100).toFixed(0)}%.`,
    '',
    ...(peers === undefined ? [] : [peers]),
    ...targets(r),
    ...scaleMarkdown(r.scale),
    `Gateway throughput = ${(t.ratio * 100).toFixed(0)}% of the floor. Peak RSS of the server process (column cache budget ${mib(r.memory.columnCacheBudgetBytes)}): ${mib(r.memory.serverPeakRssBytes)}; of the bench process (gateway in-process plus two DuckDB instances): ${mib(r.memory.benchProcessPeakRssBytes)}. Engine cache: ${JSON.stringify(r.memory.inProcessCache)}.`,
    '',
    '![chart](results.svg)',
    '',
  ].join('\n');
}

await main();
