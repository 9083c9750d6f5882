/**
 * Q1–Q8 of bench/queries.ts asked of PostGraphile (connection-filter's
 * `filter`, PostGraphile's `orderBy` and `first`), and what each answer
 * must agree on with Sluice's: a peer that answers another question is not
 * a peer. Both answers are reduced to the same plain form (order ids in
 * order, amounts, counts, customers' names) and compared whole.
 */
import type { BenchData } from '../generate.js';

export interface PeerQuery {
  readonly id: string;
  readonly graphql: string;
  /** Q8: asked as the analyst (a token PostGraphile turns into a role and claims). */
  readonly analyst?: boolean;
}

export function peerQueries(d: Pick<BenchData, 'rows'>): PeerQuery[] {
  const mid = Math.floor(d.rows / 2);
  const q2 = `{ allOrders(filter: { region: { equalTo: "EU" }, totalAmount: { greaterThan: 1990 } }, orderBy: [TOTAL_AMOUNT_DESC, ORDER_ID_ASC], first: 20) { nodes { orderId totalAmount createdAt email } } }`;
  return [
    {
      id: 'Q1',
      graphql: `{ allOrders(filter: { orderId: { greaterThanOrEqualTo: "${mid}" } }, orderBy: PRIMARY_KEY_ASC, first: 50) { nodes { orderId status totalAmount orderDate } pageInfo { hasNextPage endCursor } } }`,
    },
    { id: 'Q2', graphql: q2 },
    {
      id: 'Q3',
      graphql: `{ allOrders(filter: { status: { notEqualTo: "cancelled" }, quantity: { greaterThanOrEqualTo: 3 } }, orderBy: PRIMARY_KEY_ASC, first: 50) { nodes { orderId status quantity createdAt } pageInfo { hasNextPage endCursor } } }`,
    },
    {
      id: 'Q4',
      graphql: `{ allOrders(filter: { email: { equalTo: "buyer4242@example.com" } }, orderBy: PRIMARY_KEY_ASC, first: 10) { nodes { orderId email totalAmount } } }`,
    },
    {
      id: 'Q5',
      graphql: `{ allOrderTotals(orderBy: [REGION_ASC, STATUS_ASC]) { nodes { region status orders totalAmountSum totalAmountAvg } } }`,
    },
    {
      id: 'Q6',
      graphql: `{ allOrders(filter: { orderId: { greaterThanOrEqualTo: "${mid}" } }, orderBy: PRIMARY_KEY_ASC, first: 500) { nodes { orderId totalAmount customerByCustomerId { name country } } } }`,
    },
    {
      id: 'Q7',
      graphql: `{ allOrders(filter: { region: { in: ["EU", "US"] }, quantity: { greaterThanOrEqualTo: 10 } }) { totalCount } }`,
    },
    { id: 'Q8', graphql: q2, analyst: true },
  ];
}

type Row = Record<string, unknown>;
/** An answer in plain form: rows of strings, so that both servers' scalars (int64 as string or number, etc.) compare. */
export type Plain = string[];

const num = (v: unknown) => (v === null || v === undefined ? 'null' : String(Number(v)));
/** Sums and averages of floating-point amounts: equal to 1e-9 relative (the engines add in different orders). */
const approx = (v: unknown) => (v === null || v === undefined ? 'null' : Number(v).toPrecision(9));

function nodesOf(data: unknown, field: string): Row[] {
  const connection = (data as Record<string, { nodes?: Row[] } | undefined>)[field];
  if (!connection?.nodes) throw new Error(`no ${field}.nodes in ${JSON.stringify(data).slice(0, 200)}`);
  return connection.nodes;
}

/** Sluice's answer (`data` of bench/queries.ts's query `id`) in plain form. */
export function sluiceAnswer(id: string, data: unknown): Plain {
  if (id === 'Q5') {
    const groups = (data as { ordersV2Aggregate: { key: Row; count: unknown; sum: Row; avg: Row }[] }).ordersV2Aggregate;
    return groups.map(
      (g) => `${g.key['region']}/${g.key['status']}: ${num(g.count)} ${approx(g.sum['total_amount'])} ${approx(g.avg['total_amount'])}`,
    );
  }
  if (id === 'Q7') return [num((data as { ordersV2: { totalCount: unknown } }).ordersV2.totalCount)];
  const nodes = nodesOf(data, 'ordersV2');
  if (id === 'Q6') return nodes.map((n) => `${num(n['order_id'])} ${num(n['total_amount'])} ${customer(n['customer'] as Row | null)}`);
  return nodes.map((n) => `${num(n['order_id'])} ${num(n['total_amount'] ?? null)}`);
}

/** PostGraphile's answer to peerQueries()'s `id` in the same plain form. */
export function peerAnswer(id: string, data: unknown): Plain {
  if (id === 'Q5')
    return nodesOf(data, 'allOrderTotals').map(
      (g) => `${g['region']}/${g['status']}: ${num(g['orders'])} ${approx(g['totalAmountSum'])} ${approx(g['totalAmountAvg'])}`,
    );
  if (id === 'Q7') return [num((data as { allOrders: { totalCount: unknown } }).allOrders.totalCount)];
  const nodes = nodesOf(data, 'allOrders');
  if (id === 'Q6')
    return nodes.map((n) => `${num(n['orderId'])} ${num(n['totalAmount'])} ${customer(n['customerByCustomerId'] as Row | null)}`);
  return nodes.map((n) => `${num(n['orderId'])} ${num(n['totalAmount'] ?? null)}`);
}

const customer = (c: Row | null) => (c === null ? 'no customer' : `${c['name']} (${c['country']})`);

/** Where two plain answers part, or null when they agree. */
export function disagreement(sluice: Plain, peer: Plain): string | null {
  if (sluice.length !== peer.length) return `${sluice.length} rows from Sluice, ${peer.length} from the peer`;
  const i = sluice.findIndex((s, k) => s !== peer[k]);
  return i < 0 ? null : `row ${i + 1}: Sluice "${sluice[i]}", peer "${peer[i]}"`;
}
