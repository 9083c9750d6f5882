/**
 * Relationships under the target product's policies (docs/graphql.md, docs/policies.md): the batch
 * runs in the caller's session, so the target's grants, row filter and masks
 * apply; what the caller may not see is absent, never an error that reveals
 * it exists. One temporary deployment (the demo's products with a low
 * `maxRelatedRows` on orders, policies of this file) serves every case.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLResponse } from '../support/demo.js';
import {
  demoContract,
  lineagePaths,
  openCounted,
  writeDeployment,
  writeYaml,
  type CountedGateway,
  type TestKey,
} from '../support/counting-gateway.js';
import { CUSTOMERS_KIND, openOracle, rowsOf, shape } from '../support/demo-sql.js';
import { executeBehindSchema } from '../support/behind-schema.js';

const ROLES = ['ops', 'crm', 'seg', 'rounded', 'noname', 'nokey', 'admin'] as const;
type Role = (typeof ROLES)[number];
const KEYS: Record<Role, TestKey> = Object.fromEntries(
  ROLES.map((r) => [r, { id: r, key: `relationships-${r}-key`, roles: [r] }]),
) as unknown as Record<Role, TestKey>;
const as = (role: Role) => ({ 'x-api-key': KEYS[role].key });

const policy = (id: string, product: 'orders' | 'customers', roles: readonly Role[], rest: Record<string, unknown> = {}) => ({
  id,
  version: 1,
  product,
  when: { roles },
  allow: { fields: ['*'], ...((rest['allow'] as object) ?? {}) },
  ...Object.fromEntries(Object.entries(rest).filter(([k]) => k !== 'allow')),
});

const MAX_RELATED = 60;
let gateway: CountedGateway;
let duck: DuckDBConnection;
let configFile: string;
/** The same query run past the caller's schema, against every served field: the resolvers' and analyzer's own refusals. */
const behindSchema = (query: string, role: Role) => executeBehindSchema(configFile, gateway.engine, query, { role });

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-relationships-'));
  const orders = demoContract('orders', 2);
  writeYaml(join(dir, 'products', 'orders', 'v2.yaml'), { ...orders, limits: { ...orders.limits, maxRelatedRows: MAX_RELATED } });
  writeYaml(join(dir, 'products', 'customers', 'v1.yaml'), demoContract('customers', 1));
  const config = (configFile = writeDeployment(dir, {
    products: join(dir, 'products'),
    keys: Object.values(KEYS),
    policies: {
      'orders-all': policy('orders-all', 'orders', ['ops', 'seg', 'noname', 'admin']),
      'customers-all': policy('customers-all', 'customers', ['crm', 'rounded', 'nokey', 'admin']),
      'customers-consumers': policy('customers-consumers', 'customers', ['seg'], { rowFilter: { segment: { eq: 'consumer' } } }),
      'orders-rounded-key': policy('orders-rounded-key', 'orders', ['rounded'], { masks: { customer_id: { round: 10 } } }),
      'customers-no-name': policy('customers-no-name', 'customers', ['noname'], {
        allow: { fields: ['customer_id', 'country', 'segment'] },
      }),
      'orders-no-key': policy('orders-no-key', 'orders', ['nokey'], { allow: { fields: ['order_id', 'region', 'status'] } }),
    },
  }));
  gateway = await openCounted(config);
  duck = await openOracle();
});
afterAll(async () => {
  duck?.closeSync();
  await gateway?.engine.close();
});

const errorsOf = (res: GraphQLResponse) =>
  (res.errors ?? []).map((e) => ({ code: e.extensions?.['code'], message: e.message, path: (e as { path?: unknown[] }).path }));

describe('relationships keep every policy of the products they touch', () => {
  it('into a product the caller cannot see at all: not in its schema; behind it, null with FORBIDDEN on that field, the parents answered', async () => {
    // docs/frontend-apps.md: the caller's OrdersV2 has no customer field, as if there were none.
    const served = await gateway.query('{ ordersV2(first: 5) { nodes { order_id customer { name } } } }', {}, as('ops'));
    expect(errorsOf(served)).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', message: 'Cannot query field "customer" on type "OrdersV2".', path: undefined },
    ]);
    const servedMany = await gateway.query('{ customersV1(first: 3) { nodes { customer_id orders { totalCount } } } }', {}, as('crm'));
    expect(errorsOf(servedMany).map((e) => e.message)).toEqual(['Cannot query field "orders" on type "CustomersV1".']);

    const res = await behindSchema('{ ordersV2(first: 5) { nodes { order_id customer { name } } } }', 'ops');
    const nodes = (res.data!['ordersV2'] as { nodes: { order_id: string; customer: unknown }[] }).nodes;
    expect(nodes.map((n) => n.order_id)).toEqual(['1', '2', '3', '4', '5']);
    expect(nodes.every((n) => n.customer === null)).toBe(true);
    expect(errorsOf(res)).toEqual(
      [0, 1, 2, 3, 4].map((i) => ({
        code: 'FORBIDDEN',
        message: 'product customers v1 is not available to this session',
        path: ['ordersV2', 'nodes', i, 'customer'],
      })),
    );

    const many = await behindSchema('{ customersV1(first: 3) { nodes { customer_id orders { totalCount } } } }', 'crm');
    expect((many.data!['customersV1'] as { nodes: { orders: unknown }[] }).nodes.map((n) => n.orders)).toEqual([null, null, null]);
    expect(new Set(errorsOf(many).map((e) => `${e.code}: ${e.message}`))).toEqual(
      new Set(['FORBIDDEN: product orders v2 is not available to this session']),
    );
  });

  it('into rows the target’s row filter hides: null (kind one) or absent (kind many), never an error', async () => {
    const res = await gateway.query('{ ordersV2(first: 40) { nodes { order_id customer { customer_id segment } } } }', {}, as('seg'));
    expect(res.errors).toBeUndefined();
    const expected = (
      await rowsOf(
        duck,
        `SELECT o.order_id, c.customer_id AS c_customer_id, c.segment AS c_segment FROM (SELECT * FROM orders_admin ORDER BY order_id LIMIT 40) o
         LEFT JOIN (SELECT * FROM customers_admin WHERE segment = 'consumer') c ON c.customer_id = o.customer_id ORDER BY o.order_id`,
      )
    ).map((r) => ({
      order_id: String(r['order_id']),
      customer: r['c_customer_id'] === null ? null : shape(r, CUSTOMERS_KIND, ['customer_id', 'segment'], 'c_'),
    }));
    const got = (res.data!['ordersV2'] as { nodes: unknown[] }).nodes;
    expect(got).toEqual(expected);
    // Some are hidden, some are not: the case is really exercised.
    expect(expected.filter((e) => e.customer === null).length).toBeGreaterThan(10);
    expect(expected.filter((e) => e.customer !== null).length).toBeGreaterThan(5);

    // Kind many: the demo analyst's orders are EU and US only (orders-analyst).
    const analyst = await openCounted();
    try {
      const r = await analyst.query(
        '{ customersV1(first: 20) { nodes { customer_id orders(first: 50) { totalCount nodes { region } } } } }',
        {},
        { 'x-api-key': 'demo-analyst-key', 'x-purpose': 'reporting' },
      );
      expect(r.errors).toBeUndefined();
      const customers = (
        r.data!['customersV1'] as { nodes: { customer_id: string; orders: { totalCount: number; nodes: { region: string }[] } }[] }
      ).nodes;
      const counts = await rowsOf(
        duck,
        `SELECT customer_id, count(*) AS n FROM orders_analyst WHERE customer_id <= 20 GROUP BY customer_id`,
      );
      for (const c of customers) {
        expect(c.orders.nodes.every((o) => o.region === 'EU' || o.region === 'US')).toBe(true);
        expect(c.orders.totalCount).toBe(Number(counts.find((x) => String(x['customer_id']) === c.customer_id)?.['n'] ?? 0));
      }
    } finally {
      await analyst.engine.close();
    }
  });

  it('a relationship on a masked key joins masked values: the customer whose id is the order’s rounded customer_id', async () => {
    const res = await gateway.query(
      '{ ordersV2(first: 50) { nodes { order_id customer_id customer { customer_id name } } } }',
      {},
      as('rounded'),
    );
    expect(res.errors).toBeUndefined();
    const round10 = (x: string) => `(CASE WHEN ${x} < 0 THEN -((abs(${x}) + 5) // 10 * 10) ELSE (${x} + 5) // 10 * 10 END)`;
    const expected = (
      await rowsOf(
        duck,
        `SELECT o.order_id, ${round10('o.customer_id')} AS customer_id, c.customer_id AS c_customer_id, c.name AS c_name
         FROM (SELECT * FROM orders_admin ORDER BY order_id LIMIT 50) o
         LEFT JOIN customers_admin c ON c.customer_id = ${round10('o.customer_id')} ORDER BY o.order_id`,
      )
    ).map((r) => ({
      order_id: String(r['order_id']),
      customer_id: String(r['customer_id']),
      customer: r['c_customer_id'] === null ? null : shape(r, CUSTOMERS_KIND, ['customer_id', 'name'], 'c_'),
    }));
    expect((res.data!['ordersV2'] as { nodes: unknown[] }).nodes).toEqual(expected);
    // The raw key never shows: every shown id is a multiple of 10, and so is every joined customer's.
    expect(expected.every((e) => Number(e.customer_id) % 10 === 0)).toBe(true);

    // The other way round: a customer's orders are those whose masked key equals its id.
    const many = await gateway.query(
      '{ customersV1(where: { customer_id: { in: ["1230", "1231"] } }) { nodes { customer_id orders(first: 100) { totalCount nodes { order_id customer_id } } } } }',
      {},
      as('rounded'),
    );
    expect(many.errors).toBeUndefined();
    const sql = await rowsOf(duck, `SELECT order_id FROM orders_admin WHERE customer_id BETWEEN 1225 AND 1234 ORDER BY order_id`);
    const [c1230, c1231] = (
      many.data!['customersV1'] as { nodes: { orders: { totalCount: number; nodes: { order_id: string; customer_id: string }[] } }[] }
    ).nodes;
    expect(c1230!.orders.nodes.map((o) => o.order_id)).toEqual(sql.map((r) => String(r['order_id'])));
    expect(c1230!.orders.nodes.every((o) => o.customer_id === '1230')).toBe(true);
    expect(c1231!.orders).toEqual({ totalCount: 0, nodes: [] });
    // Lineage names the mask of the parent's key.
    const lineage = res.extensions!['lineage'] as { products: { path: string[]; maskedFields: string[]; policies: { id: string }[] }[] };
    expect(lineage.products.find((p) => p.path.join('.') === 'ordersV2')!.maskedFields).toEqual(['customer_id']);
    expect(lineage.products.find((p) => p.path.join('.') === 'ordersV2.nodes.customer')!.policies.map((p) => p.id)).toEqual([
      'customers-all',
    ]);
  });

  it('a target field the caller may not read is not in its schema (FORBIDDEN behind it); granted ones are answered', async () => {
    const ok = await gateway.query('{ ordersV2(first: 3) { nodes { customer { country } } } }', {}, as('noname'));
    expect(ok.errors).toBeUndefined();
    const served = await gateway.query('{ ordersV2(first: 3) { nodes { order_id customer { name } } } }', {}, as('noname'));
    expect(errorsOf(served).map((e) => `${e.code}: ${e.message}`)).toEqual([
      'GRAPHQL_VALIDATION_FAILED: Cannot query field "name" on type "CustomersV1".',
    ]);
    const res = await behindSchema('{ ordersV2(first: 3) { nodes { order_id customer { name } } } }', 'noname');
    expect(new Set(errorsOf(res).map((e) => `${e.code}: ${e.message}`))).toEqual(
      new Set(['FORBIDDEN: field name of customers v1 is not granted to this session']),
    );
  });

  it('a parent key the caller may not read: no such relationship in its schema; behind it, that field is FORBIDDEN, the rest of the page answered', async () => {
    const served = await gateway.query('{ ordersV2(first: 3) { nodes { order_id customer { country } } } }', {}, as('nokey'));
    expect(errorsOf(served).map((e) => e.message)).toEqual(['Cannot query field "customer" on type "OrdersV2".']);
    expect(lineagePaths(served)).toEqual([]);
    gateway.engine.reset();
    const res = await behindSchema('{ ordersV2(first: 3) { nodes { order_id customer { country } } } }', 'nokey');
    expect((res.data!['ordersV2'] as { nodes: unknown[] }).nodes).toEqual([
      { order_id: '1', customer: null },
      { order_id: '2', customer: null },
      { order_id: '3', customer: null },
    ]);
    expect(errorsOf(res)[0]).toMatchObject({
      code: 'FORBIDDEN',
      message: 'relationship customer joins on customer_id of orders v2, which this session may not read',
    });
    // Nothing was read for the relationship.
    expect(gateway.engine.scansOf('customers')).toEqual([]);
    expect(gateway.engine.scansOf('orders')).toHaveLength(1);
  });

  it('a batch past the target’s maxRelatedRows is a RESOURCE_LIMIT error, not a short answer', async () => {
    gateway.engine.reset();
    const res = await gateway.query(
      '{ customersV1(first: 50) { nodes { customer_id orders(first: 1) { totalCount } } } }',
      {},
      as('admin'),
    );
    const codes = new Set(errorsOf(res).map((e) => e.code));
    expect(codes).toEqual(new Set(['RESOURCE_LIMIT']));
    expect(res.errors![0]!.message).toMatch(
      new RegExp(`more than ${MAX_RELATED} related orders rows \\(limits\\.maxRelatedRows of orders v2\\)`),
    );
    expect((res.data!['customersV1'] as { nodes: { orders: unknown }[] }).nodes.every((n) => n.orders === null)).toBe(true);
    // One batch still, and it stopped one row past the bound.
    expect(gateway.engine.scansOf('orders')).toHaveLength(1);
    // Fewer parents fit.
    const small = await gateway.query('{ customersV1(first: 5) { nodes { orders(first: 1) { totalCount } } } }', {}, as('admin'));
    expect(small.errors).toBeUndefined();
  });

  it('explain shows the batch with the parent keys as a placeholder', async () => {
    const { explainQuery } = await import('../../src/cli/explain.js');
    const { loadConfig } = await import('../../src/config/config.js');
    const { loadDeployment } = await import('../../src/server/load-catalog.js');
    const { EmbeddedEngine } = await import('../../src/engine/engine.js');
    const config = loadConfig(resolve('sluice.yaml'));
    const engine = new EmbeddedEngine();
    try {
      const deployment = await loadDeployment(config, engine, { secrets: 'optional' });
      const text = await explainQuery({
        ...deployment,
        config,
        document: '{ ordersV2(first: 10) { nodes { order_id customer { name } } } }',
        variables: {},
        role: 'analyst',
        purpose: 'reporting',
        attributes: { regions: ['EU', 'US'] },
      });
      expect(text).toContain('== ordersV2.nodes.customer (relationship batch');
      expect(text).toContain('Filter: customer_id IN ($ordersV2.nodes.customer_id)');
      expect(text).toContain(
        'Scan: customers v1 (1.0.0) fields=[customer_id, name] filters=[customer_id IN ($ordersV2.nodes.customer_id)]',
      );
      expect(text).toContain('Mask: name=show_first_4');
    } finally {
      await engine.close();
    }
  });
});
