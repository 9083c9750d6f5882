/**
 * `simplify_filters`: conjuncts that each allow a set of values of one
 * field become one conjunct allowing their intersection, so the engine
 * tests each row once per field, not once per conjunct. The usual source is
 * policy: a row filter `region IN ("EU", "US")` ANDed with a caller's
 * `region = "EU"`.
 *
 * Before:
 *
 *   Scan: orders v2 (2.1.0) fields=[order_id, region, amount] filters=[region IN ("EU", "US"), region = "EU", amount > 1990]
 *
 * After:
 *
 *   Scan: orders v2 (2.1.0) fields=[order_id, region, amount] filters=[region = "EU", amount > 1990]
 *
 * Only `eq` and non-negated `IN` with known values take part: a row passes
 * all of them exactly when its value is in every set (a NULL passes none of
 * them, nor the intersection). An empty intersection is `false`. The merged
 * conjunct takes the place of the field's first one; the others keep their
 * order. Filters' predicates and scans' filter lists are both conjunctions.
 */
import { Expr, type CompareExpr, type InExpr } from '../plan/expr.js';
import { FilterNode, ScanNode, type PlanNode } from '../plan/plan.js';
import { valueKey, type Scalar } from '../plan/scalar.js';
import { changed, transformUp, unchanged, type Transformed } from '../plan/transform.js';
import type { OptimizerRule } from './optimizer-rule.js';

export const simplifyFilters: OptimizerRule = {
  name: 'simplify_filters',
  rewrite: (plan) => transformUp(plan, simplifyNode),
};

function simplifyNode(n: PlanNode): Transformed<PlanNode> {
  if (n.kind === 'filter') {
    const conjuncts = Expr.conjuncts(n.predicate);
    const merged = mergeValueSets(conjuncts);
    return merged === undefined ? unchanged(n) : changed(FilterNode.create(n.input, Expr.and(merged)));
  }
  if (n.kind === 'scan') {
    const merged = mergeValueSets(n.filters);
    return merged === undefined ? unchanged(n) : changed(ScanNode.create({ ...n, filters: merged }));
  }
  return unchanged(n);
}

type ValueSet = CompareExpr | InExpr;
const isValueSet = (e: Expr): e is ValueSet =>
  (e.kind === 'compare' && e.op === 'eq') || (e.kind === 'in' && !e.negated && e.placeholder === undefined);
const valuesOf = (e: ValueSet): readonly Scalar[] => (e.kind === 'compare' ? [e.value] : e.values);

/** The conjuncts with each field's value sets intersected, or undefined when no field has two. */
function mergeValueSets(conjuncts: readonly Expr[]): Expr[] | undefined {
  const byField = new Map<string, ValueSet[]>();
  let shared = false;
  for (const c of conjuncts) {
    if (!isValueSet(c)) continue;
    const sets = byField.get(c.field);
    if (sets === undefined) {
      byField.set(c.field, [c]);
    } else {
      sets.push(c);
      shared = true;
    }
  }
  if (!shared) return undefined;
  const out: Expr[] = [];
  for (const c of conjuncts) {
    if (!isValueSet(c)) {
      out.push(c);
      continue;
    }
    const sets = byField.get(c.field)!;
    if (sets.length === 1) out.push(c);
    else if (sets[0] === c) out.push(intersection(c.field, sets));
  }
  return out;
}

/**
 * The values every set holds, in the first set's order, each once. Values
 * are looked up by `valueKey` (equal exactly when `compareScalars` is 0), so
 * two lists of n values cost O(n), not the O(n²) of comparing each pair.
 */
function intersection(field: string, sets: readonly ValueSet[]): Expr {
  const kept = new Map<Scalar, Scalar>();
  for (const v of valuesOf(sets[0]!)) {
    const k = valueKey(v);
    if (!kept.has(k)) kept.set(k, v);
  }
  for (let s = 1; s < sets.length && kept.size > 0; s++) {
    const other = new Set<Scalar>();
    for (const v of valuesOf(sets[s]!)) other.add(valueKey(v));
    // Deleting the entry being visited is safe while iterating a Map.
    for (const k of kept.keys()) if (!other.has(k)) kept.delete(k);
  }
  const values = [...kept.values()];
  if (values.length === 0) return Expr.const(false);
  if (values.length === 1) return Expr.compare(field, 'eq', values[0]!);
  return Expr.in(field, values);
}
