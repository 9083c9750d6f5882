import type { Contract } from '../contract/contract.js';
import { userError } from '../errors.js';
import { Expr } from '../plan/expr.js';
import { FilterNode, LimitNode, ProjectNode, SortNode, type PlanNode } from '../plan/plan.js';
import type { Scalar } from '../plan/scalar.js';
import { scanOf } from './compile-connection.js';

/**
 * Compiles a lookup by primary key (docs/frontend-apps.md: `ordersV2ByKey(order_id: …)`)
 * into one plan, an ordinary plan of the product, so the analyzer puts the
 * session's grants, row filter and masks under it as under a connection's page:
 *
 *   Project(selected + primary key)
 *     Limit(skip=0, fetch=1)
 *       Sort(primary key ASC)                  -- a key the data holds twice: the connection's first row
 *         Filter(pk1 = v1 AND … AND pkn = vn)  -- compares what the session sees (masked values, if masked)
 *           Scan(every field)
 *
 * A key outside the row filter and a key that does not exist give the same
 * plan and the same empty answer.
 */
export type ByKeyArgs = Readonly<Record<string, unknown>>;

export function compileByKey(contract: Contract, args: ByKeyArgs, nodeFields: readonly string[]): PlanNode {
  const conditions = contract.primaryKey.map((field) => {
    const value = args[field];
    // GraphQL makes every key argument non-null; a missing one is a bug in the caller of this function.
    if (value === null || value === undefined) throw userError(`${field}: give the value of every primary-key field`);
    return Expr.compare(field, 'eq', value as Scalar);
  });
  const filtered = FilterNode.create(scanOf(contract), Expr.and(conditions));
  const sorted = SortNode.create(
    filtered,
    contract.primaryKey.map((field) => ({ field, direction: 'asc' as const, nullsLast: true })),
  );
  return ProjectNode.create(LimitNode.create(sorted, 0, 1), [...new Set([...nodeFields, ...contract.primaryKey])]);
}
