/**
 * Metamorphic masking across products (test/support/masked-twins.ts): two
 * deployments whose data differ only in raw values of masked fields answer a
 * masked, row-filtered caller's relationship requests with the same bytes —
 * joined rows, join keys, per-parent pages and cursors, totalCount, errors
 * and lineage down to row groups read. A relationship on a masked key must
 * join masked values, so raw values cannot move the answer.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlOrderBy, gqlWhere, type Where } from '../support/demo-sql.js';
import { askTwins, openTwins, TWIN_CALLER, type Twins } from '../support/masked-twins.js';

const RUNS = Number(process.env.SLUICE_PROPERTY_RUNS ?? 60) / 3;
let twins: Twins;
beforeAll(async () => {
  twins = await openTwins();
}, 60_000);
afterAll(() => twins?.close());

const leaf = (field: string, ops: string[], values: unknown[]) =>
  fc.tuple(fc.constantFrom(...ops), fc.constantFrom(...values)).map(([op, v]) => ({ [field]: { [op]: op === 'in' ? [v] : v } }) as Where);

/** Conditions on masked fields (compared as masked values) and unmasked ones. */
const ordersWhere = fc.oneof(
  leaf('customer_id', ['eq', 'in', 'lt', 'gte'], ['1230', '5000', '12340', '77']),
  leaf('total_amount', ['lt', 'gte', 'eq'], [500, 1000, 1500, 1234]),
  leaf('order_date', ['eq', 'gte', 'lt'], ['2023-01-01', '2024-01-01', '2023-06-15']),
  leaf('notes', ['startsWith', 'contains', 'gte'], ['gift', 'leav', '*', 'frag']),
  leaf('region', ['eq', 'ne'], ['EU', 'US', 'APAC']),
);
const customersWhere = fc.oneof(
  leaf('name', ['startsWith', 'lt', 'contains'], ['Ada ', 'H', '*', 'Zoë']),
  leaf('email', ['contains', 'eq'], ['@mail.test', '***@acme.test', 'user1']),
  leaf('lifetime_value', ['gte', 'lt', 'eq'], [10_000, 25_000, 3000, 12_345]),
  leaf('signup_date', ['eq', 'gte'], ['2019-01-01', '2020-03-04']),
  leaf('segment', ['eq', 'ne'], ['consumer', 'enterprise']),
);
const orderBy = (fields: string[]) =>
  fc
    .uniqueArray(fc.constantFrom(...fields), { maxLength: 2 })
    .chain((fs) => fc.tuple(...fs.map((f) => fc.constantFrom('ASC', 'DESC').map((d) => ({ [f]: d as 'ASC' | 'DESC' })))));
const ob = (o: readonly Record<string, 'ASC' | 'DESC'>[]) => (o.length ? `orderBy: ${gqlOrderBy(o)}` : '');

const ORDER_SORTS = ['customer_id', 'total_amount', 'order_date', 'notes', 'status'];
const CUSTOMER_SORTS = ['name', 'email', 'lifetime_value', 'signup_date', 'country'];

async function same(query: string, variables: Record<string, unknown> = {}): Promise<void> {
  const { a, b, readsA, readsB } = await askTwins(twins, query, variables);
  expect(b, query).toBe(a);
  expect(readsB, query).toEqual(readsA);
}

describe('relationships over masked values: byte-identical answers from the twin deployments', () => {
  it('orders → customer → orders, filtered and sorted on masked fields at every level', async () => {
    await fc.assert(
      fc.asyncProperty(
        ordersWhere,
        orderBy(ORDER_SORTS),
        fc.integer({ min: 0, max: 30 }),
        fc.option(ordersWhere, { nil: undefined }),
        orderBy(ORDER_SORTS),
        async (w, o, first, w2, o2) => {
          await same(`{ ordersV2(where: ${gqlWhere(w)} ${ob(o)} first: ${first}) { totalCount pageInfo { endCursor }
          nodes { order_id customer_id total_amount notes
            customer { customer_id name email lifetime_value signup_date
              orders(${w2 ? `where: ${gqlWhere(w2)}` : ''} ${ob(o2)} first: 3) { totalCount pageInfo { hasNextPage endCursor } nodes { order_id customer_id total_amount order_date notes } } } } } }`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('customers → orders → customer, and the next page of one customer’s orders by its cursor', async () => {
    await fc.assert(
      fc.asyncProperty(
        customersWhere,
        orderBy(CUSTOMER_SORTS),
        fc.option(ordersWhere, { nil: undefined }),
        orderBy(ORDER_SORTS),
        async (w, o, w2, o2) => {
          const query = `{ customersV1(where: ${gqlWhere(w)} ${ob(o)} first: 15) { nodes { customer_id name
          orders(${w2 ? `where: ${gqlWhere(w2)}` : ''} ${ob(o2)} first: 2) { totalCount pageInfo { endCursor } nodes { order_id total_amount customer { customer_id lifetime_value } } } } } }`;
          await same(query);
          // Page on with the first customer's cursor (the same in both twins, or the comparison above failed).
          const first = await twins.a.query(query, {}, TWIN_CALLER);
          const parent = (
            first.data?.['customersV1'] as
              { nodes: { customer_id: string; orders: { pageInfo: { endCursor: string | null } } }[] } | undefined
          )?.nodes[0];
          if (!parent?.orders.pageInfo.endCursor) return;
          await same(
            `query($after: String) { customersV1(where: { customer_id: { eq: "${parent.customer_id}" } }) { nodes {
            orders(${w2 ? `where: ${gqlWhere(w2)}` : ''} ${ob(o2)} first: 2, after: $after) { totalCount nodes { order_id total_amount order_date } } } } }`,
            { after: parent.orders.pageInfo.endCursor },
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('the twins really differ in raw values, and the requests above really return joined rows', async () => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const files = (t: string, p: string) => `read_parquet('${join(twins.dir, t, 'products', p, 'data', '*.parquet')}')`;
      const [orders] = await duck
        .runAndReadAll(
          `SELECT count(*) FILTER (WHERE a.customer_id <> b.customer_id) AS raw, count(*) FILTER (WHERE (a.customer_id + 5) // 10 <> (b.customer_id + 5) // 10) AS masked
        FROM ${files('a', 'orders')} a JOIN ${files('b', 'orders')} b USING (order_id)`,
        )
        .then((r) => r.getRowObjectsJS());
      expect(Number(orders!['raw'])).toBeGreaterThan(10_000);
      expect(Number(orders!['masked'])).toBe(0);
      const [customers] = await duck
        .runAndReadAll(
          `SELECT count(*) FILTER (WHERE a.name <> b.name) AS raw FROM ${files('a', 'customers')} a JOIN ${files('b', 'customers')} b USING (customer_id)`,
        )
        .then((r) => r.getRowObjectsJS());
      expect(Number(customers!['raw'])).toBeGreaterThan(10_000);
    } finally {
      duck.closeSync();
    }
    const res = await twins.a.query(
      '{ ordersV2(first: 20) { nodes { customer { orders(first: 5) { nodes { order_id } } } } } }',
      {},
      TWIN_CALLER,
    );
    const nodes = (res.data!['ordersV2'] as { nodes: { customer: { orders: { nodes: unknown[] } } | null }[] }).nodes;
    expect(nodes.filter((n) => n.customer !== null && n.customer.orders.nodes.length > 0).length).toBeGreaterThan(5);
  });
});
