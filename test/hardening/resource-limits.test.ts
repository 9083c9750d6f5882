/**
 * Per-request resource limits (issue 7), through the gateway over the demo
 * data: with small server.limits.maxRowsScanned / maxBytesRead /
 * maxMemoryBytes, an aggregate over every row group fails with
 * RESOURCE_LIMIT — the limit named in the message and the extensions, the
 * code in the audit record and the metrics — having decoded only some of
 * the row groups (column cache misses, row-group metrics), while the same
 * aggregate over a primary-key range, which statistics prune to one row
 * group, answers.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, type LimitsConfig } from '../../src/config/config.js';
import type { AuditRecord } from '../../src/response/audit.js';
import { createEngine } from '../../src/server/create-engine.js';
import { createGateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { createMetrics } from '../../src/server/metrics.js';
import { DEMO_KEYS, type GraphQLResponse } from '../support/demo.js';

const FULL = '{ ordersV2Aggregate(groupBy: [region]) { key { region } count sum { total_amount } } }';
const PRUNED =
  '{ ordersV2Aggregate(where: { order_id: { lt: "1000" } }, groupBy: [region]) { key { region } count sum { total_amount } } }';
/** Column chunks the full aggregate reads: region and amount of 16 row groups. */
const FULL_CHUNKS = 2 * 16;

async function gatewayWith(limits: Partial<LimitsConfig>) {
  const config = loadConfig('sluice.yaml');
  const engine = createEngine(config);
  const audit: AuditRecord[] = [];
  const metrics = createMetrics();
  const gateway = createGateway({
    config: { ...config, server: { ...config.server, limits: { ...config.server.limits, ...limits } } },
    ...(await loadDeployment(config, engine)),
    engine,
    metrics,
    audit: { write: (r) => void audit.push(r), close: async () => undefined },
    today: '2026-11-21',
  });
  const ask = async (query: string) => {
    const res = await gateway.fetch('http://sluice.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': DEMO_KEYS.admin },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, body: (await res.json()) as GraphQLResponse };
  };
  return { ask, engine, audit, metrics };
}

describe('server.limits on what a request scans', () => {
  it.each([
    { limit: 'maxRowsScanned', value: 10_000 },
    { limit: 'maxBytesRead', value: 60_000 },
    { limit: 'maxMemoryBytes', value: 150_000 },
  ] as const)('$limit: a full scan is RESOURCE_LIMIT after some row groups; a pruned one answers', async ({ limit, value }) => {
    const { ask, engine, audit, metrics } = await gatewayWith({ [limit]: value });
    const full = await ask(FULL);
    expect(full.status).toBe(200);
    expect(full.body.data).toBeNull();
    expect(full.body.errors).toHaveLength(1);
    const [error] = full.body.errors!;
    expect(error!.extensions).toEqual({ code: 'RESOURCE_LIMIT', limit, value });
    expect(error!.message).toContain(`server.limits.${limit}`);
    expect(error!.message).toContain(String(value));
    expect(error!.message).toMatch(/narrow the filter/);
    expect(error!.message).not.toMatch(/\/|\.parquet|SLUICE_/);
    // Stopped early: fewer column chunks were decoded than the full scan has.
    const misses = engine.cacheStats()!.misses;
    expect(misses).toBeGreaterThan(0);
    expect(misses).toBeLessThan(FULL_CHUNKS / 2);
    expect(audit.at(-1)).toMatchObject({ errors: ['RESOURCE_LIMIT'], status: 200 });
    expect(await metrics.registry.getSingleMetricAsString('sluice_requests_total')).toMatch(
      /sluice_requests_total\{operation="anonymous",code="RESOURCE_LIMIT"\} 1/,
    );
    // The metrics count what the failed plan read: some row groups, not all.
    const groups = Number(
      /sluice_row_groups_scanned_total\{product="orders@v2"\} (\d+)/.exec(
        await metrics.registry.getSingleMetricAsString('sluice_row_groups_scanned_total'),
      )?.[1],
    );
    expect(groups).toBeGreaterThan(0);
    expect(groups).toBeLessThan(16);

    const pruned = await ask(PRUNED);
    expect(pruned.body.errors).toBeUndefined();
    expect(pruned.body.data!['ordersV2Aggregate']).not.toHaveLength(0);
    expect(audit.at(-1)!.errors).toEqual([]);
  });

  it('the defaults leave every demo query alone', async () => {
    const { ask } = await gatewayWith({});
    const full = await ask(FULL);
    expect(full.body.errors).toBeUndefined();
  });
});
