import type { PlanNode } from '../plan/plan.js';
import type { OptimizerRule } from './optimizer-rule.js';
import { pruneProjection } from './prune-projection.js';
import { pushDownFilter } from './push-down-filter.js';
import { pushDownLimit } from './push-down-limit.js';
import { pushDownSort } from './push-down-sort.js';
import { simplifyFilters } from './simplify-filters.js';

/**
 * The optimizer: rewrites an analyzed plan (policy already applied) into a
 * cheaper one with the same answer. Every rule here may be switched off.
 */
export const DEFAULT_RULES: readonly OptimizerRule[] = Object.freeze([
  pushDownFilter, // first: a limit reaches a scan only with no filter above it, and pruning must see the scan's final filters
  simplifyFilters, // after filters have met in their scan: one value set per field
  pushDownSort, // before the limit: a sort below a Mask is still bounded through it
  pushDownLimit, // then: it moves no field, so it cannot change what pruning keeps
  pruneProjection, // last: it prunes against the final filters and nodes, so nothing a later rewrite reads is dropped
]);

export interface OptimizeOptions {
  /** Names of rules to skip (`push_down_filter`, …); names matching no rule are ignored. */
  readonly disabled?: readonly string[];
  /** The rules to run, in order; default `DEFAULT_RULES`. */
  readonly rules?: readonly OptimizerRule[];
}

export interface Optimized {
  readonly plan: PlanNode;
  /** Names of the rules that changed the plan, once each, in the order they first did. */
  readonly applied: string[];
}

/**
 * Plans here are a handful of nodes, so a pass is cheap; the bound only guards
 * against two rules undoing each other forever. Stopping early is safe: every
 * intermediate plan has the same answer.
 */
const MAX_PASSES = 8;

/** Runs the rules in order, pass after pass, until a whole pass changes nothing. */
export function optimize(plan: PlanNode, options: OptimizeOptions = {}): Optimized {
  const disabled = new Set(options.disabled ?? []);
  const rules = (options.rules ?? DEFAULT_RULES).filter((r) => !disabled.has(r.name));
  const applied: string[] = [];
  let current = plan;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let changedInPass = false;
    for (const rule of rules) {
      const t = rule.rewrite(current);
      if (!t.changed) continue;
      changedInPass = true;
      current = t.node;
      if (!applied.includes(rule.name)) applied.push(rule.name);
    }
    if (!changedInPass) break;
  }
  return { plan: current, applied };
}
