/**
 * Differential tests: GraphQL answers of the gateway against DuckDB's answers
 * over the same Parquet files. The SQL is written here, straight from the
 * GraphQL arguments, independently of the compiler under test: NOT stays a
 * SQL NOT with three-valued logic, so the compiler's negation normal form is
 * checked rather than copied.
 *
 * The properties run against any deployment of the demo data:
 * test/graphql/differential.test.ts runs them over the local files,
 * test/s3/differential.test.ts over the same files served from S3. DuckDB
 * always reads the local files.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Demo } from './demo.js';

type Where = { [key: string]: unknown };

const ORDERS = `'products/orders/data/*.parquet'`;
/** GraphQL field → column, for orders v2 (total_amount is renamed). */
const COLUMN: Record<string, string> = { total_amount: 'amount' };
const col = (f: string) => COLUMN[f] ?? f;
const FIELDS = [
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
] as const;
const SORTABLE = [
  'order_id',
  'customer_id',
  'region',
  'status',
  'total_amount',
  'currency',
  'quantity',
  'order_date',
  'created_at',
  'is_gift',
];

// --- values, as GraphQL literals and as SQL ------------------------------------------
type Kind = 'bigint' | 'string' | 'float' | 'int' | 'date' | 'timestamp' | 'boolean';
const KIND: Record<string, Kind> = {
  order_id: 'bigint',
  customer_id: 'bigint',
  region: 'string',
  status: 'string',
  total_amount: 'float',
  currency: 'string',
  quantity: 'int',
  email: 'string',
  notes: 'string',
  order_date: 'date',
  created_at: 'timestamp',
  is_gift: 'boolean',
};
const gqlValue = (v: unknown) => JSON.stringify(v);
function sqlValue(field: string, v: unknown): string {
  switch (KIND[field]) {
    case 'string':
      return `'${String(v).replaceAll("'", "''")}'`;
    case 'date':
      return `DATE '${v}'`;
    case 'timestamp':
      return `TIMESTAMPTZ '${v}'`;
    default:
      return String(v);
  }
}

// --- generators over the demo data's domains ------------------------------------------
const valueOf: Record<string, fc.Arbitrary<unknown>> = {
  order_id: fc.integer({ min: 1, max: 60_000 }).map(String),
  customer_id: fc.integer({ min: 1, max: 20_500 }).map(String),
  region: fc.constantFrom('EU', 'US', 'APAC', 'LATAM', 'XX'),
  status: fc.constantFrom('open', 'shipped', 'delivered', 'cancelled', 'returned', 'o', 'zz'),
  total_amount: fc.integer({ min: 0, max: 200_000 }).map((c) => c / 100),
  currency: fc.constantFrom('EUR', 'USD', 'JPY', 'BRL'),
  quantity: fc.integer({ min: 0, max: 13 }),
  email: fc.constantFrom('buyer1@example.com', 'buyer43480@example.com', 'nobody@mail.test'),
  notes: fc.constantFrom('gift', 'door', '#1', 'Ünïcode', '✓', 'fragile #3', 'x'),
  order_date: fc.integer({ min: 18_900, max: 20_300 }).map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10)),
  created_at: fc.integer({ min: 1_640_995_200, max: 1_767_225_600 }).map((s) => new Date(s * 1000).toISOString().replace('.000', '')),
  is_gift: fc.boolean(),
};
/** Operators each field's contract allows (products/orders/v2.yaml). */
const OPS: Record<string, string[]> = {
  order_id: ['eq', 'ne', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte'],
  customer_id: ['eq', 'ne', 'in', 'notIn'],
  region: ['eq', 'ne', 'in', 'notIn'],
  status: ['eq', 'ne', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte', 'contains', 'startsWith', 'endsWith'],
  total_amount: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'],
  currency: ['eq', 'ne', 'in', 'notIn'],
  quantity: ['eq', 'ne', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte'],
  email: ['eq', 'ne', 'isNull'],
  notes: ['contains', 'startsWith', 'endsWith', 'isNull'],
  order_date: ['eq', 'ne', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte'],
  created_at: ['eq', 'ne', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte'],
  is_gift: ['eq', 'ne', 'isNull'],
};

const condition: fc.Arbitrary<Where> = fc.constantFrom(...FIELDS).chain((field) =>
  fc.constantFrom(...OPS[field]!).chain((op) => {
    const operand =
      op === 'isNull'
        ? fc.boolean()
        : op === 'in' || op === 'notIn'
          ? fc.array(valueOf[field]!, { minLength: 1, maxLength: 4 })
          : ['contains', 'startsWith', 'endsWith'].includes(op)
            ? fc.constantFrom('gift', 'door', '#1', 'Ün', '✓', 'ed', 'o', 'EU')
            : valueOf[field]!;
    return operand.map((v) => ({ [field]: { [op]: v } }) as Where);
  }),
);

const where: fc.Arbitrary<Where> = fc.letrec<{ w: Where }>((tie) => ({
  w: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    condition,
    fc.array(tie('w'), { minLength: 1, maxLength: 3 }).map((ws) => ({ AND: ws })),
    fc.array(tie('w'), { minLength: 1, maxLength: 3 }).map((ws) => ({ OR: ws })),
    tie('w').map((w) => ({ NOT: w })),
    fc.tuple(condition, condition).map(([a, b]) => ({ ...a, ...b })),
  ),
})).w;

const orderBy = fc
  .uniqueArray(fc.constantFrom(...SORTABLE), { maxLength: 3 })
  .chain((fields) => fc.tuple(...fields.map((f) => fc.constantFrom('ASC', 'DESC').map((d) => ({ [f]: d })))));

// --- GraphQL text and SQL text from the same arguments --------------------------------
function gqlWhere(w: Where): string {
  const parts = Object.entries(w).map(([k, v]) => {
    if (k === 'AND' || k === 'OR') return `${k}: [${(v as Where[]).map(gqlWhere).join(', ')}]`;
    if (k === 'NOT') return `NOT: ${gqlWhere(v as Where)}`;
    const ops = Object.entries(v as Where).map(([op, x]) => `${op}: ${Array.isArray(x) ? `[${x.map(gqlValue).join(', ')}]` : gqlValue(x)}`);
    return `${k}: { ${ops.join(', ')} }`;
  });
  return `{ ${parts.join(', ')} }`;
}

function sqlWhere(w: Where): string {
  const parts = Object.entries(w).map(([k, v]) => {
    if (k === 'AND') return `(${(v as Where[]).map(sqlWhere).join(' AND ') || 'TRUE'})`;
    if (k === 'OR') return `(${(v as Where[]).map(sqlWhere).join(' OR ') || 'FALSE'})`;
    if (k === 'NOT') return `(NOT ${sqlWhere(v as Where)})`;
    const c = `"${col(k)}"`;
    const ops = Object.entries(v as Where).map(([op, x]) => {
      const list = () => (x as unknown[]).map((e) => sqlValue(k, e)).join(', ');
      switch (op) {
        case 'eq':
          return `${c} = ${sqlValue(k, x)}`;
        case 'ne':
          return `${c} <> ${sqlValue(k, x)}`;
        case 'lt':
          return `${c} < ${sqlValue(k, x)}`;
        case 'lte':
          return `${c} <= ${sqlValue(k, x)}`;
        case 'gt':
          return `${c} > ${sqlValue(k, x)}`;
        case 'gte':
          return `${c} >= ${sqlValue(k, x)}`;
        case 'in':
          return `${c} IN (${list()})`;
        case 'notIn':
          return `${c} NOT IN (${list()})`;
        case 'contains':
          return `contains(${c}, ${sqlValue(k, x)})`;
        case 'startsWith':
          return `starts_with(${c}, ${sqlValue(k, x)})`;
        case 'endsWith':
          return `ends_with(${c}, ${sqlValue(k, x)})`;
        case 'isNull':
          return x ? `${c} IS NULL` : `${c} IS NOT NULL`;
        default:
          throw new Error(op);
      }
    });
    return `(${ops.join(' AND ')})`;
  });
  return parts.length ? `(${parts.join(' AND ')})` : 'TRUE';
}

const SELECT = FIELDS.join(' ');
const SQL_SELECT = FIELDS.map((f) => `"${col(f)}" AS "${f}"`).join(', ');

/** One row as GraphQL serializes it. */
function normalize(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const v = row[f];
    if (v === null || v === undefined) out[f] = null;
    else if (typeof v === 'bigint') out[f] = v.toString();
    else if (v instanceof Date) out[f] = KIND[f] === 'date' ? v.toISOString().slice(0, 10) : v.toISOString();
    else out[f] = v;
  }
  return out;
}

export interface DifferentialOptions {
  /** Runs of the first property (the paging one runs a third as many); default SLUICE_PROPERTY_RUNS or 60. */
  readonly numRuns?: number;
  /** Checks more about a response's lineage sources (e.g. the bytes fetched from S3). */
  readonly checkSources?: (sources: readonly Record<string, unknown>[]) => void;
}

/** Defines the differential tests (a `describe` block) over the deployment `open` opens (in beforeAll). */
export function describeDifferential(title: string, open: () => Promise<Demo>, options: DifferentialOptions = {}): void {
  let demo: Demo;
  let duck: DuckDBConnection;
  const numRuns = options.numRuns ?? Number(process.env.SLUICE_PROPERTY_RUNS ?? 60);
  beforeAll(async () => {
    demo = await open();
    duck = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
    await duck.run(`SET TimeZone = 'UTC'`);
  });
  afterAll(() => duck?.closeSync());

  async function oracle(sql: string): Promise<Record<string, unknown>[]> {
    return (await duck.runAndReadAll(sql)).getRowObjectsJS().map(normalize);
  }

  describe(title, () => {
    it('where / orderBy / first / offset, and totalCount', async () => {
      await fc.assert(
        fc.asyncProperty(
          where,
          orderBy,
          fc.integer({ min: 0, max: 40 }),
          fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }),
          async (w, ob, first, offset) => {
            const orderArg = ob.length ? `orderBy: [${ob.map((o) => `{ ${Object.keys(o)[0]}: ${Object.values(o)[0]} }`).join(', ')}]` : '';
            const query = `{ ordersV2(where: ${gqlWhere(w)} ${orderArg} first: ${first} ${offset !== undefined ? `offset: ${offset}` : ''}) { nodes { ${SELECT} } totalCount } }`;
            const res = await demo.query(query);
            expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
            const got = res.data!['ordersV2'] as { nodes: Record<string, unknown>[]; totalCount: number };

            const order = [
              ...ob.map((o) => `"${col(Object.keys(o)[0]!)}" ${Object.values(o)[0]} NULLS LAST`),
              ...(ob.some((o) => 'order_id' in o) ? [] : ['"order_id" ASC']),
            ];
            const sql = `SELECT ${SQL_SELECT} FROM ${ORDERS} WHERE ${sqlWhere(w)} ORDER BY ${order.join(', ')} LIMIT ${first} OFFSET ${offset ?? 0}`;
            expect(got.nodes, sql).toEqual(await oracle(sql));
            const [count] = await oracle(`SELECT count(*) AS order_id FROM ${ORDERS} WHERE ${sqlWhere(w)}`);
            expect(got.totalCount, sql).toBe(Number(count!['order_id']));
          },
        ),
        { numRuns },
      );
    });

    it('walking every page with after yields the unpaged rows exactly once, whatever the page size', async () => {
      await fc.assert(
        fc.asyncProperty(condition, orderBy, fc.integer({ min: 1, max: 500 }), async (w, ob, first) => {
          const orderArg = ob.length ? `orderBy: [${ob.map((o) => `{ ${Object.keys(o)[0]}: ${Object.values(o)[0]} }`).join(', ')}]` : '';
          const whereArg = `where: { AND: [${gqlWhere(w)}, { order_id: { lte: "500" } }] }`;
          const all = await demo.query(
            `{ ordersV2(${whereArg} ${orderArg} first: 500) { nodes { order_id } totalCount pageInfo { hasNextPage } } }`,
          );
          const expected = (all.data!['ordersV2'] as { nodes: { order_id: string }[] }).nodes.map((n) => n.order_id);
          const seen: string[] = [];
          let after: string | null = null;
          for (let page = 0; page < 600; page++) {
            const res = await demo.query(
              `query($after: String) { ordersV2(${whereArg} ${orderArg} first: ${first}, after: $after) { nodes { order_id } pageInfo { hasNextPage endCursor } } }`,
              { after },
            );
            expect(res.errors).toBeUndefined();
            const conn = res.data!['ordersV2'] as {
              nodes: { order_id: string }[];
              pageInfo: { hasNextPage: boolean; endCursor: string | null };
            };
            seen.push(...conn.nodes.map((n) => n.order_id));
            if (!conn.pageInfo.hasNextPage) break;
            after = conn.pageInfo.endCursor;
          }
          expect(seen).toEqual(expected);
        }),
        { numRuns: Math.max(1, Math.round(numRuns / 3)) },
      );
    });

    it('prunes row groups by statistics for a primary-key range, and still equals DuckDB', async () => {
      const res = await demo.query(`{ ordersV2(where: { order_id: { gte: "30100", lt: "30150" } }, first: 100) { nodes { ${SELECT} } } }`);
      const sql = `SELECT ${SQL_SELECT} FROM ${ORDERS} WHERE order_id >= 30100 AND order_id < 30150 ORDER BY order_id`;
      expect((res.data!['ordersV2'] as { nodes: unknown[] }).nodes).toEqual(await oracle(sql));
      const sources = (res.extensions as { lineage: { products: { sources: { rowGroupsScanned: number; rowGroupsTotal: number }[] }[] } })
        .lineage.products[0]!.sources;
      const scanned = sources.reduce((n, s) => n + s.rowGroupsScanned, 0);
      const total = sources.reduce((n, s) => n + s.rowGroupsTotal, 0);
      expect(total).toBeGreaterThanOrEqual(10);
      expect(scanned).toBe(1);
      options.checkSources?.(sources as unknown as Record<string, unknown>[]);
    });
  });
}
