/**
 * The bench's peer (issue 18): PostGraphile over PostgreSQL, the system a
 * team would otherwise put in front of these rows, measured beside Sluice in
 * the same run. Optional: `npm run bench -- --peers` adds it to the bench;
 * `npx tsx bench/peers.ts` runs it alone (BENCH_ROWS, BENCH_CACHE and
 * BENCH_OUT as for the bench) and writes bench/peers-results.{json,md}.
 * It needs Debian's PostgreSQL server (`apt-get install postgresql`).
 *
 * 1. A throwaway cluster (bench/peers/postgres.ts) loaded with the same rows
 *    (bench/peers/load.ts, which lists the indexes), PostGraphile v4 with
 *    connection-filter in its own process (bench/peers/postgraphile-server.ts),
 *    and `sluice serve` over the same data.
 * 2. Each of Q1–Q8 asked of both; the answers must agree (bench/peers/queries.ts),
 *    or the run fails: a peer that answers something else measures nothing.
 * 3. Each query's latency from one client, Sluice and PostGraphile in turns
 *    (a run of one, then a run of the other).
 * 4. autocannon on Q1, Sluice and PostGraphile in turns, ROUNDS times each
 *    (the median round, and the spread).
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { startServer } from '../test/e2e/start-server.js';
import { ensureData, REPO, type BenchData } from './generate.js';
import { measureInTurns, type Timing } from './measure.js';
import { benchQueries } from './queries.js';
import { INDEXES, loadBenchData, type LoadTimes } from './peers/load.js';
import { startCluster, type Cluster } from './peers/postgres.js';
import { disagreement, peerAnswer, peerQueries, sluiceAnswer } from './peers/queries.js';

export interface PeerLoad {
  readonly requestsPerSecond: number;
  /** The slowest and fastest round's throughput. */
  readonly rounds: readonly number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
}

export interface PeersResults {
  readonly peer: string;
  readonly postgres: string;
  readonly loadAverage: { readonly before: number[]; readonly after: number[] };
  readonly load: LoadTimes;
  readonly indexes: readonly string[];
  /** Every query's answers agreed (the run fails otherwise). */
  readonly agreed: readonly string[];
  readonly http: readonly { readonly id: string; readonly what: string; readonly sluice: Timing; readonly postgraphile: Timing }[];
  readonly throughput: {
    readonly query: 'Q1';
    readonly connections: number;
    readonly seconds: number;
    readonly rounds: number;
    readonly sluice: PeerLoad;
    readonly postgraphile: PeerLoad;
    /** Sluice's req/s over PostGraphile's. */
    readonly ratio: number;
  };
}

export interface PeersOptions {
  readonly connections: number;
  readonly seconds: number;
  /** Repeated runs per query from one client, and the time after which a slow query stops repeating. */
  readonly runs: number;
  readonly budgetMs: number;
  /** autocannon rounds per server (default 3; 1 in smoke mode). */
  readonly rounds?: number;
  readonly smoke?: boolean;
  readonly progress: (s: string) => void;
}

const ADMIN = { 'x-api-key': 'demo-admin-key' };
/** As bench/run.ts starts its servers: glibc's allocator as the Dockerfile sets it. */
const ALLOCATOR = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

export async function postJson(url: string, query: string, headers: Record<string, string>): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown };
  if (!res.ok || body.errors) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body).slice(0, 500)}`);
  return body.data;
}

export interface Peer {
  readonly url: string;
  /** Q8's analyst as PostGraphile knows callers: a signed token whose `role` it assumes and whose claims it passes on. */
  readonly analystHeaders: Record<string, string>;
  stop(): Promise<void>;
}

/** PostGraphile over `cluster` in its own process (bench/peers/postgraphile-server.ts). */
export async function startPeer(cluster: Cluster): Promise<Peer> {
  const secret = randomBytes(32).toString('hex');
  const token = await new SignJWT({ role: 'analyst', regions: 'EU,US' })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience('postgraphile')
    .setExpirationTime('12h')
    .sign(new TextEncoder().encode(secret));
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/peers/postgraphile-server.ts'], {
    cwd: REPO,
    env: { ...process.env, ...ALLOCATOR, PEER_DATABASE_URL: cluster.url, PEER_JWT_SECRET: secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`PostGraphile did not start: ${err}`)), 120_000);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /postgraphile: listening at (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`PostGraphile exited ${code}: ${err}`)));
  }).catch(async (e: unknown) => {
    await stopChild(child);
    throw e;
  });
  return { url, analystHeaders: { authorization: `Bearer ${token}` }, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function benchPeers(data: BenchData, o: PeersOptions): Promise<PeersResults> {
  const before = loadavg();
  const cluster = await startCluster(o.progress);
  let peer: Peer | undefined;
  let sluice: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const load = await loadBenchData(cluster, data, o.progress);
    o.progress('peers: starting PostGraphile and `sluice serve`…');
    peer = await startPeer(cluster);
    sluice = await startServer({ config: data.config, env: ALLOCATOR });
    const sluiceQs = benchQueries(data);
    const peerQs = peerQueries(data);
    const asked = sluiceQs.map((q, i) => {
      const p = peerQs[i]!;
      if (p.id !== q.id) throw new Error(`peer query ${p.id} where ${q.id} was expected`);
      return {
        id: q.id,
        what: q.what,
        sluice: () => postJson(sluice!.url, q.graphql, { ...ADMIN, ...q.headers }),
        postgraphile: () => postJson(peer!.url, p.graphql, p.analyst ? peer!.analystHeaders : {}),
      };
    });

    const agreed: string[] = [];
    for (const q of asked) {
      const diff = disagreement(sluiceAnswer(q.id, await q.sluice()), peerAnswer(q.id, await q.postgraphile()));
      if (diff !== null)
        throw new Error(`peers: ${q.id}: PostGraphile and Sluice disagree (${diff}); the peer's figures would mean nothing`);
      agreed.push(q.id);
    }
    o.progress(`peers: answers agree (${agreed.join(', ')})`);

    // Both servers fresh from their start: a few rounds of every query first (the JIT, the pools, the caches).
    for (let i = 0; i < 3; i++)
      for (const q of asked) {
        await q.sluice();
        await q.postgraphile();
      }
    const http = [];
    for (const q of asked) {
      o.progress(`  peers HTTP ${q.id}: Sluice and PostGraphile in turns…`);
      const [s, p] = await measureInTurns(q.sluice, q.postgraphile, o.runs, o.budgetMs);
      o.progress(`  peers HTTP ${q.id}: Sluice p50 ${s.p50Ms.toFixed(1)} ms, PostGraphile p50 ${p.p50Ms.toFixed(1)} ms`);
      http.push({ id: q.id, what: q.what, sluice: s, postgraphile: p });
    }

    const rounds = o.rounds ?? (o.smoke ? 1 : 3);
    const body = (query: string) => JSON.stringify({ query });
    const targets = {
      sluice: { url: sluice.url, body: body(sluiceQs[0]!.graphql), headers: ADMIN },
      postgraphile: { url: peer.url, body: body(peerQs[0]!.graphql), headers: {} },
    };
    const runs: Record<keyof typeof targets, Awaited<ReturnType<typeof cannon>>[]> = { sluice: [], postgraphile: [] };
    const cannon = async (t: (typeof targets)[keyof typeof targets], seconds: number) => {
      const r = await autocannon({
        url: t.url,
        connections: o.connections,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...t.headers },
        body: t.body,
        duration: seconds,
      });
      return {
        requestsPerSecond: r.requests.total / r.duration,
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        errors: r.errors + r.timeouts,
        non2xx: r.non2xx,
      };
    };
    // Warm-up as bench/run.ts's: a second of load each (not in smoke mode).
    if (!o.smoke) for (const t of Object.values(targets)) await cannon(t, 1);
    for (let r = 0; r < rounds; r++) {
      for (const name of ['sluice', 'postgraphile'] as const) {
        o.progress(`  peers autocannon -c ${o.connections} -d ${o.seconds}: ${name} Q1, round ${r + 1}/${rounds}…`);
        runs[name].push(await cannon(targets[name], o.seconds));
      }
    }
    const median = (xs: (typeof runs)['sluice']): PeerLoad => {
      const sorted = [...xs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
      return { ...sorted[Math.floor(sorted.length / 2)]!, rounds: xs.map((x) => x.requestsPerSecond) };
    };
    const s = median(runs.sluice);
    const p = median(runs.postgraphile);
    o.progress(`  peers Q1 load: Sluice ${s.requestsPerSecond.toFixed(0)} req/s, PostGraphile ${p.requestsPerSecond.toFixed(0)} req/s`);
    return {
      peer: 'PostGraphile 4.14 with postgraphile-plugin-connection-filter 2.3',
      postgres: `PostgreSQL ${cluster.version}`,
      loadAverage: { before, after: loadavg() },
      load,
      indexes: INDEXES,
      agreed,
      http,
      throughput: {
        query: 'Q1',
        connections: o.connections,
        seconds: o.seconds,
        rounds,
        sluice: s,
        postgraphile: p,
        ratio: s.requestsPerSecond / p.requestsPerSecond,
      },
    };
  } finally {
    if (sluice) await sluice.stop();
    if (peer) await peer.stop();
    await cluster.stop();
  }
}

const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const la = (l: readonly number[]) => l.map((x) => x.toFixed(1)).join(' ');

export function peersMarkdown(r: PeersResults): string {
  const t = r.throughput;
  const rounds = (l: PeerLoad) => (l.rounds.length > 1 ? ` (rounds ${l.rounds.map((x) => x.toFixed(0)).join(', ')})` : '');
  return [
    `PostGraphile over PostgreSQL, same rows, same run (${r.peer}, ${r.postgres}; load average ${la(r.loadAverage.before)} before, ${la(r.loadAverage.after)} after):`,
    '',
    `Both servers answered Q1–Q8 alike before being timed (${r.agreed.join(', ')}: same order ids in the same order, amounts, counts, customers). ` +
      `PostgreSQL indexes: ${r.indexes.join('; ')}; Q5 through a view grouping by region and status (PostGraphile v4 has no group-by of its own); ` +
      `Q8's analyst as a role with a row-level security policy on region, its regions in the token's claims. ` +
      "PostgreSQL has no per-caller column mask: PostGraphile's Q8 returns e-mails as stored, where Sluice's are hashed. " +
      'The cluster: shared_buffers 512 MB, C collation, durability off (fsync, synchronous_commit, full_page_writes: the load writes, the queries only read), the rest the defaults. ' +
      `Loaded in ${f(r.load.copySeconds)} s (COPY) + ${f(r.load.indexSeconds)} s (keys and indexes) + ${f(r.load.analyzeSeconds)} s (VACUUM ANALYZE); ` +
      `${(r.load.tableBytes / 2 ** 20).toFixed(0)} MiB of tables, ${(r.load.indexBytes / 2 ** 20).toFixed(0)} MiB of indexes.`,
    '',
    'Each query over HTTP from one client, the two servers in turns (a run of one, then of the other); times in ms, ratio below 1: Sluice faster.',
    '',
    '| query | what | Sluice p50 | p99 | PostGraphile p50 | p99 | Sluice / PostGraphile (p50) |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...r.http.map(
      (q) =>
        `| ${q.id} | ${q.what} | ${f(q.sluice.p50Ms)} | ${f(q.sluice.p99Ms)} | ${f(q.postgraphile.p50Ms)} | ${f(q.postgraphile.p99Ms)} | ${(q.sluice.p50Ms / q.postgraphile.p50Ms).toFixed(2)}× |`,
    ),
    '',
    `Q1 under autocannon -c ${t.connections} for ${t.seconds} s, the two servers in turns, ${t.rounds} round${t.rounds > 1 ? 's' : ''} each (the median round):`,
    '',
    '| server | req/s | p50 ms | p99 ms | errors | non-2xx |',
    '|---|---:|---:|---:|---:|---:|',
    `| Sluice (\`sluice serve\`, Parquet) | ${t.sluice.requestsPerSecond.toFixed(0)}${rounds(t.sluice)} | ${t.sluice.p50Ms} | ${t.sluice.p99Ms} | ${t.sluice.errors} | ${t.sluice.non2xx} |`,
    `| PostGraphile over PostgreSQL | ${t.postgraphile.requestsPerSecond.toFixed(0)}${rounds(t.postgraphile)} | ${t.postgraphile.p50Ms} | ${t.postgraphile.p99Ms} | ${t.postgraphile.errors} | ${t.postgraphile.non2xx} |`,
    '',
    `Sluice's Q1 throughput = ${t.ratio.toFixed(2)}× PostGraphile's.`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env['SLUICE_HASH_KEY'] ??= 'demo-only-hash-key';
  process.env['SLUICE_METRICS_TOKEN'] ??= 'demo-only-metrics-token';
  const progress = (s: string) => process.stderr.write(`${s}\n`);
  const rows = Number(process.env['BENCH_ROWS'] ?? 10_000_000);
  const smoke = rows <= 100_000;
  const data = await ensureData(rows, progress);
  const results = await benchPeers(data, {
    connections: 10,
    seconds: Number(process.env['BENCH_HTTP_SECONDS'] ?? (smoke ? 1 : 10)),
    runs: Number(process.env['BENCH_RUNS'] ?? (smoke ? 5 : 30)),
    budgetMs: smoke ? 1_000 : 15_000,
    smoke,
    progress,
  });
  const out = process.env['BENCH_OUT'] ?? join(REPO, 'bench');
  mkdirSync(out, { recursive: true });
  const md = `${peersMarkdown(results)}\n(${rows.toLocaleString('en')} orders; ${new Date().toISOString()}; Node ${process.version}, ${cpus().length} cores)\n`;
  writeFileSync(join(out, 'peers-results.json'), `${JSON.stringify({ rows, ...results }, null, 2)}\n`);
  writeFileSync(join(out, 'peers-results.md'), md);
  process.stdout.write(md);
}
