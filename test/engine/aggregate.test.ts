import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { SluiceError } from '../../src/errors.js';
import { Expr } from '../../src/plan/expr.js';
import { AggregateNode, aggregateName, FilterNode, MaskNode, SortNode, type Aggregate, type FieldMask, type PlanNode } from '../../src/plan/plan.js';
import { printPlan } from '../../src/plan/print-plan.js';
import type { Nullable, Row } from '../../src/plan/scalar.js';
import { EVENTS_FIELDS, openDataset, ORDERS_FIELDS, ORDERS_SOURCE, scanOf, writeEvents, type Dataset } from './datasets.js';
import { Oracle, predicateSql, quote, valueSql } from './duckdb-oracle.js';
import { predicateArb } from './plan-arbitraries.js';

/**
 * The hash aggregate against DuckDB's GROUP BY over the same files: random
 * group fields (nulls form one group), random aggregates over every type
 * (nulls ignored, none left → null), random filters, and aggregates above a
 * mask (computed over masked values). Groups are sorted by key, nulls last,
 * as the GraphQL layer asks.
 */
let oracle: Oracle;
let orders: Dataset;
let events: Dataset;
const engine = new Engine({
  maskValues: (m) => {
    const n = m.round!;
    return (v) => (v === null ? null : typeof v === 'bigint' ? ((v + BigInt(n / 2)) / BigInt(n)) * BigInt(n) : Math.round((v as number) / n) * n);
  },
});

beforeAll(async () => {
  oracle = await Oracle.open();
  orders = await openDataset(oracle, 'orders', ORDERS_SOURCE, ORDERS_FIELDS, 'order_id');
  events = await openDataset(oracle, 'events', await writeEvents(oracle), EVENTS_FIELDS, 'id');
}, 30_000);
afterAll(async () => {
  oracle?.connection.closeSync();
  await engine.close();
});

interface Case {
  readonly groupBy: string[];
  readonly aggregates: Aggregate[];
  readonly filter: Expr | undefined;
  /** round masks (positive values only in these datasets' masked fields) under the aggregate. */
  readonly masks: FieldMask[];
}

const NUMERIC = new Set(['int32', 'int64', 'float64']);

function caseArb(d: Dataset): fc.Arbitrary<Case> {
  // Low-cardinality group fields keep the groups few enough to compare.
  const groupable = d.fields.filter((f) => ['region', 'status', 'currency', 'quantity', 'is_gift', 'grp', 'flag', 'tiny', 'label'].includes(f.name));
  const aggregate: fc.Arbitrary<Aggregate> = fc.oneof(
    fc.constant<Aggregate>({ fn: 'count' }),
    fc.constantFrom(...d.fields.filter((f) => NUMERIC.has(f.type))).chain((f) =>
      fc.constantFrom<Aggregate>({ fn: 'sum', field: f.name, type: f.type }, { fn: 'avg', field: f.name, type: f.type }),
    ),
    fc.constantFrom(...d.fields.filter((f) => f.type !== 'boolean')).chain((f) =>
      fc.constantFrom<Aggregate>({ fn: 'min', field: f.name, type: f.type }, { fn: 'max', field: f.name, type: f.type }),
    ),
  );
  const maskable = d.fields.filter((f) => ['total_amount', 'quantity', 'seq'].includes(f.name));
  return fc.record({
    groupBy: fc.uniqueArray(fc.constantFrom(...groupable.map((f) => f.name)), { maxLength: 2 }),
    aggregates: fc.uniqueArray(aggregate, { minLength: 1, maxLength: 5, selector: aggregateName }),
    filter: fc.option(predicateArb(d, 1), { nil: undefined }),
    masks: fc.uniqueArray(
      fc.constantFrom(...maskable).chain((f) => fc.constantFrom(10, 100).map((round): FieldMask => ({ field: f.name, type: f.type, kind: 'round', round }))),
      { maxLength: 1, selector: (m) => m.field },
    ),
  });
}

function planOf(d: Dataset, c: Case): PlanNode {
  let input: PlanNode = scanOf(d);
  if (c.masks.length > 0) input = MaskNode.create(input, c.masks);
  if (c.filter) input = FilterNode.create(input, c.filter);
  const grouped = AggregateNode.create(input, c.groupBy, c.aggregates);
  return c.groupBy.length > 0 ? SortNode.create(grouped, c.groupBy.map((field) => ({ field, direction: 'asc', nullsLast: true }))) : grouped;
}

function sqlOf(d: Dataset, c: Case): string {
  const byName = new Map(d.fields.map((f) => [f.name, f]));
  const masked = new Map(c.masks.map((m) => [m.field, m]));
  // Masked values in a subquery (positive values only: plain round-half-up is the mask's round here).
  const inner = d.fields
    .map((f) => {
      const m = masked.get(f.name);
      const raw = valueSql(f);
      const value = !m ? raw : f.type === 'int64' ? `((${raw} + ${m.round! / 2}) // ${m.round}) * ${m.round}` : `round(${raw} / ${m.round}) * ${m.round}`;
      return `${value} AS "${f.name}"`;
    })
    .join(', ');
  const where = c.filter ? ` WHERE ${predicateSql(c.filter, byName, (f) => `"${f.name}"`)}` : '';
  const select = [
    ...c.groupBy.map((g) => `"${g}"`),
    ...c.aggregates.map((a) => {
      const sql = a.fn === 'count' ? 'count(*)' : `${a.fn}("${a.field}")`;
      return `${sql} AS "${aggregateName(a)}"`;
    }),
  ];
  const group = c.groupBy.length > 0 ? ` GROUP BY ${c.groupBy.map((g) => `"${g}"`).join(', ')} ORDER BY ${c.groupBy.map((g) => `"${g}" ASC NULLS LAST`).join(', ')}` : '';
  return `SELECT ${select.join(', ')} FROM (SELECT ${inner} FROM read_parquet(${quote(d.source)})) AS t${where}${group}`;
}

/** DuckDB's answer in the engine's representation: count as number, sum of integers as bigint (HUGEINT arrives as bigint), dates as days. */
function expectedRows(rows: Row[], d: Dataset, c: Case): Row[] {
  const types = new Map(d.fields.map((f) => [f.name, f.type]));
  return rows.map((r) => {
    const out: Row = {};
    for (const g of c.groupBy) out[g] = fix(r[g] ?? null, types.get(g) === 'date');
    for (const a of c.aggregates) {
      const name = aggregateName(a);
      const v = r[name] ?? null;
      if (a.fn === 'count') out[name] = Number(v);
      else if (a.fn === 'min' || a.fn === 'max') out[name] = fix(v, a.type === 'date');
      // A round mask in SQL makes an integer field DOUBLE, so DuckDB's sum of it is a number; the engine's is exact.
      else if (a.fn === 'sum' && (a.type === 'int32' || a.type === 'int64') && typeof v === 'number' && Number.isInteger(v)) out[name] = BigInt(v);
      else out[name] = v;
    }
    return out;
  });
}

const fix = (v: Nullable, isDate: boolean): Nullable => (isDate && typeof v === 'bigint' ? Number(v) : v);

function close(a: Nullable, b: Nullable): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return a === b;
}

async function check(d: Dataset, c: Case): Promise<void> {
  const plan = planOf(d, c);
  const sql = sqlOf(d, c);
  const got = (await engine.execute(plan)).rows;
  const want = expectedRows(await oracle.rows(sql), d, c);
  const show = (rows: Row[]) => JSON.stringify(rows.slice(0, 5), (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
  const same = got.length === want.length && got.every((g, i) => Object.keys(want[i]!).every((k) => close(g[k] ?? null, want[i]![k] ?? null)));
  expect(same, `${printPlan(plan)}\n${sql}\nengine ${show(got)}\nduckdb ${show(want)}`).toBe(true);
  if (want.length > 0) expect(Object.keys(got[0]!)).toEqual(Object.keys(want[0]!));
}

describe('hash aggregate equals DuckDB GROUP BY', () => {
  it('over orders (big row groups, dictionary-encoded strings)', async () => {
    await fc.assert(fc.asyncProperty(caseArb(orders), (c) => check(orders, c)), { numRuns: Number(process.env.ENGINE_RUNS ?? 60) / 2 });
  }, 60_000);

  it('over events (nulls in every type, negative dates, many small files)', async () => {
    await fc.assert(fc.asyncProperty(caseArb(events), (c) => check(events, c)), { numRuns: Number(process.env.ENGINE_RUNS ?? 60) });
  }, 60_000);

  it('gives one group over no rows without group fields (count 0, the others null), and no group with them', async () => {
    const none = Expr.compare('order_id', 'lt', 0n);
    const aggregates: Aggregate[] = [{ fn: 'count' }, { fn: 'sum', field: 'quantity', type: 'int32' }, { fn: 'min', field: 'region', type: 'string' }];
    const one = await engine.execute(AggregateNode.create(scanOf(orders, { filters: [none] }), [], aggregates));
    expect(one.rows).toEqual([{ 'count(*)': 0, 'sum(quantity)': null, 'min(region)': null }]);
    const zero = await engine.execute(AggregateNode.create(scanOf(orders, { filters: [none] }), ['region'], aggregates));
    expect(zero.rows).toEqual([]);
  });

  it('sums integers exactly, as bigint', async () => {
    const r = await engine.execute(AggregateNode.create(scanOf(orders), [], [{ fn: 'sum', field: 'order_id', type: 'int64' }, { fn: 'sum', field: 'quantity', type: 'int32' }]));
    const [want] = await oracle.rows(`SELECT sum(order_id) AS a, sum(quantity) AS b FROM read_parquet(${quote(ORDERS_SOURCE)})`);
    expect(r.rows).toEqual([{ 'sum(order_id)': want!['a'], 'sum(quantity)': want!['b'] }]);
    expect(r.rows[0]!['sum(order_id)']).toBe(1_800_030_000n);
  });

  it('fails with RESOURCE_LIMIT as soon as a group past maxGroups forms, never truncates', async () => {
    const plan = AggregateNode.create(scanOf(orders), ['customer_id'], [{ fn: 'count' }], 1000);
    const e = await engine.execute(plan).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(SluiceError);
    expect((e as SluiceError).code).toBe('RESOURCE_LIMIT');
    expect((e as SluiceError).message).toMatch(/more than 1000 groups/);
    // At the limit exactly, it answers.
    const four = await engine.execute(AggregateNode.create(scanOf(orders), ['region'], [{ fn: 'count' }], 4));
    expect(four.rows).toHaveLength(4);
  });

  it('reads only the group and aggregated columns', async () => {
    const r = await engine.execute(AggregateNode.create(scanOf(orders), ['region'], [{ fn: 'count' }]));
    expect(r.rows.reduce((n, row) => n + (row['count(*)'] as number), 0)).toBe(60_000);
  });
});
