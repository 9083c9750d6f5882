import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashAggregate } from '../../../src/engine/kernels/aggregate.js';
import type { Batch } from '../../../src/engine/columnar/batch.js';
import { dictionaryOf, valueAt, type Column, type StringColumn } from '../../../src/engine/columnar/column.js';
import { EmbeddedEngine } from '../../../src/engine/engine.js';
import { SluiceError } from '../../../src/errors.js';
import { Expr } from '../../../src/plan/expr.js';
import {
  AggregateNode,
  aggregateName,
  FilterNode,
  MaskNode,
  SortNode,
  type Aggregate,
  type FieldMask,
  type PlanNode,
} from '../../../src/plan/plan.js';
import { printPlan } from '../../../src/plan/print-plan.js';
import { compareScalars, type Nullable, type Row } from '../../../src/plan/scalar.js';
import { EVENTS_FIELDS, openDataset, ORDERS_FIELDS, ORDERS_SOURCE, scanOf, writeEvents, type Dataset } from '../datasets.js';
import { Oracle, predicateSql, quote, valueSql } from '../duckdb-oracle.js';
import { predicateArb } from '../plan-arbitraries.js';
import { validity } from '../../support/validity.js';

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
const engine = new EmbeddedEngine({
  maskValues: (m) => {
    const n = m.round!;
    return (v) =>
      v === null ? null : typeof v === 'bigint' ? ((v + BigInt(n / 2)) / BigInt(n)) * BigInt(n) : Math.round((v as number) / n) * n;
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
  const groupable = d.fields.filter((f) =>
    ['region', 'status', 'currency', 'quantity', 'is_gift', 'grp', 'flag', 'tiny', 'label'].includes(f.name),
  );
  const aggregate: fc.Arbitrary<Aggregate> = fc.oneof(
    fc.constant<Aggregate>({ fn: 'count' }),
    fc
      .constantFrom(...d.fields.filter((f) => NUMERIC.has(f.type)))
      .chain((f) => fc.constantFrom<Aggregate>({ fn: 'sum', field: f.name, type: f.type }, { fn: 'avg', field: f.name, type: f.type })),
    fc
      .constantFrom(...d.fields.filter((f) => f.type !== 'boolean'))
      .chain((f) => fc.constantFrom<Aggregate>({ fn: 'min', field: f.name, type: f.type }, { fn: 'max', field: f.name, type: f.type })),
  );
  const maskable = d.fields.filter((f) => ['total_amount', 'quantity', 'seq'].includes(f.name));
  return fc.record({
    groupBy: fc.uniqueArray(fc.constantFrom(...groupable.map((f) => f.name)), { maxLength: 2 }),
    aggregates: fc.uniqueArray(aggregate, { minLength: 1, maxLength: 5, selector: aggregateName }),
    filter: fc.option(predicateArb(d, 1), { nil: undefined }),
    masks: fc.uniqueArray(
      fc
        .constantFrom(...maskable)
        .chain((f) => fc.constantFrom(10, 100).map((round): FieldMask => ({ field: f.name, type: f.type, kind: 'round', round }))),
      { maxLength: 1, selector: (m) => m.field },
    ),
  });
}

function planOf(d: Dataset, c: Case): PlanNode {
  let input: PlanNode = scanOf(d);
  if (c.masks.length > 0) input = MaskNode.create(input, c.masks);
  if (c.filter) input = FilterNode.create(input, c.filter);
  const grouped = AggregateNode.create(input, c.groupBy, c.aggregates);
  return c.groupBy.length > 0
    ? SortNode.create(
        grouped,
        c.groupBy.map((field) => ({ field, direction: 'asc', nullsLast: true })),
      )
    : grouped;
}

function sqlOf(d: Dataset, c: Case): string {
  const byName = new Map(d.fields.map((f) => [f.name, f]));
  const masked = new Map(c.masks.map((m) => [m.field, m]));
  // Masked values in a subquery (positive values only: plain round-half-up is the mask's round here).
  const inner = d.fields
    .map((f) => {
      const m = masked.get(f.name);
      const raw = valueSql(f);
      const value = !m
        ? raw
        : f.type === 'int64'
          ? `((${raw} + ${m.round! / 2}) // ${m.round}) * ${m.round}`
          : `round(${raw} / ${m.round}) * ${m.round}`;
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
  const group =
    c.groupBy.length > 0
      ? ` GROUP BY ${c.groupBy.map((g) => `"${g}"`).join(', ')} ORDER BY ${c.groupBy.map((g) => `"${g}" ASC NULLS LAST`).join(', ')}`
      : '';
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
      else if (a.fn === 'sum' && (a.type === 'int32' || a.type === 'int64') && typeof v === 'number' && Number.isInteger(v))
        out[name] = BigInt(v);
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
  const same =
    got.length === want.length && got.every((g, i) => Object.keys(want[i]!).every((k) => close(g[k] ?? null, want[i]![k] ?? null)));
  expect(same, `${printPlan(plan)}\n${sql}\nengine ${show(got)}\nduckdb ${show(want)}`).toBe(true);
  if (want.length > 0) expect(Object.keys(got[0]!)).toEqual(Object.keys(want[0]!));
}

describe('hash aggregate equals DuckDB GROUP BY', () => {
  it('over orders (big row groups, dictionary-encoded strings)', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(orders), (c) => check(orders, c)),
      { numRuns: Number(process.env.ENGINE_RUNS ?? 60) / 2 },
    );
  }, 60_000);

  it('over events (nulls in every type, negative dates, many small files)', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(events), (c) => check(events, c)),
      { numRuns: Number(process.env.ENGINE_RUNS ?? 60) },
    );
  }, 60_000);

  it('gives one group over no rows without group fields (count 0, the others null), and no group with them', async () => {
    const none = Expr.compare('order_id', 'lt', 0n);
    const aggregates: Aggregate[] = [
      { fn: 'count' },
      { fn: 'sum', field: 'quantity', type: 'int32' },
      { fn: 'min', field: 'region', type: 'string' },
    ];
    const one = await engine.execute(AggregateNode.create(scanOf(orders, { filters: [none] }), [], aggregates));
    expect(one.rows).toEqual([{ 'count(*)': 0, 'sum(quantity)': null, 'min(region)': null }]);
    const zero = await engine.execute(AggregateNode.create(scanOf(orders, { filters: [none] }), ['region'], aggregates));
    expect(zero.rows).toEqual([]);
  });

  it('sums integers exactly, as bigint', async () => {
    const r = await engine.execute(
      AggregateNode.create(
        scanOf(orders),
        [],
        [
          { fn: 'sum', field: 'order_id', type: 'int64' },
          { fn: 'sum', field: 'quantity', type: 'int32' },
        ],
      ),
    );
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

/**
 * The group-id and accumulator fast paths (dictionary codes as group codes,
 * dense code-combination tables, sums over typed arrays without a call per
 * row) against each other and a row-by-row reference: batches in memory whose
 * columns come as dictionary-coded strings, plain strings or materialised
 * scalars, with nulls, selections, and dictionaries that differ from batch to
 * batch. Every representation must give the same groups and the very same
 * values (float sums included: one summation order), and counts, integer
 * sums, minima and maxima must equal the reference's.
 */
describe('hash aggregate: the same answer whatever the columns look like', () => {
  const WORDS = ['EU', 'US', 'APAC', 'LATAM', 'é'];
  type In = { s: string | null; t: string | null; q: number | null; x: number | null };
  type Look = 'dictionary' | 'plain' | 'scalars';

  const rowArb: fc.Arbitrary<In> = fc.record({
    s: fc.option(fc.constantFrom(...WORDS), { freq: 6 }),
    t: fc.option(fc.constantFrom('new', 'paid', 'void'), { freq: 6 }),
    q: fc.option(fc.integer({ min: -5, max: 2_000_000_000 }), { freq: 6 }),
    x: fc.option(fc.oneof(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.constantFrom(0.1, 1e15, -1e15, -0)), { freq: 6 }),
  });
  const batchArb = fc.tuple(fc.array(rowArb, { maxLength: 60 }), fc.option(fc.array(fc.boolean(), { maxLength: 60 })));

  function stringColumn(values: (string | null)[], look: Look): Column {
    if (look === 'scalars') return { kind: 'scalars', values };
    const offsets = new Int32Array(values.length + 1);
    const parts = values.map((v) => Buffer.from(v ?? '', 'utf8'));
    parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
    const c: StringColumn = { kind: 'string', offsets, bytes: Buffer.concat(parts), valid: validity(values.map((v) => v !== null)) };
    return look === 'dictionary' ? { ...c, dictionary: dictionaryOf(c, values.length)! } : c;
  }
  function numberColumn(values: (number | null)[], look: Look, make: (n: number[]) => Float64Array | Int32Array): Column {
    if (look === 'scalars') return { kind: 'scalars', values };
    return { kind: 'number', values: make(values.map((v) => v ?? 0)), valid: validity(values.map((v) => v !== null)) };
  }
  function batchOf(rows: In[], keep: boolean[] | null, look: Look): Batch {
    const columns = new Map<string, Column>([
      [
        's',
        stringColumn(
          rows.map((r) => r.s),
          look,
        ),
      ],
      [
        't',
        stringColumn(
          rows.map((r) => r.t),
          look,
        ),
      ],
      [
        'q',
        numberColumn(
          rows.map((r) => r.q),
          look,
          (v) => Int32Array.from(v),
        ),
      ],
      [
        'x',
        numberColumn(
          rows.map((r) => r.x),
          look,
          (v) => Float64Array.from(v),
        ),
      ],
    ]);
    const selection = keep === null ? null : Int32Array.from(rows.flatMap((_, k) => (keep[k] ? [k] : [])));
    return { length: rows.length, columns, selection, ordinalBase: 0 };
  }
  const AGGREGATES: Aggregate[] = [
    { fn: 'count' },
    { fn: 'sum', field: 'q', type: 'int32' },
    { fn: 'avg', field: 'q', type: 'int32' },
    { fn: 'sum', field: 'x', type: 'float64' },
    { fn: 'avg', field: 'x', type: 'float64' },
    { fn: 'min', field: 's', type: 'string' },
    { fn: 'max', field: 'x', type: 'float64' },
  ];
  const run = (groupBy: string[], batches: Batch[]): Row[] => {
    const agg = new HashAggregate(AggregateNode.create(scanOf(orders), groupBy, AGGREGATES));
    for (const b of batches) agg.offer(b);
    const out = agg.result();
    const names = [...out.columns.keys()];
    const rows = Array.from(
      { length: out.length },
      (_, i) => Object.fromEntries(names.map((n) => [n, valueAt(out.columns.get(n)!, i)])) as Row,
    );
    const keyOf = (r: Row) => groupBy.map((g) => r[g] ?? null);
    return rows.sort((a, b) => {
      const [ka, kb] = [keyOf(a), keyOf(b)];
      for (let k = 0; k < ka.length; k++) {
        if (ka[k] === kb[k]) continue;
        if (ka[k] === null) return 1;
        if (kb[k] === null) return -1;
        return compareScalars(ka[k]!, kb[k]!);
      }
      return 0;
    });
  };
  /** Row by row: count, exact integer sums, minima and maxima per group. */
  const reference = (
    groupBy: (keyof In)[],
    input: [In[], boolean[] | null][],
  ): Map<string, { n: number; q: bigint | null; s: string | null; x: number | null }> => {
    const groups = new Map<string, { n: number; q: bigint | null; s: string | null; x: number | null }>();
    for (const [rows, keep] of input) {
      rows.forEach((r, k) => {
        if (keep !== null && !keep[k]) return;
        const key = JSON.stringify(groupBy.map((g) => r[g]));
        const g = groups.get(key) ?? { n: 0, q: null, s: null, x: null };
        g.n++;
        if (r.q !== null) g.q = (g.q ?? 0n) + BigInt(r.q);
        if (r.s !== null && (g.s === null || compareScalars(r.s, g.s) < 0)) g.s = r.s;
        if (r.x !== null && (g.x === null || r.x > g.x)) g.x = r.x;
        groups.set(key, g);
      });
    }
    return groups;
  };

  it('with nulls, selections and per-batch dictionaries', () => {
    const groupByArb = fc.constantFrom<(keyof In)[]>([], ['s'], ['t'], ['s', 't'], ['t', 's'], ['q'], ['s', 'q'], ['s', 't', 'q']);
    fc.assert(
      fc.property(groupByArb, fc.array(batchArb, { minLength: 1, maxLength: 4 }), (groupBy, input) => {
        const [dictionary = [], plain, scalars] = (['dictionary', 'plain', 'scalars'] as const).map((look) =>
          run(
            groupBy,
            input.map(([rows, keep]) => batchOf(rows, keep, look)),
          ),
        );
        expect(plain).toEqual(dictionary);
        expect(scalars).toEqual(dictionary);
        const want = reference(groupBy, input);
        const live = input.reduce((n, [rows, keep]) => n + rows.filter((_, k) => keep === null || keep[k]).length, 0);
        expect(dictionary).toHaveLength(groupBy.length === 0 ? 1 : want.size);
        for (const row of dictionary) {
          const g = want.get(JSON.stringify(groupBy.map((f) => row[f])));
          if (groupBy.length === 0 && live === 0) {
            expect(row['count(*)']).toBe(0);
            continue;
          }
          expect(g).toBeDefined();
          expect(row['count(*)']).toBe(g!.n);
          expect(row['sum(q)']).toBe(g!.q);
          expect(row['min(s)']).toBe(g!.s);
          expect(row['max(x)']).toBe(g!.x);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('with more code combinations than the dense table holds', () => {
    const rows: In[] = Array.from({ length: 3000 }, (_, k) => ({ s: `s${k % 300}`, t: null, q: (k * 11) % 307, x: k / 3 }));
    const batches = (look: Look) => [batchOf(rows.slice(0, 1000), null, look), batchOf(rows.slice(1000), null, look)];
    const dictionary = run(['s', 'q'], batches('dictionary'));
    expect(run(['s', 'q'], batches('plain'))).toEqual(dictionary);
    const want = reference(['s', 'q'], [[rows, null]]);
    expect(dictionary).toHaveLength(want.size);
    for (const row of dictionary) expect(row['count(*)']).toBe(want.get(JSON.stringify([row['s'], row['q']]))!.n);
  });
});
