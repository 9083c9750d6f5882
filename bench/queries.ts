/**
 * The benchmark's queries (issue 8): each as a GraphQL request to the
 * gateway and as the SQL a team would write behind its own resolver, over
 * `orders` and `customers` (Parquet globs, or tables loaded in memory).
 */
import type { BenchData } from './generate.js';

export interface BenchQuery {
  readonly id: string;
  readonly what: string;
  readonly graphql: string;
  readonly headers?: Record<string, string>;
  sql(orders: string, customers: string): string;
}

/** The masked, row-filtered caller of Q8 (policies/orders-analyst.yaml: region in EU/US, email hashed). */
export const ANALYST = { 'x-api-key': 'demo-analyst-key', 'x-purpose': 'reporting' };

export function benchQueries(d: BenchData): BenchQuery[] {
  const mid = Math.floor(d.rows / 2);
  // About 0.5% of amounts, a quarter of regions: ~0.125% of the rows match.
  const q2 = `{ ordersV2(where: { region: { eq: "EU" }, total_amount: { gt: 1990 } }, orderBy: [{ total_amount: DESC }], first: 20) { nodes { order_id total_amount created_at email } } }`;
  const q2sql = (o: string, rowFilter = '') =>
    `SELECT order_id, amount, created_at, email FROM ${o} WHERE region = 'EU' AND amount > 1990${rowFilter} ORDER BY amount DESC NULLS LAST, order_id LIMIT 21`;
  return [
    {
      id: 'Q1',
      what: 'primary-key range page, first 50',
      graphql: `{ ordersV2(where: { order_id: { gte: "${mid}" } }, first: 50) { nodes { order_id status total_amount order_date } pageInfo { hasNextPage endCursor } } }`,
      sql: (o) => `SELECT order_id, status, amount, order_date FROM ${o} WHERE order_id >= ${mid} ORDER BY order_id LIMIT 51`,
    },
    { id: 'Q2', what: 'selective filter + orderBy + first 20', graphql: q2, sql: (o) => q2sql(o) },
    {
      id: 'Q3',
      what: 'non-selective filter, one page (first 50)',
      graphql: `{ ordersV2(where: { status: { ne: "cancelled" }, quantity: { gte: 3 } }, first: 50) { nodes { order_id status quantity created_at } pageInfo { hasNextPage endCursor } } }`,
      sql: (o) =>
        `SELECT order_id, status, quantity, created_at FROM ${o} WHERE status <> 'cancelled' AND quantity >= 3 ORDER BY order_id LIMIT 51`,
    },
    {
      id: 'Q4',
      what: 'point lookup on an unsorted column (email)',
      graphql: `{ ordersV2(where: { email: { eq: "buyer4242@example.com" } }, first: 10) { nodes { order_id email total_amount } } }`,
      sql: (o) => `SELECT order_id, email, amount FROM ${o} WHERE email = 'buyer4242@example.com' ORDER BY order_id LIMIT 11`,
    },
    {
      id: 'Q5',
      what: 'group-by aggregate (region × status)',
      graphql: `{ ordersV2Aggregate(groupBy: [region, status]) { key { region status } count sum { total_amount } avg { total_amount } } }`,
      sql: (o) => `SELECT region, status, count(*), sum(amount), avg(amount) FROM ${o} GROUP BY region, status ORDER BY region, status`,
    },
    {
      id: 'Q6',
      what: '500 orders with their customer (relationship batch)',
      graphql: `{ ordersV2(where: { order_id: { gte: "${mid}" } }, first: 500) { nodes { order_id total_amount customer { name country } } } }`,
      sql: (o, c) => `SELECT o.order_id, o.amount, c.name, c.country
        FROM (SELECT order_id, amount, customer_id FROM ${o} WHERE order_id >= ${mid} ORDER BY order_id LIMIT 501) o
        LEFT JOIN ${c} c USING (customer_id) ORDER BY o.order_id`,
    },
    {
      id: 'Q7',
      what: 'totalCount with a filter',
      graphql: `{ ordersV2(where: { region: { in: ["EU", "US"] }, quantity: { gte: 10 } }) { totalCount } }`,
      sql: (o) => `SELECT count(*) FROM ${o} WHERE region IN ('EU', 'US') AND quantity >= 10`,
    },
    {
      id: 'Q8',
      what: 'Q2 for a masked, row-filtered analyst',
      graphql: q2,
      headers: ANALYST,
      // DuckDB applies the row filter; it has no keyed HMAC, so it returns raw e-mails.
      sql: (o) => q2sql(o, ` AND region IN ('EU', 'US')`),
    },
  ];
}

export const parquetSources = (d: BenchData) => ({
  orders: `read_parquet('${d.ordersGlob}')`,
  customers: `read_parquet('${d.customersGlob}')`,
});
