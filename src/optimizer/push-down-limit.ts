/**
 * `push_down_limit`: tells the node under a Limit how many rows are wanted,
 * so a sort keeps a bounded top-K heap instead of sorting everything, and a
 * scan stops reading once it has enough rows.
 *
 * Before:
 *
 *   Limit: skip=40, fetch=21
 *     Sort: amount DESC, order_id ASC
 *       Scan: orders v2 (2.1.0) fields=[order_id, amount] filters=[region = "EU"]
 *
 * After:
 *
 *   Limit: skip=40, fetch=21
 *     Sort: amount DESC, order_id ASC, fetch=61
 *       Scan: orders v2 (2.1.0) fields=[order_id, amount] filters=[region = "EU"]
 *
 * and, with nothing but projections between the Limit and the scan,
 *
 *   Limit: skip=0, fetch=21
 *     Project: order_id
 *       Scan: orders v2 (2.1.0) fields=[order_id, amount]
 *
 * becomes
 *
 *   Limit: skip=0, fetch=21
 *     Project: order_id
 *       Scan: orders v2 (2.1.0) fields=[order_id, amount] fetch=21
 *
 * The pushed count is skip + fetch, since the skipped rows must be produced
 * too; the Limit stays to skip them. An existing smaller fetch wins. A
 * Limit without fetch bounds nothing. Only a Project or a Mask, which neither
 * drop nor reorder rows, are crossed on the way down; a Filter is not (the first N rows
 * before filtering are not the first N after), and neither is anything else.
 */
import { ScanNode, SortNode, withInput, type LimitNode, type PlanNode } from '../plan/plan.js';
import { changed, transformUp, unchanged, type Transformed } from '../plan/transform.js';
import type { OptimizerRule } from './optimizer-rule.js';

export const pushDownLimit: OptimizerRule = {
  name: 'push_down_limit',
  rewrite: (plan) => transformUp(plan, (n) => (n.kind === 'limit' ? pushLimit(n) : unchanged(n))),
};

function pushLimit(limit: LimitNode): Transformed<PlanNode> {
  if (limit.fetch === undefined) return unchanged(limit);
  const bounded = bound(limit.input, limit.skip + limit.fetch);
  return bounded === undefined ? unchanged(limit) : changed(withInput(limit, bounded));
}

/**
 * `node` told to produce at most `fetch` rows, or undefined when it cannot be
 * told or already produces no more. An allow-list: other kinds never bound.
 */
function bound(node: PlanNode, fetch: number): PlanNode | undefined {
  switch (node.kind) {
    case 'sort':
      return fetch < (node.fetch ?? Infinity) ? SortNode.create(node.input, node.keys, fetch) : undefined;
    case 'scan':
      return fetch < (node.fetch ?? Infinity) ? ScanNode.create({ ...node, fetch }) : undefined;
    case 'project':
    case 'mask': {
      const input = bound(node.input, fetch);
      return input === undefined ? undefined : withInput(node, input);
    }
    default:
      return undefined;
  }
}
