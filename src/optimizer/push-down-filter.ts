/**
 * `push_down_filter`: moves filters as close to the data as they may go, and
 * into the scan, where they are evaluated while reading and let the engine
 * skip whole row groups by their statistics.
 *
 * Before:
 *
 *   Project: order_id, amount
 *     Sort: amount DESC, order_id ASC
 *       Filter: region = "EU" AND amount > 900
 *         Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status] filters=[status = "open"]
 *
 * After:
 *
 *   Project: order_id, amount
 *     Sort: amount DESC, order_id ASC
 *       Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status] filters=[status = "open", region = "EU", amount > 900]
 *
 * A filter's predicate is split into conjuncts; each conjunct sinks on its
 * own, and one already present below is not added twice. A filter only
 * crosses nodes known to commute with it (an allow-list, see `sink`):
 *
 * - Sort without fetch: filtering before or after sorting keeps the same rows
 *   in the same order.
 * - Project, for the conjuncts whose fields the project keeps.
 * - Mask, for the conjuncts that read no masked field (docs/policies.md: the caller's
 *   filters on masked fields see masked values, so those stay above).
 * - Filter: two filters are one filter over the AND of their conjuncts.
 * - Scan without fetch: its filters are conjuncts evaluated before its rows
 *   are counted.
 *
 * Everything else keeps the filter above it, because crossing it changes the
 * answer: a Limit, a Sort with fetch or a Scan with fetch (filtering the first
 * N rows is not taking the first N filtered rows), a Count (its one row has no
 * fields to filter), and any node kind added later.
 */
import { Expr, exprFields, exprKey } from '../plan/expr.js';
import { FilterNode, ScanNode, withInput, type PlanNode } from '../plan/plan.js';
import { changed, transformUp, unchanged, type Transformed } from '../plan/transform.js';
import type { OptimizerRule } from './optimizer-rule.js';

export const pushDownFilter: OptimizerRule = {
  name: 'push_down_filter',
  // Bottom-up, so a filter sinks into a subtree whose own filters have already
  // sunk, and meets them (to merge with) in the scan or just above a blocker.
  rewrite: (plan) => transformUp(plan, (n) => (n.kind === 'filter' ? pushFilter(n) : unchanged(n))),
};

function pushFilter(filter: FilterNode): Transformed<PlanNode> {
  const conjuncts = union([], Expr.conjuncts(filter.predicate));
  // A filter that is always true keeps every row.
  if (conjuncts.length === 0) return changed(filter.input);
  const pushed = sink(conjuncts, filter.input);
  return pushed === undefined ? unchanged(filter) : changed(pushed);
}

/**
 * `conjuncts` applied to `input` from inside it, as deep as they may go, or
 * undefined when none of them may cross `input` (they stay directly above it).
 *
 * Deliberately not exhaustive: this is the allow-list of nodes a filter may
 * cross, and any other kind, present or future, blocks.
 */
function sink(conjuncts: readonly Expr[], input: PlanNode): PlanNode | undefined {
  switch (input.kind) {
    case 'scan':
      if (input.fetch !== undefined) return undefined;
      return ScanNode.create({ ...input, filters: union(input.filters, conjuncts) });
    case 'sort':
      if (input.fetch !== undefined) return undefined;
      return withInput(input, place(conjuncts, input.input));
    case 'filter':
      return place(union(Expr.conjuncts(input.predicate), conjuncts), input.input);
    case 'project': {
      const kept = new Set(input.fields);
      return split(conjuncts, input, (c) => [...exprFields(c)].every((f) => kept.has(f)));
    }
    case 'mask': {
      // Only conjuncts that read no masked field: on the others, the raw
      // value below the mask would answer differently (and leak).
      const masked = new Set(input.masks.map((m) => m.field));
      return split(conjuncts, input, (c) => [...exprFields(c)].every((f) => !masked.has(f)));
    }
    default:
      return undefined;
  }
}

/** Moves the conjuncts `movable` allows below `node` (one input), keeps the rest above it. */
function split(conjuncts: readonly Expr[], node: Exclude<PlanNode, ScanNode>, movable: (c: Expr) => boolean): PlanNode | undefined {
  const moving: Expr[] = [];
  const staying: Expr[] = [];
  for (const c of conjuncts) (movable(c) ? moving : staying).push(c);
  if (moving.length === 0) return undefined;
  return place(staying, withInput(node, place(moving, node.input)));
}

/** `conjuncts` over `input`: sunk into it where they may go, else a Filter on top. */
function place(conjuncts: readonly Expr[], input: PlanNode): PlanNode {
  if (conjuncts.length === 0) return input;
  return sink(conjuncts, input) ?? FilterNode.create(input, Expr.and(conjuncts));
}

/**
 * `existing` followed by those of `added` not already among them (nor
 * repeated in `added`), equal meaning structurally equal (`exprKey`). A set
 * of keys makes it linear in the number of conjuncts: comparing each new
 * conjunct with every kept one was quadratic, and a `where` of many
 * thousand distinct conditions froze the process while planning.
 */
function union(existing: readonly Expr[], added: readonly Expr[]): Expr[] {
  const out = [...existing];
  const seen = new Set(existing.map(exprKey));
  for (const e of added) {
    const key = exprKey(e);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}
