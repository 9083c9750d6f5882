import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, optimize } from '../../src/optimizer/optimize.js';
import type { OptimizerRule } from '../../src/optimizer/optimizer-rule.js';
import { pruneProjection } from '../../src/optimizer/prune-projection.js';
import { Expr } from '../../src/plan/expr.js';
import {
  CountNode,
  FilterNode,
  LimitNode,
  MaskNode,
  ProjectNode,
  ScanNode,
  SortNode,
  type FieldMask,
  type PlanNode,
  type ScanField,
  type SortKey,
} from '../../src/plan/plan.js';
import { printPlan } from '../../src/plan/print-plan.js';
import type { Row } from '../../src/plan/scalar.js';
import { changed } from '../../src/plan/transform.js';
import { runPlan } from '../plan/evaluate-plan.js';
import { ordersScan, planText } from '../plan/orders-plan.js';

const byAmount: readonly SortKey[] = [
  { field: 'amount', direction: 'desc', nullsLast: true },
  { field: 'order_id', direction: 'asc', nullsLast: true },
];

/** What `graphql/` builds for a page: `ordersV2(where: {region: {eq: "EU"}, amount: {gt: 900}}, orderBy: [{amount: DESC}], first: 20, offset: 40) { nodes { order_id amount email } }`. */
const pagePlan = ProjectNode.create(
  LimitNode.create(
    SortNode.create(
      FilterNode.create(ordersScan(), Expr.and([Expr.compare('region', 'eq', 'EU'), Expr.compare('amount', 'gt', 900)])),
      byAmount,
    ),
    40,
    21,
  ),
  ['order_id', 'amount', 'email'],
);

describe('optimize', () => {
  it('runs filters, then limits, then projection, for a reason', () => {
    expect(DEFAULT_RULES.map((r) => r.name)).toEqual([
      'push_down_filter',
      'simplify_filters',
      'push_down_sort',
      'push_down_limit',
      'prune_projection',
    ]);
  });

  it('turns a page plan into a top-K over a narrowed, filtered scan', () => {
    expect(printPlan(pagePlan)).toBe(
      planText(`
      Project: order_id, amount, email
        Limit: skip=40, fetch=21
          Sort: amount DESC, order_id ASC
            Filter: region = "EU" AND amount > 900
              Scan: orders v2 (2.1.0) fields=[order_id, customer_id, amount, region, status, email, order_date, created_at←created_ts]
    `),
    );
    const { plan, applied } = optimize(pagePlan);
    expect(printPlan(plan)).toBe(
      planText(`
      Project: order_id, amount, email
        Limit: skip=40, fetch=21
          Sort: amount DESC, order_id ASC, fetch=61
            Scan: orders v2 (2.1.0) fields=[order_id, amount, region, email] filters=[region = "EU", amount > 900]
    `),
    );
    expect(applied).toEqual(['push_down_filter', 'push_down_limit', 'prune_projection']);
  });

  it('counts a filtered product reading only the filtered columns', () => {
    const { plan } = optimize(CountNode.create(FilterNode.create(ordersScan(), Expr.compare('region', 'eq', 'EU'))));
    expect(printPlan(plan)).toBe(
      planText(`
      Count
        Scan: orders v2 (2.1.0) fields=[region] filters=[region = "EU"]
    `),
    );
  });

  it('stops a scan early when a page needs no sort', () => {
    const { plan } = optimize(
      ProjectNode.create(LimitNode.create(FilterNode.create(ordersScan(), Expr.isNull('email', true)), 0, 3), ['order_id']),
    );
    expect(printPlan(plan)).toBe(
      planText(`
      Project: order_id
        Limit: skip=0, fetch=3
          Scan: orders v2 (2.1.0) fields=[order_id, email] filters=[email IS NOT NULL] fetch=3
    `),
    );
  });

  it('skips the rules it is told to', () => {
    const { plan, applied } = optimize(pagePlan, { disabled: ['push_down_filter'] });
    expect(printPlan(plan)).toBe(
      planText(`
      Project: order_id, amount, email
        Limit: skip=40, fetch=21
          Sort: amount DESC, order_id ASC, fetch=61
            Filter: region = "EU" AND amount > 900
              Scan: orders v2 (2.1.0) fields=[order_id, amount, region, email]
    `),
    );
    expect(applied).toEqual(['push_down_limit', 'prune_projection']);
  });

  it('runs only the rules it is given', () => {
    const { applied } = optimize(pagePlan, { rules: [pruneProjection] });
    expect(applied).toEqual(['prune_projection']);
  });

  it('returns the very same plan, and no rule, when nothing applies', () => {
    const once = optimize(pagePlan).plan;
    const again = optimize(once);
    expect(again.plan).toBe(once);
    expect(again.applied).toEqual([]);
  });

  it('stops after a bounded number of passes when a rule never settles', () => {
    let calls = 0;
    const restless: OptimizerRule = { name: 'restless', rewrite: (p) => (calls++, changed(p)) };
    expect(optimize(pagePlan, { rules: [restless] }).applied).toEqual(['restless']);
    expect(calls).toBe(8);
  });
});

// ---------------------------------------------------------------------------
// The property that matters: on any data, every rule and the whole optimizer
// give the same rows, with the same fields in the same order, as the plan they
// were given (checked against a reference interpreter).

const FIELDS: readonly ScanField[] = [
  { name: 'order_id', column: 'order_id', type: 'int64' },
  { name: 'amount', column: 'amount_eur', type: 'int32' },
  { name: 'region', column: 'region', type: 'string' },
  { name: 'status', column: 'status', type: 'string' },
  { name: 'email', column: 'email', type: 'string' },
  { name: 'note', column: 'note', type: 'string' },
];
/** Fields predicates and sorts use; inner projects always keep them, so generated plans stay valid. */
const READ = ['amount', 'region', 'status', 'email'];

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const amount = fc.integer({ min: 0, max: 4 });
const region = fc.constantFrom('EU', 'US', 'APAC');

const leaf: fc.Arbitrary<Expr> = fc.oneof(
  fc.tuple(fc.constantFrom('eq', 'ne', 'lt', 'lte', 'gt', 'gte'), amount).map(([op, v]) => Expr.compare('amount', op, v)),
  fc.tuple(fc.constantFrom('eq', 'ne', 'lt', 'gte'), region).map(([op, v]) => Expr.compare('region', op, v)),
  fc
    .tuple(fc.uniqueArray(fc.constantFrom('open', 'shipped', 'void'), { maxLength: 2 }), fc.boolean())
    .map(([vs, n]) => Expr.in('status', vs, n)),
  fc
    .tuple(fc.constantFrom('contains', 'startsWith', 'endsWith'), fc.constantFrom('a', '@x', 'b@'), fc.boolean())
    .map(([op, p, n]) => Expr.text('email', op, p, n)),
  fc.tuple(fc.constantFrom(...READ), fc.boolean()).map(([f, n]) => Expr.isNull(f, n)),
);
const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('expr'), { minLength: 1, maxLength: 3 }).map(Expr.and),
    fc.array(tie('expr'), { minLength: 1, maxLength: 3 }).map(Expr.or),
    fc.boolean().map(Expr.const),
  ),
}));

const sortKeys = fc
  .uniqueArray(fc.constantFrom('amount', 'region', 'status'), { minLength: 1, maxLength: 2 })
  .chain((fs) =>
    fc.tuple(
      ...fs.map((f) =>
        fc.constantFrom<SortKey>({ field: f, direction: 'asc', nullsLast: true }, { field: f, direction: 'desc', nullsLast: true }),
      ),
    ),
  );

type Layer = (input: PlanNode) => PlanNode;
const layer: fc.Arbitrary<Layer> = fc.oneof(
  expr.map(
    (e): Layer =>
      (input) =>
        FilterNode.create(input, e),
  ),
  fc.tuple(sortKeys, opt(fc.integer({ min: 0, max: 6 }))).map(
    ([keys, fetch]): Layer =>
      (input) =>
        SortNode.create(input, [...keys, { field: 'order_id', direction: 'asc', nullsLast: true }], fetch),
  ),
  fc.tuple(fc.integer({ min: 0, max: 3 }), opt(fc.integer({ min: 0, max: 6 }))).map(
    ([skip, fetch]): Layer =>
      (input) =>
        LimitNode.create(input, skip, fetch),
  ),
  // Masks (as the analyzer places them) change values under filters and sorts above them.
  fc
    .subarray<FieldMask>(
      [
        { field: 'email', type: 'string', kind: 'hash' },
        { field: 'region', type: 'string', kind: 'redact' },
        { field: 'amount', type: 'int32', kind: 'round', round: 2 },
      ],
      { minLength: 1 },
    )
    .map(
      (masks): Layer =>
        (input) =>
          MaskNode.create(input, masks),
    ),
  fc
    .subarray(['order_id', 'note'])
    .chain((extra) => fc.shuffledSubarray([...READ, ...extra], { minLength: READ.length + extra.length }))
    .map(
      (fields): Layer =>
        (input) =>
          ProjectNode.create(input, fields),
    ),
);

const plan: fc.Arbitrary<PlanNode> = fc
  .record({
    filters: fc.array(expr, { maxLength: 2 }),
    fetch: opt(fc.integer({ min: 0, max: 8 })),
    layers: fc.array(layer, { maxLength: 5 }),
    // The root: the fields a GraphQL selection asks for, or a totalCount.
    top: fc.oneof(
      fc.constant<Layer>((p) => p),
      fc
        .shuffledSubarray(
          FIELDS.map((f) => f.name),
          { minLength: 1 },
        )
        .map(
          (fields): Layer =>
            (p) =>
              ProjectNode.create(p, fields),
        ),
      fc.constant<Layer>((p) => CountNode.create(p)),
    ),
  })
  .map(({ filters, fetch, layers, top }) => {
    const scan = ScanNode.create({
      product: 'orders',
      major: 2,
      version: '2.1.0',
      source: '/data/orders/*.parquet',
      fields: FIELDS,
      filters,
      fetch,
    });
    return top(layers.reduce<PlanNode>((p, l) => l(p), scan));
  });

const rows: fc.Arbitrary<Row[]> = fc
  .array(
    fc.record({
      amount_eur: fc.option(amount, { nil: null }),
      region: fc.option(region, { nil: null }),
      status: fc.option(fc.constantFrom('open', 'shipped'), { nil: null }),
      email: fc.option(fc.constantFrom('ana@x', 'bob@y', 'b@x'), { nil: null }),
      note: fc.option(fc.constant('n'), { nil: null }),
    }),
    { maxLength: 10 },
  )
  .map((rs) => rs.map((r, i) => ({ order_id: BigInt(i), ...r })));

/** Rows as lists of entries, so the order of fields counts too. */
const answer = (p: PlanNode, source: Row[]) => runPlan(p, source).map((r) => Object.entries(r));

describe('optimize preserves meaning', () => {
  for (const rule of DEFAULT_RULES) {
    it(`${rule.name} alone`, () => {
      fc.assert(
        fc.property(plan, rows, (p, source) => {
          expect(answer(rule.rewrite(p).node, source)).toEqual(answer(p, source));
        }),
        { numRuns: 500 },
      );
    });
  }

  it('all rules, to a fixed point that a second run leaves alone', () => {
    fc.assert(
      fc.property(plan, rows, (p, source) => {
        const { plan: optimized } = optimize(p);
        expect(answer(optimized, source)).toEqual(answer(p, source));
        expect(optimize(optimized).plan).toBe(optimized);
      }),
      { numRuns: 500 },
    );
  });
});
