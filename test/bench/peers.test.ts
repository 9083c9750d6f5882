import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureData, type BenchData } from '../../bench/generate.js';
import { benchPeers, postJson, startPeer } from '../../bench/peers.js';
import { loadBenchData } from '../../bench/peers/load.js';
import { findPostgresBin, NO_POSTGRES, startCluster } from '../../bench/peers/postgres.js';
import { peerAnswer, peerQueries, sluiceAnswer } from '../../bench/peers/queries.js';
import { benchQueries, parquetSources } from '../../bench/queries.js';
import { openDemo } from '../support/demo.js';

/**
 * The bench's peer (`npm run bench -- --peers`) at the smoke mode's 10,000
 * orders: a throwaway PostgreSQL cluster loaded with the bench's rows,
 * PostGraphile over it, Sluice beside it. PostGraphile's Q1 must name the
 * same orders as DuckDB's SQL over the Parquet files and as Sluice; the
 * analyst's row-level security must hide what Sluice's row filter hides;
 * the cluster's folder must be gone after. Figures are not judged (a shared
 * machine is too noisy). Needs Debian's postgresql, which .ci/run installs.
 */
const HAVE_POSTGRES = findPostgresBin() !== null;
// CI installs it (.ci/run): there, a missing PostgreSQL is a failure, not a skip.
if (!HAVE_POSTGRES && process.env['CI']) throw new Error(NO_POSTGRES);
if (!HAVE_POSTGRES) console.warn(`the bench's PostGraphile peer tests are skipped: ${NO_POSTGRES}`);

const cache = mkdtempSync(join(tmpdir(), 'sluice-peers-'));
const savedCache = process.env['BENCH_CACHE'];
let data: BenchData;
beforeAll(async () => {
  if (!HAVE_POSTGRES) return;
  process.env['BENCH_CACHE'] = cache; // data, deployment and audit log in the temporary folder
  process.env['SLUICE_HASH_KEY'] ??= 'demo-only-hash-key';
  process.env['SLUICE_METRICS_TOKEN'] ??= 'demo-only-metrics-token';
  data = await ensureData(10_000);
}, 120_000);
afterAll(() => {
  if (savedCache === undefined) delete process.env['BENCH_CACHE'];
  else process.env['BENCH_CACHE'] = savedCache;
  rmSync(cache, { recursive: true, force: true });
});

const ids = (rows: { order_id?: unknown; orderId?: unknown }[]) => rows.map((r) => String(r.order_id ?? r.orderId));

describe.skipIf(!HAVE_POSTGRES)('PostGraphile over PostgreSQL, the bench’s peer', () => {
  it('answers Q1 with the orders DuckDB and Sluice name, and hides the analyst’s other regions', { timeout: 300_000 }, async () => {
    const cluster = await startCluster();
    try {
      await loadBenchData(cluster, data);
      const peer = await startPeer(cluster);
      try {
        const [q1] = benchQueries(data);
        const [peerQ1] = peerQueries(data);
        const got = (await postJson(peer.url, peerQ1!.graphql, {})) as { allOrders: { nodes: { orderId: string }[] } };

        const duck = await (await DuckDBInstance.create(':memory:')).connect();
        const sources = parquetSources(data);
        const expected = (await duck.runAndReadAll(q1!.sql(sources.orders, sources.customers))).getRowObjectsJS().slice(0, 50);
        duck.closeSync();
        const demo = await openDemo(data.config);
        const sluice = await demo.query(q1!.graphql);
        await demo.engine.close();
        expect(sluice.errors).toBeUndefined();
        const sluiceNodes = (sluice.data as { ordersV2: { nodes: { order_id: unknown }[] } }).ordersV2.nodes;

        expect(ids(got.allOrders.nodes)).toHaveLength(50);
        expect(ids(got.allOrders.nodes)).toEqual(ids(expected as { order_id: unknown }[]));
        expect(ids(got.allOrders.nodes)).toEqual(ids(sluiceNodes));
        expect(peerAnswer('Q1', got)).toEqual(sluiceAnswer('Q1', sluice.data));

        // The row filter: the analyst's token asks for APAC orders and gets none; the owner gets some.
        const apac = `{ allOrders(filter: { region: { equalTo: "APAC" } }) { totalCount } }`;
        const count = async (headers: Record<string, string>) =>
          ((await postJson(peer.url, apac, headers)) as { allOrders: { totalCount: number } }).allOrders.totalCount;
        expect(await count({})).toBeGreaterThan(0);
        expect(await count(peer.analystHeaders)).toBe(0);
        // …and sees every EU and US order, as Sluice's analyst does.
        const euUs = `{ allOrders(filter: { region: { in: ["EU", "US"] } }) { totalCount } }`;
        const analystCount = ((await postJson(peer.url, euUs, peer.analystHeaders)) as { allOrders: { totalCount: number } }).allOrders
          .totalCount;
        expect(analystCount).toBe(((await postJson(peer.url, euUs, {})) as { allOrders: { totalCount: number } }).allOrders.totalCount);
      } finally {
        await peer.stop();
      }
    } finally {
      await cluster.stop();
    }
    expect(existsSync(cluster.dir)).toBe(false);
  });

  it(
    'runs the peer part of the bench: every answer agrees, every figure is there, the cluster is removed',
    { timeout: 600_000 },
    async () => {
      const lines: string[] = [];
      const r = await benchPeers(data, {
        connections: 10,
        seconds: 1,
        runs: 5,
        budgetMs: 1_000,
        smoke: true,
        progress: (s) => lines.push(s),
      });
      expect(r.agreed).toEqual(['Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6', 'Q7', 'Q8']);
      expect(r.http.map((q) => q.id)).toEqual(r.agreed);
      for (const q of r.http) for (const t of [q.sluice, q.postgraphile]) expect(t.p50Ms).toBeGreaterThan(0);
      for (const l of [r.throughput.sluice, r.throughput.postgraphile]) {
        expect(l.requestsPerSecond).toBeGreaterThan(0);
        expect(l.errors + l.non2xx).toBe(0);
      }
      const dir = /initdb \(PostgreSQL \d+\) in (\S+)…/.exec(lines.join('\n'))?.[1];
      expect(dir).toBeDefined();
      expect(existsSync(dir!)).toBe(false);
    },
  );
});
