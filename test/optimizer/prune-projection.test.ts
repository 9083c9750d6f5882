import { describe, expect, it } from 'vitest';
import { pruneProjection } from '../../src/optimizer/prune-projection.js';
import { Expr } from '../../src/plan/expr.js';
import { AggregateNode, CountNode, FilterNode, LimitNode, MaskNode, ProjectNode, SortNode, type PlanNode } from '../../src/plan/plan.js';
import { printPlan } from '../../src/plan/print-plan.js';
import { ordersFields, ordersScan, planText } from '../plan/orders-plan.js';
import { unchangedBy } from './rule-support.js';

const eu = Expr.compare('region', 'eq', 'EU');
const byAmount = [
  { field: 'amount', direction: 'desc', nullsLast: true },
  { field: 'order_id', direction: 'asc', nullsLast: true },
] as const;

/** Runs only this rule and prints the plan before and after it. */
function rewrite(plan: PlanNode) {
  const result = pruneProjection.rewrite(plan);
  return { before: printPlan(plan), after: printPlan(result.node), ...result };
}

const expectUnchanged = unchangedBy(pruneProjection);

describe('prune_projection', () => {
  it('is named for switching off', () => {
    expect(pruneProjection.name).toBe('prune_projection');
  });

  it('narrows the scan to the fields projected, sorted on and filtered on, in scan order', () => {
    const r = rewrite(
      ProjectNode.create(LimitNode.create(SortNode.create(ordersScan({ filters: [eu] }), byAmount), 0, 21), ['amount', 'order_id']),
    );
    expect(r.before).toBe(
      planText(`
      Project: amount, order_id
        Limit: skip=0, fetch=21
          Sort: amount DESC, order_id ASC
            Scan: orders v2 (2.1.0) fields=[order_id, customer_id, amount, region, status, email, order_date, created_at←created_ts] filters=[region = "EU"]
    `),
    );
    expect(r.changed).toBe(true);
    expect(r.after).toBe(
      planText(`
      Project: amount, order_id
        Limit: skip=0, fetch=21
          Sort: amount DESC, order_id ASC
            Scan: orders v2 (2.1.0) fields=[order_id, amount, region] filters=[region = "EU"]
    `),
    );
  });

  it('keeps the fields a filter above the scan reads', () => {
    const r = rewrite(ProjectNode.create(FilterNode.create(ordersScan(), Expr.isNull('email', true)), ['created_at']));
    expect(r.after).toBe(
      planText(`
      Project: created_at
        Filter: email IS NOT NULL
          Scan: orders v2 (2.1.0) fields=[email, created_at←created_ts]
    `),
    );
  });

  it('removes a project that keeps every field of its input in order', () => {
    const r = rewrite(ProjectNode.create(SortNode.create(ordersScan(), byAmount), ['order_id', 'amount']));
    expect(r.after).toBe(
      planText(`
      Sort: amount DESC, order_id ASC
        Scan: orders v2 (2.1.0) fields=[order_id, amount]
    `),
    );
  });

  it('keeps a project that reorders its input’s fields', () => {
    const r = rewrite(ProjectNode.create(ordersScan(), ['amount', 'order_id']));
    expect(r.after).toBe(
      planText(`
      Project: amount, order_id
        Scan: orders v2 (2.1.0) fields=[order_id, amount]
    `),
    );
  });

  it('reads no column to count a scan without filters', () => {
    const r = rewrite(CountNode.create(ordersScan()));
    expect(r.after).toBe(
      planText(`
      Count
        Scan: orders v2 (2.1.0) fields=[]
    `),
    );
  });

  it('reads only the filtered columns to count a filtered scan', () => {
    expect(rewrite(CountNode.create(ordersScan({ filters: [eu] }))).after).toBe(
      planText(`
      Count
        Scan: orders v2 (2.1.0) fields=[region] filters=[region = "EU"]
    `),
    );
    expect(rewrite(CountNode.create(FilterNode.create(ordersScan(), Expr.in('status', ['open', 'shipped'])))).after).toBe(
      planText(`
      Count
        Filter: status IN ("open", "shipped")
          Scan: orders v2 (2.1.0) fields=[status]
    `),
    );
  });

  it('narrows an inner project to what its parent uses, and removes it when that is all of its input', () => {
    const r = rewrite(CountNode.create(ProjectNode.create(ordersScan(), ['order_id', 'email'])));
    expect(r.after).toBe(
      planText(`
      Count
        Scan: orders v2 (2.1.0) fields=[]
    `),
    );
  });

  it('is idempotent', () => {
    const once = pruneProjection.rewrite(ProjectNode.create(SortNode.create(ordersScan({ filters: [eu] }), byAmount), ['order_id'])).node;
    expectUnchanged(once);
  });

  describe('over an Aggregate', () => {
    const aggregates = [
      { fn: 'count' },
      { fn: 'sum', field: 'amount', type: 'float64' },
      { fn: 'min', field: 'order_date', type: 'date' },
    ] as const;

    it('reads only the group and aggregated fields, and drops masks of fields the aggregate does not read', () => {
      const mask = MaskNode.create(ordersScan(), [
        { field: 'amount', type: 'float64', kind: 'round', round: 100 },
        { field: 'email', type: 'string', kind: 'hash' },
      ]);
      const r = rewrite(
        SortNode.create(AggregateNode.create(FilterNode.create(mask, eu), ['status'], aggregates, 1000), [
          { field: 'status', direction: 'asc', nullsLast: true },
        ]),
      );
      expect(r.after).toBe(
        planText(`
        Sort: status ASC
          Aggregate: groupBy=[status] aggregates=[count(*), sum(amount), min(order_date)] maxGroups=1000
            Filter: region = "EU"
              Mask: amount=round(100)
                Scan: orders v2 (2.1.0) fields=[amount, region, status, order_date]
      `),
      );
    });

    it('drops the aggregates nothing above it reads (never its group fields)', () => {
      const r = rewrite(ProjectNode.create(AggregateNode.create(ordersScan(), ['region'], aggregates), ['region', 'count(*)']));
      expect(r.after).toBe(
        planText(`
        Aggregate: groupBy=[region] aggregates=[count(*)]
          Scan: orders v2 (2.1.0) fields=[region]
      `),
      );
    });

    it('reads no column for a count without groups', () => {
      expect(rewrite(AggregateNode.create(ordersScan(), [], [{ fn: 'count' }])).after).toBe(
        planText(`
        Aggregate: groupBy=[] aggregates=[count(*)]
          Scan: orders v2 (2.1.0) fields=[]
      `),
      );
    });

    it('is idempotent', () => {
      expectUnchanged(pruneProjection.rewrite(AggregateNode.create(ordersScan(), ['region'], aggregates)).node);
    });
  });

  describe('leaves the plan alone', () => {
    it('when the root is not a project: all its fields are the answer', () => {
      expectUnchanged(LimitNode.create(SortNode.create(FilterNode.create(ordersScan(), eu), byAmount), 0, 10));
    });

    it('when the scan reads only what is used', () => {
      const scan = ordersScan({ fields: ordersFields('order_id', 'amount', 'region'), filters: [eu] });
      expectUnchanged(ProjectNode.create(SortNode.create(scan, byAmount), ['amount', 'order_id']));
      expectUnchanged(CountNode.create(ordersScan({ fields: [] })));
    });
  });
});
