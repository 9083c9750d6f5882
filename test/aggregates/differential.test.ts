/**
 * Aggregate answers against DuckDB's GROUP BY over the same files, for an
 * unrestricted caller (admin) and a masked, row-filtered one (analyst: EU
 * and US orders only; customers' name, email and lifetime_value masked). The
 * SQL reads each caller's view (test/support/demo-sql.ts): row filters first,
 * aggregates over masked values, groups by their masked key.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDemo, type Demo } from '../support/demo.js';
import {
  asGraphQL,
  CUSTOMERS_KIND,
  customersWhere,
  gqlWhere,
  HEADERS,
  openOracle,
  ORDERS_KIND,
  ordersWhere,
  rowsOf,
  sqlWhere,
  type Caller,
  type Kind,
  type Where,
} from '../support/demo-sql.js';

const RUNS = Number(process.env.SLUICE_PROPERTY_RUNS ?? 60) / 2;

interface Product {
  readonly root: string;
  readonly view: string;
  readonly kinds: Record<string, Kind>;
  readonly where: fc.Arbitrary<Where>;
  /** Group fields with few enough distinct values (as the caller sees them) for limits.maxGroups. */
  readonly groupable: (caller: Caller) => readonly string[];
  readonly numeric: readonly string[];
  readonly ordered: readonly string[];
}

const ORDERS: Product = {
  root: 'ordersV2Aggregate',
  view: 'orders',
  kinds: ORDERS_KIND,
  where: ordersWhere,
  groupable: () => ['region', 'status', 'currency', 'quantity', 'is_gift'],
  numeric: ['total_amount', 'quantity', 'order_id', 'customer_id'],
  // Not email: the analyst's is an HMAC, which SQL cannot compute.
  ordered: ['total_amount', 'quantity', 'region', 'notes', 'order_date', 'created_at'],
};

const CUSTOMERS: Product = {
  root: 'customersV1Aggregate',
  view: 'customers',
  kinds: CUSTOMERS_KIND,
  where: customersWhere,
  // Grouped by masked values for the analyst: 4-letter name prefixes, lifetime values rounded to 1000.
  groupable: (caller) => ['segment', 'country', 'is_active', 'name', ...(caller === 'analyst' ? ['lifetime_value'] : [])],
  numeric: ['lifetime_value', 'customer_id'],
  ordered: ['name', 'email', 'lifetime_value', 'signup_date', 'updated_at'],
};

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

interface Request {
  readonly where: Where | undefined;
  readonly groupBy: string[];
  readonly sum: string[];
  readonly avg: string[];
  readonly min: string[];
  readonly max: string[];
}

const requestOf = (p: Product, caller: Caller): fc.Arbitrary<Request> =>
  fc.record({
    where: fc.option(p.where, { nil: undefined }),
    // The analyst's masked name × rounded lifetime value forms 1,186 groups over the demo customers, past maxGroups.
    groupBy: fc
      .uniqueArray(fc.constantFrom(...p.groupable(caller)), { maxLength: 2 })
      .filter((g) => !(g.includes('name') && g.includes('lifetime_value'))),
    sum: fc.subarray([...p.numeric]),
    avg: fc.subarray([...p.numeric]),
    min: fc.subarray([...p.ordered]),
    max: fc.subarray([...p.ordered]),
  });

function graphql(p: Product, r: Request): string {
  const args = [r.where ? `where: ${gqlWhere(r.where)}` : '', r.groupBy.length ? `groupBy: [${r.groupBy.join(', ')}]` : '']
    .filter(Boolean)
    .join(', ');
  const part = (name: string, fields: string[]) => (fields.length ? `${name} { ${fields.join(' ')} }` : '');
  return `{ ${p.root}${args ? `(${args})` : ''} { ${r.groupBy.length ? `key { ${r.groupBy.join(' ')} }` : 'key { __typename }'} count
    ${part('sum', r.sum)} ${part('avg', r.avg)} ${part('min', r.min)} ${part('max', r.max)} } }`;
}

function sql(p: Product, r: Request, caller: Caller): string {
  const cols = [
    ...r.groupBy.map((g) => `"${g}"`),
    'count(*) AS "count"',
    ...(['sum', 'avg', 'min', 'max'] as const).flatMap((fn) => r[fn].map((f) => `${fn}("${f}") AS "${fn}.${f}"`)),
  ];
  const group = r.groupBy.length
    ? ` GROUP BY ${r.groupBy.map((g) => `"${g}"`).join(', ')} ORDER BY ${r.groupBy.map((g) => `"${g}" ASC NULLS LAST`).join(', ')}`
    : '';
  return `SELECT ${cols.join(', ')} FROM ${p.view}_${caller} WHERE ${r.where ? sqlWhere(r.where, p.kinds) : 'TRUE'}${group}`;
}

function expected(p: Product, r: Request, rows: Record<string, unknown>[]): unknown[] {
  const part = (fn: 'sum' | 'avg' | 'min' | 'max', kind: (f: string) => Kind | undefined) => (row: Record<string, unknown>) =>
    Object.fromEntries(r[fn].map((f) => [f, asGraphQL(row[`${fn}.${f}`], kind(f))]));
  // sum of an integer field is BigInt, of a float Float; avg is Float; min and max keep the field's type.
  const sums = part('sum', (f) => (p.kinds[f] === 'float64' ? 'float64' : 'int64'));
  const avgs = part('avg', () => 'float64');
  const mins = part('min', (f) => p.kinds[f]);
  const maxs = part('max', (f) => p.kinds[f]);
  return rows.map((row) => ({
    key: r.groupBy.length ? Object.fromEntries(r.groupBy.map((g) => [g, asGraphQL(row[g], p.kinds[g])])) : null,
    count: Number(row['count']),
    ...(r.sum.length && { sum: sums(row) }),
    ...(r.avg.length && { avg: avgs(row) }),
    ...(r.min.length && { min: mins(row) }),
    ...(r.max.length && { max: maxs(row) }),
  }));
}

/** Deep equality with floats equal to 1e-9 relative (summation order differs between engines). */
function approxEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => approxEqual(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => approxEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

describe('aggregates equal DuckDB GROUP BY over the same files', () => {
  for (const caller of ['admin', 'analyst'] as const) {
    for (const product of [ORDERS, CUSTOMERS]) {
      it(`${product.root} (${caller})`, async () => {
        await fc.assert(
          fc.asyncProperty(requestOf(product, caller), async (r) => {
            const res = await demo.query(graphql(product, r), {}, HEADERS[caller]);
            expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
            const got = (res.data![product.root] as Record<string, unknown>[]).map((g) => ({
              ...g,
              key: g['key'] && r.groupBy.length ? g['key'] : null,
            }));
            const query = sql(product, r, caller);
            const want = expected(product, r, await rowsOf(duck, query));
            expect(
              approxEqual(got, want),
              `${query}\ngot  ${JSON.stringify(got).slice(0, 600)}\nwant ${JSON.stringify(want).slice(0, 600)}`,
            ).toBe(true);
          }),
          { numRuns: RUNS },
        );
      });
    }
  }

  it('without groupBy: one group whose key is null, also over no rows (count 0, the others null)', async () => {
    const res = await demo.query(
      '{ ordersV2Aggregate(where: { order_id: { lt: "0" } }) { key { region } count sum { quantity } avg { total_amount } min { order_date } } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!['ordersV2Aggregate']).toEqual([
      { key: null, count: 0, sum: { quantity: null }, avg: { total_amount: null }, min: { order_date: null } },
    ]);
    const grouped = await demo.query('{ ordersV2Aggregate(where: { order_id: { lt: "0" } }, groupBy: [region]) { count } }');
    expect(grouped.data!['ordersV2Aggregate']).toEqual([]);
  });

  it('a key field not in groupBy is null; groups come in key order with nulls last', async () => {
    const res = await demo.query('{ ordersV2Aggregate(groupBy: [is_gift]) { key { is_gift region } count } }');
    expect(res.errors).toBeUndefined();
    const groups = res.data!['ordersV2Aggregate'] as { key: { is_gift: boolean | null; region: null } }[];
    expect(groups.map((g) => g.key)).toEqual([
      { is_gift: false, region: null },
      { is_gift: true, region: null },
      { is_gift: null, region: null },
    ]);
  });
});
