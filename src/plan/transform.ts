import { inputsOf, withInput, type PlanNode } from './plan.js';

/**
 * The result of a rewrite: the (possibly new) tree and whether anything
 * changed, as in DataFusion's `Transformed`. Rules return the node they were
 * given, unchanged, when nothing applies.
 */
export interface Transformed<T> {
  readonly node: T;
  readonly changed: boolean;
}

export const unchanged = <T>(node: T): Transformed<T> => ({ node, changed: false });
export const changed = <T>(node: T): Transformed<T> => ({ node, changed: true });

/** Rewrites bottom-up: children first, then the node over its new children. */
export function transformUp(plan: PlanNode, f: (n: PlanNode) => Transformed<PlanNode>): Transformed<PlanNode> {
  let any = false;
  let node = plan;
  for (const input of inputsOf(plan)) {
    const t = transformUp(input, f);
    if (t.changed) {
      any = true;
      node = withInput(node, t.node);
    }
  }
  const t = f(node);
  return { node: t.node, changed: any || t.changed };
}

/** Rewrites top-down: the node first, then the children of whatever it became. */
export function transformDown(plan: PlanNode, f: (n: PlanNode) => Transformed<PlanNode>): Transformed<PlanNode> {
  const t = f(plan);
  let node = t.node;
  let any = t.changed;
  for (const input of inputsOf(node)) {
    const c = transformDown(input, f);
    if (c.changed) {
      any = true;
      node = withInput(node, c.node);
    }
  }
  return { node, changed: any };
}
