import { expect } from 'vitest';
import type { OptimizerRule } from '../../src/optimizer/optimizer-rule.js';
import type { PlanNode } from '../../src/plan/plan.js';

/** What every rule's tests check of plans it must leave alone: unchanged, and the very object it was given. */
export const unchangedBy =
  (rule: OptimizerRule) =>
  (plan: PlanNode): void => {
    const result = rule.rewrite(plan);
    expect(result.changed).toBe(false);
    expect(result.node).toBe(plan);
  };
