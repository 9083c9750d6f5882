/**
 * `push_down_sort`: sorts before masking when no sort key is masked, so a
 * top-K keeps its rows by raw, unmasked keys straight from the scan (which
 * visits row groups best-first by statistics) and only the rows it returns
 * are masked, instead of masking every candidate on the way in.
 *
 * Before:
 *
 *   Limit: skip=0, fetch=21
 *     Sort: amount DESC, order_id ASC
 *       Mask: email=hash
 *         Scan: orders v2 (2.1.0) fields=[order_id, amount, email] filters=[region IN ("EU", "US")]
 *
 * After:
 *
 *   Limit: skip=0, fetch=21
 *     Mask: email=hash
 *       Sort: amount DESC, order_id ASC
 *         Scan: orders v2 (2.1.0) fields=[order_id, amount, email] filters=[region IN ("EU", "US")]
 *
 * (push_down_limit then bounds the sort through the Mask.) A Mask replaces
 * values row by row and neither drops nor reorders rows, so sorting on keys
 * it leaves alone gives the same rows in the same order on either side of
 * it. A sort on a masked key stays above the Mask: masked values must order
 * the rows (docs/policies.md), and raw ones would leak through the order.
 */
import { MaskNode, SortNode, type PlanNode } from '../plan/plan.js';
import { changed, transformUp, unchanged, type Transformed } from '../plan/transform.js';
import type { OptimizerRule } from './optimizer-rule.js';

export const pushDownSort: OptimizerRule = {
  name: 'push_down_sort',
  // Bottom-up: a sort sinks through every Mask directly under it, one per step.
  rewrite: (plan) => transformUp(plan, (n) => (n.kind === 'sort' ? pushSort(n) : unchanged(n))),
};

function pushSort(sort: SortNode): Transformed<PlanNode> {
  const mask = sort.input;
  if (mask.kind !== 'mask') return unchanged(sort);
  const masked = new Set(mask.masks.map((m) => m.field));
  if (sort.keys.some((k) => masked.has(k.field))) return unchanged(sort);
  const below = pushSort(SortNode.create(mask.input, sort.keys, sort.fetch));
  return changed(MaskNode.create(below.node, mask.masks));
}
