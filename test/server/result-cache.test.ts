/**
 * The result cache (server.resultCache, session/result-cache.ts), in-process
 * over a copy of the demo deployment: a cached answer is the answer a
 * gateway without the cache gives (the oracle: the same deployment, cache
 * off), callers whose row filters differ never share an entry, and a
 * rewritten source file is never answered from what was read before it.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import type { Engine } from '../../src/engine/engine.js';
import { createEngine } from '../../src/server/create-engine.js';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { isolatedConfig, REPO } from '../e2e/start-server.js';

process.env['SLUICE_HASH_KEY'] ??= 'demo-only-hash-key';

/** A second analyst, of region APAC only: same role and policies as the demo's (EU and US), another row filter. */
const APAC_KEY = 'result-cache-apac-analyst-key';
const EU_US = { 'x-api-key': 'demo-analyst-key', 'x-purpose': 'reporting' };
const APAC = { 'x-api-key': APAC_KEY, 'x-purpose': 'reporting' };
const ADMIN = { 'x-api-key': 'demo-admin-key' };

const PAGE = '{ ordersV2(first: 30, orderBy: [{ total_amount: DESC }]) { nodes { order_id region total_amount email } totalCount } }';
const SUMS = '{ ordersV2Aggregate(groupBy: [region]) { key { region } count sum { total_amount } } }';

let dir: string;
let cached: Gateway;
let oracle: Gateway;
const engines: Engine[] = [];

interface Response {
  data?: Record<string, unknown>;
  errors?: unknown[];
  extensions?: { lineage?: { products: { fromCache?: boolean; sources: { uri: string; etag: string }[] }[] } };
}

async function ask(g: Gateway, query: string, headers: Record<string, string>): Promise<Response> {
  const res = await g.fetch('http://sluice.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as Response;
  expect(body.errors).toBeUndefined();
  return body;
}

const fromCache = (r: Response) => r.extensions!.lineage!.products.map((p) => p.fromCache === true);

async function gateway(resultCache: boolean): Promise<Gateway> {
  const raw = parse(readFileSync(join(REPO, 'sluice.yaml'), 'utf8')) as {
    server: Record<string, unknown>;
    auth: { apiKeys: Record<string, unknown>[] };
  };
  const apiKeys = [
    ...raw.auth.apiKeys,
    {
      id: 'analyst-apac',
      sha256: createHash('sha256').update(APAC_KEY).digest('hex'),
      subject: 'asa',
      roles: ['analyst'],
      tenant: 'acme',
      attributes: { regions: ['APAC'] },
      purposes: ['reporting'],
    },
  ];
  const server = { ...raw.server, ...(resultCache && { resultCache: { maxBytes: 8 * 1024 * 1024 } }) };
  const { file } = isolatedConfig('sluice.yaml', {
    products: join(dir, 'products'),
    policies: join(dir, 'policies'),
    server,
    auth: { ...raw.auth, apiKeys },
  });
  const config = loadConfig(file);
  const engine = createEngine(config);
  engines.push(engine);
  return createGateway({ config, ...(await loadDeployment(config, engine)), engine, today: '2026-11-21' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-result-cache-'));
  cpSync(join(REPO, 'products'), join(dir, 'products'), { recursive: true });
  cpSync(join(REPO, 'policies'), join(dir, 'policies'), { recursive: true });
  cached = await gateway(true);
  oracle = await gateway(false);
});

afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('result cache', () => {
  it('answers a repeated question from the cache, as a gateway without it answers, and says so in lineage', async () => {
    const first = await ask(cached, PAGE, ADMIN);
    const second = await ask(cached, PAGE, ADMIN);
    expect(fromCache(first)).toEqual([false]);
    expect(fromCache(second)).toEqual([true]);
    const truth = await ask(oracle, PAGE, ADMIN);
    expect(second.data).toEqual(truth.data);
    expect(first.data).toEqual(truth.data);
    // The files the answer derives from, at their current versions.
    expect(second.extensions!.lineage!.products[0]!.sources).toEqual(
      truth.extensions!.lineage!.products[0]!.sources.map(({ uri, etag }) => expect.objectContaining({ uri, etag })),
    );
  });

  it('never shares an entry between callers whose row filters differ', async () => {
    // Interleaved, each caller twice: every caller's second ask is its only hit.
    const callers = [EU_US, APAC, ADMIN];
    for (const query of [PAGE, SUMS]) {
      const seen: boolean[][] = [];
      for (const round of [0, 1]) {
        for (const who of callers) {
          const r = await ask(cached, query, who);
          // What the cache-off gateway answers this caller, masks and row filter applied.
          expect(r.data, `${query} as ${who['x-api-key']}, round ${round}`).toEqual((await ask(oracle, query, who)).data);
          seen.push(fromCache(r));
        }
      }
      // ADMIN's PAGE was cached by the test above; everything else misses once, then hits.
      const adminFirst = query === PAGE;
      expect(seen).toEqual([[false], [false], [adminFirst], [true], [true], [true]]);
    }
    // The row filters are really apart: the APAC analyst sees APAC rows only, the other analyst none of them.
    const apac = (await ask(cached, PAGE, APAC)).data as { ordersV2: { nodes: { region: string }[] } };
    const euUs = (await ask(cached, PAGE, EU_US)).data as { ordersV2: { nodes: { region: string }[] } };
    expect(new Set(apac.ordersV2.nodes.map((n) => n.region))).toEqual(new Set(['APAC']));
    expect(euUs.ordersV2.nodes.some((n) => n.region === 'APAC')).toBe(false);
  });

  it('answers from the new version once a source file is rewritten', async () => {
    const before = await ask(cached, SUMS, ADMIN);
    expect(fromCache(await ask(cached, SUMS, ADMIN))).toEqual([true]);
    // Rewrite one file the answer read: every amount doubled, written beside it then renamed over it.
    const file = join(dir, 'products/orders/data/part-001.parquet');
    const tmp = join(dir, 'products/orders/data/.part-001.rewrite');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    await duck.run(`COPY (SELECT * REPLACE (amount * 2 AS amount) FROM read_parquet('${file}')) TO '${tmp}' (FORMAT parquet)`);
    duck.closeSync();
    renameSync(tmp, file);
    const after = await ask(cached, SUMS, ADMIN);
    expect(fromCache(after)).toEqual([false]);
    expect(after.data).not.toEqual(before.data);
    expect(after.data).toEqual((await ask(oracle, SUMS, ADMIN)).data);
    expect(fromCache(await ask(cached, SUMS, ADMIN))).toEqual([true]);
  });
});
