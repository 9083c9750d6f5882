import { SluiceError } from '../errors.js';
import { exprFields } from '../plan/expr.js';
import { fieldsReferenced, MaskNode, ProjectNode, ScanNode, scansOf, type PlanNode } from '../plan/plan.js';
import { transformUp, changed, unchanged } from '../plan/transform.js';
import type { EffectivePolicy } from '../policy/effective-policy.js';

/**
 * `inject_policy` (analyzer, mandatory): puts each product's policy into the
 * plan, at its scan, before any optimizer rule runs (policies before optimisation: see ARCHITECTURE.md).
 *
 * Before:
 *
 *   Sort: total_amount DESC, order_id ASC
 *     Filter: total_amount > 900
 *       Scan: orders v2 (2.1.0) fields=[order_id, region, total_amount←amount, email, …]
 *
 * After (policy: row filter region IN $caller.regions, total_amount rounded,
 * email not granted):
 *
 *   Sort: total_amount DESC, order_id ASC
 *     Filter: total_amount > 900
 *       Mask: total_amount=round(100)
 *         Scan: orders v2 (2.1.0) fields=[order_id, region, total_amount←amount] rowFilter=[region IN ("EU", "US")]
 *
 * The row filter is pinned to the scan as its `rowFilter`, apart from the
 * filters the optimizer pushes into it later: it sees raw values, and the
 * engine must know which conjuncts are the policy's, since only they may
 * decide alone which row groups are read (ScanNode.rowFilter). The mask sits
 * on the scan; everything the caller wrote (filters, sorts, cursors, counts)
 * sits above the mask and sees masked values only. The scan reads only
 * granted fields plus those the row filter needs; a field read only for the
 * row filter is projected away above it. A plan that reads a field the
 * policy does not grant is refused (FORBIDDEN) before anything runs.
 */
export function injectPolicy(plan: PlanNode, policyOf: (scan: ScanNode) => EffectivePolicy): PlanNode {
  assertGranted(plan, policyOf);
  return transformUp(plan, (n) => {
    if (n.kind !== 'scan') return unchanged(n);
    const policy = policyOf(n);
    const rowFields = policy.rowFilter ? exprFields(policy.rowFilter) : new Set<string>();
    const fields = n.fields.filter((f) => policy.fields.has(f.name) || rowFields.has(f.name));
    let node: PlanNode = ScanNode.create({ ...n, fields, ...(policy.rowFilter && { rowFilter: policy.rowFilter }) });
    const masks = policy.masks.filter((m) => fields.some((f) => f.name === m.field));
    if (masks.length > 0) node = MaskNode.create(node, masks);
    if (fields.some((f) => !policy.fields.has(f.name))) {
      node = ProjectNode.create(
        node,
        fields.filter((f) => policy.fields.has(f.name)).map((f) => f.name),
      );
    }
    return changed(node);
  }).node;
}

/** Every field the caller's part of the plan reads must be granted. */
function assertGranted(plan: PlanNode, policyOf: (scan: ScanNode) => EffectivePolicy): void {
  const [scan] = scansOf(plan);
  if (!scan) return;
  const policy = policyOf(scan);
  const refused = [...fieldsReferenced(plan)].filter((f) => !policy.fields.has(f));
  if (refused.length > 0) {
    throw new SluiceError(
      'FORBIDDEN',
      'user',
      `${refused.length === 1 ? 'field' : 'fields'} ${refused.join(', ')} of ${scan.product} v${scan.major} ${refused.length === 1 ? 'is' : 'are'} not granted to this session`,
      { fields: refused },
    );
  }
}
