/**
 * Where the server's memory goes (issue 18, target 4), as bench/run.ts
 * measures it: `sluice serve` over the bench deployment in its own process,
 * every bench query over HTTP (up to 30 runs each), then autocannon on Q1;
 * after each step the process's resident set, split by /proc/<pid>/smaps:
 *
 * - WebAssembly linear memories (parquet-wasm, one per decoder thread): V8
 *   reserves each as a read-write mapping followed by the rest of a reservation of 8 GiB
 *   or more; their resident bytes never shrink while the thread lives;
 * - the main thread's JavaScript heap and its external memory (array
 *   buffers: the column cache's among them), from the server's /metrics;
 * - the column cache's own count of its bytes;
 * - everything else (the decoder threads' heaps, code, libraries, the
 *   allocator's free lists) is the rest.
 *
 *   tsx bench/memory.ts [rows] [variant,…]
 *
 * One server per variant, one after another: `default` (the engine's own
 * column cache budget) or a budget in bytes (SLUICE_COLUMN_CACHE_BYTES);
 * `+malloc` after either runs the server with the allocator settings the
 * Dockerfile sets (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_); `before` runs
 * another build's `bin/sluice.js` (BENCH_BEFORE: its folder) at its default,
 * for a before/after in the same run. Prints a table to stderr, the figures
 * as one JSON line to stdout, and with BENCH_OUT a markdown table to
 * BENCH_OUT/memory-results.md.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureData, REPO } from './generate.js';
import { median } from './measure.js';
import { benchQueries } from './queries.js';

const rows = Number(process.argv[2] ?? 10_000_000);
const budgets = (process.argv[3] ?? 'default').split(',');
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const BUDGET_MS = 15_000;
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
process.env.SLUICE_HASH_KEY ??= 'demo-only-hash-key';
process.env.SLUICE_METRICS_TOKEN ??= 'demo-only-metrics-token';
const progress = (s: string) => process.stderr.write(`${s}\n`);

interface Sample {
  readonly step: string;
  readonly rssMiB: number;
  readonly peakMiB: number;
  readonly wasmMiB: number;
  readonly wasmMemories: number;
  readonly cacheMiB: number | null;
  readonly heapMiB: number | null;
  readonly externalMiB: number | null;
  /** The step's query: median latency over HTTP (ms). */
  readonly p50Ms?: number;
}

const MiB = 2 ** 20;

/** Resident bytes of the process, of its WebAssembly memories, and its peak. */
function residency(pid: number): { rss: number; peak: number; wasm: number; memories: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
  // A WebAssembly memory is a read-write mapping followed by the rest of its 8 GiB reservation (no access).
  const maps: { start: bigint; end: bigint; rw: boolean; rss: number }[] = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+)/.exec(line);
    if (head !== null) maps.push({ start: BigInt(`0x${head[1]}`), end: BigInt(`0x${head[2]}`), rw: head[3]!.startsWith('rw'), rss: 0 });
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss !== null) maps.at(-1)!.rss = Number(rss[1]) * 1024;
  }
  let wasm = 0;
  let memories = 0;
  for (let i = 0; i + 1 < maps.length; i++) {
    const [a, b] = [maps[i]!, maps[i + 1]!];
    if (a.rw && !b.rw && a.end === b.start && b.end - a.start >= 8n * 2n ** 30n) {
      wasm += a.rss;
      memories++;
    }
  }
  return { rss: kB('VmRSS'), peak: kB('VmHWM'), wasm, memories };
}

/** The server's own figures: column cache bytes, main-thread heap used and external memory. */
async function metrics(base: string): Promise<{ cache: number | null; heap: number | null; external: number | null }> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${process.env.SLUICE_METRICS_TOKEN}` } });
  const text = await res.text();
  const value = (name: string) => {
    const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  return {
    cache: value('sluice_column_cache_bytes'),
    heap: value('sluice_nodejs_heap_size_used_bytes'),
    external: value('sluice_nodejs_external_memory_bytes'),
  };
}

/** What the Dockerfile sets for glibc's allocator (see there for why). */
const MALLOC_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

async function start(env: Record<string, string>, root = REPO): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(root, 'bin/sluice.js'), 'serve', '--config', data.config, '--port', '0'], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /sluice: serving .* at (http:\/\/\S+\/graphql)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`sluice serve exited ${code}: ${err}`)));
  });
  return { url, child };
}

const data = await ensureData(rows, progress);
const queries = benchQueries(data);
const results: { budget: string; samples: Sample[] }[] = [];
for (const budget of budgets) {
  progress(`${budget}: starting \`sluice serve\`…`);
  const [cache, malloc] = budget.split('+');
  const env = {
    ...(cache === 'default' || cache === 'before' ? {} : { SLUICE_COLUMN_CACHE_BYTES: cache! }),
    ...(malloc === 'malloc' ? MALLOC_ENV : {}),
  };
  const server = await start(env, cache === 'before' ? resolve(process.env.BENCH_BEFORE!) : REPO);
  const pid = server.child.pid!;
  const base = server.url.replace(/\/graphql$/, '');
  const samples: Sample[] = [];
  const sample = async (step: string, p50Ms?: number) => {
    const r = residency(pid);
    const m = await metrics(base);
    const mib = (b: number | null) => (b === null ? null : b / MiB);
    const s = {
      step,
      rssMiB: r.rss / MiB,
      peakMiB: r.peak / MiB,
      wasmMiB: r.wasm / MiB,
      wasmMemories: r.memories,
      cacheMiB: mib(m.cache),
      heapMiB: mib(m.heap),
      externalMiB: mib(m.external),
      ...(p50Ms !== undefined && { p50Ms }),
    };
    samples.push(s);
    progress(
      `  ${step.padEnd(24)} rss ${s.rssMiB.toFixed(0).padStart(5)} MiB  peak ${s.peakMiB.toFixed(0).padStart(5)} MiB  wasm ${s.wasmMiB.toFixed(0).padStart(5)} MiB (${s.wasmMemories})  cache ${s.cacheMiB?.toFixed(0) ?? '—'}  heap ${s.heapMiB?.toFixed(0) ?? '—'}  external ${s.externalMiB?.toFixed(0) ?? '—'} MiB${p50Ms === undefined ? '' : `  p50 ${p50Ms.toFixed(1)} ms`}`,
    );
  };
  await sample('started');
  for (const q of queries) {
    const t0 = Date.now();
    const ms: number[] = [];
    for (let i = 0; i < RUNS && (i < 5 || Date.now() - t0 < BUDGET_MS); i++) {
      const started = performance.now();
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'demo-admin-key', ...q.headers },
        body: JSON.stringify({ query: q.graphql }),
      });
      const body = (await res.json()) as { errors?: unknown };
      if (!res.ok || body.errors) throw new Error(`${q.id}: HTTP ${res.status} ${JSON.stringify(body)}`);
      ms.push(performance.now() - started);
    }
    await sample(`${q.id} × HTTP`, median(ms));
  }
  const q1 = JSON.stringify({ query: queries[0]!.graphql });
  const opts = {
    url: server.url,
    connections: 10,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', 'x-api-key': 'demo-admin-key' },
  };
  await autocannon({ ...opts, body: q1, duration: HTTP_SECONDS });
  await sample('autocannon Q1');
  await autocannon({ ...opts, body: JSON.stringify({ query: '{ __typename }' }), duration: HTTP_SECONDS });
  await sample('autocannon __typename');
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
  results.push({ budget, samples });
}
process.stdout.write(`${JSON.stringify({ rows, results })}\n`);
if (process.env.BENCH_OUT !== undefined) writeFileSync(join(process.env.BENCH_OUT, 'memory-results.md'), markdown());

function markdown(): string {
  const f = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const out = [
    `# Server memory — ${rows.toLocaleString('en')} orders (bench/memory.ts)`,
    '',
    `${new Date().toISOString()}, Node ${process.version}. \`sluice serve\` in its own process; each bench query over HTTP (up to ${RUNS} runs), then autocannon -c 10 for ${HTTP_SECONDS} s on Q1 and on \`{ __typename }\`. After each step: resident set (VmRSS), peak (VmHWM), WebAssembly memories (parquet-wasm in the decoder threads), the main thread's heap and external memory, the column cache's bytes (MiB), and the step's median latency over HTTP (ms).`,
    '',
  ];
  const what = (v: string) =>
    v === 'before'
      ? `before: the build in ${process.env.BENCH_BEFORE} at its own default budget`
      : `${v.replace('+malloc', '')} column cache budget${v === 'default' || v.startsWith('default+') ? ' (256 MiB)' : ' (bytes)'}${v.endsWith('+malloc') ? ', with the Dockerfile’s allocator settings (MALLOC_ARENA_MAX=2, MALLOC_MMAP_THRESHOLD_=131072)' : ', glibc’s allocator defaults'}`;
  out.push(
    '| server | peak RSS (MiB) | peak over the eight queries | RSS after the eight queries | RSS at the end | cache at the end |',
    '|---|---:|---:|---:|---:|---:|',
  );
  for (const r of results) {
    const last = r.samples.at(-1)!;
    const queries = r.samples.find((x) => x.step === 'Q8 × HTTP')!;
    out.push(
      `| ${what(r.budget)} | ${f(Math.max(...r.samples.map((x) => x.peakMiB)))} | ${f(queries.peakMiB)} | ${f(queries.rssMiB)} | ${f(last.rssMiB)} | ${f(last.cacheMiB)} |`,
    );
  }
  out.push('');
  for (const r of results) {
    out.push(
      `## ${what(r.budget)}`,
      '',
      '| step | RSS | peak | wasm | heap | external | cache | p50 ms |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const s of r.samples)
      out.push(
        `| ${s.step} | ${f(s.rssMiB)} | ${f(s.peakMiB)} | ${f(s.wasmMiB)} | ${f(s.heapMiB)} | ${f(s.externalMiB)} | ${f(s.cacheMiB)} | ${f(s.p50Ms)} |`,
      );
    out.push('');
  }
  return out.join('\n');
}
