import { describe, expect, it } from 'vitest';
import { pushDownFilter } from '../../src/optimizer/push-down-filter.js';
import { Expr } from '../../src/plan/expr.js';
import { AggregateNode, CountNode, FilterNode, LimitNode, MaskNode, ProjectNode, SortNode, type PlanNode } from '../../src/plan/plan.js';
import { printPlan } from '../../src/plan/print-plan.js';
import { ordersFields, ordersScan, planText } from '../plan/orders-plan.js';
import { unchangedBy } from './rule-support.js';

const eu = Expr.compare('region', 'eq', 'EU');
const big = Expr.compare('amount', 'gt', 900);
const open = Expr.compare('status', 'eq', 'open');
const byAmount = [
  { field: 'amount', direction: 'desc', nullsLast: true },
  { field: 'order_id', direction: 'asc', nullsLast: true },
] as const;
const scan = ordersScan({ fields: ordersFields('order_id', 'amount', 'region', 'status') });

/** Runs only this rule and prints the plan before and after it. */
function rewrite(plan: PlanNode) {
  const result = pushDownFilter.rewrite(plan);
  return { before: printPlan(plan), after: printPlan(result.node), ...result };
}

/** The rule left the plan alone: said so, and gave back the very same object. */
const expectUnchanged = unchangedBy(pushDownFilter);

describe('push_down_filter', () => {
  it('is named for switching off', () => {
    expect(pushDownFilter.name).toBe('push_down_filter');
  });

  it('moves a filter under an aggregate into the scan', () => {
    const r = rewrite(AggregateNode.create(FilterNode.create(scan, eu), ['status'], [{ fn: 'count' }]));
    expect(r.after).toBe(
      planText(`
      Aggregate: groupBy=[status] aggregates=[count(*)]
        Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status] filters=[region = "EU"]
    `),
    );
  });

  it('merges a filter into the scan as conjuncts, after the scan’s own', () => {
    const r = rewrite(FilterNode.create(ordersScan({ fields: scan.fields, filters: [open] }), Expr.and([eu, big])));
    expect(r.before).toBe(
      planText(`
      Filter: region = "EU" AND amount > 900
        Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status] filters=[status = "open"]
    `),
    );
    expect(r.changed).toBe(true);
    expect(r.after).toBe(
      planText(`
      Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status] filters=[status = "open", region = "EU", amount > 900]
    `),
    );
  });

  it('does not add a conjunct the scan already has, nor one twice', () => {
    const r = rewrite(
      FilterNode.create(ordersScan({ fields: scan.fields, filters: [eu] }), Expr.and([Expr.compare('region', 'eq', 'EU'), big, big])),
    );
    expect(r.after).toBe(
      planText(`
      Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status] filters=[region = "EU", amount > 900]
    `),
    );
  });

  it('tells literals of different types apart when deduplicating', () => {
    const id = ordersScan({ fields: ordersFields('order_id'), filters: [Expr.compare('order_id', 'eq', 7n)] });
    const r = pushDownFilter.rewrite(FilterNode.create(id, Expr.compare('order_id', 'eq', 7)));
    expect(r.node.kind === 'scan' && r.node.filters).toHaveLength(2);
  });

  it('moves conjuncts on unmasked fields below a mask, and keeps those on masked fields above it', () => {
    const masked = MaskNode.create(scan, [{ field: 'amount', type: 'float64', kind: 'round', round: 100 }]);
    const r = rewrite(FilterNode.create(masked, Expr.and([eu, big])));
    expect(r.before).toBe(
      planText(`
      Filter: region = "EU" AND amount > 900
        Mask: amount=round(100)
          Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status]
    `),
    );
    expect(r.after).toBe(
      planText(`
      Filter: amount > 900
        Mask: amount=round(100)
          Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status] filters=[region = "EU"]
    `),
    );
  });

  it('moves a filter through a sort without fetch and a project that keeps its fields', () => {
    const r = rewrite(ProjectNode.create(FilterNode.create(SortNode.create(scan, byAmount), eu), ['order_id', 'amount', 'region']));
    expect(r.before).toBe(
      planText(`
      Project: order_id, amount, region
        Filter: region = "EU"
          Sort: amount DESC, order_id ASC
            Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status]
    `),
    );
    expect(r.after).toBe(
      planText(`
      Project: order_id, amount, region
        Sort: amount DESC, order_id ASC
          Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status] filters=[region = "EU"]
    `),
    );

    const throughProject = rewrite(FilterNode.create(ProjectNode.create(scan, ['order_id', 'region']), eu));
    expect(throughProject.after).toBe(
      planText(`
      Project: order_id, region
        Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status] filters=[region = "EU"]
    `),
    );
  });

  it('moves through a project only the conjuncts whose fields it keeps', () => {
    const r = rewrite(FilterNode.create(ProjectNode.create(scan, ['order_id', 'region']), Expr.and([eu, big])));
    expect(r.after).toBe(
      planText(`
      Filter: amount > 900
        Project: order_id, region
          Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status] filters=[region = "EU"]
    `),
    );
  });

  it('merges stacked filters and sinks them together', () => {
    const r = rewrite(FilterNode.create(SortNode.create(FilterNode.create(scan, eu), byAmount), Expr.and([big, eu])));
    expect(r.after).toBe(
      planText(`
      Sort: amount DESC, order_id ASC
        Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status] filters=[region = "EU", amount > 900]
    `),
    );
  });

  it('sinks a filter below a limit while the one above the limit stays', () => {
    const r = rewrite(FilterNode.create(LimitNode.create(FilterNode.create(scan, eu), 0, 10), big));
    expect(r.after).toBe(
      planText(`
      Filter: amount > 900
        Limit: skip=0, fetch=10
          Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status] filters=[region = "EU"]
    `),
    );
  });

  it('merges two filters stacked over a node they may not cross, into one', () => {
    const r = rewrite(FilterNode.create(FilterNode.create(LimitNode.create(scan, 0, 10), eu), big));
    expect(r.after).toBe(
      planText(`
      Filter: region = "EU" AND amount > 900
        Limit: skip=0, fetch=10
          Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status]
    `),
    );
  });

  it('drops a filter that is always true', () => {
    const r = rewrite(FilterNode.create(LimitNode.create(scan, 0, 10), Expr.and([])));
    expect(r.after).toBe(
      planText(`
      Limit: skip=0, fetch=10
        Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status]
    `),
    );
  });

  it('prints pushed literals by the scan’s field types', () => {
    const dated = ordersScan({ fields: ordersFields('order_id', 'order_date', 'created_at') });
    const r = rewrite(
      FilterNode.create(dated, Expr.and([Expr.compare('order_date', 'gte', 19723), Expr.compare('created_at', 'lt', 1704067200000000n)])),
    );
    expect(r.after).toBe(
      planText(`
      Scan: orders v2 (2.1.0) fields=[order_id, order_date, created_at←created_ts] filters=[order_date >= 2024-01-01, created_at < 2024-01-01T00:00:00.000Z]
    `),
    );
  });

  it('is idempotent', () => {
    const once = pushDownFilter.rewrite(FilterNode.create(SortNode.create(FilterNode.create(scan, eu), byAmount), big)).node;
    expectUnchanged(once);
  });

  describe('leaves the plan alone', () => {
    it('when it has no filter', () => {
      expectUnchanged(ProjectNode.create(LimitNode.create(SortNode.create(scan, byAmount), 0, 20), ['order_id']));
    });

    it('across a limit: filtering the first N rows is not taking the first N filtered rows', () => {
      expectUnchanged(FilterNode.create(LimitNode.create(scan, 0, 10), eu));
      expectUnchanged(FilterNode.create(LimitNode.create(scan, 5), eu));
    });

    it('across a sort with fetch (a top-K)', () => {
      expectUnchanged(FilterNode.create(SortNode.create(scan, byAmount, 10), eu));
    });

    it('across a count', () => {
      expectUnchanged(FilterNode.create(CountNode.create(scan), Expr.compare('count', 'gt', 0)));
    });

    it('into a scan with fetch', () => {
      expectUnchanged(FilterNode.create(ordersScan({ fields: scan.fields, fetch: 10 }), eu));
    });

    it('through a project that drops the predicate’s fields', () => {
      expectUnchanged(FilterNode.create(ProjectNode.create(scan, ['order_id']), eu));
    });

    it('across an aggregate: a condition on groups is not one on rows', () => {
      const grouped = AggregateNode.create(scan, ['region'], [{ fn: 'count' }]);
      expectUnchanged(FilterNode.create(grouped, Expr.compare('count(*)', 'gt', 3)));
      expectUnchanged(FilterNode.create(grouped, eu));
    });

    it('across a mask, for a predicate on a masked field', () => {
      // docs/policies.md: the caller's filters on masked fields see masked values.
      const mask = MaskNode.create(scan, [{ field: 'region', type: 'string', kind: 'hash' }]);
      expectUnchanged(FilterNode.create(mask, eu));
    });
  });
});
