import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contract, FieldType } from '../../../src/contract/contract.js';
import { compileAggregate } from '../../../src/graphql/compile-aggregate.js';
import { compileConnection, scanOf, type ConnectionArgs } from '../../../src/graphql/compile-connection.js';
import { compileRelationshipBatch } from '../../../src/graphql/compile-relationship.js';
import { encodeCursor } from '../../../src/graphql/cursor.js';
import type { WhereInput } from '../../../src/plan/compile-where.js';
import { AggregateNode, type PlanNode } from '../../../src/plan/plan.js';
import { printPlan } from '../../../src/plan/print-plan.js';
import type { Row, Scalar } from '../../../src/plan/scalar.js';
import { maskFunction } from '../../../src/policy/mask-value.js';
import { accessTo } from '../../../src/session/session.js';
import { CUSTOMERS_FIELDS, openDataset, ORDERS_FIELDS, type Dataset } from '../datasets.js';
import { Oracle } from '../duckdb-oracle.js';
import { valueArb } from '../plan-arbitraries.js';
import { loweringProblems } from './lowering-structure.js';
import {
  customers,
  difference,
  HASH_KEY,
  lowerFor,
  orders,
  prepared,
  sessionOf,
  ThreeEngines,
  TRINO_PASSWORD,
  type Answer,
  type CallerName,
  type EngineName,
} from './three-engines.js';

/**
 * Cross-engine equivalence: random connection and aggregate requests over
 * the demo products, compiled, analyzed for a caller (admin, the demo
 * analyst, a strict caller under every mask kind) and optimized as the
 * gateway does, then run by the embedded engine, by DuckDB in-process
 * (duckdb dialect) and by the Trino stand-in (trino dialect over HTTP).
 * Answers must be the same rows in the same order with the same values:
 * pages (where, orderBy, first, offset, a cursor followed to the next page),
 * totalCount, and aggregates (sums and averages of doubles to the bit: every
 * engine computes the exact sum rounded once).
 *
 * Every lowered statement is also checked for its shape
 * (lowering-structure.ts) and for the hash key, which must never be in it.
 */
const ENGINES: readonly EngineName[] = ['embedded', 'duckdb', 'trino'];
const CALLERS: readonly CallerName[] = ['admin', 'analyst', 'strict'];
const SECRET = Buffer.from('cursor-secret-for-equivalence');
const RUNS = Number(process.env['ENGINE_RUNS'] ?? 40);

let engines: ThreeEngines;
let parser: DuckDBConnection;
let samples: Record<string, Dataset>;
let checked = 0;

beforeAll(async () => {
  engines = await ThreeEngines.open();
  parser = await (await DuckDBInstance.create(':memory:')).connect();
  const oracle = await Oracle.open();
  samples = {
    orders: await openDataset(oracle, 'orders', orders.source.resolved, ORDERS_FIELDS, 'order_id'),
    customers: await openDataset(oracle, 'customers', customers.source.resolved, CUSTOMERS_FIELDS, 'customer_id'),
  };
  oracle.connection.closeSync();
}, 60_000);

afterAll(async () => {
  parser?.closeSync();
  await engines?.close();
});

// --- requests --------------------------------------------------------------------------

/** Literals for a field: sampled raw values and their neighbours, and the masked forms the callers see. */
function literalArb(c: Contract, field: string): fc.Arbitrary<Scalar> {
  const d = samples[c.product]!;
  const f = d.fields.find((x) => x.name === field)!;
  const masked = CALLERS.flatMap((caller) => {
    const m = accessTo(sessionOf(caller), c.product, c.major)?.masks.find((x) => x.field === field);
    if (m === undefined) return [];
    const mask = maskFunction(m, HASH_KEY);
    return d.sample.map((r) => mask(r[field] ?? null)).filter((v): v is Scalar => v !== null);
  });
  return masked.length > 0 ? fc.oneof(valueArb(d, f), fc.constantFrom(...masked)) : valueArb(d, f);
}

const TEXT_PATTERNS = ['a', 'e', '@', '@example.com', '***', '*', '#1', 'Ü', '✓', 'gift', 'EU', 'o', '', '%', '_'];

function leafArb(c: Contract): fc.Arbitrary<WhereInput> {
  return fc.constantFrom(...c.fields).chain((f) => {
    const ops = [
      'eq',
      'ne',
      'in',
      'notIn',
      'isNull',
      ...(f.type === 'boolean' ? [] : ['lt', 'lte', 'gt', 'gte']),
      ...(f.type === 'string' ? ['contains', 'startsWith', 'endsWith'] : []),
    ];
    return fc.constantFrom(...ops).chain((op) => {
      const operand =
        op === 'isNull'
          ? fc.boolean()
          : op === 'in' || op === 'notIn'
            ? fc.array(literalArb(c, f.name), { maxLength: 4 })
            : ['contains', 'startsWith', 'endsWith'].includes(op)
              ? fc.constantFrom(...TEXT_PATTERNS)
              : literalArb(c, f.name);
      return operand.map((v): WhereInput => ({ [f.name]: { [op]: v } }));
    });
  });
}

function whereArb(c: Contract): fc.Arbitrary<WhereInput> {
  return fc.letrec<{ w: WhereInput }>((tie) => ({
    w: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leafArb(c),
      fc.array(tie('w'), { minLength: 1, maxLength: 3 }).map((ws) => ({ AND: ws })),
      fc.array(tie('w'), { minLength: 1, maxLength: 3 }).map((ws) => ({ OR: ws })),
      tie('w').map((w) => ({ NOT: w })),
    ),
  })).w;
}

interface PageRequest {
  readonly kind: 'page';
  readonly product: Contract;
  readonly caller: CallerName;
  readonly args: ConnectionArgs;
  readonly fields: string[];
  readonly totalCount: boolean;
}

interface AggregateRequest {
  readonly kind: 'aggregate';
  readonly product: Contract;
  readonly caller: CallerName;
  readonly where: WhereInput | undefined;
  readonly groupBy: string[];
  readonly wants: { count: boolean; sum: string[]; avg: string[]; min: string[]; max: string[] };
}

// Counterexamples name the product, not the whole contract.
const named = (c: Contract): Contract =>
  Object.assign(Object.create(c) as Contract, { [fc.toStringMethod]: () => `${c.product} v${c.major}` });
const productArb = fc.constantFrom(named(orders), named(customers));
const callerArb = fc.constantFrom(...CALLERS);

const pageArb: fc.Arbitrary<PageRequest> = fc.tuple(productArb, callerArb).chain(([product, caller]) =>
  fc.record({
    kind: fc.constant('page' as const),
    product: fc.constant(product),
    caller: fc.constant(caller),
    args: fc.record(
      {
        where: whereArb(product),
        orderBy: fc
          .uniqueArray(fc.constantFrom(...product.fields.map((f) => f.name)), { maxLength: 2 })
          .chain((fs) => fc.tuple(...fs.map((f) => fc.constantFrom('ASC' as const, 'DESC' as const).map((d) => ({ [f]: d }))))),
        first: fc.constantFrom(0, 1, 5, 20, 60),
        offset: fc.constantFrom(0, 3, 40),
      },
      { requiredKeys: ['first'] },
    ),
    fields: fc.shuffledSubarray(
      product.fields.map((f) => f.name),
      { minLength: 1 },
    ),
    totalCount: fc.boolean(),
  }),
);

const GROUPABLE: Record<string, string[]> = {
  orders: ['region', 'status', 'currency', 'quantity', 'is_gift', 'order_date', 'email'],
  customers: ['country', 'segment', 'is_active', 'signup_date', 'updated_at'],
};
const numeric = (t: FieldType) => t === 'int32' || t === 'int64' || t === 'float64';

const aggregateArb: fc.Arbitrary<AggregateRequest> = fc.tuple(productArb, callerArb).chain(([product, caller]) => {
  const names = (ok: (t: FieldType) => boolean) => product.fields.filter((f) => ok(f.type)).map((f) => f.name);
  const some = (fields: string[]) => fc.subarray(fields, { maxLength: 2 });
  return fc.record({
    kind: fc.constant('aggregate' as const),
    product: fc.constant(product),
    caller: fc.constant(caller),
    where: fc.option(whereArb(product), { nil: undefined }),
    groupBy: fc.uniqueArray(fc.constantFrom(...GROUPABLE[product.product]!), { maxLength: 2 }),
    wants: fc.record({
      count: fc.boolean(),
      sum: some(names(numeric)),
      avg: some(names(numeric)),
      min: some(names((t) => t !== 'boolean')),
      max: some(names((t) => t !== 'boolean')),
    }),
  });
});

// --- running -----------------------------------------------------------------------------

/**
 * Runs one plan everywhere; fails the test on a difference. Returns the
 * embedded engine's rows. `unordered`: the plan does not order its rows (a
 * relationship batch on a primary key), so rows are compared as a set.
 */
async function same(plan: PlanNode, caller: CallerName, unordered = false): Promise<Row[]> {
  const optimized = prepared(plan, sessionOf(caller));
  for (const dialect of ['duckdb', 'trino'] as const) {
    const { sql } = lowerFor(dialect, optimized);
    for (const secret of [HASH_KEY.toString('utf8'), HASH_KEY.toString('hex'), HASH_KEY.toString('base64')])
      expect(sql).not.toContain(secret);
    expect(await loweringProblems(parser, optimized, sql), `${printPlan(optimized)}\n${sql}`).toEqual([]);
  }
  const answers = {} as Record<EngineName, Answer>;
  for (const e of ENGINES) answers[e] = await engines.run(e, optimized);
  if (unordered)
    for (const a of Object.values(answers)) if ('rows' in a) a.rows.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  for (const e of ['duckdb', 'trino'] as const) {
    const diff = difference(answers[e], answers.embedded);
    expect(
      diff,
      `${e} differs from the embedded engine (${caller}):\n${printPlan(optimized)}\n${lowerFor(e, optimized).sql}\n${diff}`,
    ).toBeUndefined();
  }
  checked++;
  return 'rows' in answers.embedded ? answers.embedded.rows : [];
}

const key = (r: Row) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

async function checkPage(r: PageRequest): Promise<void> {
  const limits = { defaultPageSize: 50, maxPageSize: 500 };
  const wants = { nodeFields: r.fields, nodes: true, pageInfo: true, totalCount: r.totalCount };
  const plan = compileConnection(r.product, r.args, wants, limits, SECRET);
  const rows = await same(plan.page!, r.caller);
  if (plan.count) await same(plan.count, r.caller);
  // Follow the cursor of the page's last row to the next page (offset and after do not mix).
  const last = rows[plan.first - 1];
  if (rows.length > plan.first && last !== undefined && !r.args.offset) {
    const after = encodeCursor(
      SECRET,
      plan.fingerprint,
      plan.cursorKeys,
      plan.cursorKeys.map((k) => last[k.field] ?? null),
    );
    const { offset: _none, ...args } = r.args;
    const next = compileConnection(r.product, { ...args, after }, wants, limits, SECRET);
    await same(next.page!, r.caller);
  }
}

async function checkAggregate(r: AggregateRequest): Promise<void> {
  const { plan } = compileAggregate(r.product, { where: r.where ?? null, groupBy: r.groupBy }, r.wants);
  // Sums and averages of doubles too are compared to the bit (exact-float-sum.ts).
  await same(plan, r.caller);
}

describe("the lowered plan gives the embedded engine's answer on DuckDB and through the Trino protocol", () => {
  it('for random pages, totalCounts and next pages (cursors) of every caller', async () => {
    await fc.assert(
      fc.asyncProperty(pageArb, (r) => checkPage(r)),
      { numRuns: RUNS, seed: Number(process.env['SEED'] ?? Date.now() % 2 ** 31) },
    );
  }, 300_000);

  it('for random aggregates with group-by of every caller', async () => {
    await fc.assert(
      fc.asyncProperty(aggregateArb, (r) => checkAggregate(r)),
      { numRuns: Math.ceil(RUNS / 2), seed: Number(process.env['SEED'] ?? Date.now() % 2 ** 31) },
    );
  }, 300_000);

  it('for hand-picked requests: every mask under a filter, a sort and a cursor on it; empty pages; counts', async () => {
    const page = (product: Contract, caller: CallerName, args: ConnectionArgs, fields = product.fields.map((f) => f.name)) =>
      checkPage({ kind: 'page', product, caller, args, fields, totalCount: true });
    // Sort and filter on each masked field of the strict caller, then follow the cursor.
    const strictOrders = [
      'customer_id',
      'quantity',
      'total_amount',
      'status',
      'currency',
      'email',
      'notes',
      'is_gift',
      'order_date',
      'created_at',
    ];
    for (const [i, f] of strictOrders.entries()) {
      await page(orders, 'strict', {
        orderBy: [{ [f]: i % 2 === 0 ? 'DESC' : 'ASC' }],
        first: 7,
        where: { NOT: { [f]: { isNull: true } } },
      });
    }
    for (const f of ['name', 'country', 'segment', 'email', 'signup_date', 'lifetime_value', 'is_active', 'updated_at']) {
      await page(customers, 'strict', { orderBy: [{ [f]: 'ASC' }], first: 30 });
    }
    // The analyst's hashed e-mail: sorted, compared, paged.
    await page(orders, 'analyst', { orderBy: [{ email: 'ASC' }], first: 10, where: { email: { gt: '8' } } });
    // Text operators with LIKE's wildcards and escape in the pattern.
    await page(customers, 'admin', {
      where: { OR: [{ name: { contains: '%' } }, { email: { startsWith: '_' } }, { name: { endsWith: '\\' } }] },
      first: 5,
    });
    // Nothing matches; first: 0; offset past the end.
    await page(orders, 'analyst', { where: { region: { eq: 'APAC' } }, first: 10 });
    await page(orders, 'admin', { first: 0 });
    await page(customers, 'admin', { first: 10, offset: 1_000_000 });
    // Relationship batches: kind one on the primary key (unordered, a limit in the scan), kind many (sorted).
    const one = compileRelationshipBatch(customers, orders.relationships[0]!, [[7n], [3n], [11n], [20_000n], [99_999n]], {}, [
      'customer_id',
      'name',
      'email',
    ]);
    for (const caller of CALLERS) await same(one.plan, caller, true);
    const many = compileRelationshipBatch(
      orders,
      customers.relationships[0]!,
      [[7n], [3n], [42n]],
      { orderBy: [{ created_at: 'DESC' }], where: { quantity: { gte: 2 } } },
      ['order_id', 'created_at', 'email'],
    );
    for (const caller of CALLERS) await same(many.plan, caller);
    // Aggregates over masked values of every type, without and with groups.
    const all = {
      count: true,
      sum: ['customer_id', 'quantity', 'total_amount'],
      avg: ['quantity', 'total_amount'],
      min: ['status', 'order_date', 'created_at', 'notes'],
      max: ['email', 'currency', 'quantity'],
    };
    await checkAggregate({ kind: 'aggregate', product: orders, caller: 'strict', where: undefined, groupBy: [], wants: all });
    await checkAggregate({
      kind: 'aggregate',
      product: orders,
      caller: 'strict',
      where: undefined,
      groupBy: ['is_gift', 'order_date'],
      wants: all,
    });
    await checkAggregate({
      kind: 'aggregate',
      product: customers,
      caller: 'strict',
      where: undefined,
      groupBy: ['updated_at'],
      wants: { count: true, sum: ['lifetime_value'], avg: [], min: ['name'], max: ['signup_date'] },
    });
  }, 300_000);

  it('fails every engine with RESOURCE_LIMIT when an aggregate forms more groups than the plan allows', async () => {
    const session = sessionOf('admin');
    for (const max of [3, 4]) {
      const plan = prepared(AggregateNode.create(scanOf(orders), ['region'], [{ fn: 'count' }], max), session);
      const answers = await Promise.all(ENGINES.map((e) => engines.run(e, plan)));
      expect(answers.map((a) => ('code' in a ? a.code : `${a.rows.length} groups`))).toEqual(
        ENGINES.map(() => (max === 3 ? 'RESOURCE_LIMIT' : '4 groups')),
      );
    }
  });

  it('sent the stand-in neither the hash key nor the password in any statement, and authenticated every request', () => {
    expect(checked).toBeGreaterThan(RUNS);
    const requests = engines.standin.requests;
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      expect(r.body).not.toContain(HASH_KEY.toString('utf8'));
      expect(r.body).not.toContain(TRINO_PASSWORD);
      expect(r.headers['authorization']).toBe(`Basic ${Buffer.from(`sluice:${TRINO_PASSWORD}`).toString('base64')}`);
    }
  });
});
