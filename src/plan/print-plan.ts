import type { FieldType } from '../contract/contract.js';
import { assertNever } from '../errors.js';
import type { Expr } from './expr.js';
import { aggregateName, type AggregateNode, type PlanNode, type ScanNode, type SortKey } from './plan.js';
import { formatScalar, type Scalar } from './scalar.js';

/**
 * The one plan printer, used by `sluice explain`, logs and tests. One node a
 * line, children indented by two spaces:
 *
 *   Project: order_id, amount
 *     Limit: skip=0, fetch=21
 *       Sort: amount DESC, order_id ASC
 *         Scan: orders v2 (2.1.0) fields=[order_id, amount, region] filters=[region = "EU"]
 *
 * A scan under a policy shows its row filter apart from the caller's
 * filters: `rowFilter=[region IN ("EU", "US")] filters=[amount > 900]`.
 *
 * Literal values print in their GraphQL form (dates as YYYY-MM-DD), typed by
 * the scan's fields where the printer can see them.
 */
export function printPlan(plan: PlanNode): string {
  const types = new Map<string, FieldType>();
  collectTypes(plan, types);
  const lines: string[] = [];
  const walk = (n: PlanNode, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${printNode(n, types)}`);
    if (n.kind !== 'scan') walk(n.input, depth + 1);
  };
  walk(plan, 0);
  return lines.join('\n');
}

function collectTypes(n: PlanNode, into: Map<string, FieldType>) {
  if (n.kind === 'scan') for (const f of n.fields) into.set(f.name, f.type);
  else collectTypes(n.input, into);
}

function printNode(n: PlanNode, types: Map<string, FieldType>): string {
  switch (n.kind) {
    case 'scan':
      return printScan(n, types);
    case 'filter':
      return `Filter: ${printExpr(n.predicate, types)}`;
    case 'project':
      return `Project: ${n.fields.join(', ')}`;
    case 'sort':
      return `Sort: ${n.keys.map(printSortKey).join(', ')}${n.fetch !== undefined ? `, fetch=${n.fetch}` : ''}`;
    case 'limit':
      return `Limit: skip=${n.skip}, fetch=${n.fetch ?? 'None'}`;
    case 'count':
      return 'Count';
    case 'aggregate':
      return printAggregate(n);
    case 'mask':
      return `Mask: ${n.masks.map((m) => `${m.field}=${m.kind === 'round' ? `round(${m.round})` : m.kind}`).join(', ')}`;
    default:
      return assertNever(n, 'plan node');
  }
}

function printScan(n: ScanNode, types: Map<string, FieldType>): string {
  const fields = n.fields.map((f) => (f.column === f.name ? f.name : `${f.name}←${f.column}`)).join(', ');
  const parts = [`Scan: ${n.product} v${n.major} (${n.version})`, `fields=[${fields}]`];
  if (n.rowFilter) parts.push(`rowFilter=[${printExpr(n.rowFilter, types)}]`);
  if (n.filters.length > 0) parts.push(`filters=[${n.filters.map((f) => printExpr(f, types)).join(', ')}]`);
  if (n.fetch !== undefined) parts.push(`fetch=${n.fetch}`);
  if (n.table !== undefined) parts.push(`${n.table.format}${n.table.snapshotId === undefined ? '' : ` snapshot=${n.table.snapshotId}`}`);
  return parts.join(' ');
}

function printAggregate(n: AggregateNode): string {
  const parts = [`groupBy=[${n.groupBy.join(', ')}]`, `aggregates=[${n.aggregates.map(aggregateName).join(', ')}]`];
  if (n.maxGroups !== undefined) parts.push(`maxGroups=${n.maxGroups}`);
  return `Aggregate: ${parts.join(' ')}`;
}

const printSortKey = (k: SortKey) => `${k.field} ${k.direction.toUpperCase()}${k.nullsLast ? '' : ' NULLS FIRST'}`;

const OP: Record<string, string> = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' };

export function printExpr(e: Expr, types: ReadonlyMap<string, FieldType> = new Map()): string {
  const lit = (field: string, v: Scalar) => formatScalar(v, types.get(field) ?? guessType(v));
  switch (e.kind) {
    case 'compare':
      return `${e.field} ${OP[e.op]} ${lit(e.field, e.value)}`;
    case 'in':
      return `${e.field}${e.negated ? ' NOT' : ''} IN (${e.placeholder ?? e.values.map((v) => lit(e.field, v)).join(', ')})`;
    case 'text':
      return `${e.field}${e.negated ? ' NOT' : ''} ${e.op.toUpperCase()} ${JSON.stringify(e.pattern)}`;
    case 'isNull':
      return `${e.field} IS${e.negated ? ' NOT' : ''} NULL`;
    case 'and':
      return e.args.map((a) => (a.kind === 'or' ? `(${printExpr(a, types)})` : printExpr(a, types))).join(' AND ');
    case 'or':
      return e.args.map((a) => (a.kind === 'and' ? `(${printExpr(a, types)})` : printExpr(a, types))).join(' OR ');
    case 'const':
      return String(e.value);
    default:
      return assertNever(e, 'expression');
  }
}

const guessType = (v: Scalar): FieldType =>
  typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'boolean' : typeof v === 'bigint' ? 'int64' : 'float64';
