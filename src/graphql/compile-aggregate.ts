import { fieldOf, isNumeric, isOrdered, type Contract } from '../contract/contract.js';
import { internalError, userError } from '../errors.js';
import { AggregateNode, SortNode, type Aggregate, type PlanNode } from '../plan/plan.js';
import { filterOver, scanOf } from './compile-connection.js';
import { compileWhere, type WhereInput } from '../plan/compile-where.js';

/**
 * Compiles an aggregate request (docs/graphql.md: `<product>V<major>Aggregate(where:,
 * groupBy:)` and the aggregates selected) into a logical plan:
 *
 *   Sort(groupBy… ASC)                       -- groups in key order, nulls last (only with groupBy)
 *     Aggregate(groupBy, selected aggregates, maxGroups)
 *       Filter(where)
 *         Scan(every field)                  -- the optimizer narrows it
 *
 * The analyzer then refuses the plan unless the session's policy allows
 * aggregation, and puts the policy's row filter and masks under the Filter,
 * so aggregates see only rows the caller may see, by their masked values.
 * The product's `limits.maxGroups` travels in the plan: more groups is a
 * RESOURCE_LIMIT error from the engine, never a truncated list.
 */
export interface AggregateArgs {
  readonly where?: WhereInput | null;
  readonly groupBy?: readonly string[] | null;
}

export interface AggregateWants {
  readonly count: boolean;
  readonly sum: readonly string[];
  readonly avg: readonly string[];
  readonly min: readonly string[];
  readonly max: readonly string[];
}

export interface AggregatePlan {
  readonly plan: PlanNode;
  readonly groupBy: readonly string[];
}

export function compileAggregate(contract: Contract, args: AggregateArgs, wants: AggregateWants): AggregatePlan {
  const groupBy = [...(args.groupBy ?? [])];
  groupBy.forEach((f, i) => {
    if (!fieldOf(contract, f)) throw userError(`groupBy[${i}]: unknown field ${f}`);
    if (groupBy.indexOf(f) !== i) throw userError(`groupBy[${i}]: ${f} is already in groupBy`);
  });

  const aggregates: Aggregate[] = wants.count ? [{ fn: 'count' }] : [];
  for (const fn of ['sum', 'avg', 'min', 'max'] as const) {
    for (const name of new Set(wants[fn])) {
      const field = fieldOf(contract, name);
      const fits = field && (fn === 'sum' || fn === 'avg' ? isNumeric(field.type) : isOrdered(field.type));
      if (!field || !fits) throw internalError(`${fn} over ${name} of ${contract.product} v${contract.major}`);
      aggregates.push({ fn, field: name, type: field.type });
    }
  }

  const scan = scanOf(contract);
  const where = compileWhere(contract, args.where);
  const filtered = filterOver(scan, where);
  const grouped = AggregateNode.create(filtered, groupBy, aggregates, contract.limits.maxGroups);
  const plan =
    groupBy.length > 0
      ? SortNode.create(
          grouped,
          groupBy.map((field) => ({ field, direction: 'asc' as const, nullsLast: true })),
        )
      : grouped;
  return { plan, groupBy };
}
