import { describe, expect, it } from 'vitest';
import { Expr } from '../../src/plan/expr.js';
import { CountNode, FilterNode, LimitNode, ProjectNode, SortNode } from '../../src/plan/plan.js';
import { printExpr, printPlan } from '../../src/plan/print-plan.js';
import { ordersFields, ordersScan, planText } from './orders-plan.js';

const scan = ordersScan({ fields: ordersFields('order_id', 'amount', 'region', 'order_date', 'created_at') });
const print = (e: Expr) =>
  printPlan(FilterNode.create(scan, e))
    .split('\n')[0]!
    .replace(/^Filter: /, '');

describe('printPlan', () => {
  it('prints one node a line, children indented by two spaces', () => {
    const plan = ProjectNode.create(
      LimitNode.create(
        SortNode.create(
          ordersScan({ fields: ordersFields('order_id', 'amount', 'region'), filters: [Expr.compare('region', 'eq', 'EU')] }),
          [
            { field: 'amount', direction: 'desc', nullsLast: true },
            { field: 'order_id', direction: 'asc', nullsLast: true },
          ],
        ),
        0,
        21,
      ),
      ['order_id', 'amount'],
    );
    expect(printPlan(plan)).toBe(
      planText(`
      Project: order_id, amount
        Limit: skip=0, fetch=21
          Sort: amount DESC, order_id ASC
            Scan: orders v2 (2.1.0) fields=[order_id, amount, region] filters=[region = "EU"]
    `),
    );
  });

  it('prints fetches, a limit without fetch, counts, and nulls first', () => {
    const plan = CountNode.create(
      LimitNode.create(
        SortNode.create(
          ordersScan({ fields: ordersFields('amount'), fetch: 100 }),
          [{ field: 'amount', direction: 'asc', nullsLast: false }],
          50,
        ),
        10,
      ),
    );
    expect(printPlan(plan)).toBe(
      planText(`
      Count
        Limit: skip=10, fetch=None
          Sort: amount ASC NULLS FIRST, fetch=50
            Scan: orders v2 (2.1.0) fields=[amount] fetch=100
    `),
    );
  });

  it('shows a renamed field with its source column, and an empty projection', () => {
    expect(printPlan(ordersScan({ fields: ordersFields('order_id', 'created_at') }))).toBe(
      'Scan: orders v2 (2.1.0) fields=[order_id, created_at←created_ts]',
    );
    expect(printPlan(ordersScan({ fields: [] }))).toBe('Scan: orders v2 (2.1.0) fields=[]');
  });

  describe('literals, typed by the scan’s fields', () => {
    it('prints dates (days since the epoch) as YYYY-MM-DD', () => {
      expect(print(Expr.compare('order_date', 'gte', 19723))).toBe('order_date >= 2024-01-01');
      expect(print(Expr.in('order_date', [0, -1, 11016]))).toBe('order_date IN (1970-01-01, 1969-12-31, 2000-02-29)');
    });

    it('prints timestamps (µs since the epoch, as bigint) as ISO-8601 UTC, keeping microseconds', () => {
      expect(print(Expr.compare('created_at', 'lt', 1704067200000000n))).toBe('created_at < 2024-01-01T00:00:00.000Z');
      expect(print(Expr.compare('created_at', 'gt', 1704067200123456n))).toBe('created_at > 2024-01-01T00:00:00.123456Z');
      expect(print(Expr.compare('created_at', 'eq', -1n))).toBe('created_at = 1969-12-31T23:59:59.999999Z');
    });

    it('quotes strings as JSON, patterns too', () => {
      expect(print(Expr.compare('region', 'eq', 'say "hi"\n'))).toBe('region = "say \\"hi\\"\\n"');
      expect(print(Expr.text('region', 'startsWith', 'E"', true))).toBe('region NOT STARTSWITH "E\\""');
    });

    it('prints int64 bigints and floats as plain numbers', () => {
      expect(print(Expr.in('order_id', [9007199254740993n, 1n], true))).toBe('order_id NOT IN (9007199254740993, 1)');
      expect(print(Expr.compare('amount', 'lte', 0.5))).toBe('amount <= 0.5');
    });

    it('guesses from the value where no scan types the field', () => {
      expect(printExpr(Expr.compare('x', 'eq', 19723))).toBe('x = 19723');
      expect(printExpr(Expr.compare('x', 'eq', 'EU'))).toBe('x = "EU"');
      expect(printExpr(Expr.compare('x', 'eq', 5n))).toBe('x = 5');
      expect(printExpr(Expr.compare('x', 'eq', true))).toBe('x = true');
    });
  });

  it('prints null tests, constants, and parenthesises an OR inside an AND and vice versa', () => {
    expect(print(Expr.isNull('region'))).toBe('region IS NULL');
    expect(print(Expr.isNull('region', true))).toBe('region IS NOT NULL');
    expect(print(Expr.const(false))).toBe('false');
    const eu = Expr.compare('region', 'eq', 'EU');
    const us = Expr.compare('region', 'eq', 'US');
    const big = Expr.compare('amount', 'gt', 900);
    expect(print(Expr.and([Expr.or([eu, us]), big]))).toBe('(region = "EU" OR region = "US") AND amount > 900');
    expect(print(Expr.or([Expr.and([eu, big]), us]))).toBe('(region = "EU" AND amount > 900) OR region = "US"');
  });
});
