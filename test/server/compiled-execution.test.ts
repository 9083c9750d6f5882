import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { Engine } from '../../src/engine/engine.js';
import { createEngine } from '../../src/server/create-engine.js';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { comparableText, DEMO_KEYS } from '../support/demo.js';

/**
 * Execution, both ways it can run: graphql-js (the default,
 * use-ordered-execution.ts) and graphql-jit (`server.compiledExecution`).
 * Generated requests over the demo deployment, for the three demo callers,
 * through two gateways that differ only in that setting and share one
 * engine: pages with filters and orders, followed cursors and tampered ones,
 * by-key lookups, relationships, aggregates, aliases, fragments, variables
 * and requests the resolvers refuse.
 *
 * - The default answers fields in the order the selection asks for them
 *   (yoga's own executor put asynchronous fields last: `{ pageInfo, nodes }`).
 * - graphql-jit answers the same status, data and extensions, and errors
 *   with the same messages, codes and paths. Where it differs (the reason it
 *   is opt-in, docs/configuration.md): its errors carry no `locations`, and
 *   fields a fragment spread shares a selection with may come in another
 *   order — so its data is compared as values, not as bytes.
 */
let engine: Engine;
let plain: Gateway;
let compiled: Gateway;

beforeAll(async () => {
  const loaded = loadConfig('sluice.yaml');
  engine = createEngine(loaded);
  const deployment = await loadDeployment(loaded, engine);
  const gatewayWith = (compiledExecution: boolean) =>
    createGateway({ config: { ...loaded, server: { ...loaded.server, compiledExecution } }, ...deployment, engine, today: '2026-11-21' });
  plain = gatewayWith(false);
  compiled = gatewayWith(true);
  await engine.ready();
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

interface Sent {
  readonly key: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
}

async function ask(gateway: Gateway, s: Sent): Promise<{ status: number; text: string }> {
  const res = await gateway.fetch('http://sluice.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': s.key, 'x-purpose': 'reporting' },
    body: JSON.stringify({ query: s.query, ...(s.variables && { variables: s.variables }) }),
  });
  const text = await res.text();
  return { status: res.status, text: res.headers.get('content-type')?.includes('json') ? comparableText(text) : text };
}

const keyArb = fc.constantFrom(DEMO_KEYS.admin, DEMO_KEYS.analyst, DEMO_KEYS.partner);

/** Filters on the orders v2 fields, as GraphQL literals. */
const leafArb = fc.oneof(
  fc.integer({ min: 0, max: 260 }).map((n) => `{ order_id: { gte: "${n}" } }`),
  fc.constantFrom('"EU"', '"US"', '"APAC"', '"LATAM"', '"XX"').map((r) => `{ region: { eq: ${r} } }`),
  fc.constantFrom('["EU", "US"]', '["APAC"]', '[]').map((r) => `{ region: { in: ${r} } }`),
  fc.integer({ min: 0, max: 2000 }).map((n) => `{ total_amount: { gt: ${n} } }`),
  fc.constantFrom('"open"', '"shipped"', '"cancelled"').map((s) => `{ status: { ne: ${s} } }`),
  fc.constantFrom('"s"', '"o"', '"re"').map((s) => `{ status: { startsWith: ${s} } }`),
  fc.boolean().map((b) => `{ email: { isNull: ${b} } }`),
  fc.integer({ min: 1, max: 12 }).map((n) => `{ quantity: { lte: ${n} } }`),
  fc.constantFrom('"2024-06-01"', '"2023-01-01"').map((d) => `{ order_date: { gte: ${d} } }`),
);
const whereArb = fc.oneof(
  { weight: 3, arbitrary: leafArb },
  fc.array(leafArb, { minLength: 2, maxLength: 3 }).map((ls) => `{ AND: [${ls.join(', ')}] }`),
  fc.array(leafArb, { minLength: 2, maxLength: 3 }).map((ls) => `{ OR: [${ls.join(', ')}] }`),
  leafArb.map((l) => `{ NOT: ${l} }`),
);
const fieldsArb = fc.subarray(
  ['order_id', 'status', 'total_amount', 'currency', 'order_date', 'created_at', 'email', 'region', 'quantity'],
  {
    minLength: 1,
  },
);
const orderByArb = fc.option(
  fc.constantFrom('[{ total_amount: DESC }]', '[{ created_at: ASC }, { order_id: DESC }]', '[{ region: ASC }]'),
  { nil: undefined },
);

const pageArb: fc.Arbitrary<Sent> = fc
  .record({
    key: keyArb,
    where: fc.option(whereArb, { nil: undefined }),
    orderBy: orderByArb,
    first: fc.constantFrom(0, 1, 3, 20, 600),
    offset: fc.option(fc.constantFrom(2, 50, 20_000), { nil: undefined }),
    fields: fieldsArb,
    customer: fc.boolean(),
    totalCount: fc.boolean(),
    alias: fc.boolean(),
    asVariable: fc.boolean(),
  })
  .map((r) => {
    const selection = `nodes { ${r.fields.join(' ')}${r.customer ? ' customer { name country }' : ''} } pageInfo { hasNextPage endCursor }${r.totalCount ? ' totalCount' : ''}`;
    const args = [
      r.where !== undefined && !r.asVariable ? `where: ${r.where}` : '',
      r.asVariable ? 'where: $w' : '',
      r.orderBy ? `orderBy: ${r.orderBy}` : '',
      `first: ${r.first}`,
      r.offset !== undefined ? `offset: ${r.offset}` : '',
    ].filter((a) => a !== '');
    const field = `${r.alias ? 'page: ' : ''}ordersV2(${args.join(', ')}) { ${selection} }`;
    if (!r.asVariable) return { key: r.key, query: `{ ${field} }` };
    return {
      key: r.key,
      query: `query Page($w: OrdersV2Where) { ${field} }`,
      // Variables are JSON: the literal's keys quoted.
      variables: { w: r.where === undefined ? null : literalToJson(r.where) },
    };
  });

/** A GraphQL input literal of this test's shapes as the JSON a client would send. */
function literalToJson(literal: string): unknown {
  return JSON.parse(literal.replace(/([A-Za-z_]+):/g, '"$1":')) as unknown;
}

const otherArb: fc.Arbitrary<Sent> = fc.oneof(
  fc.record({ key: keyArb, id: fc.constantFrom('1', '7', '250', '999999', '-3', 'x') }).map((r) => ({
    key: r.key,
    query: `{ ordersV2ByKey(order_id: "${r.id}") { order_id status email customer { name } } }`,
  })),
  fc.record({ key: keyArb, group: fc.constantFrom('[region]', '[region, status]', '[]', '[currency]') }).map((r) => ({
    key: r.key,
    query: `{ ordersV2Aggregate(groupBy: ${r.group}) { key { region status currency } count sum { total_amount } avg { total_amount } } }`,
  })),
  fc.record({ key: keyArb, after: fc.constantFrom('garbage', 'eyJxIjoiIiwiayI6WzFdfQ.AAAA', '') }).map((r) => ({
    key: r.key,
    query: `{ ordersV2(first: 2, after: "${r.after}") { nodes { order_id } } }`,
  })),
  keyArb.map((key) => ({
    key,
    query:
      'fragment F on OrdersV2 { order_id total_amount } { __typename a: ordersV2(first: 2) { nodes { ...F } } b: ordersV2(first: 1, orderBy: [{ total_amount: DESC }]) { nodes { ...F status } } }',
  })),
);

type Body = { data?: unknown; errors?: { message: string; path?: unknown; extensions?: unknown }[]; extensions?: unknown };

/** What must be the same whichever executor answered: errors without their locations, and without key order. */
const comparable = (text: string) => {
  const body = JSON.parse(text) as Body;
  return { ...body, errors: body.errors?.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions })) };
};

/** The field names a simple page selection asks for, in order (no fragments): what the response's keys must follow. */
function pageKeysInOrder(query: string): { connection: string[]; node: string[] } | undefined {
  const m =
    /ordersV2\([^)]*\) \{ nodes \{ ([^}]*?)( customer \{ name country \})? \} pageInfo \{ hasNextPage endCursor \}( totalCount)? \}/.exec(
      query,
    );
  if (m === null) return undefined;
  return {
    connection: ['nodes', 'pageInfo', ...(m[3] ? ['totalCount'] : [])],
    node: [...m[1]!.split(' '), ...(m[2] ? ['customer'] : [])],
  };
}

describe('execution', () => {
  it('the default answers fields in the selection’s order, and graphql-jit the same values (generated requests)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: pageArb }, otherArb), async (sent) => {
        const a = await ask(plain, sent);
        const keys = pageKeysInOrder(sent.query);
        const data = (JSON.parse(a.text) as { data?: Record<string, { nodes: Record<string, unknown>[] } | null> | null }).data;
        const connection = data?.['ordersV2'] ?? data?.['page'];
        if (keys !== undefined && connection) {
          expect(Object.keys(connection)).toEqual(keys.connection);
          for (const node of connection.nodes) expect(Object.keys(node)).toEqual(keys.node);
        }
        // Requests without variables: graphql-jit's values and error messages, codes and paths are graphql-js's.
        if (sent.variables === undefined) {
          const b = await ask(compiled, sent);
          expect(b.status).toBe(a.status);
          expect(comparable(b.text)).toEqual(comparable(a.text));
        }
      }),
      { numRuns: 60 },
    );
  }, 300_000);

  it('a page whose nodes wait for a relationship is answered in the selection’s order, byte for byte by both', async () => {
    const sent: Sent = {
      key: DEMO_KEYS.admin,
      query: '{ ordersV2(first: 3) { nodes { order_id customer { name } } pageInfo { hasNextPage } totalCount } }',
    };
    const [a, b] = [await ask(plain, sent), await ask(compiled, sent)];
    expect(a.text).toMatch(/^\{"data":\{"ordersV2":\{"nodes":\[\{"order_id":"1","customer":\{"name":/);
    expect(a.text).toMatch(/\],"pageInfo":\{"hasNextPage":true\},"totalCount":\d+\}\}/);
    expect(b.text).toBe(a.text);
  });

  it('pages followed by their cursors', async () => {
    for (const key of [DEMO_KEYS.admin, DEMO_KEYS.analyst]) {
      let after: string | null = null;
      for (let page = 0; page < 4; page++) {
        const sent: Sent = {
          key,
          query:
            'query P($a: String) { ordersV2(first: 7, after: $a, orderBy: [{ total_amount: DESC }]) { nodes { order_id total_amount } pageInfo { hasNextPage endCursor } } }',
          variables: { a: after },
        };
        const [a, b] = [await ask(plain, sent), await ask(compiled, sent)];
        expect(b.status).toBe(a.status);
        expect(b.text).toBe(a.text);
        const body = JSON.parse(a.text) as { data: { ordersV2: { pageInfo: { endCursor: string | null } } } };
        after = body.data.ordersV2.pageInfo.endCursor;
        if (after === null) break;
      }
    }
  }, 120_000);
});
