import { describe, expect, it } from 'vitest';
import { optimize } from '../../src/optimizer/optimize.js';
import { pushDownSort } from '../../src/optimizer/push-down-sort.js';
import { Expr } from '../../src/plan/expr.js';
import { LimitNode, MaskNode, SortNode, type FieldMask } from '../../src/plan/plan.js';
import { printPlan } from '../../src/plan/print-plan.js';
import { ordersFields, ordersScan, planText } from '../plan/orders-plan.js';
import { unchangedBy } from './rule-support.js';

const scan = ordersScan({ fields: ordersFields('order_id', 'amount', 'email'), filters: [Expr.in('region', ['EU', 'US'])] });
const hashEmail: FieldMask = { field: 'email', type: 'string', kind: 'hash' };
const roundAmount: FieldMask = { field: 'amount', type: 'int32', kind: 'round', round: 100 };
const byAmount = [
  { field: 'amount', direction: 'desc', nullsLast: true },
  { field: 'order_id', direction: 'asc', nullsLast: true },
] as const;

const expectUnchanged = unchangedBy(pushDownSort);

describe('push_down_sort', () => {
  it('is named for switching off', () => {
    expect(pushDownSort.name).toBe('push_down_sort');
  });

  it('sorts below a mask that leaves every sort key alone, keeping its fetch', () => {
    const plan = LimitNode.create(SortNode.create(MaskNode.create(scan, [hashEmail]), byAmount, 21), 0, 21);
    const r = pushDownSort.rewrite(plan);
    expect(r.changed).toBe(true);
    expect(printPlan(r.node)).toBe(
      planText(`
      Limit: skip=0, fetch=21
        Mask: email=hash
          Sort: amount DESC, order_id ASC, fetch=21
            Scan: orders v2 (2.1.0) fields=[order_id, amount, email] filters=[region IN ("EU", "US")]
    `),
    );
    expectUnchanged(r.node);
  });

  it('sinks through stacked masks in one rewrite', () => {
    const plan = SortNode.create(MaskNode.create(MaskNode.create(scan, [hashEmail]), [hashEmail]), byAmount);
    expect(printPlan(pushDownSort.rewrite(plan).node)).toBe(
      planText(`
      Mask: email=hash
        Mask: email=hash
          Sort: amount DESC, order_id ASC
            Scan: orders v2 (2.1.0) fields=[order_id, amount, email] filters=[region IN ("EU", "US")]
    `),
    );
  });

  it('keeps a sort on a masked key above the mask: masked values order the rows', () => {
    expectUnchanged(SortNode.create(MaskNode.create(scan, [roundAmount]), byAmount, 21));
    expectUnchanged(SortNode.create(MaskNode.create(scan, [hashEmail]), [{ field: 'email', direction: 'asc', nullsLast: true }]));
    // One masked key among several is enough to stay.
    expectUnchanged(
      SortNode.create(MaskNode.create(scan, [hashEmail]), [...byAmount, { field: 'email', direction: 'asc', nullsLast: true }]),
    );
  });

  it('leaves sorts over anything but a mask alone', () => {
    expectUnchanged(SortNode.create(scan, byAmount, 5));
    expectUnchanged(LimitNode.create(MaskNode.create(scan, [hashEmail]), 0, 5));
  });

  it('with push_down_limit, a page of a masked caller becomes a bounded top-K under the mask', () => {
    const page = LimitNode.create(SortNode.create(MaskNode.create(scan, [hashEmail]), byAmount), 0, 21);
    expect(printPlan(optimize(page).plan)).toBe(
      planText(`
      Limit: skip=0, fetch=21
        Mask: email=hash
          Sort: amount DESC, order_id ASC, fetch=21
            Scan: orders v2 (2.1.0) fields=[order_id, amount, email] filters=[region IN ("EU", "US")]
    `),
    );
  });
});
