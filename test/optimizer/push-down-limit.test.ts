import { describe, expect, it } from 'vitest';
import { pushDownLimit } from '../../src/optimizer/push-down-limit.js';
import { Expr } from '../../src/plan/expr.js';
import { CountNode, FilterNode, LimitNode, MaskNode, ProjectNode, SortNode, type PlanNode } from '../../src/plan/plan.js';
import { printPlan } from '../../src/plan/print-plan.js';
import { ordersFields, ordersScan, planText } from '../plan/orders-plan.js';
import { unchangedBy } from './rule-support.js';

const eu = Expr.compare('region', 'eq', 'EU');
const byAmount = [
  { field: 'amount', direction: 'desc', nullsLast: true },
  { field: 'order_id', direction: 'asc', nullsLast: true },
] as const;
const scan = ordersScan({ fields: ordersFields('order_id', 'amount'), filters: [eu] });

/** Runs only this rule and prints the plan before and after it. */
function rewrite(plan: PlanNode) {
  const result = pushDownLimit.rewrite(plan);
  return { before: printPlan(plan), after: printPlan(result.node), ...result };
}

const expectUnchanged = unchangedBy(pushDownLimit);

describe('push_down_limit', () => {
  it('is named for switching off', () => {
    expect(pushDownLimit.name).toBe('push_down_limit');
  });

  it('turns a sort under a limit into a top-K of skip + fetch, keeping the limit', () => {
    const r = rewrite(LimitNode.create(SortNode.create(scan, byAmount), 40, 21));
    expect(r.before).toBe(
      planText(`
      Limit: skip=40, fetch=21
        Sort: amount DESC, order_id ASC
          Scan: orders v2 (2.1.0) fields=[order_id, amount] filters=[region = "EU"]
    `),
    );
    expect(r.changed).toBe(true);
    expect(r.after).toBe(
      planText(`
      Limit: skip=40, fetch=21
        Sort: amount DESC, order_id ASC, fetch=61
          Scan: orders v2 (2.1.0) fields=[order_id, amount] filters=[region = "EU"]
    `),
    );
  });

  it('bounds a sort through a mask, which neither drops nor reorders rows', () => {
    const masked = MaskNode.create(SortNode.create(scan, byAmount), [{ field: 'amount', type: 'int32', kind: 'round', round: 10 }]);
    expect(rewrite(LimitNode.create(masked, 5, 10)).after).toBe(
      planText(`
      Limit: skip=5, fetch=10
        Mask: amount=round(10)
          Sort: amount DESC, order_id ASC, fetch=15
            Scan: orders v2 (2.1.0) fields=[order_id, amount] filters=[region = "EU"]
    `),
    );
  });

  it('stops a scan under a limit, also through projects', () => {
    expect(rewrite(LimitNode.create(scan, 0, 21)).after).toBe(
      planText(`
      Limit: skip=0, fetch=21
        Scan: orders v2 (2.1.0) fields=[order_id, amount] filters=[region = "EU"] fetch=21
    `),
    );
    expect(rewrite(LimitNode.create(ProjectNode.create(ProjectNode.create(scan, ['order_id', 'amount']), ['order_id']), 10, 5)).after).toBe(
      planText(`
        Limit: skip=10, fetch=5
          Project: order_id
            Project: order_id, amount
              Scan: orders v2 (2.1.0) fields=[order_id, amount] filters=[region = "EU"] fetch=15
      `),
    );
  });

  it('bounds a sort under a project too', () => {
    expect(rewrite(LimitNode.create(ProjectNode.create(SortNode.create(scan, byAmount), ['order_id']), 0, 3)).after).toBe(
      planText(`
      Limit: skip=0, fetch=3
        Project: order_id
          Sort: amount DESC, order_id ASC, fetch=3
            Scan: orders v2 (2.1.0) fields=[order_id, amount] filters=[region = "EU"]
    `),
    );
  });

  it('lowers a larger existing fetch', () => {
    expect(rewrite(LimitNode.create(SortNode.create(scan, byAmount, 100), 0, 10)).after).toBe(
      planText(`
      Limit: skip=0, fetch=10
        Sort: amount DESC, order_id ASC, fetch=10
          Scan: orders v2 (2.1.0) fields=[order_id, amount] filters=[region = "EU"]
    `),
    );
  });

  it('is idempotent', () => {
    expectUnchanged(pushDownLimit.rewrite(LimitNode.create(SortNode.create(scan, byAmount), 40, 21)).node);
  });

  describe('leaves the plan alone', () => {
    it('when a smaller or equal fetch is already there', () => {
      expectUnchanged(LimitNode.create(SortNode.create(scan, byAmount, 5), 0, 10));
      expectUnchanged(LimitNode.create(ordersScan({ fields: scan.fields, fetch: 10 }), 0, 10));
    });

    it('for a limit without fetch (skip only)', () => {
      expectUnchanged(LimitNode.create(SortNode.create(scan, byAmount), 40));
    });

    it('across a filter: the first N rows before filtering are not the first N after', () => {
      expectUnchanged(LimitNode.create(FilterNode.create(scan, Expr.compare('amount', 'gt', 900)), 0, 10));
    });

    it('across a count or another limit', () => {
      expectUnchanged(LimitNode.create(CountNode.create(scan), 0, 1));
      expectUnchanged(LimitNode.create(LimitNode.create(scan, 5), 0, 10));
    });

    it('across a node kind it does not know', () => {
      const unknown = Object.freeze({ kind: 'window', input: scan }) as unknown as PlanNode;
      expectUnchanged(LimitNode.create(unknown, 0, 10));
    });
  });
});
