/**
 * Differential test of governed answers: what a masked, row-filtered caller
 * gets from the gateway equals DuckDB's answer to the equivalent SQL, where
 * the row filter reads raw columns and the masks are computed in a subquery
 * that everything the caller wrote (where, orderBy, offset, first, count)
 * reads from (docs/policies.md). The SQL is written here from the GraphQL arguments,
 * independently of the compiler and the mask code under test.
 *
 * The caller matches two policies of this file, which combine
 * most-restrictively: row filters ANDed, granted fields intersected, the
 * strictest mask per field (show_first_4 over show_last_4, round 100 over
 * round 10), the smallest page limit. Every mask but `hash` (an HMAC, not
 * expressible in SQL; see bypass.test.ts) appears.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Demo, GraphQLResponse } from '../support/demo.js';
import {
  asGraphQL,
  gqlOrderBy,
  gqlWhere,
  maskedOrderByArb,
  maskedWhereArb,
  openGateway,
  openOrdersContract,
  ORDERS_FIELDS,
  ORDERS_KIND,
  ordersColumn,
  send,
  sqlWhere,
  writeConfig,
  writeYaml,
  type Where,
} from './support.js';

const KEY = { id: 'masked', key: 'duckdb-masked-key', subject: 'mo', roles: ['analyst'], attributes: { regions: ['EU', 'US'] } };
const CALLER = { 'x-api-key': KEY.key };

const POLICIES = [
  {
    id: 'orders-masked-a',
    version: 1,
    product: 'orders',
    when: { roles: ['analyst'] },
    allow: { fields: ['*'] },
    rowFilter: { region: { in: '$caller.regions' } },
    masks: { email: 'email_domain', notes: 'show_last_4', total_amount: { round: 10 }, order_date: 'year', is_gift: 'null' },
  },
  {
    id: 'orders-masked-b',
    version: 2,
    product: 'orders',
    when: { roles: ['analyst'] },
    allow: { fields: ORDERS_FIELDS.filter((f) => f !== 'currency') },
    rowFilter: { quantity: { gte: 2 } },
    masks: { notes: 'show_first_4', total_amount: { round: 100 }, status: 'show_last_4', customer_id: 'redact', created_at: 'year' },
    limits: { maxPageSize: 60 },
  },
];

/** The combined policy, in SQL: raw columns in, masked values out. */
const ROW_FILTER = `region IN ('EU', 'US') AND quantity >= 2`;
const MASKED_SQL: Record<string, string> = {
  email: `CASE WHEN email IS NULL THEN NULL WHEN strpos(email, '@') = 0 THEN '***' ELSE '***@' || regexp_extract(email, '@([^@]*)$', 1) END`,
  notes: `left(notes, 4) || repeat('*', greatest(length(notes) - 4, 0))`,
  status: `repeat('*', greatest(length(status) - 4, 0)) || right(status, 4)`,
  total_amount: `CASE WHEN amount < 0 THEN -(round(abs(amount) / 100) * 100) ELSE round(abs(amount) / 100) * 100 END`,
  customer_id: `CASE WHEN customer_id IS NULL THEN NULL ELSE 0::BIGINT END`,
  order_date: `date_trunc('year', order_date)::DATE`,
  created_at: `date_trunc('year', created_at)`,
  is_gift: `NULL::BOOLEAN`,
};
const GRANTED = ORDERS_FIELDS.filter((f) => f !== 'currency');
const MASKED = Object.keys(MASKED_SQL);
const UNMASKED = GRANTED.filter((f) => !MASKED.includes(f));

const SOURCE = `read_parquet('${resolve('products/orders/data/*.parquet')}')`;
const VIEW = `(SELECT ${GRANTED.map((f) => `${MASKED_SQL[f] ?? `"${ordersColumn(f)}"`} AS "${f}"`).join(', ')} FROM ${SOURCE} WHERE ${ROW_FILTER}) AS masked`;
const kindOf = (f: string) => ORDERS_KIND[f]!;
const SQL_OF = (w: Where) => sqlWhere(w, kindOf, (f) => `"${f}"`);

let dir: string;
let gateway: Demo;
let duck: DuckDBConnection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-duckdb-masked-'));
  writeYaml(join(dir, 'products', 'orders', 'v2.yaml'), openOrdersContract(resolve('products/orders/data/*.parquet')));
  for (const p of POLICIES) writeYaml(join(dir, 'policies', `${p.id}.yaml`), p);
  gateway = await openGateway(writeConfig(dir, { products: './products', policies: './policies', keys: [KEY] }));
  duck = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  await duck.run(`SET TimeZone = 'UTC'`);
});

afterAll(async () => {
  await gateway?.engine.close();
  duck?.closeSync();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function sql(text: string): Promise<Record<string, unknown>[]> {
  return (await duck.runAndReadAll(text)).getRowObjectsJS().map((r) => asGraphQL(r, kindOf));
}

async function ask(query: string): Promise<GraphQLResponse> {
  return (await send(gateway, query, {}, CALLER)).body;
}

/** Literals for one field, as GraphQL input: masked values and raw ones, sampled from the data. */
async function valuesOf(field: string): Promise<unknown[]> {
  const kind = kindOf(field);
  const text = (expr: string) =>
    kind === 'date'
      ? `strftime(${expr}, '%Y-%m-%d')`
      : kind === 'timestamp'
        ? `strftime(${expr}, '%Y-%m-%dT%H:%M:%SZ')`
        : kind === 'int64'
          ? `${expr}::VARCHAR`
          : expr;
  const raw = `"${ordersColumn(field)}"`;
  const rows = await duck.runAndReadAll(
    `SELECT DISTINCT v FROM (
       (SELECT ${text(raw)} AS v FROM ${SOURCE} USING SAMPLE reservoir(12 ROWS) REPEATABLE (7))
       UNION ALL (SELECT ${text(MASKED_SQL[field] ?? raw)} AS v FROM ${SOURCE} USING SAMPLE reservoir(12 ROWS) REPEATABLE (11))
     ) WHERE v IS NOT NULL ORDER BY v`,
  );
  return rows.getRowObjectsJS().map((r) => r['v']);
}

const PATTERNS: Record<string, readonly string[]> = {
  email: ['***@', '@example', '.com', 'mail.test', 'buyer', '*', '@'],
  notes: ['gift', 'call', 'Ünï', '****', 'wrap', '#', 'door', '*'],
  status: ['***', 'pped', 'open', 'ed', '*rned', 'ship'],
  region: ['E', 'U', 'AP'],
};

describe('a masked, row-filtered caller gets what DuckDB computes over the masked view', () => {
  it('where / orderBy / first / offset and totalCount, filters and sorts on masked fields included', async () => {
    const values: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of GRANTED) {
      const sampled = kindOf(f) === 'boolean' ? [true, false] : await valuesOf(f);
      const extra: unknown[] =
        {
          total_amount: [0, 100, 1000, 1900, 2000, 1234.5],
          customer_id: ['0', '1'],
          order_date: ['2023-01-01'],
          created_at: ['2024-01-01T00:00:00Z'],
        }[f] ?? [];
      values[f] = fc.constantFrom(...sampled, ...extra);
    }
    const where = maskedWhereArb({ values, patterns: PATTERNS, masked: MASKED, unmasked: UNMASKED, maxIn: 3 });
    const orderBy = maskedOrderByArb(MASKED, UNMASKED);

    let runs = 0;
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.option(where, { nil: undefined, freq: 8 }),
        orderBy,
        fc.integer({ min: 0, max: 60 }),
        fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
        async (w, ob, first, offset) => {
          const args = [
            w ? `where: ${gqlWhere(w)}` : '',
            ob.length ? `orderBy: ${gqlOrderBy(ob)}` : '',
            `first: ${first}`,
            offset !== undefined ? `offset: ${offset}` : '',
          ].filter(Boolean);
          const query = `{ ordersV2(${args.join(', ')}) { nodes { ${GRANTED.join(' ')} } totalCount } }`;
          const res = await ask(query);
          expect(res.errors, `${query}\n${JSON.stringify(res.errors)}`).toBeUndefined();
          const got = res.data!['ordersV2'] as { nodes: unknown[]; totalCount: number };

          const filter = w ? SQL_OF(w) : 'TRUE';
          const keys = ob.map((o) => `"${Object.keys(o)[0]}" ${Object.values(o)[0]} NULLS LAST`);
          if (!ob.some((o) => 'order_id' in o)) keys.push('"order_id" ASC');
          const page = `SELECT * FROM ${VIEW} WHERE ${filter} ORDER BY ${keys.join(', ')} LIMIT ${first} OFFSET ${offset ?? 0}`;
          expect(got.nodes, `${query}\n${page}`).toEqual(await sql(page));
          const [count] = await sql(`SELECT count(*)::INTEGER AS n FROM ${VIEW} WHERE ${filter}`);
          expect(got.totalCount, query).toBe(count!['n']);
          runs++;
          if (got.nodes.length > 0) nonEmpty++;
        },
      ),
      { numRuns: Number(process.env['SLUICE_PROPERTY_RUNS'] ?? 70) },
    );
    // Not vacuous: most generated requests return rows.
    expect(nonEmpty / runs).toBeGreaterThan(0.3);
  });

  it('the combined policy shows in lineage, and its page limit and field grant hold', async () => {
    const res = await ask(`{ ordersV2(first: 1, orderBy: [{ notes: DESC }]) { nodes { notes total_amount } totalCount } }`);
    expect(res.errors).toBeUndefined();
    const lineage = (res.extensions as { lineage: { products: { policies: unknown; maskedFields: string[]; rowFilter: boolean }[] } })
      .lineage.products[0]!;
    expect(lineage.policies).toEqual([
      { id: 'orders-masked-a', version: 1 },
      { id: 'orders-masked-b', version: 2 },
    ]);
    expect(lineage.rowFilter).toBe(true);
    expect(lineage.maskedFields).toEqual(['total_amount', 'notes']);
    // notes: show_first_4 (policy b) wins over show_last_4 (policy a); amounts to 100, not 10.
    const [node] = (res.data!['ordersV2'] as { nodes: { notes: string; total_amount: number }[] }).nodes;
    expect(node!.notes).toMatch(/^[^*]{4}\**$/u);
    expect(node!.total_amount % 100).toBe(0);

    const tooMany = await ask(`{ ordersV2(first: 61) { nodes { order_id } } }`);
    expect(tooMany.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(tooMany.errors?.[0]?.message).toMatch(/at most 60/);
    // Not granted by policy b: not in this caller's schema (docs/frontend-apps.md).
    const currency = await ask(`{ ordersV2(first: 1) { nodes { currency } } }`);
    expect(currency.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(currency.errors?.[0]?.message).toBe('Cannot query field "currency" on type "OrdersV2".');
  });
});
