import { SluiceError } from '../errors.js';
import { scansOf, type PlanNode } from '../plan/plan.js';
import { injectPolicy } from './inject-policy.js';
import { accessTo, type Session } from './session.js';

/**
 * Analyzer: the mandatory rewrites and checks that make a plan valid for a
 * session. Unlike optimizer rules they cannot be switched off, and they run
 * before any rule that moves filters (policies before optimisation: see ARCHITECTURE.md):
 *
 * 1. every scan reads a product version the session may see;
 * 2. an Aggregate reads only product versions whose policies allow
 *    aggregation (`allow.aggregate`, docs/policies.md); a plain Count (totalCount)
 *    needs no such consent;
 * 3. `inject_policy`: granted fields only, row filter on the scan, masks on
 *    the row filter, everything else above (see inject-policy.ts) — so an
 *    aggregate sees filtered rows and masked values only.
 */
export function analyze(plan: PlanNode, session: Session): PlanNode {
  for (const scan of scansOf(plan)) {
    const access = accessTo(session, scan.product, scan.major);
    if (!access || access.contract.version !== scan.version) {
      // Same message whether the version does not exist or is hidden.
      throw new SluiceError('FORBIDDEN', 'user', `product ${scan.product} v${scan.major} is not available to this session`);
    }
  }
  for (let n: PlanNode | undefined = plan; n; n = n.kind === 'scan' ? undefined : n.input) {
    if (n.kind !== 'aggregate') continue;
    for (const scan of scansOf(n)) {
      if (!accessTo(session, scan.product, scan.major)!.aggregate) {
        throw new SluiceError('FORBIDDEN', 'user', `aggregates over ${scan.product} v${scan.major} are not allowed to this session`);
      }
    }
  }
  return injectPolicy(plan, (scan) => accessTo(session, scan.product, scan.major)!);
}
