import { describe, expect, it } from 'vitest';
import { duckdbDialect } from '../../../src/engine/sql/duckdb.js';
import { lowerPlan } from '../../../src/engine/sql/lower-plan.js';
import { planRows } from '../../../src/engine/sql/sql-rows.js';
import { trinoDialect } from '../../../src/engine/sql/trino.js';
import { SluiceError } from '../../../src/errors.js';
import { Expr } from '../../../src/plan/expr.js';
import { AggregateNode, CountNode, FilterNode, MaskNode, ProjectNode, SortNode, type PlanNode } from '../../../src/plan/plan.js';
import { ordersScan } from '../../plan/orders-plan.js';

/**
 * The lowering's refusals and corner shapes (its answers are checked against
 * the embedded engine in equivalence*.test.ts, its text in golden.test.ts).
 */
const lower = (plan: PlanNode, dialect = duckdbDialect, hashFunction: string | null = 'h') =>
  lowerPlan(plan, { dialect, relation: () => 'orders', ...(hashFunction !== null && { hashFunction }) });

function refusal(f: () => unknown): SluiceError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SluiceError);
    return e as SluiceError;
  }
  throw new Error('expected a refusal');
}

const email = { field: 'email', type: 'string' as const, kind: 'hash' as const };

describe('lowerPlan', () => {
  it('refuses, as a bug upstream, shapes the analyzer and optimizer never build', () => {
    // A mask over rows sorted by the raw value it masks: the raw order would show through.
    const sortedRaw = MaskNode.create(SortNode.create(ordersScan(), [{ field: 'email', direction: 'asc', nullsLast: true }], 5), [email]);
    expect(refusal(() => lower(sortedRaw)).code).toBe('INTERNAL_SERVER_ERROR');
    // A relationship batch's IN list that was never bound.
    expect(refusal(() => lower(FilterNode.create(ordersScan(), Expr.inPlaceholder('customer_id', '$parents')))).code).toBe(
      'INTERNAL_SERVER_ERROR',
    );
    // A hash mask without the engine's hash function.
    expect(refusal(() => lower(MaskNode.create(ordersScan(), [email]), trinoDialect, null)).code).toBe('INTERNAL_SERVER_ERROR');
    // A count over an aggregate that bounds its groups.
    const bounded = AggregateNode.create(ordersScan(), ['region'], [{ fn: 'count' }], 10);
    expect(refusal(() => lower(CountNode.create(bounded))).code).toBe('INTERNAL_SERVER_ERROR');
  });

  it("refuses a literal outside what both dialects can write exactly (the caller's to change)", () => {
    for (const dialect of [duckdbDialect, trinoDialect]) {
      const far = FilterNode.create(ordersScan(), Expr.compare('created_at', 'gt', 253_402_300_800_000_000n));
      expect(refusal(() => lower(far, dialect)).code).toBe('BAD_USER_INPUT');
    }
  });

  it('selects a placeholder column for rows without fields, which planRows leaves out', () => {
    const none = lower(ProjectNode.create(ordersScan(), []));
    expect(none.columns).toEqual([]);
    expect(none.extraColumns).toBe(1);
    expect(none.sql).toContain('TRUE AS "$row"');
    expect(planRows(none, [[true], [true]], () => null)).toEqual([{}, {}]);
    const nothing = lower(AggregateNode.create(ordersScan(), [], []));
    expect(nothing.sql).toContain('count(*) AS "$row"');
  });

  it('checks the group count column: RESOURCE_LIMIT past maxGroups, as the embedded engine', () => {
    const grouped = lower(AggregateNode.create(ordersScan(), ['region'], [{ fn: 'count' }], 2));
    expect(grouped.maxGroups).toEqual({ max: 2 });
    const decode = (v: unknown) => (typeof v === 'bigint' ? Number(v) : (v as string));
    expect(
      planRows(
        grouped,
        [
          ['EU', 3n, 2n],
          ['US', 4n, 2n],
        ],
        decode,
      ),
    ).toEqual([
      { region: 'EU', 'count(*)': 3 },
      { region: 'US', 'count(*)': 4 },
    ]);
    expect(() => planRows(grouped, [['EU', 3n, 3n]], decode)).toThrow(/more than 2 groups/);
    // One group without group fields: nothing to bound.
    expect(lower(AggregateNode.create(ordersScan(), [], [{ fn: 'count' }], 1)).maxGroups).toBeUndefined();
  });
});
