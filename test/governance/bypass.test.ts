/**
 * Attempts to get around the demo's policies (policies/*.yaml) through the
 * GraphQL surface: widen the analyst's row filter (region in
 * $caller.regions = EU, US), page outside it, read hashed e-mails raw, and
 * reach fields or products a role is not granted. Each attempt is checked
 * against DuckDB over the same files, never against a hand-copied answer.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { SluiceError } from '../../src/errors.js';
import { ScanNode } from '../../src/plan/plan.js';
import { resolveAccess } from '../../src/policy/effective-policy.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { analyze } from '../../src/session/analyze.js';
import { createSession } from '../../src/session/session.js';
import { DEMO_KEYS, openDemo, type Demo, type GraphQLResponse } from '../support/demo.js';
import { gqlWhere, openGateway, ORDERS_KIND, ordersColumn, send, sqlWhere, writeDemoWithKeys, type Where } from './support.js';

const ANALYST = { 'x-api-key': DEMO_KEYS.analyst, 'x-purpose': 'reporting' };
const ADMIN = { 'x-api-key': DEMO_KEYS.admin };
const PUBLIC = {};
const ORDERS = `read_parquet('${resolve('products/orders/data/*.parquet')}')`;
const CUSTOMERS = `read_parquet('${resolve('products/customers/data/*.parquet')}')`;
const ANALYST_ROWS = `region IN ('EU', 'US')`;

let demo: Demo;
/**
 * The demo with offsets deep enough to page past the row filter's rows
 * (the demo has 60,000 orders; server.limits.maxOffset is 10,000 and the
 * cost limit counts offsets): these tests are about where paging leads,
 * not how deep it may go (hardening/input-limits.test.ts).
 */
let deepOffsets: Demo;
let duck: DuckDBConnection;
beforeAll(async () => {
  demo = await openDemo();
  deepOffsets = await openDemo('sluice.yaml', undefined, { maxOffset: 2_000_000, maxCost: 2_100_000 });
  duck = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  await duck.run(`SET TimeZone = 'UTC'`);
});
afterAll(async () => {
  await demo?.engine.close();
  await deepOffsets?.engine.close();
  duck?.closeSync();
});

/** DuckDB's rows, BIGINTs as strings (as GraphQL serializes BigInt). */
async function sql<T = Record<string, unknown>>(text: string): Promise<T[]> {
  const rows = (await duck.runAndReadAll(text)).getRowObjectsJS();
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]))) as T[];
}
const count = async (where: string) => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM ${ORDERS} WHERE ${where}`))[0]!.n);

interface Conn {
  nodes: Record<string, unknown>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}
const conn = (r: GraphQLResponse, root = 'ordersV2') => r.data![root] as Conn;
const errorOf = (r: GraphQLResponse) => {
  expect(r.errors, JSON.stringify(r.data)).toHaveLength(1);
  return r.errors![0]!;
};

async function query(
  q: string,
  headers: Record<string, string>,
  variables: Record<string, unknown> = {},
  on = demo,
): Promise<GraphQLResponse> {
  return (await send(on, q, variables, headers)).body;
}

const SQL_OF = (w: Where) =>
  sqlWhere(
    w,
    (f) => ORDERS_KIND[f]!,
    (f) => `"${ordersColumn(f)}"`,
  );

describe('the analyst cannot widen the row filter (region in EU, US)', () => {
  // `where` as the analyst writes it; every one of them is evaluated inside the row filter.
  const attacks: [string, Where][] = [
    ['OR with an always-true branch', { OR: [{ region: { eq: 'APAC' } }, { order_id: { gte: '0' } }] }],
    ['NOT of the allowed regions', { NOT: { region: { in: ['EU', 'US'] } } }],
    ['a region outside the filter', { region: { eq: 'LATAM' } }],
    ['notIn one allowed region', { region: { notIn: ['EU'] } }],
    ['a tautology on region', { OR: [{ region: { in: ['APAC', 'LATAM'] } }, { NOT: { region: { in: ['APAC', 'LATAM'] } } }] }],
    ['double negation of a foreign region', { NOT: { NOT: { region: { eq: 'APAC' } } } }],
    ['isNull true OR isNull false', { OR: [{ email: { isNull: true } }, { email: { isNull: false } }] }],
    ['NOT isNull with a foreign region', { NOT: { email: { isNull: true } }, region: { ne: 'EU' } }],
    ['NOT of an empty OR (always true)', { NOT: { OR: [] } }],
    ['an empty AND (always true)', { AND: [] }],
    ['contradiction between where and filter', { AND: [{ region: { in: ['APAC'] } }, { NOT: { region: { eq: 'EU' } } }] }],
    ['ne on the primary key', { order_id: { ne: '1' } }],
  ];

  it.each(attacks)('%s: only EU and US rows, exactly those DuckDB finds; totalCount agrees', async (_name, where) => {
    const res = await query(
      `{ ordersV2(where: ${gqlWhere(where)}, first: 200) { nodes { order_id region } pageInfo { hasNextPage } totalCount } }`,
      ANALYST,
    );
    expect(res.errors).toBeUndefined();
    const got = conn(res);
    for (const n of got.nodes) expect(['EU', 'US']).toContain(n['region']);
    const expected = await sql(
      `SELECT order_id, region FROM ${ORDERS} WHERE ${ANALYST_ROWS} AND ${SQL_OF(where)} ORDER BY order_id LIMIT 200`,
    );
    expect(got.nodes).toEqual(expected);
    expect(got.totalCount).toBe(await count(`${ANALYST_ROWS} AND ${SQL_OF(where)}`));
  });

  it('counts per region add up to the rows the row filter allows, and foreign regions count zero', async () => {
    const total = await count(ANALYST_ROWS);
    const per: Record<string, number> = {};
    for (const region of ['EU', 'US', 'APAC', 'LATAM']) {
      per[region] = conn(await query(`{ ordersV2(where: { region: { eq: "${region}" } }, first: 0) { totalCount } }`, ANALYST)).totalCount;
    }
    expect(per).toEqual({ EU: await count(`region = 'EU'`), US: await count(`region = 'US'`), APAC: 0, LATAM: 0 });
    expect(per['EU']! + per['US']!).toBe(total);
    expect(conn(await query(`{ ordersV2(first: 0) { totalCount } }`, ANALYST)).totalCount).toBe(total);
  });

  it('a field the row filter reads cannot be filtered on in a way the contract forbids (no isNull on region)', async () => {
    const res = await query(`{ ordersV2(where: { region: { isNull: false } }) { nodes { order_id } } }`, ANALYST);
    expect(errorOf(res).extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errorOf(res).message).not.toMatch(/Did you mean/);
  });
});

interface Row {
  id: bigint;
  region: string;
  amount: number;
}

describe('paging cannot step outside the row filter', () => {
  it("an admin's cursor used by the analyst: rejected, or the analyst's own rows after it", async () => {
    const cases = [
      { orderBy: '', offset: 0, first: 2, after: (l: Row) => `order_id > ${l.id}`, order: 'order_id' },
      {
        orderBy: 'orderBy: [{ region: ASC }]',
        offset: 0,
        first: 7,
        after: (l: Row) => `(region > '${l.region}' OR (region = '${l.region}' AND order_id > ${l.id}))`,
        order: 'region, order_id',
      },
      {
        orderBy: 'orderBy: [{ region: DESC }, { total_amount: ASC }]',
        offset: (await count(`region = 'US'`)) + 5, // past the US rows: the admin's page ends among LATAM ones
        first: 7,
        after: (l: Row) =>
          `(region < '${l.region}' OR (region = '${l.region}' AND (amount > ${l.amount}::DOUBLE OR (amount = ${l.amount}::DOUBLE AND order_id > ${l.id}))))`,
        order: 'region DESC, amount ASC, order_id',
      },
    ];
    for (const c of cases) {
      const admin = await query(
        `{ ordersV2(${c.orderBy} offset: ${c.offset}, first: ${c.first}) { nodes { order_id region total_amount } pageInfo { endCursor } } }`,
        ADMIN,
        {},
        deepOffsets,
      );
      const page = conn(admin);
      // The admin's page ends on a row the analyst may not see.
      const lastNode = page.nodes.at(-1)!;
      expect(['APAC', 'LATAM'], c.orderBy).toContain(lastNode['region']);
      const res = await query(
        `query($after: String) { ordersV2(${c.orderBy} first: 20, after: $after) { nodes { order_id region total_amount } } }`,
        ANALYST,
        {
          after: page.pageInfo.endCursor,
        },
      );
      if (res.errors) {
        expect(errorOf(res).extensions?.['code']).toBe('BAD_USER_INPUT');
        continue;
      }
      const nodes = conn(res).nodes;
      for (const n of nodes) expect(['EU', 'US']).toContain(n['region']);
      // Keyset after the admin's last row, in the analyst's view (total_amount is not masked for analysts).
      const last: Row = {
        id: BigInt(lastNode['order_id'] as string),
        region: lastNode['region'] as string,
        amount: lastNode['total_amount'] as number,
      };
      const expected = await sql(
        `SELECT order_id, region, amount AS total_amount FROM ${ORDERS} WHERE ${ANALYST_ROWS} AND ${c.after(last)} ORDER BY ${c.order} LIMIT 20`,
      );
      expect(nodes, c.orderBy).toEqual(expected);
    }
  });

  it('a cursor whose payload was edited (to point elsewhere) is rejected', async () => {
    const res = await query(`{ ordersV2(orderBy: [{ region: ASC }], first: 3) { nodes { order_id } pageInfo { endCursor } } }`, ANALYST);
    const cursor = conn(res).pageInfo.endCursor!;
    const [body, sig] = cursor.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { q: string; k: unknown[] };
    for (const k of [
      ['APAC', '0'],
      ['LATAM', '1'],
      ['EU', '-1'],
    ]) {
      const forged = `${Buffer.from(JSON.stringify({ ...payload, k })).toString('base64url')}.${sig}`;
      const r = await query(
        `query($after: String) { ordersV2(orderBy: [{ region: ASC }], first: 3, after: $after) { nodes { order_id region } } }`,
        ANALYST,
        { after: forged },
      );
      expect(errorOf(r).extensions?.['code']).toBe('BAD_USER_INPUT');
      expect(r.data?.['ordersV2'] ?? null).toBeNull();
    }
  });

  it('a cursor of a narrower where cannot be replayed under an always-true where', async () => {
    const res = await query(`{ ordersV2(where: { region: { eq: "EU" } }, first: 3) { pageInfo { endCursor } } }`, ANALYST);
    const r = await query(
      `query($after: String) { ordersV2(where: { OR: [{ region: { eq: "APAC" } }, { order_id: { gte: "0" } }] }, first: 3, after: $after) { nodes { order_id region } } }`,
      ANALYST,
      { after: conn(res).pageInfo.endCursor },
    );
    expect(errorOf(r).extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('an offset past the end gives an empty page, and the true totalCount', async () => {
    const res = await query(
      `{ ordersV2(offset: 1000000, first: 10) { nodes { order_id } pageInfo { hasNextPage endCursor } totalCount } }`,
      ANALYST,
      {},
      deepOffsets,
    );
    expect(conn(res)).toEqual({ nodes: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: await count(ANALYST_ROWS) });
    // The last analyst row, by offset, is the last EU/US row.
    const total = await count(ANALYST_ROWS);
    const last = await query(
      `{ ordersV2(offset: ${total - 1}, first: 10) { nodes { order_id region } pageInfo { hasNextPage } } }`,
      ANALYST,
      {},
      deepOffsets,
    );
    const [expected] = await sql(`SELECT order_id, region FROM ${ORDERS} WHERE ${ANALYST_ROWS} ORDER BY order_id DESC LIMIT 1`);
    expect(conn(last).nodes).toEqual([expected]);
    expect(conn(last).pageInfo.hasNextPage).toBe(false);
  });

  it('page sizes above the limits are errors, never clamped', async () => {
    const cases: [Record<string, string>, string, RegExp | string, string][] = [
      [ANALYST, 'first: 501', /at most 500/, 'BAD_USER_INPUT'],
      // Past server.limits.maxCost the request is refused before it is planned.
      [ANALYST, 'first: 1000000', /more than the limit of 50000/, 'QUERY_TOO_COMPLEX'],
      [PUBLIC, 'first: 101', /at most 100/, 'BAD_USER_INPUT'], // orders-public: limits.maxPageSize 100
      [ANALYST, 'first: -1', /0 or more/, 'BAD_USER_INPUT'],
      [ANALYST, 'offset: -5', /0 or more/, 'BAD_USER_INPUT'],
    ];
    for (const [headers, args, message, code] of cases) {
      const res = await query(`{ ordersV2(${args}) { nodes { order_id } } }`, headers);
      const e = errorOf(res);
      expect(e.extensions?.['code'], args).toBe(code);
      expect(e.message).toMatch(message);
    }
    const overflow = errorOf(await query(`{ ordersV2(first: 99999999999) { nodes { order_id } } }`, ANALYST));
    expect(overflow.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('hashed e-mails never appear raw (orders-analyst: email hash)', () => {
  let rawEmails: Set<string>;
  beforeAll(async () => {
    rawEmails = new Set((await sql<{ email: string }>(`SELECT DISTINCT email FROM ${ORDERS} WHERE email IS NOT NULL`)).map((r) => r.email));
  });

  it('e-mails are 64-hex HMACs, null exactly where the raw value is null, never a raw e-mail', async () => {
    const res = await send(
      demo,
      `{ ordersV2(where: { order_id: { gte: "20000" } }, first: 500) { nodes { order_id email } } }`,
      {},
      ANALYST,
    );
    expect(res.text).not.toContain('@');
    const nodes = conn(res.body).nodes as { order_id: string; email: string | null }[];
    expect(nodes).toHaveLength(500);
    const raw = new Map(
      (
        await sql<{ order_id: string; email: string | null }>(
          `SELECT order_id, email FROM ${ORDERS} WHERE ${ANALYST_ROWS} AND order_id >= 20000 ORDER BY order_id LIMIT 500`,
        )
      ).map((r) => [r.order_id, r.email]),
    );
    const key = process.env['SLUICE_HASH_KEY']!;
    for (const n of nodes) {
      const original = raw.get(n.order_id);
      expect(original).not.toBeUndefined();
      if (original === null) expect(n.email).toBeNull();
      else {
        expect(n.email).toMatch(/^[0-9a-f]{64}$/);
        expect(rawEmails.has(n.email!)).toBe(false);
        expect(n.email).toBe(createHmac('sha256', key).update(original!, 'utf8').digest('hex'));
      }
    }
  });

  it('filtering on a raw e-mail finds nothing; on its hash, the rows that hold it', async () => {
    const [row] = await sql<{ email: string; n: string }>(
      `SELECT email, count(*) AS n FROM ${ORDERS} WHERE ${ANALYST_ROWS} AND email IS NOT NULL GROUP BY email HAVING count(*) > 1 ORDER BY email LIMIT 1`,
    );
    const raw = row!.email;
    const byRaw = await query(`query($e: String) { ordersV2(where: { email: { eq: $e } }) { nodes { order_id } totalCount } }`, ANALYST, {
      e: raw,
    });
    expect(conn(byRaw)).toMatchObject({ nodes: [], totalCount: 0 });
    const neRaw = await query(`query($e: String) { ordersV2(where: { email: { ne: $e } }, first: 0) { totalCount } }`, ANALYST, { e: raw });
    expect(conn(neRaw).totalCount).toBe(await count(`${ANALYST_ROWS} AND email IS NOT NULL`));

    const hash = createHmac('sha256', process.env['SLUICE_HASH_KEY']!).update(raw, 'utf8').digest('hex');
    const byHash = await query(
      `query($e: String) { ordersV2(where: { email: { eq: $e } }) { nodes { order_id email } totalCount } }`,
      ANALYST,
      { e: hash },
    );
    const expected = await sql<{ order_id: string }>(
      `SELECT order_id FROM ${ORDERS} WHERE ${ANALYST_ROWS} AND email = '${raw}' ORDER BY order_id`,
    );
    expect(conn(byHash).nodes).toEqual(expected.map((r) => ({ order_id: r.order_id, email: hash })));
    expect(conn(byHash).totalCount).toBe(Number(row!.n));
  });

  it('the admin, unmasked, does see raw e-mails (the check above is not vacuous)', async () => {
    const res = await send(demo, `{ ordersV2(where: { email: { isNull: false } }, first: 5) { nodes { email } } }`, {}, ADMIN);
    for (const n of conn(res.body).nodes) expect(rawEmails.has(n['email'] as string)).toBe(true);
  });
});

describe('sorting and filtering on masked fields use masked values (customers-analyst: name show_first_4, email email_domain, lifetime_value round 1000)', () => {
  const MASKED = `SELECT customer_id, left(name, 4) || repeat('*', greatest(length(name) - 4, 0)) AS name,
    CASE WHEN email IS NULL THEN NULL ELSE '***@' || regexp_extract(email, '@([^@]*)$', 1) END AS email,
    round(lifetime_value / 1000) * 1000 AS lifetime_value FROM ${CUSTOMERS}`;
  const rows = async (q: string) => sql(q);

  it.each([
    ['name ASC', 'name: ASC', 'name ASC', false],
    ['name DESC, lifetime_value DESC', 'name: DESC }, { lifetime_value: DESC', 'name DESC, lifetime_value DESC NULLS LAST', true],
    ['lifetime_value ASC', 'lifetime_value: ASC', 'lifetime_value ASC NULLS LAST', true],
  ])('orderBy %s orders by the masked values', async (_name, gql, order, rawDiffers) => {
    const res = await query(
      `{ customersV1(orderBy: [{ ${gql} }], first: 60) { nodes { customer_id name email lifetime_value } } }`,
      ANALYST,
    );
    expect(res.errors).toBeUndefined();
    const got = conn(res, 'customersV1').nodes;
    expect(got).toEqual(await rows(`SELECT * FROM (${MASKED}) ORDER BY ${order}, customer_id LIMIT 60`));
    // Where it matters, ordering by the raw values would have given other rows.
    const raw = await rows(`SELECT customer_id FROM ${CUSTOMERS} ORDER BY ${order}, customer_id LIMIT 60`);
    if (rawDiffers) expect(got.map((r) => r['customer_id'])).not.toEqual(raw.map((r) => r['customer_id']));
  });

  it.each([
    ['a raw name prefix longer than 4 characters', { name: { startsWith: 'Ada L' } }, `starts_with(name, 'Ada L')`],
    ['a masked name prefix', { name: { startsWith: 'Ada ' } }, `starts_with(name, 'Ada ')`],
    ['a raw lifetime value', { lifetime_value: { eq: 15234.5 } }, `lifetime_value = 15234.5`],
    ['a rounded lifetime value', { lifetime_value: { eq: 15000 } }, `lifetime_value = 15000`],
    ['a raw e-mail', { email: { eq: 'user18@example.com' } }, `email = 'user18@example.com'`],
    ['a masked e-mail', { email: { eq: '***@acme.test' } }, `email = '***@acme.test'`],
  ] as [string, Where, string][])('filtering on %s matches masked values only', async (_name, where, sqlWhereText) => {
    const res = await query(`{ customersV1(where: ${gqlWhere(where)}, first: 0) { totalCount } }`, ANALYST);
    expect(res.errors).toBeUndefined();
    const [expected] = await sql<{ n: string }>(`SELECT count(*) AS n FROM (${MASKED}) WHERE ${sqlWhereText}`);
    expect(conn(res, 'customersV1').totalCount).toBe(Number(expected!.n));
  });
});

describe('fields a role is not granted (orders-public: no email, notes, customer_id)', () => {
  // The caller's schema has no such field (docs/frontend-apps.md): the validation error a
  // field that does not exist gets, naming only what was asked for. The
  // analyzer still refuses such a plan (FORBIDDEN, session/inject-policy.test.ts).
  const forbidden = (res: GraphQLResponse, field: string, message: string) => {
    const e = errorOf(res);
    expect(e.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(e.message).toBe(message);
    // Only what was asked for is named: nothing about other fields the caller cannot see.
    for (const other of ['email', 'notes', 'customer_id', 'is_gift', 'name'].filter((f) => f !== field))
      expect(e.message).not.toContain(other);
    expect(res.data?.['ordersV2'] ?? res.data?.['customersV1'] ?? null).toBeNull();
    return e;
  };

  it('selecting, filtering or sorting on a field not granted fails validation as a field that does not exist, naming only that field', async () => {
    const notSelectable = (field: string, type: string) => `Cannot query field "${field}" on type "${type}".`;
    const notInput = (field: string, type: string) => `Field "${field}" is not defined by type "${type}".`;
    forbidden(await query(`{ ordersV2(first: 1) { nodes { order_id email } } }`, PUBLIC), 'email', notSelectable('email', 'OrdersV2'));
    forbidden(
      await query(`{ ordersV2(first: 1, where: { email: { isNull: true } }) { nodes { order_id } } }`, PUBLIC),
      'email',
      notInput('email', 'OrdersV2Where'),
    );
    const byValue = forbidden(
      await query(`{ ordersV2(first: 1, where: { email: { eq: "buyer1@example.com" } }) { nodes { order_id } } }`, PUBLIC),
      'email',
      notInput('email', 'OrdersV2Where'),
    );
    expect(byValue.message).not.toContain('buyer1');
    forbidden(
      await query(
        `{ ordersV2(first: 1, where: { OR: [{ region: { eq: "EU" } }, { notes: { contains: "gift" } }] }) { nodes { order_id } } }`,
        PUBLIC,
      ),
      'notes',
      notInput('notes', 'OrdersV2Where'),
    );
    forbidden(
      await query(`{ ordersV2(first: 1, orderBy: [{ customer_id: ASC }]) { nodes { order_id } } }`, PUBLIC),
      'customer_id',
      notInput('customer_id', 'OrdersV2OrderBy'),
    );
    forbidden(
      await query(`{ ordersV2(first: 1, where: { NOT: { customer_id: { eq: 1 } } }) { totalCount } }`, PUBLIC),
      'customer_id',
      notInput('customer_id', 'OrdersV2Where'),
    );
    forbidden(
      await query(`{ customersV1(first: 1) { nodes { customer_id name } } }`, PUBLIC),
      'name',
      notSelectable('name', 'CustomersV1'),
    );
  });

  it('granted fields still answer, with their masks (total_amount rounded to 100)', async () => {
    const res = await query(`{ ordersV2(first: 50) { nodes { order_id total_amount } } }`, PUBLIC);
    const nodes = conn(res).nodes;
    expect(nodes).toHaveLength(50);
    for (const n of nodes) expect((n['total_amount'] as number) % 100).toBe(0);
  });

  it('validation messages make no suggestions (no "Did you mean")', async () => {
    for (const q of [
      `{ ordersV2 { nodes { emai } } }`,
      `{ ordersV2(where: { emal: { eq: "x" } }) { nodes { order_id } } }`,
      `{ ordersV2(orderBy: [{ emial: ASC }]) { nodes { order_id } } }`,
      `{ ordersV2(orderBy: [{ email: ASC }]) { nodes { order_id } } }`,
      `{ ordersV2(where: { email: { contain: "x" } }) { nodes { order_id } } }`,
      `{ ordersV3 { nodes { order_id } } }`,
      `{ orderV2 { nodes { order_id } } }`,
      `{ customersV1 { nodes { nam } } }`,
    ]) {
      for (const headers of [PUBLIC, ANALYST]) {
        const res = await send(demo, q, {}, headers);
        const e = errorOf(res.body);
        expect(e.extensions?.['code'], q).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(res.text).not.toMatch(/Did you mean/i);
        // A misspelt name is not completed into one the caller may not see.
        expect(e.message.replace(/"emai"|"emal"|"emial"|"email"/g, '')).not.toMatch(/email|notes|customer_id/);
      }
    }
  });
});

describe('product versions a caller cannot see', () => {
  const NOT_AVAILABLE = /^product orders v\d is not available to this session$/;

  it('public on ordersV1 (orders-public covers >=2): the validation error of a version that does not exist; the analyzer refuses both alike', async () => {
    // The caller's schema has no ordersV1 (docs/frontend-apps.md): exactly what ordersV9 gets.
    const hidden = errorOf(await query(`{ ordersV1(first: 1) { nodes { order_id } } }`, PUBLIC));
    const none = errorOf(await query(`{ ordersV9(first: 1) { nodes { order_id } } }`, PUBLIC));
    expect(hidden.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(hidden.message).toBe('Cannot query field "ordersV1" on type "Query".');
    expect({ ...hidden, message: hidden.message.replace('ordersV1', 'ordersV9') }).toEqual(none);

    // Behind the schema, the analyzer refuses a plan of a hidden version with
    // the words it uses for one that does not exist (defence in depth).

    // A version that does not exist never reaches a resolver (the schema has
    // no field for it), so ask the analyzer directly, as a resolver would.
    const config = loadConfig('sluice.yaml');
    const { catalog, policies } = await loadDeployment(config, demo.engine);
    const who = { subject: 'anonymous', role: 'public', purpose: 'unspecified', attributes: {} };
    const session = createSession({
      caller: { subject: 'anonymous', roles: ['public'], attributes: {}, credential: 'anonymous' },
      role: 'public',
      access: resolveAccess(policies, catalog.served('2026-11-21'), who),
      limits: { timeoutMs: 10_000 },
    });
    const scan = (major: number, version: string) =>
      ScanNode.create({
        product: 'orders',
        major,
        version,
        source: '/nowhere/*.parquet',
        fields: [{ name: 'order_id', column: 'order_id', type: 'int64' }],
        filters: [],
      });
    const refusal = (major: number, version: string) => {
      try {
        analyze(scan(major, version), session);
      } catch (e) {
        expect(e).toBeInstanceOf(SluiceError);
        return { code: (e as SluiceError).code, message: (e as SluiceError).message };
      }
      throw new Error(`orders v${major} was allowed`);
    };
    const missing = refusal(9, '9.0.0');
    const hiddenHere = refusal(1, '1.4.0');
    expect(missing).toEqual({ code: 'FORBIDDEN', message: 'product orders v9 is not available to this session' });
    expect(hiddenHere.code).toBe('FORBIDDEN');
    expect(hiddenHere.message.replace('v1', 'v9')).toBe(missing.message);
    expect(hiddenHere.message).toMatch(NOT_AVAILABLE);
  });

  it('a caller lacking the attribute a row filter needs is refused the same way (fail closed)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bypass-'));
    const gw = await openGateway(
      writeDemoWithKeys(dir, [{ id: 'no-regions', key: 'no-regions-key', subject: 'nora', roles: ['analyst'], purposes: ['reporting'] }]),
    );
    try {
      const res = await send(
        gw,
        `{ ordersV2(first: 1) { nodes { order_id } } }`,
        {},
        { 'x-api-key': 'no-regions-key', 'x-purpose': 'reporting' },
      );
      // Denied (fail closed): no ordersV2 in this caller's schema, as if there were none.
      const e = errorOf(res.body);
      expect(e.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(e.message).toBe('Cannot query field "ordersV2" on type "Query".');
      expect(e.message).not.toMatch(/region/);
      // Customers have no row filter: the same key reads them.
      const customers = await send(
        gw,
        `{ customersV1(first: 1) { nodes { customer_id } } }`,
        {},
        { 'x-api-key': 'no-regions-key', 'x-purpose': 'reporting' },
      );
      expect(customers.body.errors).toBeUndefined();
    } finally {
      await gw.engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the analyst cannot take a role or purpose it lacks to escape its policy', async () => {
    const asAdmin = await send(demo, `{ ordersV2(first: 1) { nodes { order_id } } }`, {}, { ...ANALYST, 'x-role': 'admin' });
    expect(asAdmin.status).toBe(403);
    expect(errorOf(asAdmin.body).extensions?.['code']).toBe('FORBIDDEN');
    const noPurpose = await send(demo, `{ ordersV2(first: 1) { nodes { order_id } } }`, {}, { 'x-api-key': DEMO_KEYS.analyst });
    expect(noPurpose.status).toBe(403);
    const otherPurpose = await send(
      demo,
      `{ ordersV2(first: 1) { nodes { order_id } } }`,
      {},
      { 'x-api-key': DEMO_KEYS.analyst, 'x-purpose': 'marketing' },
    );
    expect(otherPurpose.status).toBe(403);
    expect(asAdmin.body.data ?? null).toBeNull();
  });
});
