import type { DuckDBConnection } from '@duckdb/node-api';
import { exprFields, type Expr } from '../../../src/plan/expr.js';
import { scansOf, type PlanNode } from '../../../src/plan/plan.js';

/**
 * Checks a lowered statement's shape against its plan, reading the SQL with
 * an independent parser (DuckDB's `json_serialize_sql`, which parses both
 * dialects' output): the mask is computed in a SELECT of its own, and
 * everything the plan puts above its Mask reads only that SELECT's output.
 *
 * 1. The SELECT computing the masked columns has no WHERE, GROUP BY, ORDER BY
 *    or LIMIT.
 * 2. Below it, WHERE clauses read only the columns of fields the plan
 *    filters below its Mask (the row filter, and the caller's conditions on
 *    unmasked fields the optimizer moved down): no caller condition on a
 *    masked field reads the raw value.
 * 3. Above it, no expression reads the scan's columns (alias `s`): every
 *    filter, sort key, group key and aggregate reads the masked subquery.
 * 4. Every field the plan filters or sorts on above its Mask is read by a
 *    WHERE or ORDER BY above the masked SELECT.
 *
 * Returns the problems found (empty when the shape is right).
 */
type Json = Record<string, unknown>;

export async function loweringProblems(duck: DuckDBConnection, plan: PlanNode, sql: string): Promise<string[]> {
  const reader = await duck.runAndReadAll(`SELECT json_serialize_sql(${quote(sql)}) AS j`);
  const parsed = JSON.parse(reader.getRows()[0]![0] as string) as { error: boolean; error_message?: string; statements: { node: Json }[] };
  if (parsed.error) return [`the statement does not parse: ${parsed.error_message}`];
  const chain: Json[] = [];
  for (let n: Json | undefined = parsed.statements[0]!.node; n;) {
    chain.push(n);
    const from = n['from_table'] as Json;
    n = from['type'] === 'SUBQUERY' ? ((from['subquery'] as Json)['node'] as Json) : undefined;
  }

  const mask = findMask(plan);
  if (mask === undefined) return [];
  const problems: string[] = [];
  const maskAt = chain.findIndex((n) =>
    (n['select_list'] as Json[]).some((item) => mask.masked.has(String(item['alias'])) && item['class'] !== 'COLUMN_REF'),
  );
  if (maskAt < 0) return ['no SELECT computes the masked columns'];
  const maskSelect = chain[maskAt]!;
  if (
    maskSelect['where_clause'] !== null ||
    (maskSelect['group_expressions'] as Json[]).length > 0 ||
    (maskSelect['modifiers'] as Json[]).length > 0
  ) {
    problems.push('the masking SELECT also filters, groups, sorts or limits');
  }

  const scan = scansOf(plan)[0]!;
  const columnOf = new Map(scan.fields.map((f) => [f.name, f.column]));
  const allowedBelow = new Set([...mask.filteredBelow].map((f) => columnOf.get(f) ?? f));
  for (const n of chain.slice(maskAt + 1)) {
    for (const ref of columnRefs(n['where_clause'])) {
      const column = ref[ref.length - 1]!;
      if (!allowedBelow.has(column)) problems.push(`a WHERE below the mask reads ${column}, which the plan filters only above its Mask`);
    }
  }

  const readAbove = new Set<string>();
  for (const n of chain.slice(0, maskAt)) {
    const parts = [n['select_list'], n['where_clause'], n['group_expressions'], n['modifiers']];
    for (const ref of parts.flatMap(columnRefs)) {
      if (ref.length > 1 && ref[0] === 's') problems.push(`a SELECT above the mask reads the scan's column ${ref[1]}`);
    }
    for (const ref of [...columnRefs(n['where_clause']), ...columnRefs(n['modifiers'])]) readAbove.add(ref[ref.length - 1]!);
  }
  for (const f of mask.usedAbove)
    if (!readAbove.has(f))
      problems.push(`the plan filters or sorts on ${f} above its Mask, but no WHERE or ORDER BY above the masked SELECT reads it`);
  return problems;
}

interface MaskFacts {
  readonly masked: Set<string>;
  /** Fields the plan filters on below its Mask (row filter, pushed conditions). */
  readonly filteredBelow: Set<string>;
  /** Fields the plan filters or sorts on above its Mask. */
  readonly usedAbove: Set<string>;
}

function findMask(plan: PlanNode): MaskFacts | undefined {
  const usedAbove = new Set<string>();
  for (let n: PlanNode | undefined = plan; n; n = n.kind === 'scan' ? undefined : n.input) {
    if (n.kind === 'filter') fieldsRead(n.predicate, usedAbove);
    if (n.kind === 'sort') for (const k of n.keys) usedAbove.add(k.field);
    if (n.kind !== 'mask') continue;
    const filteredBelow = new Set<string>();
    for (let m: PlanNode | undefined = n.input; m; m = m.kind === 'scan' ? undefined : m.input) {
      if (m.kind === 'filter') exprFields(m.predicate, filteredBelow);
      if (m.kind === 'scan') [...(m.rowFilter ? [m.rowFilter] : []), ...m.filters].forEach((e: Expr) => exprFields(e, filteredBelow));
    }
    return { masked: new Set(n.masks.map((m) => m.field)), filteredBelow, usedAbove };
  }
  return undefined;
}

/** Fields a predicate reads in SQL: an empty IN list is the constant FALSE. */
function fieldsRead(e: Expr, into: Set<string>): void {
  if (e.kind === 'and' || e.kind === 'or') e.args.forEach((a) => fieldsRead(a, into));
  else if (!(e.kind === 'in' && e.values.length === 0 && !e.negated)) exprFields(e, into);
}

/** Every column reference under a node of the parsed statement, as its name parts. */
function columnRefs(node: unknown): string[][] {
  const out: string[][] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v !== 'object' || v === null) return;
    const o = v as Json;
    if (o['class'] === 'COLUMN_REF') out.push(o['column_names'] as string[]);
    // A subquery in FROM is its own SELECT in the chain.
    for (const [k, x] of Object.entries(o)) if (k !== 'subquery') walk(x);
  };
  walk(node);
  return out;
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
