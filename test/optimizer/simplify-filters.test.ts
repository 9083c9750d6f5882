import { describe, expect, it } from 'vitest';
import { simplifyFilters } from '../../src/optimizer/simplify-filters.js';
import { Expr } from '../../src/plan/expr.js';
import { FilterNode, type PlanNode } from '../../src/plan/plan.js';
import { printPlan } from '../../src/plan/print-plan.js';
import { ordersFields, ordersScan, planText } from '../plan/orders-plan.js';
import { unchangedBy } from './rule-support.js';

const fields = ordersFields('order_id', 'region', 'amount');
const after = (plan: PlanNode) => printPlan(simplifyFilters.rewrite(plan).node);
const expectUnchanged = unchangedBy(simplifyFilters);

describe('simplify_filters', () => {
  it('is named for switching off', () => {
    expect(simplifyFilters.name).toBe('simplify_filters');
  });

  it("intersects a row filter's IN with the caller's eq on the same field, in the scan", () => {
    const scan = ordersScan({
      fields,
      filters: [Expr.in('region', ['EU', 'US']), Expr.compare('amount', 'gt', 1990), Expr.compare('region', 'eq', 'EU')],
    });
    const r = simplifyFilters.rewrite(scan);
    expect(r.changed).toBe(true);
    expect(printPlan(r.node)).toBe(
      planText(`
      Scan: orders v2 (2.1.0) fields=[order_id, amount, region] filters=[region = "EU", amount > 1990]
    `),
    );
    expectUnchanged(r.node);
  });

  it('keeps an IN of what two lists share, and false when they share nothing', () => {
    const scan = ordersScan({ fields });
    expect(
      after(FilterNode.create(scan, Expr.and([Expr.in('region', ['EU', 'US', 'APAC']), Expr.in('region', ['US', 'APAC', 'LATAM'])]))),
    ).toBe(
      planText(`
        Filter: region IN ("US", "APAC")
          Scan: orders v2 (2.1.0) fields=[order_id, amount, region]
      `),
    );
    expect(after(FilterNode.create(scan, Expr.and([Expr.compare('region', 'eq', 'EU'), Expr.in('region', ['US'])])))).toBe(
      planText(`
        Filter: false
          Scan: orders v2 (2.1.0) fields=[order_id, amount, region]
      `),
    );
  });

  it('leaves negations, other operators, ORs and single sets alone', () => {
    const scan = ordersScan({ fields });
    expectUnchanged(ordersScan({ fields, filters: [Expr.in('region', ['EU', 'US'], true), Expr.compare('region', 'eq', 'EU')] }));
    expectUnchanged(ordersScan({ fields, filters: [Expr.compare('region', 'ne', 'EU'), Expr.compare('region', 'eq', 'US')] }));
    expectUnchanged(FilterNode.create(scan, Expr.or([Expr.compare('region', 'eq', 'EU'), Expr.compare('region', 'eq', 'US')])));
    expectUnchanged(FilterNode.create(scan, Expr.and([Expr.compare('region', 'eq', 'EU'), Expr.compare('amount', 'eq', 5)])));
    expectUnchanged(ordersScan({ fields, filters: [Expr.inPlaceholder('region', '$keys'), Expr.compare('region', 'eq', 'EU')] }));
  });
});
