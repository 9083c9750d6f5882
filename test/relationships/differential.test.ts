/**
 * Relationship answers against DuckDB's joins over the same files, for an
 * unrestricted caller (admin) and a masked, row-filtered one (analyst): the
 * SQL is written here from the GraphQL arguments and from each caller's
 * policies (test/support/demo-sql.ts), not from the compiler under test.
 *
 *   ordersV2 { nodes { customer } }      = orders LEFT JOIN customers
 *   customersV1 { nodes { orders(…) } }  = per customer: row_number() and count(*) over its orders
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDemo, type Demo } from '../support/demo.js';
import {
  CUSTOMERS_KIND,
  customersWhere,
  gqlOrderBy,
  gqlWhere,
  hashEmails,
  HEADERS,
  openOracle,
  orderByOf,
  ORDERS_KIND,
  ordersWhere,
  rowsOf,
  shape,
  sqlOrderBy,
  sqlWhere,
  type Caller,
} from '../support/demo-sql.js';

const RUNS = Number(process.env.SLUICE_PROPERTY_RUNS ?? 60) / 2;
const CALLERS: Caller[] = ['admin', 'analyst'];
const CUSTOMER_FIELDS = Object.keys(CUSTOMERS_KIND);
const ORDER_FIELDS = ['order_id', 'customer_id', 'region', 'status', 'total_amount', 'quantity', 'email', 'order_date', 'created_at'];
const ORDERS_SORTABLE = ['region', 'status', 'total_amount', 'currency', 'quantity', 'order_date', 'created_at', 'customer_id'];
const CUSTOMERS_SORTABLE = ['name', 'country', 'segment', 'signup_date', 'lifetime_value', 'is_active'];

let demo: Demo;
let duck: DuckDBConnection;
beforeAll(async () => {
  demo = await openDemo();
  duck = await openOracle();
});
afterAll(async () => {
  duck?.closeSync();
  await demo?.engine.close();
});

const orderArg = (ob: readonly Record<string, string>[]) => (ob.length > 0 ? `orderBy: ${gqlOrderBy(ob as never)}` : '');

describe('relationships equal DuckDB joins over the same files', () => {
  for (const caller of CALLERS) {
    it(`kind one — orders with their customer (${caller})`, async () => {
      await fc.assert(
        fc.asyncProperty(ordersWhere, orderByOf(ORDERS_SORTABLE), fc.integer({ min: 0, max: 120 }), async (w, ob, first) => {
          const query = `{ ordersV2(where: ${gqlWhere(w)} ${orderArg(ob)} first: ${first}) {
            nodes { order_id customer_id email customer { ${CUSTOMER_FIELDS.join(' ')} } } } }`;
          const res = await demo.query(query, {}, HEADERS[caller]);
          expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();

          const sql = `SELECT o.order_id, o.customer_id, o.email, ${CUSTOMER_FIELDS.map((f) => `c."${f}" AS "c_${f}"`).join(', ')}
            FROM (SELECT * FROM orders_${caller} WHERE ${sqlWhere(w, ORDERS_KIND)} ORDER BY ${sqlOrderBy(ob, 'order_id')} LIMIT ${first}) o
            LEFT JOIN customers_${caller} c ON c.customer_id = o.customer_id
            ORDER BY ${sqlOrderBy(ob, 'order_id', 'o.')}`;
          const expected = (await rowsOf(duck, sql)).map((r) => ({
            ...hashEmails(caller, shape(r, ORDERS_KIND, ['order_id', 'customer_id', 'email'])),
            customer: r['c_customer_id'] === null ? null : shape(r, CUSTOMERS_KIND, CUSTOMER_FIELDS, 'c_'),
          }));
          expect((res.data!['ordersV2'] as { nodes: unknown[] }).nodes, sql).toEqual(expected);
        }),
        { numRuns: RUNS },
      );
    });

    it(`kind many — customers with a page of their orders, totalCount and hasNextPage (${caller})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          customersWhere,
          orderByOf(CUSTOMERS_SORTABLE),
          fc.integer({ min: 0, max: 40 }),
          fc.option(ordersWhere, { nil: undefined }),
          orderByOf(ORDERS_SORTABLE),
          fc.integer({ min: 0, max: 6 }),
          async (cw, cob, parents, ow, oob, first) => {
            const ordersArgs = [ow ? `where: ${gqlWhere(ow)}` : '', orderArg(oob), `first: ${first}`].join(' ');
            const query = `{ customersV1(where: ${gqlWhere(cw)} ${orderArg(cob)} first: ${parents}) { nodes { customer_id name lifetime_value
              orders(${ordersArgs}) { totalCount pageInfo { hasNextPage } nodes { ${ORDER_FIELDS.join(' ')} } } } } }`;
            const res = await demo.query(query, {}, HEADERS[caller]);
            expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();

            const parentSql = `SELECT customer_id, name, lifetime_value FROM customers_${caller} WHERE ${sqlWhere(cw, CUSTOMERS_KIND)}
              ORDER BY ${sqlOrderBy(cob, 'customer_id')} LIMIT ${parents}`;
            const parentRows = await rowsOf(duck, parentSql);
            const ids = parentRows.map((p) => String(p['customer_id']));
            const childSql = `SELECT * FROM (
                SELECT ${ORDER_FIELDS.map((f) => `"${f}"`).join(', ')},
                  row_number() OVER (PARTITION BY customer_id ORDER BY ${sqlOrderBy(oob, 'order_id')}) AS rn,
                  count(*) OVER (PARTITION BY customer_id) AS total
                FROM orders_${caller}
                WHERE customer_id IN (${ids.length > 0 ? ids.join(', ') : 'NULL'}) AND ${ow ? sqlWhere(ow, ORDERS_KIND) : 'TRUE'})
              WHERE rn <= ${first + 1} ORDER BY customer_id, rn`;
            const children = await rowsOf(duck, childSql);
            const expected = parentRows.map((p) => {
              const mine = children.filter((c) => c['customer_id'] === p['customer_id']);
              const total = Number(mine[0]?.['total'] ?? 0);
              return {
                ...shape(p, CUSTOMERS_KIND, ['customer_id', 'name', 'lifetime_value']),
                orders: {
                  totalCount: total,
                  pageInfo: { hasNextPage: total > first },
                  nodes: mine.slice(0, first).map((c) => hashEmails(caller, shape(c, ORDERS_KIND, ORDER_FIELDS))),
                },
              };
            });
            expect((res.data!['customersV1'] as { nodes: unknown[] }).nodes, `${parentSql}\n${childSql}`).toEqual(expected);
          },
        ),
        { numRuns: RUNS },
      );
    });
  }

  it('walking one customer’s orders with after yields its unpaged orders exactly once, whatever the page size (analyst)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20_000 }),
        orderByOf(ORDERS_SORTABLE),
        fc.integer({ min: 1, max: 5 }),
        async (id, ob, first) => {
          const all = await demo.query(
            `{ customersV1(where: { customer_id: { eq: "${id}" } }) { nodes { orders(${orderArg(ob)} first: 500) { nodes { order_id } } } } }`,
            {},
            HEADERS.analyst,
          );
          const expected = (
            all.data!['customersV1'] as { nodes: { orders: { nodes: { order_id: string }[] } }[] }
          ).nodes[0]!.orders.nodes.map((n) => n.order_id);
          const seen: string[] = [];
          let after: string | null = null;
          for (let page = 0; page < 100; page++) {
            const res = await demo.query(
              `query($after: String) { customersV1(where: { customer_id: { eq: "${id}" } }) { nodes { orders(${orderArg(ob)} first: ${first}, after: $after) {
              nodes { order_id } pageInfo { hasNextPage endCursor } } } } }`,
              { after },
              HEADERS.analyst,
            );
            expect(res.errors).toBeUndefined();
            const conn = (
              res.data!['customersV1'] as {
                nodes: { orders: { nodes: { order_id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }[];
              }
            ).nodes[0]!.orders;
            seen.push(...conn.nodes.map((n) => n.order_id));
            if (!conn.pageInfo.hasNextPage) break;
            after = conn.pageInfo.endCursor;
          }
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: Math.max(5, RUNS / 3) },
    );
  });

  it('a cursor of one parent’s orders is refused for another parent', async () => {
    const page = await demo.query(
      '{ customersV1(where: { customer_id: { eq: "16624" } }) { nodes { orders(first: 1) { pageInfo { endCursor } } } } }',
    );
    const cursor = (page.data!['customersV1'] as { nodes: { orders: { pageInfo: { endCursor: string } } }[] }).nodes[0]!.orders.pageInfo
      .endCursor;
    const res = await demo.query(
      `{ customersV1(where: { customer_id: { eq: "10976" } }) { nodes { orders(first: 1, after: "${cursor}") { nodes { order_id } } } } }`,
    );
    expect(res.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/different where or orderBy/);
  });
});
