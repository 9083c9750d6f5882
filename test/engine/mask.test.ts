import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldType } from '../../src/contract/contract.js';
import { EmbeddedEngine, type MaskValues } from '../../src/engine/engine.js';
import { SluiceError } from '../../src/errors.js';
import { maskFunction } from '../../src/policy/mask-value.js';
import type { Expr } from '../../src/plan/expr.js';
import { CountNode, FilterNode, LimitNode, MaskNode, SortNode, type FieldMask, type PlanNode, type SortKey } from '../../src/plan/plan.js';
import { printPlan } from '../../src/plan/print-plan.js';
import { EVENTS_FIELDS, openDataset, ORDERS_FIELDS, ORDERS_SOURCE, scanOf, writeEvents, type Dataset } from './datasets.js';
import { normalise, Oracle, querySql } from './duckdb-oracle.js';
import { asc, desc, firstDifference, predicateArb } from './plan-arbitraries.js';

/**
 * Mask nodes: the engine applies the masks it is given (the policy layer
 * owns their rules), and everything above a mask — filters, sorts, top-K,
 * counts — sees masked values while the row filter below sees raw ones.
 * Checked against DuckDB computing the same masks in SQL, with the policy
 * layer's masks that have plain SQL equivalents (null, redact, round).
 */
let oracle: Oracle;
let orders: Dataset;
let events: Dataset;

const REDACTED_SQL: Record<FieldType, string> = {
  string: "'***'",
  boolean: 'FALSE',
  int32: '0',
  int64: '0::BIGINT',
  float64: '0::DOUBLE',
  date: '0',
  timestamp: '0::BIGINT',
};
const SQL_TYPE: Record<FieldType, string> = {
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  int32: 'INTEGER',
  int64: 'BIGINT',
  float64: 'DOUBLE',
  date: 'INTEGER',
  timestamp: 'BIGINT',
};

/** The policy layer's own masks (src/policy/mask-value.ts); only those with plain SQL equivalents are used here. */
const testMasks: MaskValues = (m) => {
  if (m.kind !== 'null' && m.kind !== 'redact' && m.kind !== 'round') throw new Error(`no SQL equivalent here for mask ${m.kind}`);
  return maskFunction(m, undefined);
};

function maskSql(m: FieldMask): (raw: string) => string {
  switch (m.kind) {
    case 'null':
      return () => `NULL::${SQL_TYPE[m.type]}`;
    case 'redact':
      return (raw) => `CASE WHEN ${raw} IS NULL THEN NULL ELSE ${REDACTED_SQL[m.type]} END`;
    case 'round': {
      const n = m.round!;
      if (m.type === 'int64')
        return (raw) =>
          `CASE WHEN ${raw} < 0 THEN -((abs(${raw}) + ${Math.floor(n / 2)}) // ${n} * ${n}) ELSE (abs(${raw}) + ${Math.floor(n / 2)}) // ${n} * ${n} END`;
      return (raw) => `CASE WHEN ${raw} < 0 THEN -(round(abs(${raw}) / ${n}) * ${n}) ELSE round(abs(${raw}) / ${n}) * ${n} END`;
    }
    default:
      throw new Error(`no SQL for mask ${m.kind}`);
  }
}

beforeAll(async () => {
  oracle = await Oracle.open();
  orders = await openDataset(oracle, 'orders', ORDERS_SOURCE, ORDERS_FIELDS, 'order_id');
  events = await openDataset(oracle, 'events', await writeEvents(oracle), EVENTS_FIELDS, 'id');
}, 30_000);
afterAll(() => oracle?.connection.closeSync());

const engine = new EmbeddedEngine({ maskValues: testMasks });

function masksArb(d: Dataset): fc.Arbitrary<FieldMask[]> {
  const maskable = d.fields.filter((f) => f.name !== d.primaryKey);
  return fc.uniqueArray(
    fc.constantFrom(...maskable).chain((f) => {
      const kinds: fc.Arbitrary<FieldMask>[] = [
        fc.constantFrom<FieldMask>({ field: f.name, type: f.type, kind: 'null' }, { field: f.name, type: f.type, kind: 'redact' }),
      ];
      if (f.type === 'int32' || f.type === 'int64' || f.type === 'float64') {
        kinds.push(fc.constantFrom(10, 100, 1000).map((round): FieldMask => ({ field: f.name, type: f.type, kind: 'round', round })));
      }
      return fc.oneof(...kinds);
    }),
    { minLength: 1, maxLength: 3, selector: (m) => m.field },
  );
}

interface MaskCase {
  readonly masks: FieldMask[];
  readonly rowFilter: Expr[];
  readonly filter: Expr | undefined;
  readonly keys: SortKey[];
  readonly shape: 'topK' | 'limitSort' | 'count';
  readonly fetch: number;
  readonly skip: number;
}

function caseArb(d: Dataset): fc.Arbitrary<MaskCase> {
  return masksArb(d).chain((masks) =>
    fc.record({
      masks: fc.constant(masks),
      rowFilter: fc.array(predicateArb(d, 1), { maxLength: 1 }),
      filter: fc.option(predicateArb(d, 1), { nil: undefined }),
      // Sort keys favour masked fields: their order is what masks change.
      keys: fc
        .uniqueArray(fc.tuple(fc.constantFrom(...masks.map((m) => m.field), ...d.fields.map((f) => f.name)), fc.boolean()), {
          maxLength: 2,
          selector: ([f]) => f,
        })
        .map((ks) => [...ks.filter(([f]) => f !== d.primaryKey).map(([f, up]) => (up ? asc(f) : desc(f))), asc(d.primaryKey)]),
      shape: fc.constantFrom('topK', 'topK', 'limitSort', 'count'),
      fetch: fc.constantFrom(1, 20, 300),
      skip: fc.constantFrom(0, 7),
    }),
  );
}

function planOf(d: Dataset, c: MaskCase): PlanNode {
  const masked = MaskNode.create(scanOf(d, { filters: c.rowFilter }), c.masks);
  const input = c.filter ? FilterNode.create(masked, c.filter) : masked;
  switch (c.shape) {
    case 'topK':
      return SortNode.create(input, c.keys, c.fetch);
    case 'limitSort':
      return LimitNode.create(SortNode.create(input, c.keys), c.skip, c.fetch);
    case 'count':
      return CountNode.create(input);
  }
}

async function check(d: Dataset, c: MaskCase): Promise<void> {
  const plan = planOf(d, c);
  const got = await engine.execute(plan);
  const sql = querySql({
    source: d.source,
    fields: d.fields,
    masks: new Map(c.masks.map((m) => [m.field, maskSql(m)])),
    rowFilter: c.rowFilter,
    where: c.filter ? [c.filter] : [],
    ...(c.shape === 'count' ? { count: true } : { orderBy: c.keys, limit: c.fetch, ...(c.shape === 'limitSort' && { offset: c.skip }) }),
  });
  const want = normalise(await oracle.rows(sql), d.fields);
  const diff = firstDifference(got.rows, want);
  expect(diff, `${printPlan(plan)}\n${sql}\n${diff}`).toBeUndefined();
}

describe('masks', () => {
  it('filters, sorts and counts above a mask see masked values (orders)', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(orders), (c) => check(orders, c)),
      { numRuns: Number(process.env.ENGINE_RUNS ?? 60) / 2 },
    );
  }, 60_000);

  it('filters, sorts and counts above a mask see masked values (events)', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(events), (c) => check(events, c)),
      { numRuns: Number(process.env.ENGINE_RUNS ?? 60) },
    );
  }, 60_000);

  it('a top-K on a masked key does not trust statistics of raw values', async () => {
    // Redacted, every customer id is 0 and the primary key decides; raw
    // statistics would send the scan to the group with the smallest raw id.
    const redact: FieldMask[] = [{ field: 'customer_id', type: 'int64', kind: 'redact' }];
    await check(orders, {
      masks: redact,
      rowFilter: [],
      filter: undefined,
      keys: [asc('customer_id'), asc('order_id')],
      shape: 'topK',
      fetch: 20,
      skip: 0,
    });
    const round: FieldMask[] = [{ field: 'customer_id', type: 'int64', kind: 'round', round: 1000 }];
    await check(orders, {
      masks: round,
      rowFilter: [],
      filter: undefined,
      keys: [desc('customer_id'), asc('order_id')],
      shape: 'topK',
      fetch: 20,
      skip: 0,
    });
  });

  it('fails as a bug when the engine has no mask implementation', async () => {
    const plan = MaskNode.create(scanOf(orders), [{ field: 'email', type: 'string', kind: 'null' }]);
    const e = await new EmbeddedEngine().execute(plan).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((e as SluiceError).code).toBe('INTERNAL_SERVER_ERROR');
    expect((await new EmbeddedEngine().execute(plan, { maskValues: testMasks })).rows[0]!.email).toBeNull();
  });
});
