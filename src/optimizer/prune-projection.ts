/**
 * `prune_projection`: reads only the columns the plan uses. Parquet is
 * columnar, so every column left out of a scan is bytes never fetched or
 * decoded.
 *
 * Before:
 *
 *   Project: order_id, amount
 *     Limit: skip=0, fetch=21
 *       Sort: amount DESC, order_id ASC
 *         Scan: orders v2 (2.1.0) fields=[order_id, customer_id, amount, region, email] filters=[region = "EU"]
 *
 * After:
 *
 *   Project: order_id, amount
 *     Limit: skip=0, fetch=21
 *       Sort: amount DESC, order_id ASC
 *         Scan: orders v2 (2.1.0) fields=[order_id, amount, region] filters=[region = "EU"]
 *
 * The fields each node needs are computed top-down: the root must keep every
 * field it outputs; a Project needs its fields (and only those its parent
 * uses, when it is not the root); a Filter adds its predicate's fields, a Sort
 * its keys; a Count needs none. A scan keeps, in its own order, the needed
 * fields plus those its filters read (the scan maps them to columns). Thus a
 * Count over a scan without filters reads no column at all.
 *
 * A Project left keeping every field of its input in the same order does
 * nothing, and is removed:
 *
 *   Project: order_id, amount
 *     Scan: orders v2 (2.1.0) fields=[order_id, amount]
 *
 * becomes
 *
 *   Scan: orders v2 (2.1.0) fields=[order_id, amount]
 */
import { assertNever } from '../errors.js';
import { exprFields } from '../plan/expr.js';
import { ProjectNode, ScanNode, withInput, type PlanNode } from '../plan/plan.js';
import { changed, unchanged, type Transformed } from '../plan/transform.js';
import type { OptimizerRule } from './optimizer-rule.js';

export const pruneProjection: OptimizerRule = {
  name: 'prune_projection',
  rewrite: (plan) => prune(plan, 'all'),
};

/** The fields a node must output: a set of names, or all it has (at the root, whose rows are the answer). */
type Needed = ReadonlySet<string> | 'all';

function prune(node: PlanNode, needed: Needed): Transformed<PlanNode> {
  switch (node.kind) {
    case 'scan':
      return pruneScan(node, needed);
    case 'project':
      return pruneProject(node, needed);
    case 'filter':
      return pruneInput(node, plus(needed, exprFields(node.predicate)));
    case 'sort':
      return pruneInput(node, plus(needed, node.keys.map((k) => k.field)));
    case 'limit':
      return pruneInput(node, needed);
    case 'count':
      return pruneInput(node, new Set());
    default:
      return assertNever(node, 'plan node');
  }
}

function pruneInput(node: Exclude<PlanNode, ScanNode>, needed: Needed): Transformed<PlanNode> {
  const input = prune(node.input, needed);
  return input.changed ? changed(withInput(node, input.node)) : unchanged(node);
}

function pruneScan(scan: ScanNode, needed: Needed): Transformed<PlanNode> {
  if (needed === 'all') return unchanged(scan);
  const read = new Set(needed);
  for (const f of scan.filters) exprFields(f, read);
  const fields = scan.fields.filter((f) => read.has(f.name));
  if (fields.length === scan.fields.length) return unchanged(scan);
  return changed(ScanNode.create({ ...scan, fields }));
}

function pruneProject(project: ProjectNode, needed: Needed): Transformed<PlanNode> {
  const fields = needed === 'all' ? project.fields : project.fields.filter((f) => needed.has(f));
  const input = prune(project.input, new Set(fields));
  if (sameFields(outputFields(input.node), fields)) return changed(input.node);
  if (!input.changed && fields.length === project.fields.length) return unchanged(project);
  return changed(ProjectNode.create(input.node, fields));
}

/** The fields of a node's output rows, in order. */
function outputFields(node: PlanNode): readonly string[] {
  switch (node.kind) {
    case 'scan':
      return node.fields.map((f) => f.name);
    case 'project':
      return node.fields;
    case 'filter':
    case 'sort':
    case 'limit':
      return outputFields(node.input);
    case 'count':
      return ['count'];
    default:
      return assertNever(node, 'plan node');
  }
}

function plus(needed: Needed, more: Iterable<string>): Needed {
  return needed === 'all' ? 'all' : new Set([...needed, ...more]);
}

const sameFields = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((f, i) => f === b[i]);
