/**
 * Metamorphic oracle for masking (docs/policies.md: "everything the caller does sees
 * masked values"). Two deployments serve datasets that are identical except
 * for the raw values of masked fields, perturbed so that every masked value
 * stays the same while the raw values — and so the row groups' min/max and
 * null-count statistics — differ. For a masked, row-filtered caller the two
 * deployments must then answer every request with the same bytes: data,
 * errors, cursors, totalCount and lineage, and read the same row groups
 * (compared on the operators' side: lineage withholds those figures from a
 * row-filtered caller). Any difference means a raw value reached the caller, whether
 * through a filter, a sort, a cursor, a count, or statistics-based pruning.
 *
 * Masks under test (a policy of this file; each is many-to-one, so raw
 * values can move without moving the masked one):
 *
 * | field        | mask          | perturbation in dataset B                      |
 * |--------------|---------------|------------------------------------------------|
 * | email        | email_domain  | local part replaced, domain kept               |
 * | total_amount | round: 100    | round(amount, -2) + δ, δ ∈ [-49, 49], ≥ 0      |
 * | notes        | show_first_4  | characters after the 4th replaced, length kept |
 * | customer_id  | redact        | any other id                                   |
 * | order_date   | year          | another day of the same year                   |
 * | is_gift      | null          | true / false / null at random                  |
 *
 * The hash mask is injective, so no perturbation keeps a hashed value: it is
 * covered by bypass.test.ts (hashes only, never a raw value, raw-value filters
 * find nothing) rather than here.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldMask, MaskKind } from '../../src/plan/plan.js';
import type { Nullable } from '../../src/plan/scalar.js';
import { maskFunction } from '../../src/policy/mask-value.js';
import { openCounted, type CountedGateway } from '../support/counting-gateway.js';
import {
  comparable,
  gqlOrderBy,
  gqlWhere,
  maskedOrderByArb,
  maskedWhereArb,
  openOrdersContract,
  ORDERS_FIELDS,
  ORDERS_KIND,
  send,
  writeConfig,
  writeYaml,
  type OrderBy,
  type Where,
} from './support.js';

const MASKS: Record<string, { kind: MaskKind; round?: number }> = {
  email: { kind: 'email_domain' },
  total_amount: { kind: 'round', round: 100 },
  notes: { kind: 'show_first_4' },
  customer_id: { kind: 'redact' },
  order_date: { kind: 'year' },
  is_gift: { kind: 'null' },
};
const MASKED = Object.keys(MASKS);
const UNMASKED = ORDERS_FIELDS.filter((f) => !MASKED.includes(f));
/** Parquet column of each masked field. */
const COLUMN: Record<string, string> = {
  email: 'email',
  total_amount: 'amount',
  notes: 'notes',
  customer_id: 'customer_id',
  order_date: 'order_date',
  is_gift: 'is_gift',
};

const KEYS = {
  masked: { id: 'masked', key: 'metamorphic-masked-key', subject: 'mia', roles: ['analyst'], attributes: { regions: ['EU', 'US'] } },
  admin: { id: 'admin', key: 'metamorphic-admin-key', subject: 'root', roles: ['admin'] },
};
const MASKED_CALLER = { 'x-api-key': KEYS.masked.key };
const ADMIN = { 'x-api-key': KEYS.admin.key };

// A cheap integer mixer (as scripts/generate-demo-data.mjs): deterministic perturbations.
const mix = (salt: number) => `(((order_id * 2654435761 + ${salt}) % 4294967296) // 7)`;
const PERTURBED = `
  CASE WHEN email IS NULL THEN NULL
       ELSE (CASE WHEN ${mix(1)} % 2 = 0 THEN 'a' ELSE 'z' END) || md5(order_id::VARCHAR)[1:1 + ${mix(2)} % 12] || substr(email, strpos(email, '@')) END AS email,
  greatest(0.0, round(amount / 100) * 100 + ((${mix(3)} % 9801) - 4900) / 100.0)::DOUBLE AS amount,
  CASE WHEN notes IS NULL THEN NULL
       ELSE left(notes, 4) || repeat(chr((97 + ${mix(4)} % 26)::INTEGER), greatest(length(notes) - 4, 0)) END AS notes,
  (1 + ${mix(5)} % 20500)::BIGINT AS customer_id,
  make_date(year(order_date), (1 + ${mix(6)} % 12)::INTEGER, (1 + ${mix(7)} % 28)::INTEGER) AS order_date,
  CASE ${mix(8)} % 3 WHEN 0 THEN NULL WHEN 1 THEN TRUE ELSE FALSE END AS is_gift`;

/**
 * Every fourth demo order (15,000 rows over four years), in three files of
 * three row groups each (DuckDB cuts row groups at multiples of 2,048 rows).
 */
const DEMO_ORDERS = resolve('products/orders/data/*.parquet');
const FILES = [
  { name: 'part-000.parquet', rows: 'order_id % 4 = 0 AND order_id <= 20000' },
  { name: 'part-001.parquet', rows: 'order_id % 4 = 0 AND order_id > 20000 AND order_id <= 40000' },
  { name: 'part-002.parquet', rows: 'order_id % 4 = 0 AND order_id > 40000' },
];
const GROUPS_PER_FILE = 3;

let dir: string;
let duck: DuckDBConnection;
const gateways: Record<'a' | 'b', CountedGateway> = {} as Record<'a' | 'b', CountedGateway>;
const dataOf = (d: 'a' | 'b') => join(dir, d, 'products', 'orders', 'data');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-metamorphic-'));
  // One thread: COPY writes row groups of exactly the size asked.
  duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  await duck.run(`SET TimeZone = 'UTC'`);
  for (const d of ['a', 'b'] as const) {
    const root = join(dir, d);
    mkdirSync(dataOf(d), { recursive: true });
    for (const f of FILES) {
      const select = d === 'a' ? '*' : `* REPLACE (${PERTURBED})`;
      await duck.run(`COPY (SELECT ${select} FROM read_parquet('${DEMO_ORDERS}') WHERE ${f.rows} ORDER BY order_id)
        TO '${join(dataOf(d), f.name)}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    }
    // Everything but the data is byte-identical, so cursors (signed with a
    // key derived from sluice.yaml) and contract hashes agree too.
    writeYaml(join(root, 'products', 'orders', 'v2.yaml'), openOrdersContract('./data/*.parquet'));
    writeYaml(join(root, 'policies', 'orders-masked.yaml'), {
      id: 'orders-masked',
      version: 1,
      product: 'orders',
      when: { roles: ['analyst'] },
      allow: { fields: ['*'] },
      rowFilter: { region: { in: '$caller.regions' } },
      masks: Object.fromEntries(Object.entries(MASKS).map(([f, m]) => [f, m.kind === 'round' ? { round: m.round } : m.kind])),
      limits: { maxPageSize: 40 },
    });
    writeYaml(join(root, 'policies', 'orders-admin.yaml'), {
      id: 'orders-admin',
      version: 1,
      product: 'orders',
      when: { roles: ['admin'] },
      allow: { fields: ['*'] },
    });
    gateways[d] = await openCounted(writeConfig(root, { products: './products', policies: './policies', keys: [KEYS.masked, KEYS.admin] }));
  }
});

afterAll(async () => {
  await Promise.all(Object.values(gateways).map((g) => g.engine.close()));
  duck?.closeSync();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const files = (d: 'a' | 'b') => `read_parquet('${dataOf(d)}/*.parquet')`;

/** Raw values of one column in both datasets, by order. */
async function rawPairs(field: string): Promise<[Nullable, Nullable][]> {
  const kind = ORDERS_KIND[field]!;
  const value = (t: string) => (kind === 'date' ? `(${t}.${COLUMN[field]} - DATE '1970-01-01')::INTEGER` : `${t}.${COLUMN[field]}`);
  const reader = await duck.runAndReadAll(
    `SELECT ${value('a')} AS a, ${value('b')} AS b FROM ${files('a')} a JOIN ${files('b')} b USING (order_id) ORDER BY order_id`,
  );
  return reader.getRowObjectsJS().map((r) => [r['a'] as Nullable, r['b'] as Nullable]);
}

describe('the two datasets are a metamorphic pair', () => {
  it('they differ only in masked fields, whose masked values are equal and raw values are not', async () => {
    const unmasked = UNMASKED.map((f) => `a.${f} IS DISTINCT FROM b.${f}`).join(' OR ');
    const [check] = (
      await duck.runAndReadAll(
        `SELECT (SELECT count(*) FROM ${files('a')})::INTEGER AS rows_a, (SELECT count(*) FROM ${files('b')})::INTEGER AS rows_b,
                count(*)::INTEGER AS joined, count(*) FILTER (WHERE ${unmasked})::INTEGER AS unmasked_differ
         FROM ${files('a')} a JOIN ${files('b')} b USING (order_id)`,
      )
    ).getRowObjectsJS();
    expect(check).toEqual({ rows_a: 15_000, rows_b: 15_000, joined: 15_000, unmasked_differ: 0 });

    const hashKey = Buffer.from(process.env['SLUICE_HASH_KEY']!, 'utf8');
    for (const field of MASKED) {
      const m = MASKS[field]!;
      const mask = maskFunction({ field, type: ORDERS_KIND[field]!, ...m } as FieldMask, hashKey);
      const pairs = await rawPairs(field);
      const rawDiffer = pairs.filter(([a, b]) => a !== b).length;
      const maskedDiffer = pairs.filter(([a, b]) => mask(a) !== mask(b));
      expect(maskedDiffer.slice(0, 3), field).toEqual([]);
      expect(rawDiffer, field).toBeGreaterThan(pairs.length / 3);
    }
  });

  it('row-group statistics of every masked column differ, so pruning on raw statistics would read different row groups', async () => {
    for (const f of FILES) {
      const stats = (d: 'a' | 'b') => `parquet_metadata('${join(dataOf(d), f.name)}')`;
      const rows = (
        await duck.runAndReadAll(
          `SELECT path_in_schema AS col, count(*)::INTEGER AS groups,
                  count(*) FILTER (WHERE a.stats_min IS DISTINCT FROM b.stats_min OR a.stats_max IS DISTINCT FROM b.stats_max
                                      OR a.stats_null_count IS DISTINCT FROM b.stats_null_count)::INTEGER AS differ
           FROM ${stats('a')} a JOIN ${stats('b')} b USING (row_group_id, path_in_schema) GROUP BY ALL ORDER BY col`,
        )
      ).getRowObjectsJS();
      const differ = Object.fromEntries(rows.map((r) => [r['col'], r['differ']]));
      expect(rows.every((r) => r['groups'] === GROUPS_PER_FILE)).toBe(true);
      for (const field of MASKED) expect(differ[COLUMN[field]!], `${f.name} ${field}`).toBe(GROUPS_PER_FILE);
      for (const field of UNMASKED) expect(differ[field], `${f.name} ${field}`).toBe(0);
    }
  });
});

// --- generated requests ------------------------------------------------------------

/** Values to compare with: masked ones, raw ones of either dataset, and edges around them. */
const VALUES: Record<string, fc.Arbitrary<unknown>> = {
  order_id: fc.integer({ min: 0, max: 61_000 }).map(String),
  customer_id: fc.oneof(fc.constant('0'), fc.integer({ min: -5, max: 20_600 }).map(String)),
  region: fc.constantFrom('EU', 'US', 'APAC', 'LATAM', 'E', 'ZZ'),
  status: fc.constantFrom('open', 'shipped', 'delivered', 'cancelled', 'returned', 'p'),
  total_amount: fc.oneof(
    fc.integer({ min: -1, max: 21 }).map((n) => n * 100),
    fc.integer({ min: -100, max: 2_100_00 }).map((c) => c / 100),
    fc.constantFrom(49.99, 50, 1950, 1999.16, 2000, 2048.09, 0.19),
  ),
  currency: fc.constantFrom('EUR', 'USD', 'JPY', 'BRL'),
  quantity: fc.integer({ min: 0, max: 13 }),
  email: fc.constantFrom(
    '***@example.com',
    '***@mail.test',
    '***@',
    '***',
    '',
    'buyer10026@mail.test',
    'buyer9999@example.com',
    'a00c17237d@mail.test',
    'zffd2257b58@example.com',
    '***@example.con',
    '***@mail.tesu',
  ),
  notes: fc.constantFrom(
    'gift***********',
    'call***********',
    'Ünïc**************',
    'leav*************',
    'frag******',
    'call first #101',
    'callaaaaaaaaaaa',
    'Ünïcode ✓ note #993',
    'Ünïczzzzzzzzzzzzzzz',
    'gift',
    'g',
    '*',
    'zzz',
  ),
  order_date: fc.oneof(
    fc.constantFrom('2022-01-01', '2023-01-01', '2024-01-01', '2025-01-01', '2021-12-31', '2026-01-01'),
    fc.integer({ min: 18_900, max: 20_500 }).map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10)),
  ),
  created_at: fc.integer({ min: 1_640_995_200, max: 1_767_225_600 }).map((s) => new Date(s * 1000).toISOString()),
  is_gift: fc.boolean(),
};
const PATTERNS: Record<string, readonly string[]> = {
  email: ['***@', '@example', '.com', 'mail.test', 'buyer', 'a0', 'z', '*', '@'],
  notes: ['gift', 'call', 'Ünï', '****', 'wrap', 'first', ' #', 'aaa', 'zz', '*', 'c'],
  region: ['E', 'U', 'AP', 'A'],
  status: ['open', 'ed', 'o', 'ship'],
  currency: ['EU', 'D', 'R'],
};

const where = maskedWhereArb({ values: VALUES, patterns: PATTERNS, masked: MASKED, unmasked: UNMASKED, maxIn: 4, mergedLeaves: true });
const orderBy = maskedOrderByArb(MASKED, UNMASKED);

/** How the second request of a run uses the first page's cursor, or which error it provokes. */
const FOLLOW_UPS = [
  'next page',
  'next page',
  'next page',
  'cursor of another where',
  'cursor and offset',
  'tampered cursor',
  'first over the limit',
  'negative offset',
] as const;
type FollowUp = (typeof FOLLOW_UPS)[number];

interface Request {
  readonly where: Where | undefined;
  readonly orderBy: OrderBy;
  readonly first: number;
  readonly offset: number | undefined;
  readonly totalCount: boolean;
  readonly followUp: FollowUp;
}

const request: fc.Arbitrary<Request> = fc.record({
  where: fc.option(where, { nil: undefined, freq: 6 }),
  orderBy,
  first: fc.integer({ min: 0, max: 25 }),
  offset: fc.option(fc.integer({ min: 0, max: 8_000 }), { nil: undefined, freq: 2 }),
  totalCount: fc.boolean(),
  followUp: fc.constantFrom(...FOLLOW_UPS),
});

const SELECTION = `nodes { ${ORDERS_FIELDS.join(' ')} } pageInfo { hasNextPage endCursor }`;
const QUERY = (r: { where: Where | undefined; orderBy: OrderBy; totalCount: boolean }) =>
  `query($first: Int, $after: String, $offset: Int) { ordersV2(${r.where ? `where: ${gqlWhere(r.where)}, ` : ''}${r.orderBy.length ? `orderBy: ${gqlOrderBy(r.orderBy)}, ` : ''}first: $first, after: $after, offset: $offset) { ${SELECTION}${r.totalCount ? ' totalCount' : ''} } }`;

/** The same request to both deployments; their answers, comparable. */
async function both(
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<{ a: string; b: string; status: [number, number]; reads: [string[], string[]] }> {
  gateways.a.engine.reset();
  gateways.b.engine.reset();
  const [a, b] = await Promise.all([send(gateways.a, query, variables, headers), send(gateways.b, query, variables, headers)]);
  return {
    a: comparable(a.text),
    b: comparable(b.text),
    status: [a.status, b.status],
    reads: [gateways.a.engine.reads(), gateways.b.engine.reads()],
  };
}

function followUp(r: Request, cursor: string | null): { query: string; variables: Record<string, unknown> } {
  const query = QUERY(r);
  switch (r.followUp) {
    case 'next page':
      return { query, variables: { first: r.first, after: cursor } };
    case 'cursor of another where':
      return {
        query: QUERY({ ...r, where: { AND: [r.where ?? {}, { quantity: { gte: 0 } }] } }),
        variables: { first: r.first, after: cursor ?? 'x.y' },
      };
    case 'cursor and offset':
      return { query, variables: { first: r.first, after: cursor ?? 'x.y', offset: 1 } };
    case 'tampered cursor':
      return {
        query,
        variables: { first: r.first, after: cursor ? `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}` : 'garbage' },
      };
    case 'first over the limit':
      return { query, variables: { first: 41 } };
    case 'negative offset':
      return { query, variables: { first: r.first, offset: -1 } };
  }
}

describe('a masked, row-filtered caller cannot tell the two datasets apart', () => {
  it('byte-identical answers (data, errors, lineage, row groups read) for generated requests', async () => {
    let adminSawDifference = 0;
    let runs = 0;
    let errors = 0;
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        runs++;
        const query = QUERY(r);
        const variables = { first: r.first, offset: r.offset ?? null };
        const page = await both(query, variables, MASKED_CALLER);
        expect(page.b, query).toBe(page.a);
        // Lineage withholds row-group figures from a row-filtered caller: what was read is compared as operators see it.
        expect(page.reads[1], query).toEqual(page.reads[0]);
        expect(page.status).toEqual([200, 200]);

        const first = JSON.parse(page.a) as {
          errors?: unknown;
          data?: { ordersV2?: { nodes: unknown[]; pageInfo: { endCursor: string | null } } };
        };
        expect(first.errors, query).toBeUndefined();
        if ((first.data?.ordersV2?.nodes.length ?? 0) > 0) nonEmpty++;
        const next = followUp(r, first.data?.ordersV2?.pageInfo.endCursor ?? null);
        const second = await both(next.query, next.variables, MASKED_CALLER);
        expect(second.b, `${next.query} ${JSON.stringify(next.variables)}`).toBe(second.a);
        expect(second.reads[1], `${next.query} ${JSON.stringify(next.variables)}`).toEqual(second.reads[0]);
        if ((JSON.parse(second.a) as { errors?: unknown[] }).errors) errors++;

        // The same request without masks tells the datasets apart: the
        // property above is not true merely because nothing was compared.
        const admin = await both(query, variables, ADMIN);
        if (admin.a !== admin.b) adminSawDifference++;
      }),
      {
        numRuns: Number(process.env['SLUICE_PROPERTY_RUNS'] ?? 80),
        examples: [
          // Each would answer differently if a filter or pruning saw raw values.
          [{ where: { total_amount: { gt: 2000 } }, orderBy: [], first: 5, offset: undefined, totalCount: true, followUp: 'next page' }],
          [
            {
              where: { total_amount: { gte: 1999.5 } },
              orderBy: [{ total_amount: 'DESC' }],
              first: 5,
              offset: undefined,
              totalCount: true,
              followUp: 'next page',
            },
          ],
          [
            {
              where: { email: { startsWith: 'buyer' } },
              orderBy: [],
              first: 5,
              offset: undefined,
              totalCount: true,
              followUp: 'next page',
            },
          ],
          [
            {
              where: { email: { lt: '***@f' } },
              orderBy: [{ email: 'DESC' }],
              first: 10,
              offset: undefined,
              totalCount: true,
              followUp: 'next page',
            },
          ],
          [
            {
              where: { notes: { contains: 'wrap' } },
              orderBy: [{ notes: 'ASC' }],
              first: 5,
              offset: undefined,
              totalCount: true,
              followUp: 'next page',
            },
          ],
          [
            {
              where: { is_gift: { isNull: false } },
              orderBy: [{ is_gift: 'ASC' }],
              first: 5,
              offset: undefined,
              totalCount: true,
              followUp: 'next page',
            },
          ],
          [
            {
              where: { order_date: { gte: '2022-06-01', lt: '2023-01-01' } },
              orderBy: [{ order_date: 'DESC' }],
              first: 5,
              offset: undefined,
              totalCount: true,
              followUp: 'next page',
            },
          ],
          [
            {
              where: { customer_id: { ne: '0' } },
              orderBy: [{ customer_id: 'ASC' }],
              first: 5,
              offset: undefined,
              totalCount: true,
              followUp: 'next page',
            },
          ],
          [
            {
              where: undefined,
              orderBy: [{ total_amount: 'ASC' }, { email: 'DESC' }],
              first: 25,
              offset: undefined,
              totalCount: true,
              followUp: 'next page',
            },
          ],
        ],
      },
    );
    // Not vacuous: the masked caller got rows, errors were provoked, and the
    // same requests without masks tell the datasets apart.
    expect(nonEmpty / runs).toBeGreaterThan(0.3);
    expect(errors).toBeGreaterThan(0);
    expect(adminSawDifference / runs).toBeGreaterThan(0.3);
  });
});
