/**
 * Aggregates under policy (docs/graphql.md, docs/policies.md): served only where every matching
 * policy sets allow.aggregate (else the aggregate root field is not in the
 * caller's schema, docs/frontend-apps.md; the analyzer refuses such a plan too); grouped
 * and aggregated fields must be granted; row filters apply first; masked
 * fields are aggregated, and grouped, by their masked values; more groups
 * than the product's limits.maxGroups is a RESOURCE_LIMIT error, never a
 * truncated list.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCounted, writeDeployment, type CountedGateway, type TestKey } from '../support/counting-gateway.js';
import type { GraphQLResponse } from '../support/demo.js';
import { openOracle, roundSql, rowsOf, showFirst4Sql } from '../support/demo-sql.js';

const KEYS = {
  reporter: { id: 'reporter', key: 'aggregates-reporter-key', roles: ['reporter'] },
  counter: { id: 'counter', key: 'aggregates-counter-key', roles: ['counter'] },
} satisfies Record<string, TestKey>;

let demo: CountedGateway;
let governed: CountedGateway;
let duck: DuckDBConnection;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-aggregates-'));
  const config = writeDeployment(dir, {
    keys: Object.values(KEYS),
    policies: {
      // EU orders only, amounts rounded to 100, customer ids to 1000, dates to the year, notes to 4 characters.
      'orders-reporter': {
        id: 'orders-reporter',
        version: 1,
        product: 'orders',
        versions: '>=2',
        when: { roles: ['reporter'] },
        allow: {
          fields: ['order_id', 'customer_id', 'region', 'status', 'total_amount', 'quantity', 'notes', 'order_date'],
          aggregate: true,
        },
        rowFilter: { region: { eq: 'EU' } },
        masks: { total_amount: { round: 100 }, customer_id: { round: 1000 }, order_date: 'year', notes: 'show_first_4' },
      },
      'orders-counter': {
        id: 'orders-counter',
        version: 1,
        product: 'orders',
        versions: '>=2',
        when: { roles: ['counter'] },
        allow: { fields: ['order_id', 'region', 'status'], aggregate: true },
      },
    },
  });
  [demo, governed, duck] = await Promise.all([openCounted(), openCounted(config), openOracle()]);
});
afterAll(async () => {
  duck?.closeSync();
  await Promise.all([demo?.engine.close(), governed?.engine.close()]);
});

const as = (k: TestKey) => ({ 'x-api-key': k.key });
const error = (res: GraphQLResponse) => ({ code: res.errors?.[0]?.extensions?.['code'], message: res.errors?.[0]?.message });

describe('aggregates under policy', () => {
  it('are not in the schema of a caller whose policy does not allow aggregation, and nothing runs', async () => {
    demo.engine.reset();
    const res = await demo.query('{ ordersV2Aggregate(groupBy: [region]) { key { region } count } }', {}, { 'x-api-key': '' });
    // docs/graphql.md, docs/frontend-apps.md: a validation error, as for a field that does not exist (the analyzer still refuses the plan: analyze-aggregate.test.ts).
    expect(error(res)).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', message: 'Cannot query field "ordersV2Aggregate" on type "Query".' });
    expect(res.data).toBeUndefined();
    expect(demo.engine.plans).toHaveLength(0);
    // The same caller may still page and count (totalCount is not an aggregate).
    const count = await demo.query('{ ordersV2 { totalCount } }', {}, { 'x-api-key': '' });
    expect(count.errors).toBeUndefined();
  });

  it('refuse grouping or aggregating a field that is not granted', async () => {
    const ok = await governed.query(
      '{ ordersV2Aggregate(groupBy: [status]) { key { status } count min { order_id } } }',
      {},
      as(KEYS.counter),
    );
    expect(ok.errors).toBeUndefined();
    expect((ok.data!['ordersV2Aggregate'] as unknown[]).length).toBe(5);
    for (const q of [
      '{ ordersV2Aggregate { count sum { total_amount } } }',
      '{ ordersV2Aggregate(groupBy: [email]) { count } }',
      '{ ordersV2Aggregate(where: { quantity: { gt: 3 } }) { count } }',
    ]) {
      // Fields not granted are not in the caller's schema (docs/frontend-apps.md): not among the group fields, aggregates or where.
      const res = await governed.query(q, {}, as(KEYS.counter));
      expect(error(res).code, q).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(error(res).message, q).toMatch(
        /^(Cannot query field "total_amount" on type "OrdersV2Sum"|Value "email" does not exist in "OrdersV2GroupField" enum|Field "quantity" is not defined by type "OrdersV2Where")\.$/,
      );
    }
  });

  it('past limits.maxGroups: RESOURCE_LIMIT, not a truncated list', async () => {
    const res = await demo.query('{ ordersV2Aggregate(groupBy: [customer_id]) { key { customer_id } count } }');
    expect(error(res).code).toBe('RESOURCE_LIMIT');
    expect(error(res).message).toMatch(
      /more than 1000 groups, the limit for this product \(limits\.maxGroups\); group by fewer fields or narrow where/,
    );
    expect(res.data).toBeNull();
    // Narrowed under the limit, the same grouping answers.
    const narrow = await demo.query(
      '{ ordersV2Aggregate(groupBy: [customer_id], where: { customer_id: { in: ["1", "2", "3"] } }) { key { customer_id } count } }',
    );
    expect(narrow.errors).toBeUndefined();
  });

  it('see only the rows the row filter leaves, by their masked values (sums of rounded amounts equal DuckDB’s sums of rounded amounts)', async () => {
    const res = await governed.query(
      `{ ordersV2Aggregate(groupBy: [order_date]) { key { order_date } count
          sum { total_amount customer_id } avg { total_amount } min { total_amount notes customer_id } max { total_amount notes order_date } } }`,
      {},
      as(KEYS.reporter),
    );
    expect(res.errors).toBeUndefined();
    const rows = await rowsOf(
      duck,
      `WITH masked AS (
         SELECT ${roundSql('total_amount', 100)} AS total_amount, (customer_id + 500) // 1000 * 1000 AS customer_id,
                make_date(year(order_date), 1, 1) AS order_date, ${showFirst4Sql('notes')} AS notes
         FROM orders_admin WHERE region = 'EU')
       SELECT order_date, count(*) AS n, sum(total_amount) AS s, sum(customer_id) AS sc, avg(total_amount) AS a,
              min(total_amount) AS mn, min(notes) AS mnn, min(customer_id) AS mnc, max(total_amount) AS mx, max(notes) AS mxn, max(order_date) AS mxd
       FROM masked GROUP BY order_date ORDER BY order_date NULLS LAST`,
    );
    const day = (d: unknown) => (d as Date).toISOString().slice(0, 10);
    const got = res.data!['ordersV2Aggregate'] as {
      key: { order_date: string };
      count: number;
      sum: { total_amount: number; customer_id: string };
      avg: { total_amount: number };
      min: Record<string, unknown>;
      max: Record<string, unknown>;
    }[];
    expect(got).toHaveLength(rows.length);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    got.forEach((g, i) => {
      const r = rows[i]!;
      expect(g.key.order_date).toBe(day(r['order_date']));
      expect(g.key.order_date).toMatch(/-01-01$/);
      expect(g.count).toBe(Number(r['n']));
      expect(g.sum.total_amount).toBeCloseTo(r['s'] as number, 6);
      expect(g.sum.total_amount % 100).toBeCloseTo(0, 6);
      expect(g.sum.customer_id).toBe(String(r['sc']));
      expect(g.avg.total_amount).toBeCloseTo(r['a'] as number, 9);
      expect(g.min).toEqual({ total_amount: r['mn'], notes: r['mnn'], customer_id: String(r['mnc']) });
      expect(g.max).toEqual({ total_amount: r['mx'], notes: r['mxn'], order_date: day(r['mxd']) });
    });
  });

  it('group a masked field by its masked values', async () => {
    const res = await governed.query(
      '{ ordersV2Aggregate(groupBy: [customer_id, status], where: { customer_id: { in: ["0", "1000", "2000", "3000"] } }) { key { customer_id status } count } }',
      {},
      as(KEYS.reporter),
    );
    expect(res.errors).toBeUndefined();
    const rows = await rowsOf(
      duck,
      `SELECT (customer_id + 500) // 1000 * 1000 AS c, status, count(*) AS n FROM orders_admin
       WHERE region = 'EU' AND (customer_id + 500) // 1000 * 1000 IN (0, 1000, 2000, 3000) GROUP BY c, status ORDER BY c, status`,
    );
    expect(res.data!['ordersV2Aggregate']).toEqual(
      rows.map((r) => ({ key: { customer_id: String(r['c']), status: r['status'] }, count: Number(r['n']) })),
    );
    expect(new Set(rows.map((r) => r['c']))).toEqual(new Set([0n, 1000n, 2000n, 3000n]));
  });

  it('record lineage and audit like any product read', async () => {
    const res = await governed.query('{ ordersV2Aggregate { count sum { total_amount } } }', {}, as(KEYS.reporter));
    const lineage = res.extensions!['lineage'] as {
      products: { path: string[]; policies: { id: string }[]; maskedFields: string[]; rowFilter: boolean }[];
    };
    expect(lineage.products).toHaveLength(1);
    expect(lineage.products[0]).toMatchObject({
      path: ['ordersV2Aggregate'],
      policies: [{ id: 'orders-reporter' }],
      maskedFields: ['total_amount'],
      rowFilter: true,
    });
  });
});
