/**
 * Sessions under load (docs/policies.md: nothing is shared between sessions except
 * immutable data and caches whose keys include everything that changes an
 * answer). Many interleaved requests from callers with different roles,
 * row filters, masks and grants hit one gateway at once; each answer must be
 * exactly the answer that caller gets alone, and must hold nothing another
 * caller's policy would have given: no row of another region, no field
 * another role is granted, no value another role sees unmasked.
 *
 * The callers are the demo's (sluice.yaml, policies/*.yaml) plus analysts of
 * other regions and a partner key that may send ad-hoc queries.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEYS, type Demo, type GraphQLResponse } from '../support/demo.js';
import { comparable, openGateway, send, writeDemoWithKeys } from './support.js';

const ALL_ORDER_FIELDS = [
  'order_id',
  'customer_id',
  'region',
  'status',
  'total_amount',
  'currency',
  'quantity',
  'email',
  'notes',
  'order_date',
  'created_at',
  'is_gift',
];
const ALL_CUSTOMER_FIELDS = [
  'customer_id',
  'name',
  'email',
  'country',
  'segment',
  'signup_date',
  'lifetime_value',
  'is_active',
  'updated_at',
];

/** What each caller may see, from policies/*.yaml: the expectations every answer is checked against. */
interface Identity {
  readonly headers: Record<string, string>;
  readonly regions: readonly string[];
  /** Granted fields of orders v2; v1 too when `ordersV1`. */
  readonly orders: readonly string[];
  readonly ordersV1: boolean;
  /** Granted fields of customers v1; none = not visible. */
  readonly customers: readonly string[];
  readonly email: 'hash' | 'raw' | 'none';
  /** total_amount's rounding step, if masked. */
  readonly amountRound?: number;
  readonly signupYearOnly?: boolean;
}

const ANALYST_PURPOSE = { 'x-purpose': 'reporting' };
const IDENTITIES: Record<string, Identity> = {
  public: {
    headers: {},
    regions: ['EU', 'US', 'APAC', 'LATAM'],
    orders: ['order_id', 'region', 'status', 'total_amount', 'currency', 'quantity', 'order_date', 'created_at'],
    ordersV1: false,
    customers: ['customer_id', 'country', 'segment', 'is_active', 'signup_date'],
    email: 'none',
    amountRound: 100,
    signupYearOnly: true,
  },
  analystEuUs: {
    headers: { 'x-api-key': DEMO_KEYS.analyst, ...ANALYST_PURPOSE },
    regions: ['EU', 'US'],
    orders: ALL_ORDER_FIELDS,
    ordersV1: true,
    customers: ALL_CUSTOMER_FIELDS,
    email: 'hash',
  },
  analystApac: {
    headers: { 'x-api-key': 'apac-analyst-key', ...ANALYST_PURPOSE },
    regions: ['APAC'],
    orders: ALL_ORDER_FIELDS,
    ordersV1: true,
    customers: ALL_CUSTOMER_FIELDS,
    email: 'hash',
  },
  analystLatam: {
    headers: { 'x-api-key': 'latam-analyst-key', ...ANALYST_PURPOSE },
    regions: ['LATAM'],
    orders: ALL_ORDER_FIELDS,
    ordersV1: true,
    customers: ALL_CUSTOMER_FIELDS,
    email: 'hash',
  },
  partner: {
    headers: { 'x-api-key': 'adhoc-partner-key' },
    regions: ['EU'],
    orders: ['order_id', 'region', 'status', 'total_amount', 'currency', 'order_date'],
    ordersV1: false,
    customers: [],
    email: 'none',
  },
  admin: {
    headers: { 'x-api-key': DEMO_KEYS.admin },
    regions: ['EU', 'US', 'APAC', 'LATAM'],
    orders: ALL_ORDER_FIELDS,
    ordersV1: true,
    customers: ALL_CUSTOMER_FIELDS,
    email: 'raw',
  },
};
const EXTRA_KEYS = [
  {
    id: 'analyst-apac',
    key: 'apac-analyst-key',
    subject: 'apo',
    roles: ['analyst'],
    tenant: 'acme',
    attributes: { regions: ['APAC'] },
    purposes: ['reporting'],
  },
  {
    id: 'analyst-latam',
    key: 'latam-analyst-key',
    subject: 'lat',
    roles: ['analyst'],
    tenant: 'acme',
    attributes: { regions: ['LATAM'] },
    purposes: ['reporting'],
  },
  // The demo partner key is persistedOnly; this one may send the ad-hoc queries below.
  { id: 'partner-adhoc', key: 'adhoc-partner-key', subject: 'acme-bot-2', roles: ['partner'], tenant: 'acme' },
];

interface Query {
  readonly root: 'ordersV2' | 'ordersV1' | 'customersV1';
  /** Every field the query reads: selected, filtered or sorted on. */
  readonly reads: readonly string[];
  readonly text: string;
}
const QUERIES: Record<string, Query> = {
  topAmounts: {
    root: 'ordersV2',
    reads: ['order_id', 'region', 'total_amount'],
    text: `{ ordersV2(first: 20, orderBy: [{ total_amount: DESC }]) { nodes { order_id region total_amount } totalCount } }`,
  },
  count: { root: 'ordersV2', reads: [], text: `{ ordersV2(first: 0) { totalCount } }` },
  openOrders: {
    root: 'ordersV2',
    reads: ['order_id', 'region', 'status', 'currency', 'order_date'],
    text: `{ ordersV2(first: 30, where: { status: { eq: "open" } }) { nodes { order_id region status currency order_date } pageInfo { hasNextPage endCursor } totalCount } }`,
  },
  someRegions: {
    root: 'ordersV2',
    reads: ['order_id', 'region', 'order_date'],
    text: `{ ordersV2(first: 15, where: { OR: [{ region: { in: ["EU", "APAC"] } }, { order_id: { lt: "100" } }] }, orderBy: [{ order_date: DESC }]) { nodes { order_id region order_date } totalCount } }`,
  },
  emails: {
    root: 'ordersV2',
    reads: ['order_id', 'region', 'email'],
    text: `{ ordersV2(first: 25, where: { email: { isNull: false } }, offset: 40) { nodes { order_id region email } } }`,
  },
  byCreation: {
    root: 'ordersV2',
    reads: ['order_id', 'region', 'created_at', 'quantity'],
    text: `{ ordersV2(first: 10, offset: 300, orderBy: [{ created_at: ASC }]) { nodes { order_id region created_at quantity } } }`,
  },
  roundAmount: {
    root: 'ordersV2',
    reads: ['order_id', 'region', 'total_amount'],
    text: `{ ordersV2(first: 10, where: { total_amount: { gte: 1000, lte: 1000 } }) { nodes { order_id region total_amount } totalCount } }`,
  },
  oldVersion: {
    root: 'ordersV1',
    reads: ['order_id', 'region', 'amount'],
    text: `{ ordersV1(first: 5) { nodes { order_id region amount } } }`,
  },
  customers: {
    root: 'customersV1',
    reads: ['customer_id', 'country', 'signup_date'],
    text: `{ customersV1(first: 12, orderBy: [{ signup_date: DESC }]) { nodes { customer_id country signup_date } } }`,
  },
};

/**
 * What a caller's schema refuses (docs/frontend-apps.md): a version it may not read is not
 * in it; fields it may not read are not in its types, so each use of one is a
 * validation error naming that field (and only it).
 */
type Outcome = { kind: 'data' } | { kind: 'hidden'; names: readonly string[] };

function outcomeOf(who: Identity, q: Query): Outcome {
  const granted =
    q.root === 'customersV1' ? who.customers : q.root === 'ordersV1' ? (who.ordersV1 ? [...who.orders, 'amount'] : []) : who.orders;
  if (granted.length === 0) return { kind: 'hidden', names: [q.root] };
  const refused = q.reads.filter((f) => !granted.includes(f));
  if (refused.length > 0) return { kind: 'hidden', names: refused };
  return { kind: 'data' };
}

/** Checks one answer against what its caller may see, whatever else ran at the same time. */
function checkAnswer(who: Identity, q: Query, body: GraphQLResponse): void {
  const outcome = outcomeOf(who, q);
  if (outcome.kind === 'hidden') {
    expect(body.errors?.length).toBeGreaterThan(0);
    for (const e of body.errors!) {
      expect(e.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(e.message).toMatch(/^(Cannot query field "\w+" on type "\w+"|Field "\w+" is not defined by type "\w+")\.$/);
    }
    const named = new Set(body.errors!.map((e) => /[Ff]ield "(\w+)"/.exec(e.message)![1]));
    expect(named).toEqual(new Set(outcome.names));
    expect(body.data).toBeUndefined();
    return;
  }
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  const nodes = (body.data![q.root] as { nodes?: Record<string, unknown>[] }).nodes ?? [];
  for (const n of nodes) {
    if ('region' in n) expect(who.regions).toContain(n['region']);
    if ('email' in n && n['email'] !== null) {
      if (who.email === 'hash') expect(n['email']).toMatch(/^[0-9a-f]{64}$/);
      else expect(n['email']).toMatch(/@/);
    }
    if (who.amountRound !== undefined && 'total_amount' in n) expect((n['total_amount'] as number) % who.amountRound).toBe(0);
    if (who.signupYearOnly && 'signup_date' in n) expect(n['signup_date']).toMatch(/-01-01$/);
  }
}

const ORDERS = `read_parquet('${resolve('products/orders/data/*.parquet')}')`;
let dir: string;
let gateway: Demo;
let duck: DuckDBConnection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-concurrency-'));
  gateway = await openGateway(writeDemoWithKeys(dir, EXTRA_KEYS));
  duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
});

afterAll(async () => {
  await gateway?.engine.close();
  duck?.closeSync();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ask = (who: Identity, q: Query) => send(gateway, q.text, {}, who.headers);

describe('interleaved requests of different callers', () => {
  it('each caller alone gets what its policy allows (checked against DuckDB where the answer is a number or a ranking)', async () => {
    for (const [name, who] of Object.entries(IDENTITIES)) {
      const regions = who.regions.map((r) => `'${r}'`).join(', ');
      const amount = who.amountRound ? `round(amount / ${who.amountRound}) * ${who.amountRound}` : 'amount';
      const expectedTop = (
        await duck.runAndReadAll(
          `SELECT order_id::VARCHAR AS id, region, ${amount} AS total_amount FROM ${ORDERS} WHERE region IN (${regions}) ORDER BY ${amount} DESC, order_id LIMIT 20`,
        )
      )
        .getRowObjectsJS()
        .map((r) => ({ order_id: r['id'], region: r['region'], total_amount: r['total_amount'] }));
      const [count] = (
        await duck.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${ORDERS} WHERE region IN (${regions})`)
      ).getRowObjectsJS();

      const top = (await ask(who, QUERIES['topAmounts']!)).body;
      expect(top.errors, name).toBeUndefined();
      expect(top.data!['ordersV2'], name).toEqual({ nodes: expectedTop, totalCount: count!['n'] });
      for (const q of Object.values(QUERIES)) checkAnswer(who, q, (await ask(who, q)).body);
    }
  });

  it('200 interleaved requests, in waves and in one burst: every answer equals the one its caller gets alone', async () => {
    const pairs = Object.keys(IDENTITIES).flatMap((who) => Object.keys(QUERIES).map((q) => [who, q] as const));
    // Alone first: the reference answer of every (caller, query).
    const alone = new Map<string, string>();
    for (const [who, q] of pairs) alone.set(`${who}|${q}`, comparable((await ask(IDENTITIES[who]!, QUERIES[q]!)).text));

    const requests = fc.sample(fc.constantFrom(...pairs), { numRuns: 200, seed: 20261121 });
    expect(new Set(requests.map(([who]) => who)).size).toBe(Object.keys(IDENTITIES).length);
    const queryIds = new Set<string>();
    // Waves of 50, then all 200 at once in the opposite order.
    for (const [size, order] of [
      [50, requests],
      [200, [...requests].reverse()],
    ] as const) {
      for (let start = 0; start < order.length; start += size) {
        const wave = order.slice(start, start + size);
        const answers = await Promise.all(wave.map(([who, q]) => ask(IDENTITIES[who]!, QUERIES[q]!)));
        answers.forEach((a, i) => {
          const [who, q] = wave[i]!;
          expect(comparable(a.text), `${who} ${q}`).toBe(alone.get(`${who}|${q}`));
          checkAnswer(IDENTITIES[who]!, QUERIES[q]!, a.body);
          const id = (a.body.extensions?.['lineage'] as { queryId?: string } | undefined)?.queryId;
          if (id !== undefined) {
            expect(queryIds.has(id)).toBe(false);
            queryIds.add(id);
          }
        });
      }
    }
    expect(queryIds.size).toBeGreaterThan(200);
  });
});
