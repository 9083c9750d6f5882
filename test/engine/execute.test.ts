import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { Expr } from '../../src/plan/expr.js';
import { printPlan } from '../../src/plan/print-plan.js';
import { CountNode, FilterNode, LimitNode, ProjectNode, SortNode, type PlanNode, type ScanField, type SortKey } from '../../src/plan/plan.js';
import type { Row, Scalar } from '../../src/plan/scalar.js';
import { openDataset, ORDERS_FIELDS, ORDERS_SOURCE, EVENTS_FIELDS, scanOf, writeEvents, type Dataset } from './datasets.js';
import { normalise, Oracle, querySql } from './duckdb-oracle.js';

/**
 * The engine against DuckDB over the same files: random predicates (every
 * operator, negations, AND/OR nesting), random sort keys, fetch and skip.
 * Orders are made total by appending the primary key, as the GraphQL layer
 * does, so rows must match in order too.
 */
let oracle: Oracle;
let engine: Engine;
let orders: Dataset;
let events: Dataset;

beforeAll(async () => {
  oracle = await Oracle.open();
  engine = new Engine();
  orders = await openDataset(oracle, 'orders', ORDERS_SOURCE, ORDERS_FIELDS, 'order_id');
  events = await openDataset(oracle, 'events', await writeEvents(oracle), EVENTS_FIELDS, 'id');
}, 30_000);

afterAll(() => oracle?.connection.closeSync());

const asc = (field: string): SortKey => ({ field, direction: 'asc', nullsLast: true });
const desc = (field: string): SortKey => ({ field, direction: 'desc', nullsLast: true });

/** Literals drawn from the sample (so predicates hit real values) plus neighbours of them. */
function valueArb(d: Dataset, f: ScanField): fc.Arbitrary<Scalar> {
  const seen = d.sample.map((r) => r[f.name]).filter((v): v is Scalar => v !== null && v !== undefined);
  const near = (v: Scalar): Scalar[] => {
    switch (f.type) {
      case 'int32':
      case 'date':
        return [(v as number) - 1, (v as number) + 1];
      case 'int64':
      case 'timestamp':
        return [(v as bigint) - 1n, (v as bigint) + 1n];
      case 'float64':
        return [(v as number) + 0.5, Math.floor(v as number)];
      case 'string':
        return [`${v as string}~`, (v as string).slice(0, -1)];
      case 'boolean':
        return [!v];
      default:
        return [];
    }
  };
  return fc.constantFrom(...seen, ...seen.flatMap(near));
}

/** A substring of a sampled string, cut at code points. */
function patternArb(d: Dataset, f: ScanField): fc.Arbitrary<string> {
  const seen = d.sample.map((r) => r[f.name]).filter((v): v is string => typeof v === 'string');
  return fc
    .tuple(fc.constantFrom(...seen, 'zz-no-such', ''), fc.nat(12), fc.nat(6))
    .map(([s, start, len]) => Array.from(s).slice(start % (Array.from(s).length + 1)).slice(0, len + 1).join(''));
}

function leafArb(d: Dataset): fc.Arbitrary<Expr> {
  const strings = d.fields.filter((f) => f.type === 'string');
  return fc.constantFrom(...d.fields).chain((f) => {
    const options: fc.Arbitrary<Expr>[] = [
      fc.tuple(fc.constantFrom('eq', 'ne', 'lt', 'lte', 'gt', 'gte') as fc.Arbitrary<'eq'>, valueArb(d, f)).map(([op, v]) => Expr.compare(f.name, op, v)),
      fc.tuple(fc.array(valueArb(d, f), { maxLength: 4 }), fc.boolean()).map(([vs, neg]) => Expr.in(f.name, vs, neg)),
      fc.boolean().map((neg) => Expr.isNull(f.name, neg)),
    ];
    if (f.type === 'string' && strings.length > 0) {
      options.push(
        fc
          .tuple(fc.constantFrom('contains', 'startsWith', 'endsWith') as fc.Arbitrary<'contains'>, patternArb(d, f), fc.boolean())
          .map(([op, p, neg]) => Expr.text(f.name, op, p, neg)),
      );
    }
    return fc.oneof(...options);
  });
}

function predicateArb(d: Dataset, depth = 2): fc.Arbitrary<Expr> {
  if (depth === 0) return leafArb(d);
  const sub = fc.array(predicateArb(d, depth - 1), { minLength: 2, maxLength: 3 });
  return fc.oneof(
    { weight: 4, arbitrary: leafArb(d) },
    { weight: 1, arbitrary: sub.map((a) => Expr.and(a)) },
    { weight: 1, arbitrary: sub.map((a) => Expr.or(a)) },
  );
}

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
    keys: fc
      .uniqueArray(fc.tuple(fc.constantFrom(...sortable, d.primaryKey), fc.boolean()), { maxLength: 2, selector: ([f]) => f })
      .map((ks) => {
        const keys = ks.map(([f, up]) => (up ? asc(f) : desc(f)));
        return keys.some((k) => k.field === d.primaryKey) ? keys : [...keys, asc(d.primaryKey)];
      }),
    shape: fc.constantFrom('topK', 'topK', 'limitSort', 'count', 'scanFetch'),
    skip: fc.constantFrom(0, 0, 3, 50),
    fetch: fc.constantFrom(0, 1, 7, 20, 200, 5000),
    project: fc.option(fc.shuffledSubarray(d.fields.map((f) => f.name), { minLength: 1 }), { nil: undefined }),
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

/** A short description of where two row lists first differ, or undefined. */
function firstDifference(got: readonly Row[], want: readonly Row[]): string | undefined {
  const show = (r: Row | undefined) => (r === undefined ? 'none' : JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    const g = got[i];
    const w = want[i];
    if (g === undefined || w === undefined || !isDeepStrictEqual(g, w)) {
      return `rows ${got.length} (engine) vs ${want.length} (duckdb); first difference at ${i}:\n  engine ${show(g)}\n  duckdb ${show(w)}`;
    }
  }
  return undefined;
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
    const fresh = new Engine();
    const concurrent = await Promise.all([...plans, ...plans].map((p) => fresh.execute(p)));
    expect(concurrent.map((r) => r.rows)).toEqual([...sequential, ...sequential]);
  });
});
