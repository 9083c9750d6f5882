/**
 * The replicas part of the bench (docs/configuration.md), optional: it needs Debian's
 * `redis-server`, and is skipped with a line saying so when it is absent.
 * `npm run bench` runs it after the rest (BENCH_REPLICAS=0 leaves it out; the
 * smoke mode leaves it out unless BENCH_REPLICAS=1); `npx tsx bench/replicas.ts`
 * runs it alone and writes bench/replicas-results.{json,md}.
 *
 * 1. One replica, Q1 under autocannon: no rate limit, rate limits in the
 *    process, rate limits in Redis (a burst no load reaches, so every
 *    request is admitted and pays the decision). Target: Redis ≤ 10% slower
 *    than none.
 * 2. One replica and two replicas behind the test proxy
 *    (test/support/round-robin-proxy.ts), Redis-backed. On a 2-core machine
 *    this shows the proxy's and the second process's overhead, not scaling:
 *    client, proxy, replicas and Redis share the same two cores.
 * 3. Redis commands per request (INFO commandstats around a counted number
 *    of requests): a rate-limited request, an APQ lookup by hash.
 * 4. Redis memory per rate-limit bucket and per APQ entry (used_memory over
 *    10,000 of each, and MEMORY USAGE of one).
 */
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisStateConfig } from '../src/config/state.js';
import { documentId } from '../src/server/persisted-manifest.js';
import { redisRegisteredOperations } from '../src/server/state/persisted-store.js';
import { redisRateLimitStore } from '../src/server/state/rate-limit-store.js';
import { connectRedis, whenUp } from '../src/server/state/redis.js';
import { startServer, type RunningServer } from '../test/e2e/start-server.js';
import { HAVE_REDIS, startRedis, type TestRedis } from '../test/support/redis-server.js';
import { startRoundRobinProxy } from '../test/support/round-robin-proxy.js';
import { ensureData, REPO, type BenchData } from './generate.js';
import { benchQueries } from './queries.js';

export interface ReplicasLoad {
  readonly requestsPerSecond: number;
  /** The slowest and fastest round's throughput (the machine's noise). */
  readonly rounds?: readonly [number, number];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

export interface ReplicasResults {
  readonly skipped?: string;
  readonly query?: string;
  readonly connections?: number;
  readonly seconds?: number;
  readonly rounds?: number;
  readonly single?: { readonly none: ReplicasLoad; readonly inProcess: ReplicasLoad; readonly redis: ReplicasLoad };
  /** Redis-backed rate limits' throughput over none's. */
  readonly redisRatio?: number;
  readonly proxy?: { readonly one: ReplicasLoad; readonly two: ReplicasLoad };
  /** Redis commands per request, by command. */
  readonly commandsPerRequest?: { readonly rateLimited: Record<string, number>; readonly apqLookup: Record<string, number> };
  /** One rate decision: Redis's CPU per EVALSHA, and the round trip from a client on this machine. */
  readonly decision?: { readonly redisUsecPerCall: number; readonly roundTripP50Ms: number; readonly roundTripP99Ms: number };
  readonly memory?: {
    readonly bucketBytes: number;
    readonly bucketMemoryUsage: number;
    readonly apqEntryBytes: number;
    readonly apqMemoryUsage: number;
    readonly apqDocumentBytes: number;
  };
}

const ADMIN = { 'x-api-key': 'demo-admin-key' };
/** A rate no load here reaches: every request is admitted and pays for the decision. */
const UNREACHED = { perSecond: 1_000_000_000, burst: 1_000_000_000 };

async function loadOf(url: string, body: string, connections: number, seconds: number): Promise<ReplicasLoad> {
  const opts = { url, connections, method: 'POST' as const, headers: { 'content-type': 'application/json', ...ADMIN }, body };
  const r = await autocannon({ ...opts, duration: seconds });
  return {
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

const ROUNDS = Number(process.env['BENCH_REPLICA_ROUNDS'] ?? 3);

/** Loads each target for `seconds`, in turns, ROUNDS times; per target the round of median throughput. */
async function inTurns<K extends string>(
  targets: Record<K, string>,
  body: string,
  connections: number,
  seconds: number,
  progress: (s: string) => void,
): Promise<Record<K, ReplicasLoad>> {
  const names = Object.keys(targets) as K[];
  for (const k of names) await loadOf(targets[k], body, connections, 3); // warm-up: JIT, caches, connections
  const runs = Object.fromEntries(names.map((k) => [k, [] as ReplicasLoad[]])) as Record<K, ReplicasLoad[]>;
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of names) runs[k].push(await loadOf(targets[k], body, connections, seconds));
    progress(`  round ${r + 1}: ${names.map((k) => `${k} ${Math.round(runs[k].at(-1)!.requestsPerSecond)} req/s`).join(', ')}`);
  }
  const median = (xs: ReplicasLoad[]) => [...xs].sort((x, y) => x.requestsPerSecond - y.requestsPerSecond)[Math.floor(xs.length / 2)]!;
  const spread = (xs: ReplicasLoad[]) =>
    [Math.min(...xs.map((x) => x.requestsPerSecond)), Math.max(...xs.map((x) => x.requestsPerSecond))] as const;
  return Object.fromEntries(names.map((k) => [k, { ...median(runs[k]), rounds: spread(runs[k]) }])) as Record<K, ReplicasLoad>;
}

async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const text = await redis.info('commandstats');
  return new Map([...text.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/** Redis's own CPU time per call of a command (INFO commandstats usec_per_call). */
async function usecPerCall(redis: Redis, command: string): Promise<number> {
  const m = new RegExp(`^cmdstat_${command}:.*usec_per_call=([\\d.]+)`, 'm').exec(await redis.info('commandstats'));
  return m ? Number(m[1]) : NaN;
}

/** Commands per request over `n` requests, leaving out what the test itself and idle connections send. */
async function perRequest(redis: Redis, n: number, send: () => Promise<void>): Promise<Record<string, number>> {
  const before = await commandStats(redis);
  for (let i = 0; i < n; i++) await send();
  const after = await commandStats(redis);
  const out: Record<string, number> = {};
  for (const [command, calls] of after) {
    if (['info', 'ping', 'client|setinfo', 'client|setname'].includes(command)) continue;
    const d = calls - (before.get(command) ?? 0);
    if (d > 0) out[command] = Math.round((d / n) * 100) / 100;
  }
  return out;
}

export async function benchReplicas(
  data: BenchData,
  options: { connections: number; seconds: number; progress: (s: string) => void },
): Promise<ReplicasResults> {
  const { connections, seconds, progress } = options;
  if (!HAVE_REDIS) {
    const skipped = 'redis-server is not installed (apt-get install redis-server): replicas bench skipped';
    progress(`replicas: ${skipped}`);
    return { skipped };
  }
  const q1 = benchQueries(data)[0]!;
  const body = JSON.stringify({ query: q1.graphql });
  let redis: TestRedis | undefined;
  const servers: RunningServer[] = [];
  const start = async (sections: Record<string, unknown>) => {
    const s = await startServer({ config: data.config, configSections: sections, env: { SLUICE_CURSOR_KEY: 'bench-cursor-key' } });
    servers.push(s);
    return s;
  };
  const stop = async (s: RunningServer) => {
    await s.stop();
    servers.splice(servers.indexOf(s), 1);
  };
  try {
    redis = await startRedis();
    const base = (await import('yaml')).parse((await import('node:fs')).readFileSync(data.config, 'utf8')) as {
      server: Record<string, unknown> & { limits?: Record<string, unknown> };
    };
    const server = (rate?: typeof UNREACHED) => ({ ...base.server, limits: { ...base.server.limits, ...(rate && { rate }) } });
    const state = { redis: { url: redis.url, keyPrefix: 'bench:' } };
    const cursors = { secretEnv: 'SLUICE_CURSOR_KEY' };

    // The variants run side by side and are loaded in turns (A B C, A B C, …),
    // so the machine's other load drifts over all of them alike; each figure
    // is the median of its rounds, after a warm-up of its own.
    const variants = {
      none: await start({ server: server(), cursors }),
      inProcess: await start({ server: server(UNREACHED), cursors }),
      redis: await start({ server: server(UNREACHED), cursors, state }),
    };
    const a = variants.redis;
    progress(`replicas: one replica, Q1, autocannon -c ${connections}, ${ROUNDS} rounds of ${seconds} s per variant, in turns…`);
    const single = await inTurns(
      Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, v.url])) as Record<keyof typeof variants, string>,
      body,
      connections,
      seconds,
      progress,
    );

    progress('replicas: Redis round trips per request…');
    const admin = new Redis(redis.url);
    const post = async (payload: unknown) => {
      const res = await fetch(a.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...ADMIN },
        body: JSON.stringify(payload),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    const rateLimited = await perRequest(admin, 200, () => post({ query: q1.graphql }));
    const apq = { persistedQuery: { version: 1, sha256Hash: documentId(q1.graphql) } };
    await post({ query: q1.graphql, extensions: apq });
    const apqLookup = await perRequest(admin, 200, () => post({ extensions: apq }));
    const evalshaUsec = await usecPerCall(admin, 'evalsha');
    // What a decision costs the replica: one round trip, timed from a client on the same machine.
    const timing = connectRedis(
      { url: redis.url, describe: 'bench' },
      { keyPrefix: 'lat:', connectTimeoutMs: 2000, commandTimeoutMs: 5000, apqTtlSeconds: 60, readiness: 'report' },
    );
    await whenUp(timing, 10_000);
    const timingStore = redisRateLimitStore(timing);
    const takes: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t = performance.now();
      await timingStore.take('api-key:latency', UNREACHED);
      takes.push(performance.now() - t);
    }
    await timing.close();
    takes.sort((x, y) => x - y);
    const decisionMs = { p50: takes[1000]!, p99: takes[1980]! };

    progress('replicas: one and two replicas behind the proxy, in turns…');
    await stop(variants.none);
    await stop(variants.inProcess);
    const b = await start({ server: server(UNREACHED), cursors, state });
    const oneProxy = await startRoundRobinProxy([new URL(a.url).origin]);
    const twoProxy = await startRoundRobinProxy([a, b].map((r) => new URL(r.url).origin));
    const proxied = await inTurns({ one: `${oneProxy.url}/graphql`, two: `${twoProxy.url}/graphql` }, body, connections, seconds, progress);
    await oneProxy.close();
    await twoProxy.close();

    progress('replicas: Redis memory per bucket and per APQ entry…');
    const config: RedisStateConfig = {
      keyPrefix: 'mem:',
      connectTimeoutMs: 2000,
      commandTimeoutMs: 5000,
      apqTtlSeconds: 86_400,
      readiness: 'report',
    };
    const c = connectRedis({ url: redis.url, describe: 'bench' }, config);
    await whenUp(c, 10_000);
    const N = 10_000;
    const used = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
    const buckets = redisRateLimitStore(c);
    let m0 = await used();
    for (let i = 0; i < N; i += 500)
      await Promise.all(Array.from({ length: 500 }, (_, j) => buckets.take(`api-key:key-${i + j}`, { perSecond: 5, burst: 20 })));
    const bucketBytes = ((await used()) - m0) / N;
    const someBucket = (await admin.keys('mem:rate:*'))[0]!;
    const bucketMemoryUsage = Number(await admin.call('MEMORY', 'USAGE', someBucket, 'SAMPLES', '0'));
    const registered = redisRegisteredOperations(c, 86_400);
    const doc = (i: number) => `${q1.graphql} # ${i}`;
    m0 = await used();
    for (let i = 0; i < N; i += 500)
      await Promise.all(Array.from({ length: 500 }, (_, j) => registered.set(documentId(doc(i + j)), doc(i + j))));
    const apqEntryBytes = ((await used()) - m0) / N;
    const apqMemoryUsage = Number(await admin.call('MEMORY', 'USAGE', `mem:apq:${documentId(doc(0))}`, 'SAMPLES', '0'));
    await c.close();
    admin.disconnect();

    return {
      query: 'Q1',
      connections,
      seconds,
      rounds: ROUNDS,
      single,
      redisRatio: single.redis.requestsPerSecond / single.none.requestsPerSecond,
      proxy: proxied,
      commandsPerRequest: { rateLimited, apqLookup },
      decision: { redisUsecPerCall: evalshaUsec, roundTripP50Ms: decisionMs.p50, roundTripP99Ms: decisionMs.p99 },
      memory: {
        bucketBytes: Math.round(bucketBytes),
        bucketMemoryUsage,
        apqEntryBytes: Math.round(apqEntryBytes),
        apqMemoryUsage,
        apqDocumentBytes: Buffer.byteLength(doc(0)),
      },
    };
  } finally {
    for (const s of [...servers]) await s.stop().catch(() => undefined);
    await redis?.stop();
  }
}

const rps = (l: ReplicasLoad) =>
  `${Math.round(l.requestsPerSecond)} req/s (rounds ${l.rounds ? `${Math.round(l.rounds[0])}–${Math.round(l.rounds[1])}` : 'one'}; p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms${l.non2xx + l.errors > 0 ? `, ${l.non2xx} non-2xx, ${l.errors} errors` : ''})`;

export function replicasMarkdown(r: ReplicasResults): string {
  if (r.skipped) return `## Replicas\n\n${r.skipped}.\n`;
  const s = r.single!;
  const p = r.proxy!;
  const m = r.memory!;
  // Commands a script runs inside Redis are counted by commandstats too; they cost no round trip.
  const INSIDE = ['time', 'hmget', 'hset', 'pexpire'];
  const fmt = (o: Record<string, number>) => {
    const trips = Object.entries(o).filter(([k]) => !INSIDE.includes(k));
    const inside = Object.entries(o).filter(([k]) => INSIDE.includes(k));
    const n = trips.reduce((t, [, v]) => t + v, 0);
    const named = trips.map(([k, v]) => `${v} ${k.toUpperCase()}`).join(' + ');
    const script = inside.length > 0 ? `; the script runs ${inside.map(([k]) => k.toUpperCase()).join(', ')} inside Redis` : '';
    return `${n} round trip${n === 1 ? '' : 's'} (${named}${script})`;
  };
  return [
    '## Replicas',
    '',
    `${r.query} over HTTP, autocannon -c ${r.connections}, ${r.rounds} rounds of ${r.seconds} s per variant taken in turns (the median round), every request admitted (a rate no load reaches):`,
    '',
    '| one replica | throughput |',
    '|---|---|',
    `| no rate limit | ${rps(s.none)} |`,
    `| rate limits in the process | ${rps(s.inProcess)} |`,
    `| rate limits in Redis | ${rps(s.redis)} |`,
    '',
    `Redis-backed rate limits: ${(r.redisRatio! * 100).toFixed(0)}% of the throughput without (target ≥ 90%: ${r.redisRatio! >= 0.9 ? 'met' : 'not met'} in this run;`,
    'when the rounds of one variant spread wider than the difference between variants, the machine decides, not the variant:',
    'the cost of a decision below is the figure that does not depend on it).',
    '',
    '| behind the test proxy (Redis-backed) | throughput |',
    '|---|---|',
    `| one replica | ${rps(p.one)} |`,
    `| two replicas | ${rps(p.two)} |`,
    '',
    'On this machine (2 cores shared by the client, the proxy, the replicas and Redis) the second replica',
    'shows overhead, not scaling: scaling needs cores or machines per replica.',
    '',
    `Redis per request (INFO commandstats over 200 requests): a rate-limited request ${fmt(r.commandsPerRequest!.rateLimited)}; an APQ lookup by hash by a rate-limited caller ${fmt(r.commandsPerRequest!.apqLookup)}.`,
    `One rate decision: ${r.decision!.redisUsecPerCall} µs of Redis CPU (usec_per_call of EVALSHA); a round trip of ${r.decision!.roundTripP50Ms.toFixed(2)} ms p50, ${r.decision!.roundTripP99Ms.toFixed(2)} ms p99 from a client on this machine (2,000 in a row).`,
    `Redis memory: ${m.bucketBytes} B per rate-limit bucket (MEMORY USAGE ${m.bucketMemoryUsage} B), ${m.apqEntryBytes} B per APQ entry of a ${m.apqDocumentBytes}-byte document (MEMORY USAGE ${m.apqMemoryUsage} B).`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env['SLUICE_HASH_KEY'] ??= 'demo-only-hash-key';
  process.env['SLUICE_METRICS_TOKEN'] ??= 'demo-only-metrics-token';
  const progress = (s: string) => process.stderr.write(`${s}\n`);
  const rows = Number(process.env['BENCH_ROWS'] ?? 10_000_000);
  const data = await ensureData(rows, progress);
  const results = await benchReplicas(data, {
    connections: 10,
    seconds: Number(process.env['BENCH_HTTP_SECONDS'] ?? 10),
    progress,
  });
  const out = process.env['BENCH_OUT'] ?? join(REPO, 'bench');
  mkdirSync(out, { recursive: true });
  const md = `${replicasMarkdown(results)}\n(${rows.toLocaleString('en')} orders; ${new Date().toISOString()})\n`;
  writeFileSync(join(out, 'replicas-results.json'), `${JSON.stringify({ rows, ...results }, null, 2)}\n`);
  writeFileSync(join(out, 'replicas-results.md'), md);
  process.stdout.write(md);
}
