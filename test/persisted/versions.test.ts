/**
 * Versions side by side (docs/contracts.md) with an injected clock: orders v1 is
 * deprecated with sunset 2027-06-30 and v2 replaces it. Before the sunset v1
 * is served and marked deprecated, and its use is counted per operation and
 * per API key (in memory, and by `sluice usage` from the audit log); after
 * it, a request for v1 is told which version replaces it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fileAuditSink } from '../../src/response/audit.js';
import { DeprecationUsage } from '../../src/response/deprecation-usage.js';
import { documentId, parsePersistedManifest } from '../../src/server/persisted-manifest.js';
import { codes, demoGateway, KEYS, post } from './support.js';

const BEFORE_SUNSET = '2027-06-30';
const AFTER_SUNSET = '2027-07-01';

/** A manifest with one operation still on v1 and one reading a deprecated v2 field. */
const LEGACY = 'query LegacyOrders { ordersV1(first: 2) { nodes { order_id amount } } }';
const GIFTS = 'query GiftFlags { ordersV2(first: 2) { nodes { order_id is_gift } } }';
const manifest = parsePersistedManifest(JSON.stringify({ [documentId(LEGACY)]: LEGACY, [documentId(GIFTS)]: GIFTS }), 'test-manifest.json');

describe('deprecated versions, until their sunset', () => {
  it('serves v1 on its sunset day with @deprecated naming the replacement and the date', async () => {
    const gateway = await demoGateway({ today: BEFORE_SUNSET });
    const a = await post(gateway, { query: '{ __schema { queryType { fields(includeDeprecated: true) { name isDeprecated deprecationReason } } } }' }, KEYS.admin);
    const fields = (a.body.data!['__schema'] as { queryType: { fields: { name: string; isDeprecated: boolean; deprecationReason: string | null }[] } }).queryType.fields;
    expect(fields.find((f) => f.name === 'ordersV1')).toEqual({ name: 'ordersV1', isDeprecated: true, deprecationReason: 'use ordersV2; sunset 2027-06-30' });
    expect(fields.find((f) => f.name === 'ordersV2')).toMatchObject({ isDeprecated: false });
    const v1 = await post(gateway, { query: '{ ordersV1(first: 1) { nodes { order_id amount } } }' }, KEYS.admin);
    expect(v1.body.errors).toBeUndefined();
  });

  it('counts deprecated use per persisted operation and per API key, in memory and from the audit log', async () => {
    const usage = new DeprecationUsage(new Map([...manifest.operations.values()].map((op) => [op.id, op.name])));
    const log = join(mkdtempSync(join(tmpdir(), 'sluice-usage-')), 'audit.log');
    const audit = fileAuditSink(log);
    const gateway = await demoGateway({ today: BEFORE_SUNSET, usage, manifest, audit });
    for (let i = 0; i < 3; i++) expect(codes(await post(gateway, { documentId: documentId(LEGACY) }, KEYS.admin))).toEqual([]);
    expect(codes(await post(gateway, { documentId: documentId(GIFTS) }, KEYS.admin))).toEqual([]);
    expect(codes(await post(gateway, { query: '{ ordersV1(first: 1) { nodes { order_id } } }' }, KEYS.analyst, { 'x-purpose': 'reporting' }))).toEqual([]);
    // Not deprecated: not counted.
    expect(codes(await post(gateway, { query: '{ ordersV2(first: 1) { nodes { order_id } } }' }, KEYS.admin))).toEqual([]);
    await audit.close();

    const report = usage.report();
    expect(report.byOperation.map((o) => [o.operationName, o.documentHash, o.coordinate, o.count])).toEqual([
      ['LegacyOrders', `sha256:${documentId(LEGACY)}`, 'Query.ordersV1', 3],
      ['GiftFlags', `sha256:${documentId(GIFTS)}`, 'OrdersV2.is_gift', 1],
      [null, expect.stringMatching(/^sha256:/), 'Query.ordersV1', 1],
    ]);
    expect(report.byCaller.map((c) => [c.caller, c.coordinate, c.count])).toEqual([
      ['admin-demo', 'Query.ordersV1', 3],
      ['admin-demo', 'OrdersV2.is_gift', 1],
      ['analyst-demo', 'Query.ordersV1', 1],
    ]);

    // The audit log says the same to `sluice usage`.
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(6);
    const out: string[] = [];
    const code = await main(['usage', '--audit', log, '--format', 'json'], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(code).toBe(0);
    const fromLog = JSON.parse(out.join('\n')) as typeof report & { records: number };
    expect(fromLog.records).toBe(6);
    // sluice.yaml's manifest does not hold the test's operations, so the log
    // knows their names only where the request sent them.
    expect(fromLog.byCaller).toEqual(report.byCaller);
    expect(fromLog.byOperation.map((o) => [o.documentHash, o.coordinate, o.count])).toEqual(report.byOperation.map((o) => [o.documentHash, o.coordinate, o.count]));

    const md: string[] = [];
    await main(['usage', '--audit', log], { out: (l) => md.push(l), err: (l) => md.push(l) });
    expect(md.join('\n')).toMatch(/\| admin-demo \| `Query\.ordersV1` \| orders 1\.4\.0 \| 3 \|/);
  });
});

describe('after the sunset', () => {
  it('no longer serves v1, and says which version replaces it', async () => {
    const gateway = await demoGateway({ today: AFTER_SUNSET });
    for (const query of [
      '{ ordersV1(first: 1) { nodes { order_id } } }',
      '{ legacy: ordersV1(first: 1) { nodes { order_id } } }',
      'query Q { ...Legacy } fragment Legacy on Query { ordersV1 { totalCount } }',
    ]) {
      const a = await post(gateway, { query }, KEYS.admin);
      expect(a.body.errors).toEqual([
        {
          message: 'orders v1 was retired on 2027-06-30; use ordersV2',
          locations: [expect.any(Object)],
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED', retired: { product: 'orders', major: 1, sunset: '2027-06-30', replacement: 'ordersV2' } },
        },
      ]);
      expect(a.body.data).toBeUndefined();
    }
    // v2 goes on, and an unknown field is still an ordinary validation error.
    expect(codes(await post(gateway, { query: '{ ordersV2(first: 1) { nodes { order_id } } }' }, KEYS.admin))).toEqual([]);
    const unknown = await post(gateway, { query: '{ ordersV9 { totalCount } }' }, KEYS.admin);
    expect(unknown.body.errors![0]!.message).toBe('Cannot query field "ordersV9" on type "Query".');
  });

  it('answers a persisted operation on v1 the same way', async () => {
    const gateway = await demoGateway({ today: AFTER_SUNSET, manifest });
    const a = await post(gateway, { documentId: documentId(LEGACY) }, KEYS.admin);
    expect(a.body.errors?.[0]?.message).toBe('orders v1 was retired on 2027-06-30; use ordersV2');
  });
});
