/**
 * What a request may ask for in `where` and `offset` (issue 12), through the
 * gateway over the demo data, in the document and in variables alike:
 * nesting (server.limits.maxWhereDepth), conditions (maxWhereConditions),
 * `in` lists (maxInListLength), offsets (maxOffset, and the cost limit),
 * and the rows a sort holds (maxMemoryBytes). Each refusal is
 * BAD_USER_INPUT (or QUERY_TOO_COMPLEX, RESOURCE_LIMIT) naming the limit,
 * every time, never INTERNAL_SERVER_ERROR; each limit lets through exactly
 * what it allows. Relationship batches, which build their own key lists,
 * are not bounded by maxInListLength.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, type LimitsConfig } from '../../src/config/config.js';
import { createEngine } from '../../src/server/create-engine.js';
import { createGateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { DEMO_KEYS, type GraphQLResponse } from '../support/demo.js';

async function gatewayWith(limits: Partial<LimitsConfig> = {}) {
  const config = loadConfig('sluice.yaml');
  const engine = createEngine(config);
  const gateway = createGateway({
    config: { ...config, server: { ...config.server, limits: { ...config.server.limits, ...limits } } },
    ...(await loadDeployment(config, engine)),
    engine,
    today: '2026-11-21',
  });
  /** Sends `body` as it is (deep JSON is written by hand: JSON.stringify recurses too). */
  const send = async (body: string) => {
    const res = await gateway.fetch('http://sluice.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'x-api-key': DEMO_KEYS.admin },
      body,
    });
    return { status: res.status, body: (await res.json()) as GraphQLResponse };
  };
  const ask = (query: string, variables?: Record<string, unknown>) =>
    send(JSON.stringify({ query, variables }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  return { send, ask };
}

const defaults = await gatewayWith();

const codeOf = (r: { body: GraphQLResponse }) => r.body.errors?.[0]?.extensions?.['code'];
const ORDERS = 'query($w: OrdersV2Where) { ordersV2(where: $w, first: 1) { nodes { order_id } } }';

/** `where` nested `levels` deep through `key` (OR / AND lists, or NOT), as JSON text. */
function nestedJson(levels: number, key: 'OR' | 'NOT'): string {
  const open = key === 'OR' ? '{"OR":[' : '{"NOT":';
  const close = key === 'OR' ? ']}' : '}';
  return `${open.repeat(levels - 1)}{"order_id":{"eq":"1"}}${close.repeat(levels - 1)}`;
}
/** The same as a GraphQL literal. */
function nestedLiteral(levels: number, key: 'OR' | 'NOT'): string {
  const open = key === 'OR' ? '{ OR: [' : '{ NOT: ';
  const close = key === 'OR' ? '] }' : ' }';
  return `${open.repeat(levels - 1)}{ order_id: { eq: "1" } }${close.repeat(levels - 1)}`;
}

const expectRefused = (r: { status: number; body: GraphQLResponse }, limit: string, value: number) => {
  expect(r.status, JSON.stringify(r.body)).toBe(400);
  expect(r.body.data ?? null).toBeNull();
  expect(r.body.errors).toHaveLength(1);
  expect(r.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', limit, value });
  expect(r.body.errors![0]!.message).toContain(`server.limits.${limit}`);
};

describe('where nesting (server.limits.maxWhereDepth)', () => {
  const deep = [
    [
      'in variables, 1,000 levels of OR',
      () => defaults.send(`{"query":${JSON.stringify(ORDERS)},"variables":{"w":${nestedJson(1000, 'OR')}}}`),
    ],
    [
      'in variables, 100,000 levels of OR',
      () => defaults.send(`{"query":${JSON.stringify(ORDERS)},"variables":{"w":${nestedJson(100_000, 'OR')}}}`),
    ],
    [
      'in variables, 1,000 levels of NOT',
      () => defaults.send(`{"query":${JSON.stringify(ORDERS)},"variables":{"w":${nestedJson(1000, 'NOT')}}}`),
    ],
    [
      'in the document, 1,000 levels of OR',
      () => defaults.ask(`{ ordersV2(where: ${nestedLiteral(1000, 'OR')}, first: 1) { nodes { order_id } } }`),
    ],
    [
      'in the document, 1,000 levels of NOT',
      () => defaults.ask(`{ ordersV2(where: ${nestedLiteral(1000, 'NOT')}, first: 1) { nodes { order_id } } }`),
    ],
    ['in the document, 11 levels', () => defaults.ask(`{ ordersV2(where: ${nestedLiteral(11, 'OR')}, first: 1) { nodes { order_id } } }`)],
    ['in variables, 11 levels', () => defaults.ask(ORDERS, { w: JSON.parse(nestedJson(11, 'OR')) as unknown })],
    [
      'a variable of 10 levels inside a literal of 2',
      () =>
        defaults.ask('query($w: OrdersV2Where!) { ordersV2(where: { OR: [$w] }, first: 1) { nodes { order_id } } }', {
          w: JSON.parse(nestedJson(10, 'OR')) as unknown,
        }),
    ],
    // Within the token limit, this overflowed graphql-js's recursive parser: INTERNAL_SERVER_ERROR.
    [
      '1,990 nested list brackets in the document',
      () => defaults.ask(`{ ordersV2(where: { order_id: { in: ${'['.repeat(1990)} } }) { totalCount } }`),
    ],
  ] as const;

  it.each(deep)('refuses a where nested too deep %s, every time, with BAD_USER_INPUT', async (_what, send) => {
    for (let run = 0; run < 5; run++) expectRefused(await send(), 'maxWhereDepth', 10);
  });

  it('answers a where of exactly maxWhereDepth levels, in the document and in variables', async () => {
    for (const key of ['OR', 'NOT'] as const) {
      const literal = await defaults.ask(`{ ordersV2(where: ${nestedLiteral(10, key)}, first: 1) { nodes { order_id } } }`);
      const variable = await defaults.ask(ORDERS, { w: JSON.parse(nestedJson(10, key)) as unknown });
      expect(literal.body.errors).toBeUndefined();
      expect(variable.body.errors).toBeUndefined();
      // OR of one is the condition; nine NOTs are one.
      const expected = (
        await defaults.ask(`{ ordersV2(where: { order_id: { ${key === 'OR' ? 'eq' : 'ne'}: "1" } }, first: 1) { nodes { order_id } } }`)
      ).body.data;
      expect(literal.body.data).toEqual(expected);
      expect(variable.body.data).toEqual(expected);
    }
  });

  it('follows the configured limit', async () => {
    const three = await gatewayWith({ maxWhereDepth: 3 });
    expect((await three.ask(ORDERS, { w: JSON.parse(nestedJson(3, 'OR')) as unknown })).body.errors).toBeUndefined();
    const refused = await three.ask(ORDERS, { w: JSON.parse(nestedJson(4, 'OR')) as unknown });
    expectRefused(refused, 'maxWhereDepth', 3);
    expect(refused.body.errors![0]!.message).toMatch(/more than 3 levels deep/);
  });

  it('refuses selections nested past what parsing needs as QUERY_TOO_COMPLEX, every time', async () => {
    const query = `{ ${'... on Query { '.repeat(600)} __typename ${'} '.repeat(600)} }`;
    for (let run = 0; run < 3; run++) {
      const r = await defaults.ask(query);
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('QUERY_TOO_COMPLEX');
      expect(r.body.errors![0]!.message).toMatch(/server\.limits\.maxDepth/);
    }
  });
});

describe('in lists (server.limits.maxInListLength)', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i));

  it('answers a list of exactly maxInListLength values, in the document and in variables', async () => {
    const literal = await defaults.ask(`{ ordersV2(where: { order_id: { in: [${ids(1000).join(',')}] } }) { totalCount } }`);
    const variable = await defaults.ask('query($ids: [BigInt!]) { ordersV2(where: { order_id: { notIn: $ids } }) { totalCount } }', {
      ids: ids(1000),
    });
    const all = await defaults.ask('{ ordersV2 { totalCount } }');
    const count = (r: { body: GraphQLResponse }) => (r.body.data!['ordersV2'] as { totalCount: number }).totalCount;
    expect(count(literal)).toBeGreaterThan(900);
    expect(count(literal) + count(variable)).toBe(count(all));
  });

  it.each([
    ['a literal list', () => defaults.ask(`{ ordersV2(where: { order_id: { in: [${ids(1001).join(',')}] } }) { totalCount } }`)],
    [
      'a list in a variable',
      () => defaults.ask('query($ids: [BigInt!]) { ordersV2(where: { order_id: { in: $ids } }) { totalCount } }', { ids: ids(1001) }),
    ],
    ['a notIn list in a where variable', () => defaults.ask(ORDERS, { w: { order_id: { notIn: ids(5000) } } })],
    [
      "the issue's two overlapping lists of 20,000 values",
      () =>
        defaults.ask(
          'query($a: [BigInt!], $b: [BigInt!]) { ordersV2(where: { order_id: { in: $a }, AND: [{ order_id: { in: $b } }] }) { totalCount } }',
          {
            a: ids(20_000),
            b: ids(20_000).map((v) => String(Number(v) * 3)),
          },
        ),
    ],
  ])('refuses %s one value past the limit with BAD_USER_INPUT naming it', async (_what, send) => {
    const r = await send();
    expectRefused(r, 'maxInListLength', 1000);
    expect(r.body.errors![0]!.message).toMatch(/holds \d+ values, more than the limit of 1000/);
  });

  it('does not bound the key lists relationship batches build', async () => {
    const tiny = await gatewayWith({ maxInListLength: 5 });
    const query =
      '{ customersV1(first: 50) { nodes { customer_id orders(first: 1) { nodes { customer_id } } } } ordersV2(first: 50) { nodes { customer { customer_id } } } }';
    const r = await tiny.ask(query);
    expect(r.body.errors).toBeUndefined();
    const customers = (r.body.data!['customersV1'] as { nodes: { customer_id: string; orders: { nodes: { customer_id: string }[] } }[] })
      .nodes;
    expect(customers).toHaveLength(50);
    expect(customers.filter((c) => c.orders.nodes.length > 0).length).toBeGreaterThan(5);
    expect(
      (r.body.data!['ordersV2'] as { nodes: { customer: unknown }[] }).nodes.filter((n) => n.customer !== null).length,
    ).toBeGreaterThan(5);
    expect(r.body.data).toEqual((await defaults.ask(query)).body.data);
  });
});

describe('conditions in one where (server.limits.maxWhereConditions)', () => {
  const conditions = (n: number) => Array.from({ length: n }, (_, i) => ({ total_amount: { gt: i % 7 } }));

  it('counts every operator, through AND, OR and NOT, and refuses one past the limit', async () => {
    const at = await defaults.ask(ORDERS, {
      w: { AND: conditions(50), OR: [{ NOT: { AND: conditions(49) } }, { order_id: { gte: '0' } }] },
    });
    expect(at.body.errors).toBeUndefined();
    const past = await defaults.ask(ORDERS, {
      w: { AND: conditions(50), OR: [{ NOT: { AND: conditions(49) } }, { order_id: { gte: '0', lt: '9' } }] },
    });
    expectRefused(past, 'maxWhereConditions', 100);
    const many = await defaults.ask(ORDERS, { w: { AND: conditions(10_000) } });
    expectRefused(many, 'maxWhereConditions', 100);
  });

  it('counts each where on its own', async () => {
    const r = await defaults.ask(
      'query($w: OrdersV2Where) { a: ordersV2(where: $w, first: 1) { totalCount } b: ordersV2(where: $w, first: 1) { totalCount } }',
      {
        w: { AND: conditions(100) },
      },
    );
    expect(r.body.errors).toBeUndefined();
  });
});

describe('offset (server.limits.maxOffset, the cost limit, the memory budget)', () => {
  const page = (offset: number | string, alias = 'ordersV2') =>
    `${alias}: ordersV2(orderBy: [{ total_amount: DESC }], offset: ${offset}, first: 1) { nodes { order_id } }`;

  it('answers an offset of maxOffset, the same row as paging with cursors would reach', async () => {
    const r = await defaults.ask(`{ ${page(10_000)} }`);
    expect(r.body.errors).toBeUndefined();
    // Twenty pages of 500 skip the same 10,000 rows.
    let after: string | null = null;
    for (let i = 0; i < 20; i++) {
      const p = await defaults.ask(
        'query($after: String) { ordersV2(orderBy: [{ total_amount: DESC }], first: 500, after: $after) { pageInfo { endCursor } } }',
        { after },
      );
      after = (p.body.data!['ordersV2'] as { pageInfo: { endCursor: string } }).pageInfo.endCursor;
    }
    const next = await defaults.ask(
      'query($after: String) { ordersV2(orderBy: [{ total_amount: DESC }], first: 1, after: $after) { nodes { order_id } } }',
      { after },
    );
    expect(r.body.data).toEqual(next.body.data);
    expect((r.body.data!['ordersV2'] as { nodes: unknown[] }).nodes).toHaveLength(1);
  });

  it('refuses an offset past maxOffset with BAD_USER_INPUT naming it and cursors', async () => {
    const r = await defaults.ask(`{ ${page(10_001)} }`);
    expect(r.body.data).toBeNull();
    expect(r.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', limit: 'maxOffset', value: 10_000 });
    expect(r.body.errors![0]!.message).toMatch(/offset must be at most 10000 .*server\.limits\.maxOffset.*after: endCursor/);
  });

  it("counts offsets in the cost limit: the issue's fifteen aliases of a huge offset are refused before anything runs", async () => {
    const huge = await defaults.ask(`{ ${Array.from({ length: 15 }, (_, i) => page(2147483000, `a${i}`)).join(' ')} }`);
    expect(huge.status).toBe(400);
    expect(codeOf(huge)).toBe('QUERY_TOO_COMPLEX');
    expect(huge.body.errors![0]!.message).toMatch(/after: endCursor instead of offset/);
    // Each within maxOffset, together past maxCost (15 × 10,001 > 50,000).
    const many = await defaults.ask(`{ ${Array.from({ length: 15 }, (_, i) => page(10_000, `a${i}`)).join(' ')} }`);
    expect(codeOf(many)).toBe('QUERY_TOO_COMPLEX');
    const variable = await defaults.ask('query($o: Int) { ordersV2(offset: $o, first: 1) { nodes { order_id } } }', { o: 2147483000 });
    expect(codeOf(variable)).toBe('QUERY_TOO_COMPLEX');
  });

  it('charges the rows a sort holds to the memory budget: past it, RESOURCE_LIMIT naming maxMemoryBytes and the offset', async () => {
    // Without maxOffset and the cost limit, only the budget stands between an offset and every row of the product.
    const open = await gatewayWith({ maxOffset: 2 ** 31, maxCost: 2 ** 40, maxMemoryBytes: 4 * 2 ** 20 });
    const r = await open.ask(`{ ${page(50_000)} }`);
    expect(r.body.data).toBeNull();
    expect(r.body.errors![0]!.extensions).toEqual({ code: 'RESOURCE_LIMIT', limit: 'maxMemoryBytes', value: 4 * 2 ** 20 });
    expect(r.body.errors![0]!.message).toMatch(/decoded columns and sorted rows.*smaller offset \(page with after: endCursor\)/);
    // The same budget holds the same scan with a small offset: what passed it was the rows held.
    expect((await open.ask(`{ ${page(100)} }`)).body.errors).toBeUndefined();
  });
});
