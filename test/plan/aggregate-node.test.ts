import { describe, expect, it } from 'vitest';
import { Expr, negate } from '../../src/plan/expr.js';
import {
  aggregateInputFields,
  aggregateName,
  AggregateNode,
  fieldsReferenced,
  FilterNode,
  MaskNode,
  outputFieldsOf,
  SortNode,
  type Aggregate,
} from '../../src/plan/plan.js';
import { printExpr, printPlan } from '../../src/plan/print-plan.js';
import { runPlan } from './evaluate-plan.js';
import { ordersScan, planText } from './orders-plan.js';

const aggregates: Aggregate[] = [
  { fn: 'count' },
  { fn: 'sum', field: 'amount', type: 'float64' },
  { fn: 'max', field: 'order_date', type: 'date' },
];

describe('Aggregate plan node', () => {
  it('is frozen plain data with a kind', () => {
    const n = AggregateNode.create(ordersScan(), ['region', 'status'], aggregates, 1000);
    expect(n.kind).toBe('aggregate');
    expect(AggregateNode.is(n)).toBe(true);
    expect(Object.isFrozen(n)).toBe(true);
    expect(Object.isFrozen(n.groupBy)).toBe(true);
    expect(Object.isFrozen(n.aggregates[1])).toBe(true);
  });

  it('outputs its group fields, then one field per aggregate named by function and field', () => {
    const n = AggregateNode.create(ordersScan(), ['region'], aggregates);
    expect(aggregates.map(aggregateName)).toEqual(['count(*)', 'sum(amount)', 'max(order_date)']);
    expect(outputFieldsOf(n)).toEqual(['region', 'count(*)', 'sum(amount)', 'max(order_date)']);
    expect(aggregateInputFields(n)).toEqual(['region', 'amount', 'order_date']);
  });

  it('references its group and aggregated fields (grants are checked on these)', () => {
    const n = SortNode.create(
      AggregateNode.create(FilterNode.create(ordersScan(), Expr.compare('status', 'eq', 'open')), ['region'], aggregates),
      [{ field: 'region', direction: 'asc', nullsLast: true }],
    );
    expect([...fieldsReferenced(n)].sort()).toEqual(['amount', 'order_date', 'region', 'status']);
  });

  it('prints with the one printer', () => {
    const plan = SortNode.create(
      AggregateNode.create(
        MaskNode.create(ordersScan(), [{ field: 'amount', type: 'float64', kind: 'round', round: 100 }]),
        ['region'],
        aggregates,
        1000,
      ),
      [{ field: 'region', direction: 'asc', nullsLast: true }],
    );
    expect(printPlan(plan)).toBe(
      planText(`
      Sort: region ASC
        Aggregate: groupBy=[region] aggregates=[count(*), sum(amount), max(order_date)] maxGroups=1000
          Mask: amount=round(100)
            Scan: orders v2 (2.1.0) fields=[order_id, customer_id, amount, region, status, email, order_date, created_at←created_ts]
    `),
    );
    expect(printPlan(AggregateNode.create(ordersScan({ fields: [] }), [], [{ fn: 'count' }])).split('\n')[0]).toBe(
      'Aggregate: groupBy=[] aggregates=[count(*)]',
    );
  });

  it('runs in the reference interpreter with SQL semantics', () => {
    const rows = [
      { order_id: 1n, region: 'EU', amount: 10, order_date: 5 },
      { order_id: 2n, region: 'EU', amount: null, order_date: 7 },
      { order_id: 3n, region: null, amount: 2.5, order_date: null },
    ];
    const scan = ordersScan({
      fields: [
        { name: 'order_id', column: 'order_id', type: 'int64' },
        { name: 'region', column: 'region', type: 'string' },
        { name: 'amount', column: 'amount', type: 'float64' },
        { name: 'order_date', column: 'order_date', type: 'date' },
      ],
    });
    expect(runPlan(AggregateNode.create(scan, ['region'], aggregates), rows)).toEqual([
      { region: 'EU', 'count(*)': 2, 'sum(amount)': 10, 'max(order_date)': 7 },
      { region: null, 'count(*)': 1, 'sum(amount)': 2.5, 'max(order_date)': null },
    ]);
  });
});

describe('IN placeholders (relationship batches before their keys are known)', () => {
  it('print as the placeholder and survive negation', () => {
    const e = Expr.inPlaceholder('customer_id', '$ordersV2.nodes.customer_id');
    expect(printExpr(e)).toBe('customer_id IN ($ordersV2.nodes.customer_id)');
    expect(printExpr(negate(e))).toBe('customer_id NOT IN ($ordersV2.nodes.customer_id)');
    expect(e.values).toEqual([]);
  });
});
