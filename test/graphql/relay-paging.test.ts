/**
 * Relay cursor connections (docs/frontend-apps.md) against DuckDB over the same files:
 * walking a sorted, filtered query forward (first / after) and backward
 * (last / before) visits exactly the rows of the unpaged query, in its order,
 * whatever the page size — with ties and nulls in the sort keys — and
 * pageInfo says so at every step. Run for the admin and for the analyst, whose
 * orders are row-filtered (EU, US) and whose customers are masked (name
 * show_first_4, lifetime_value round 1000: ties and nulls by masked values).
 * The unpaged rows come from test/support/demo-sql.ts's views, written from
 * the policies, not from the code under test.
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
  type Kind,
  type OrderBy,
  type Where,
} from '../support/demo-sql.js';

interface Case {
  readonly caller: Caller;
  readonly root: 'ordersV2' | 'customersV1';
  /** The caller's view of the product in the oracle. */
  readonly view: string;
  readonly pk: string;
  readonly where: fc.Arbitrary<Where>;
  /** Sortable fields: ties (region, status, segment…) and nulls (is_gift, lifetime_value) among them. */
  readonly sortable: readonly string[];
  /** The nullable sort key, drawn first in half the runs: page boundaries then fall among its nulls. */
  readonly nullable: string;
  /** Fields compared row by row. */
  readonly fields: readonly string[];
  readonly kinds: Record<string, Kind>;
  /** Keeps a walk short: a primary-key range of about 120 rows. */
  readonly bound: Where;
}

const ORDERS_SORTABLE = ['order_id', 'customer_id', 'region', 'status', 'total_amount', 'currency', 'quantity', 'order_date', 'is_gift'];
const ORDERS_FIELDS = ['order_id', 'region', 'status', 'total_amount', 'currency', 'quantity', 'order_date', 'is_gift'];
const CUSTOMERS_SORTABLE = ['customer_id', 'name', 'country', 'segment', 'signup_date', 'lifetime_value', 'is_active'];
const CUSTOMERS_FIELDS = ['customer_id', 'name', 'country', 'segment', 'lifetime_value', 'is_active'];

const orders = (caller: Caller): Case => ({
  caller,
  root: 'ordersV2',
  view: `orders_${caller}`,
  pk: 'order_id',
  where: ordersWhere,
  sortable: ORDERS_SORTABLE,
  nullable: 'is_gift',
  fields: ORDERS_FIELDS,
  kinds: ORDERS_KIND,
  bound: { order_id: { lte: '160' } },
});
const customers = (caller: Caller): Case => ({
  caller,
  root: 'customersV1',
  view: `customers_${caller}`,
  pk: 'customer_id',
  where: customersWhere,
  sortable: CUSTOMERS_SORTABLE,
  nullable: 'lifetime_value',
  fields: CUSTOMERS_FIELDS,
  kinds: CUSTOMERS_KIND,
  bound: { customer_id: { lte: '120' } },
});
const CASES = [orders('admin'), orders('analyst'), customers('admin'), customers('analyst')];

interface Page {
  edges: { cursor: string; node: Record<string, unknown> }[];
  nodes: Record<string, unknown>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

let demo: Demo;
let duck: DuckDBConnection;
beforeAll(async () => {
  [demo, duck] = await Promise.all([openDemo(), openOracle()]);
});
afterAll(async () => {
  duck?.closeSync();
  await demo?.engine.close();
});

const RUNS = Math.max(4, Math.round(Number(process.env.SLUICE_PROPERTY_RUNS ?? 60) / 4));

/** Any orderBy, or one led by the nullable key (then maybe a key with ties). */
const orderBy = (c: Case): fc.Arbitrary<OrderBy> =>
  fc.oneof(
    orderByOf(c.sortable),
    fc
      .tuple(
        fc.constantFrom('ASC' as const, 'DESC' as const),
        fc.option(orderByOf(c.sortable.filter((f) => f !== c.nullable && f !== c.pk))),
      )
      .map(([d, rest]) => [{ [c.nullable]: d }, ...(rest ?? []).slice(0, 1)]),
  );

describe('Relay paging equals the unpaged query (DuckDB)', () => {
  for (const c of CASES) {
    const selection = c.fields.join(' ');
    const args = (w: Where, ob: OrderBy) => `where: ${gqlWhere({ AND: [w, c.bound] })}${ob.length ? `, orderBy: ${gqlOrderBy(ob)}` : ''}`;
    const page = async (w: Where, ob: OrderBy, paging: string, variables: Record<string, unknown>): Promise<Page> => {
      const res = await demo.query(
        `query($cursor: String) { ${c.root}(${args(w, ob)}, ${paging}) {
           edges { cursor node { ${selection} } } nodes { ${c.pk} }
           pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }`,
        variables,
        HEADERS[c.caller],
      );
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      const p = res.data![c.root] as Page;
      // edges and nodes are the same rows; the page's cursors are its first and last edge's.
      expect(p.edges.map((e) => e.node[c.pk])).toEqual(p.nodes.map((n) => n[c.pk]));
      expect(p.pageInfo.startCursor).toBe(p.edges[0]?.cursor ?? null);
      expect(p.pageInfo.endCursor).toBe(p.edges[p.edges.length - 1]?.cursor ?? null);
      return p;
    };

    it(`${c.root} as ${c.caller}: forward, backward and from any row's cursor`, async () => {
      await fc.assert(
        fc.asyncProperty(
          c.where,
          orderBy(c),
          fc.oneof(fc.integer({ min: 3, max: 12 }), fc.integer({ min: 13, max: 45 })),
          fc.nat(),
          async (w, ob, size, pick) => {
            const sql = `SELECT * FROM ${c.view} WHERE ${sqlWhere(w, c.kinds)} AND ${sqlWhere(c.bound, c.kinds)} ORDER BY ${sqlOrderBy(ob, c.pk)}`;
            const expected = (await rowsOf(duck, sql)).map((r) => shape(r, c.kinds, c.fields));
            const context = `${sql} (pages of ${size})`;

            // Forward: first / after until hasNextPage is false.
            const forward: Page['edges'] = [];
            let after: string | null = null;
            for (let n = 0; ; n++) {
              const p = await page(w, ob, `first: ${size}, after: $cursor`, { cursor: after });
              expect(p.totalCount, context).toBe(expected.length);
              expect(p.pageInfo.hasPreviousPage, context).toBe(n > 0);
              forward.push(...p.edges);
              if (!p.pageInfo.hasNextPage) break;
              expect(p.edges.length, context).toBe(size);
              after = p.pageInfo.endCursor;
            }
            expect(
              forward.map((e) => e.node),
              context,
            ).toEqual(expected);

            // Backward: last / before from the end until hasPreviousPage is false.
            const backward: Page['edges'] = [];
            let before: string | null = null;
            for (let n = 0; ; n++) {
              const p = await page(w, ob, `last: ${size}, before: $cursor`, { cursor: before });
              expect(p.pageInfo.hasNextPage, context).toBe(n > 0);
              backward.unshift(...p.edges);
              if (!p.pageInfo.hasPreviousPage) break;
              expect(p.edges.length, context).toBe(size);
              before = p.pageInfo.startCursor;
            }
            expect(
              backward.map((e) => e.node),
              context,
            ).toEqual(expected);
            // A row's cursor is the same whichever way it was reached.
            expect(backward.map((e) => e.cursor)).toEqual(forward.map((e) => e.cursor));

            // From one row's cursor, each way: the rows just before it, and just after.
            if (expected.length === 0) return;
            const i = pick % expected.length;
            const cursor = forward[i]!.cursor;
            const earlier = await page(w, ob, `last: ${size}, before: $cursor`, { cursor });
            expect(
              earlier.nodes.map((n) => n[c.pk]),
              context,
            ).toEqual(expected.slice(Math.max(0, i - size), i).map((r) => r[c.pk]));
            expect(earlier.pageInfo, context).toMatchObject({ hasPreviousPage: i > size, hasNextPage: true });
            const later = await page(w, ob, `first: ${size}, after: $cursor`, { cursor });
            expect(
              later.nodes.map((n) => n[c.pk]),
              context,
            ).toEqual(expected.slice(i + 1, i + 1 + size).map((r) => r[c.pk]));
            expect(later.pageInfo, context).toMatchObject({ hasPreviousPage: true, hasNextPage: i + 1 + size < expected.length });
          },
        ),
        { numRuns: RUNS },
      );
    });
  }

  it('refuses to mix the directions, and a cursor of another query, before anything runs', async () => {
    for (const paging of ['first: 2, last: 2', 'last: 2, offset: 3', 'first: 1, before: "x.y"', 'after: "x.y", before: "x.y"']) {
      const res = await demo.query(`{ ordersV2(${paging}) { nodes { order_id } } }`);
      expect(res.errors?.[0]?.extensions?.['code'], paging).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message, paging).toMatch(/cannot be used with (last|before): page forward with first/);
    }
    const sorted = await demo.query(`{ ordersV2(first: 2, orderBy: [{ region: ASC }]) { pageInfo { endCursor } } }`);
    const cursor = (sorted.data!['ordersV2'] as Page).pageInfo.endCursor;
    const other = await demo.query(`query($c: String) { ordersV2(last: 2, before: $c) { nodes { order_id } } }`, { c: cursor });
    expect(other.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(other.errors?.[0]?.message).toMatch(/^before: this cursor was issued for a different where or orderBy/);
    const tooMany = await demo.query(`{ ordersV2(last: 501) { nodes { order_id } } }`);
    expect(tooMany.errors?.[0]?.message).toMatch(/^last must be at most 500 for orders v2 \(got 501\); page with before: startCursor/);
  });

  it('pages a kind-many relationship backward too, per parent', async () => {
    // A null cursor is no cursor: one document for every page.
    const q = (paging: string, parent = '{ lte: "20" }') =>
      `query($c: String) { customersV1(where: { customer_id: ${parent} }, first: 20) { nodes { customer_id
         orders(orderBy: [{ status: ASC }], ${paging}) { edges { cursor node { order_id } } pageInfo { hasNextPage hasPreviousPage startCursor } totalCount } } } }`;
    const all = await demo.query(q('first: 500, after: $c'), { c: null });
    type Parent = { customer_id: string; orders: Page };
    const parents = (all.data!['customersV1'] as { nodes: Parent[] }).nodes.filter((p) => p.orders.totalCount >= 3);
    expect(parents.length).toBeGreaterThan(3);
    for (const parent of parents.slice(0, 4)) {
      const ids = parent.orders.edges.map((e) => e.node['order_id']);
      // Walk this parent's rows backward two at a time; cursors belong to one parent's connection.
      const seen: unknown[] = [];
      let before: string | null = null;
      for (;;) {
        const res = await demo.query(q('last: 2, before: $c', `{ eq: "${parent.customer_id}" }`), { c: before });
        expect(res.errors).toBeUndefined();
        const mine = (res.data!['customersV1'] as { nodes: Parent[] }).nodes.find((p) => p.customer_id === parent.customer_id)!.orders;
        seen.unshift(...mine.edges.map((e) => e.node['order_id']));
        if (!mine.pageInfo.hasPreviousPage) break;
        before = mine.pageInfo.startCursor;
      }
      expect(seen).toEqual(ids);
    }
  });
});
