import type { PlanNode } from '../plan/plan.js';
import type { Transformed } from '../plan/transform.js';

/**
 * An optimizer rule: one rewrite of the logical plan that makes it cheaper to
 * run without changing its answer, in the manner of DataFusion's
 * `OptimizerRule`. The contract every rule keeps:
 *
 * - **It preserves meaning.** For every input data set, the rewritten plan
 *   returns the same rows in the same order as the plan it was given. A rule
 *   that cannot prove a rewrite safe leaves the plan alone.
 * - **It may be switched off.** `optimize` skips rules by `name`, so no rule
 *   may rely on another having run, and nothing that must always happen
 *   (policy: row filters, masks, grants) is an optimizer rule — that is the
 *   analyzer's job, done before the optimizer sees the plan.
 * - **It says whether it changed anything.** When nothing applies it returns
 *   `{ node: plan, changed: false }` with the very object it was given, so
 *   `optimize` can stop at a fixed point and callers can compare by identity.
 * - **It is pure.** Plans are frozen; a rule builds new nodes and never
 *   mutates, caches or reads anything outside its argument.
 * - **It is idempotent.** Running a rule on its own output changes nothing,
 *   otherwise the fixed-point loop would spin until its pass limit.
 *
 * A rule sees the whole plan and walks it itself (usually with `transformUp`
 * or `transformDown` from `plan/transform.ts`), since some rewrites need
 * context from above (the fields a parent needs) and some from below.
 */
export interface OptimizerRule {
  /** snake_case, the same as the file name (`push-down-filter.ts` → `push_down_filter`). */
  readonly name: string;
  rewrite(plan: PlanNode): Transformed<PlanNode>;
}
