import { SluiceError } from '../errors.js';
import { scansOf, type PlanNode } from '../plan/plan.js';
import { sessionSees, type Session } from './session.js';

/**
 * Analyzer: the mandatory rewrites and checks that make a plan valid for a
 * session. Unlike optimizer rules they cannot be switched off, and they run
 * before any rule that moves filters (STYLE.md §4). Today the analyzer checks
 * that every scan reads a product version the session may see; the governance
 * work adds policy injection (row filters and masks directly above the scan).
 */
export function analyze(plan: PlanNode, session: Session): PlanNode {
  for (const scan of scansOf(plan)) {
    const contract = sessionSees(session, scan.product, scan.major);
    if (!contract || contract.version !== scan.version) {
      // Same message whether the version does not exist or is hidden.
      throw new SluiceError('FORBIDDEN', 'user', `product ${scan.product} v${scan.major} is not available to this session`);
    }
  }
  return plan;
}
