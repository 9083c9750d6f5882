import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedEngine } from '../../src/engine/engine.js';
import { Expr } from '../../src/plan/expr.js';
import { printPlan } from '../../src/plan/print-plan.js';
import { CountNode, FilterNode, LimitNode, ProjectNode, SortNode, type PlanNode, type SortKey } from '../../src/plan/plan.js';
import type { Row } from '../../src/plan/scalar.js';
import { openDataset, ORDERS_FIELDS, ORDERS_SOURCE, EVENTS_FIELDS, scanOf, writeEvents, type Dataset } from './datasets.js';
import { normalise, Oracle, querySql } from './duckdb-oracle.js';
import { asc, desc, firstDifference, predicateArb } from './plan-arbitraries.js';

/**
 * The engine against DuckDB over the same files: random predicates (every
 * operator, negations, AND/OR nesting), random sort keys, fetch and skip.
 * Orders are made total by appending the primary key, as the GraphQL layer
 * does, so rows must match in order too.
 */
let oracle: Oracle;
let engine: EmbeddedEngine;
let orders: Dataset;
let events: Dataset;

beforeAll(async () => {
  oracle = await Oracle.open();
  engine = new EmbeddedEngine();
  orders = await openDataset(oracle, 'orders', ORDERS_SOURCE, ORDERS_FIELDS, 'order_id');
  events = await openDataset(oracle, 'events', await writeEvents(oracle), EVENTS_FIELDS, 'id');
}, 30_000);

afterAll(() => oracle?.connection.closeSync());

interface Case {
  readonly scanFilters: Expr[];
  readonly filter: Expr | undefined;
  readonly keys: SortKey[];
  readonly shape: 'topK' | 'limitSort' | 'count' | 'scanFetch';
  readonly skip: number;
  readonly fetch: number;
  readonly project: string[] | undefined;
}

function caseArb(d: Dataset): fc.Arbitrary<Case> {
  const sortable = d.fields.filter((f) => f.name !== d.primaryKey).map((f) => f.name);
  return fc.record({
    scanFilters: fc.array(predicateArb(d), { maxLength: 2 }),
    filter: fc.option(predicateArb(d, 1), { nil: undefined }),
    // Nulls first in one case of four: a backward page sorts the connection's order reversed.
    keys: fc
      .uniqueArray(fc.tuple(fc.constantFrom(...sortable, d.primaryKey), fc.boolean(), fc.constantFrom(true, true, true, false)), {
        maxLength: 2,
        selector: ([f]) => f,
      })
      .map((ks) => {
        const keys = ks.map(([f, up, nullsLast]) => ({ ...(up ? asc(f) : desc(f)), nullsLast }));
        return keys.some((k) => k.field === d.primaryKey) ? keys : [...keys, asc(d.primaryKey)];
      }),
    shape: fc.constantFrom('topK', 'topK', 'limitSort', 'count', 'scanFetch'),
    skip: fc.constantFrom(0, 0, 3, 50),
    fetch: fc.constantFrom(0, 1, 7, 20, 200, 5000),
    project: fc.option(
      fc.shuffledSubarray(
        d.fields.map((f) => f.name),
        { minLength: 1 },
      ),
      { nil: undefined },
    ),
  });
}

function planOf(d: Dataset, c: Case): PlanNode {
  const scan = scanOf(d, { filters: c.scanFilters, ...(c.shape === 'scanFetch' && c.filter === undefined && { fetch: c.fetch }) });
  let plan: PlanNode = c.filter ? FilterNode.create(scan, c.filter) : scan;
  switch (c.shape) {
    case 'topK':
      plan = SortNode.create(plan, c.keys, c.fetch);
      break;
    case 'limitSort':
      plan = LimitNode.create(SortNode.create(plan, c.keys), c.skip, c.fetch);
      break;
    case 'count':
      return CountNode.create(plan);
    case 'scanFetch':
      plan = LimitNode.create(plan, 0, c.fetch);
      break;
  }
  return c.project ? ProjectNode.create(plan, c.project) : plan;
}

function sqlOf(d: Dataset, c: Case): string {
  const where = [...c.scanFilters, ...(c.filter ? [c.filter] : [])];
  const base = { source: d.source, fields: d.fields, where, ...(c.project && { select: c.project }) };
  switch (c.shape) {
    case 'topK':
      return querySql({ ...base, orderBy: c.keys, limit: c.fetch });
    case 'limitSort':
      return querySql({ ...base, orderBy: c.keys, offset: c.skip, limit: c.fetch });
    case 'count':
      return querySql({ ...base, count: true });
    case 'scanFetch':
      return querySql({ ...base, fileOrder: true, limit: c.fetch });
  }
}

async function check(d: Dataset, c: Case): Promise<void> {
  const plan = planOf(d, c);
  const got = await engine.execute(plan);
  const sql = sqlOf(d, c);
  const want = normalise(await oracle.rows(sql), d.fields);
  const diff = firstDifference(got.rows, want);
  expect(diff, `${printPlan(plan)}\n${sql}\n${diff}`).toBeUndefined();
  if (want.length > 0) expect(Object.keys(got.rows[0]!)).toEqual(Object.keys(want[0]!));
}

describe('engine equals DuckDB', () => {
  it('on random plans over orders', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(orders), (c) => check(orders, c)),
      { numRuns: Number(process.env.ENGINE_RUNS ?? 60), seed: Number(process.env.SEED ?? Date.now() % 2 ** 31) },
    );
  }, 60_000);

  it('on random plans over events (nulls everywhere, many small files)', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(events), (c) => check(events, c)),
      { numRuns: 2 * Number(process.env.ENGINE_RUNS ?? 60), seed: Number(process.env.SEED ?? Date.now() % 2 ** 31) },
    );
  }, 60_000);

  it('on hand-picked cases', async () => {
    const cases: [Dataset, Partial<Case>][] = [
      // Text on unicode, case-sensitive.
      [orders, { scanFilters: [Expr.text('notes', 'contains', 'ï')] }],
      [orders, { scanFilters: [Expr.text('notes', 'startsWith', 'ünï')] }],
      [orders, { scanFilters: [Expr.text('notes', 'endsWith', '#996', true)] }],
      // ne / notIn / negated text never match nulls.
      [orders, { scanFilters: [Expr.compare('email', 'ne', 'buyer1@mail.test')], shape: 'count' }],
      [orders, { scanFilters: [Expr.in('is_gift', [true], true)], shape: 'count' }],
      [orders, { scanFilters: [Expr.isNull('is_gift')], shape: 'count' }],
      // Empty IN lists.
      [events, { scanFilters: [Expr.in('label', [])], shape: 'count' }],
      [events, { scanFilters: [Expr.in('label', [], true)], shape: 'count' }],
      // Nulls last in both directions, including the all-null file of `seq`.
      [events, { keys: [desc('seq'), asc('id')], fetch: 5000 }],
      [events, { keys: [asc('seq'), asc('id')], fetch: 5000 }],
      [events, { keys: [asc('label'), asc('id')], fetch: 300 }],
      [events, { keys: [desc('label'), asc('id')], fetch: 300 }],
      // Nulls first (a backward page): groups holding nulls are read first, none skipped before them.
      [events, { keys: [{ ...desc('seq'), nullsLast: false }, asc('id')], fetch: 5000 }],
      [events, { keys: [{ ...asc('seq'), nullsLast: false }, desc('id')], fetch: 30 }],
      [events, { keys: [{ ...asc('label'), nullsLast: false }, asc('id')], fetch: 300 }],
      [events, { keys: [{ ...desc('f32'), nullsLast: false }, asc('id')], scanFilters: [Expr.compare('tiny', 'gt', 3)], fetch: 10 }],
      [events, { keys: [asc('nanos'), asc('id')], scanFilters: [Expr.compare('nanos', 'gt', 1577836800100000007n)], fetch: 10 }],
      [events, { keys: [desc('day'), asc('id')], scanFilters: [Expr.compare('day', 'lt', -1000)], fetch: 10 }],
      [events, { keys: [asc('f32'), asc('tiny'), asc('id')], fetch: 50 }],
      [events, { keys: [desc('u32'), asc('id')], scanFilters: [Expr.compare('u32', 'gte', 2000000000n)], fetch: 50 }],
    ];
    for (const [d, partial] of cases) {
      await check(d, {
        scanFilters: [],
        filter: undefined,
        keys: [asc(d.primaryKey)],
        shape: 'topK',
        skip: 0,
        fetch: 100,
        project: undefined,
        ...partial,
      });
    }
  }, 30_000);

  it('gives the same answers to concurrent queries on one engine', async () => {
    const plans = [
      SortNode.create(scanOf(orders, { filters: [Expr.compare('region', 'eq', 'EU')] }), [desc('total_amount'), asc('order_id')], 20),
      CountNode.create(scanOf(orders, { filters: [Expr.isNull('email')] })),
      SortNode.create(scanOf(events), [asc('label'), asc('id')], 50),
      LimitNode.create(scanOf(orders), 10, 30),
    ];
    const sequential: Row[][] = [];
    for (const p of plans) sequential.push((await engine.execute(p)).rows);
    const fresh = new EmbeddedEngine();
    const concurrent = await Promise.all([...plans, ...plans].map((p) => fresh.execute(p)));
    expect(concurrent.map((r) => r.rows)).toEqual([...sequential, ...sequential]);
  });
});
