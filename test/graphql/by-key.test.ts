/**
 * Lookups by primary key (docs/frontend-apps.md): `<product>V<n>ByKey(<key>)` answers the
 * row the connection answers for the same key — under the same policies, row
 * filter and masks — or null; a key outside the caller's row filter and a key
 * that does not exist are indistinguishable, in the response and in the
 * audit; relationships resolve from the row; `contract diff` and `persisted
 * check` know the field.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffContractFiles } from '../../src/cli/contract-diff.js';
import { checkPersistedOperations, persistedRunners } from '../../src/cli/persisted-check.js';
import { loadConfig } from '../../src/config/config.js';
import { Catalog } from '../../src/contract/catalog.js';
import { loadContracts } from '../../src/contract/load-contracts.js';
import { EmbeddedEngine } from '../../src/engine/engine.js';
import { loadPolicies } from '../../src/policy/load-policies.js';
import { maskValuesWith } from '../../src/policy/mask-value.js';
import type { AuditRecord } from '../../src/response/audit.js';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { documentId, parsePersistedManifest } from '../../src/server/persisted-manifest.js';
import { maskingKey } from '../../src/config/config.js';
import { DEMO_KEYS, type GraphQLResponse } from '../support/demo.js';
import { openOracle, rowsOf } from '../support/demo-sql.js';

const records: AuditRecord[] = [];
let gateway: Gateway;
let engine: EmbeddedEngine;
/** An APAC order (outside the analyst's row filter) and an EU one (inside). */
let apac: string;
let eu: string;

const CALLERS = {
  admin: { 'x-api-key': DEMO_KEYS.admin },
  analyst: { 'x-api-key': DEMO_KEYS.analyst, 'x-purpose': 'reporting' },
  anonymous: {},
} as const;
type Who = keyof typeof CALLERS;
/** What each caller may select of an order (and whether it may follow `customer`). */
const SELECT: Record<Who, string> = {
  admin: 'order_id region status total_amount email notes is_gift customer { customer_id name lifetime_value }',
  analyst: 'order_id region status total_amount email notes customer { customer_id name lifetime_value }',
  anonymous: 'order_id region status total_amount quantity order_date',
};

beforeAll(async () => {
  const config = loadConfig('sluice.yaml');
  engine = new EmbeddedEngine({ maskValues: maskValuesWith(maskingKey(config)) });
  const sink = { write: (r: AuditRecord) => void records.push(r), close: async () => undefined };
  gateway = createGateway({ config, ...(await loadDeployment(config, engine)), engine, audit: sink, today: '2026-11-21' });
  const duck = await openOracle();
  try {
    const [a] = await rowsOf(duck, `SELECT order_id FROM orders_admin WHERE region = 'APAC' ORDER BY order_id LIMIT 1 OFFSET 7`);
    const [e] = await rowsOf(duck, `SELECT order_id FROM orders_admin WHERE region = 'EU' ORDER BY order_id LIMIT 1 OFFSET 7`);
    apac = String(a!['order_id']);
    eu = String(e!['order_id']);
  } finally {
    duck.closeSync();
  }
});
afterAll(() => engine?.close());

async function ask(query: string, variables: Record<string, unknown>, who: Who): Promise<{ text: string; body: GraphQLResponse }> {
  const res = await gateway.fetch('http://sluice.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...CALLERS[who] },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { text, body: JSON.parse(text) as GraphQLResponse };
}

/** The response without what differs between any two requests by design: the query and decision ids. */
const withoutIds = (text: string) => text.replace(/"(queryId|decisionId)":"[^"]*"/g, '"$1":"…"');

describe('ByKey lookups', () => {
  it('answer the row the connection answers for the same key, or null, for every caller', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Who>('admin', 'analyst', 'anonymous'),
        fc.oneof(fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 59_990, max: 60_020 }), fc.constant(0)),
        async (who, key) => {
          const byKey = await ask(`query($k: BigInt!) { ordersV2ByKey(order_id: $k) { ${SELECT[who]} } }`, { k: String(key) }, who);
          const page = await ask(
            `query($k: BigInt!) { ordersV2(where: { order_id: { eq: $k } }, first: 1) { nodes { ${SELECT[who]} } } }`,
            { k: String(key) },
            who,
          );
          expect(byKey.body.errors, byKey.text).toBeUndefined();
          const row = (page.body.data!['ordersV2'] as { nodes: unknown[] }).nodes[0] ?? null;
          expect(byKey.body.data!['ordersV2ByKey']).toEqual(row);
          if (key >= 1 && key <= 60_000 && who !== 'analyst') expect(row).not.toBeNull();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('answer customers by key with the analyst’s masks, and relationships from the row', async () => {
    const select =
      'customer_id name email lifetime_value orders(first: 3, orderBy: [{ total_amount: DESC }]) { totalCount nodes { order_id region } }';
    for (const k of ['1', '77', '19999']) {
      const byKey = await ask(`query($k: BigInt!) { customersV1ByKey(customer_id: $k) { ${select} } }`, { k }, 'analyst');
      const page = await ask(
        `query($k: BigInt!) { customersV1(where: { customer_id: { eq: $k } }) { nodes { ${select} } } }`,
        { k },
        'analyst',
      );
      expect(byKey.body.data!['customersV1ByKey']).toEqual((page.body.data!['customersV1'] as { nodes: unknown[] }).nodes[0]);
      const row = byKey.body.data!['customersV1ByKey'] as { name: string; orders: { nodes: { region: string }[] } };
      expect(row.name).toMatch(/^.{0,4}\**$/u);
      for (const o of row.orders.nodes) expect(['EU', 'US']).toContain(o.region);
      const lineage = (byKey.body.extensions!['lineage'] as { products: { path: string[]; product: string }[] }).products;
      expect(lineage.map((p) => p.path.join('.'))).toEqual(['customersV1ByKey', 'customersV1ByKey.orders']);
    }
  });

  it('a key outside the row filter and a key that does not exist give the same response and the same audit record', async () => {
    const query = `query($k: BigInt!) { ordersV2ByKey(order_id: $k) { order_id region email customer { segment } } }`;
    const seen = async (k: string) => {
      const before = records.length;
      const { text } = await ask(query, { k }, 'analyst');
      await new Promise((r) => setImmediate(r));
      expect(records.length).toBe(before + 1);
      const { time: _t, queryId: _q, decisionId: _d, durationMs: _ms, ...record } = records[records.length - 1]!;
      return { text: withoutIds(text), record };
    };
    const hidden = await seen(apac);
    const missing = await seen('987654321');
    expect(hidden.text).toBe(missing.text);
    expect(JSON.parse(hidden.text).data).toEqual({ ordersV2ByKey: null });
    expect(hidden.record).toEqual(missing.record);
    expect(hidden.record).toMatchObject({
      decision: 'allow',
      rowsReturned: 0,
      products: [{ path: 'ordersV2ByKey', rowFilter: true, rows: 0 }],
    });
    // The admin sees the APAC order; the analyst sees an EU one.
    const admin = await ask(query, { k: apac }, 'admin');
    expect((admin.body.data!['ordersV2ByKey'] as { region: string }).region).toBe('APAC');
    const inside = await ask(query, { k: eu }, 'analyst');
    expect((inside.body.data!['ordersV2ByKey'] as { region: string; email: string | null }).region).toBe('EU');
  });

  it('are in contract diff and persisted check: a primary key change shows on ByKey; operations using it are checked per key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-by-key-'));
    try {
      const before = join(dir, 'v2-before.yaml');
      const after = join(dir, 'v2-after.yaml');
      const text = readFileSync('products/orders/v2.yaml', 'utf8');
      writeFileSync(before, text);
      writeFileSync(after, stringify({ ...(parse(text) as object), version: '2.2.0', primaryKey: ['order_id', 'customer_id'] }));
      const d = await diffContractFiles(before, after);
      const byKey = d.changes.filter((c) => c.level === 'graphql' && c.path.startsWith('Query.ordersV2ByKey') && c.severity !== 'safe');
      expect(byKey).toEqual([expect.objectContaining({ severity: 'breaking', path: 'Query.ordersV2ByKey.customer_id' })]);
      expect(d.gate).toBe('fail');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const config = loadConfig('sluice.yaml');
    const current = new Catalog(loadContracts(config.productsDir));
    const runners = { policies: loadPolicies(config.policiesDir, current), keys: persistedRunners(config.auth.apiKeys) };
    const documents = [
      'query PartnerOrder($id: BigInt!) { ordersV2ByKey(order_id: $id) { order_id status total_amount } }',
      'query PartnerOrderEmail($id: BigInt!) { ordersV2ByKey(order_id: $id) { order_id email } }',
    ];
    const manifest = parsePersistedManifest(JSON.stringify(Object.fromEntries(documents.map((d) => [documentId(d), d]))), 'test');
    const result = checkPersistedOperations({ manifest, current, runners, today: '2026-11-21' });
    expect(result.broken).toEqual(['PartnerOrderEmail']);
    expect(result.problems).toEqual([
      expect.objectContaining({
        field: 'OrdersV2.email',
        reason:
          'no key that runs persisted operations may run it: partner-acme (role partner, purpose unspecified): Cannot query field "email" on type "OrdersV2".',
      }),
    ]);
  });
});
