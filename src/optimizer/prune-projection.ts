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
 * A Mask drops the masks of fields nothing above it reads, and goes away
 * when none is left.
 *
 * An Aggregate needs from its input only its group fields and the fields it
 * aggregates, and drops the aggregates nothing above it reads (its group
 * fields stay: they define the groups):
 *
 *   Project: region, count(*)
 *     Aggregate: groupBy=[region] aggregates=[count(*), sum(amount)]
 *       Scan: orders v2 (2.1.0) fields=[order_id, amount, region, status]
 *
 * becomes
 *
 *   Project: region, count(*)
 *     Aggregate: groupBy=[region] aggregates=[count(*)]
 *       Scan: orders v2 (2.1.0) fields=[region]
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
import {
  AggregateNode,
  aggregateInputFields,
  aggregateName,
  MaskNode,
  outputFieldsOf,
  ProjectNode,
  ScanNode,
  withInput,
  type PlanNode,
} from '../plan/plan.js';
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
      return pruneInput(
        node,
        plus(
          needed,
          node.keys.map((k) => k.field),
        ),
      );
    case 'limit':
      return pruneInput(node, needed);
    case 'count':
      return pruneInput(node, new Set());
    case 'mask':
      return pruneMask(node, needed);
    case 'aggregate':
      return pruneAggregate(node, needed);
    default:
      return assertNever(node, 'plan node');
  }
}

function pruneInput(node: Exclude<PlanNode, ScanNode>, needed: Needed): Transformed<PlanNode> {
  const input = prune(node.input, needed);
  return input.changed ? changed(withInput(node, input.node)) : unchanged(node);
}

/** A mask keeps only the masks of fields still needed above it; with none left it goes. */
function pruneMask(mask: MaskNode, needed: Needed): Transformed<PlanNode> {
  const masks = needed === 'all' ? mask.masks : mask.masks.filter((m) => needed.has(m.field));
  const input = prune(mask.input, needed);
  if (masks.length === 0) return changed(input.node);
  if (!input.changed && masks.length === mask.masks.length) return unchanged(mask);
  return changed(MaskNode.create(input.node, masks));
}

/** An aggregate keeps the aggregates still needed above it, and needs only what they and its groups read. */
function pruneAggregate(aggregate: AggregateNode, needed: Needed): Transformed<PlanNode> {
  const aggregates = needed === 'all' ? aggregate.aggregates : aggregate.aggregates.filter((a) => needed.has(aggregateName(a)));
  const kept =
    aggregates.length === aggregate.aggregates.length
      ? aggregate
      : AggregateNode.create(aggregate.input, aggregate.groupBy, aggregates, aggregate.maxGroups);
  const input = prune(kept.input, new Set(aggregateInputFields(kept)));
  if (!input.changed && kept === aggregate) return unchanged(aggregate);
  return changed(withInput(kept, input.node));
}

function pruneScan(scan: ScanNode, needed: Needed): Transformed<PlanNode> {
  if (needed === 'all') return unchanged(scan);
  const read = new Set(needed);
  for (const f of scan.filters) exprFields(f, read);
  if (scan.rowFilter) exprFields(scan.rowFilter, read);
  const fields = scan.fields.filter((f) => read.has(f.name));
  if (fields.length === scan.fields.length) return unchanged(scan);
  return changed(ScanNode.create({ ...scan, fields }));
}

function pruneProject(project: ProjectNode, needed: Needed): Transformed<PlanNode> {
  const fields = needed === 'all' ? project.fields : project.fields.filter((f) => needed.has(f));
  const input = prune(project.input, new Set(fields));
  if (sameFields(outputFieldsOf(input.node), fields)) return changed(input.node);
  if (!input.changed && fields.length === project.fields.length) return unchanged(project);
  return changed(ProjectNode.create(input.node, fields));
}

function plus(needed: Needed, more: Iterable<string>): Needed {
  return needed === 'all' ? 'all' : new Set([...needed, ...more]);
}

const sameFields = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((f, i) => f === b[i]);
