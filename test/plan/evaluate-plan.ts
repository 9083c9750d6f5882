import { assertNever } from '../../src/errors.js';
import type { Expr } from '../../src/plan/expr.js';
import { aggregateName, type Aggregate, type PlanNode, type SortKey } from '../../src/plan/plan.js';
import { compareScalars, type Nullable, type Row, type Scalar } from '../../src/plan/scalar.js';
import { maskFunction } from '../../src/policy/mask-value.js';

/**
 * A reference interpreter for plans over rows in memory: slow and plainly
 * SQL, the oracle that plan rewrites are checked against. Not the engine.
 */

/** SQL's three-valued logic: `null` is unknown. */
export type Truth = boolean | null;

export const not3 = (t: Truth): Truth => (t === null ? null : !t);

/** A predicate in SQL's three-valued logic (Kleene AND / OR, NULL operands give unknown). */
export function evaluate3(e: Expr, row: Row): Truth {
  switch (e.kind) {
    case 'compare': {
      const v = row[e.field] ?? null;
      if (v === null) return null;
      const c = compareScalars(v, e.value);
      return { eq: c === 0, ne: c !== 0, lt: c < 0, lte: c <= 0, gt: c > 0, gte: c >= 0 }[e.op];
    }
    case 'in': {
      const v = row[e.field] ?? null;
      if (v === null) return null;
      return e.values.some((x) => compareScalars(v, x) === 0) !== e.negated;
    }
    case 'text': {
      const v = row[e.field] ?? null;
      if (v === null) return null;
      const s = String(v);
      const hit = e.op === 'contains' ? s.includes(e.pattern) : e.op === 'startsWith' ? s.startsWith(e.pattern) : s.endsWith(e.pattern);
      return hit !== e.negated;
    }
    case 'isNull':
      return ((row[e.field] ?? null) === null) !== e.negated;
    case 'and': {
      const ts = e.args.map((a) => evaluate3(a, row));
      return ts.includes(false) ? false : ts.includes(null) ? null : true;
    }
    case 'or': {
      const ts = e.args.map((a) => evaluate3(a, row));
      return ts.includes(true) ? true : ts.includes(null) ? null : false;
    }
    case 'const':
      return e.value;
    default:
      return assertNever(e, 'expression');
  }
}

/** Plain two-valued evaluation with every leaf false on NULL, as `expr.ts` allows for NNF predicates. */
export function evaluate2(e: Expr, row: Row): boolean {
  switch (e.kind) {
    case 'and':
      return e.args.every((a) => evaluate2(a, row));
    case 'or':
      return e.args.some((a) => evaluate2(a, row));
    default:
      return evaluate3(e, row) === true;
  }
}

/** The HMAC key the reference interpreter hashes with. */
export const TEST_HASH_KEY = Buffer.from('reference-interpreter-key');

/** Runs a plan over source rows keyed by column name. */
export function runPlan(plan: PlanNode, source: readonly Row[]): Row[] {
  switch (plan.kind) {
    case 'scan': {
      const rows = source.map((r) => Object.fromEntries(plan.fields.map((f) => [f.name, r[f.column] ?? null])) as Row);
      const kept = rows.filter((r) => plan.filters.every((f) => evaluate3(f, r) === true));
      return kept.slice(0, plan.fetch);
    }
    case 'filter':
      return runPlan(plan.input, source).filter((r) => evaluate3(plan.predicate, r) === true);
    case 'project':
      return runPlan(plan.input, source).map((r) => Object.fromEntries(plan.fields.map((f) => [f, r[f] ?? null])) as Row);
    case 'sort':
      // Array.prototype.sort is stable, so ties keep their input order.
      return [...runPlan(plan.input, source)].sort((a, b) => compareRows(a, b, plan.keys)).slice(0, plan.fetch);
    case 'limit':
      return runPlan(plan.input, source).slice(plan.skip, plan.fetch === undefined ? undefined : plan.skip + plan.fetch);
    case 'count':
      return [{ count: runPlan(plan.input, source).length }];
    case 'aggregate': {
      const groups = new Map<string, Row[]>();
      if (plan.groupBy.length === 0) groups.set('', []);
      for (const r of runPlan(plan.input, source)) {
        const key = JSON.stringify(
          plan.groupBy.map((f) => r[f] ?? null),
          (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v),
        );
        groups.set(key, [...(groups.get(key) ?? []), r]);
      }
      return [...groups.values()].map((rows) => {
        const out: Row = {};
        for (const f of plan.groupBy) out[f] = rows[0]![f] ?? null;
        for (const a of plan.aggregates) out[aggregateName(a)] = aggregate(a, rows);
        return out;
      });
    }
    case 'mask': {
      const masks = plan.masks.map((m) => [m.field, maskFunction(m, TEST_HASH_KEY)] as const);
      return runPlan(plan.input, source).map((r) => {
        const out = { ...r };
        for (const [field, f] of masks) out[field] = f(r[field] ?? null);
        return out;
      });
    }
    default:
      return assertNever(plan, 'plan node');
  }
}

/** SQL aggregates over rows: nulls ignored, none left → null. */
function aggregate(a: Aggregate, rows: readonly Row[]): Nullable {
  if (a.fn === 'count') return rows.length;
  const values = rows.map((r) => r[a.field] ?? null).filter((v): v is Scalar => v !== null);
  if (values.length === 0) return null;
  switch (a.fn) {
    case 'sum':
    case 'avg': {
      if (a.type === 'float64') {
        const sum = (values as number[]).reduce((x, y) => x + y, 0);
        return a.fn === 'sum' ? sum : sum / values.length;
      }
      const sum = values.reduce<bigint>((x, y) => x + BigInt(y as number | bigint), 0n);
      return a.fn === 'sum' ? sum : Number(sum) / values.length;
    }
    case 'min':
      return values.reduce((x, y) => (compareScalars(y, x) < 0 ? y : x));
    case 'max':
      return values.reduce((x, y) => (compareScalars(y, x) > 0 ? y : x));
    default:
      return assertNever(a, 'aggregate');
  }
}

function compareRows(a: Row, b: Row, keys: readonly SortKey[]): number {
  for (const k of keys) {
    const x = a[k.field] ?? null;
    const y = b[k.field] ?? null;
    if (x === null && y === null) continue;
    if (x === null || y === null) return (x === null) === k.nullsLast ? 1 : -1;
    const c = compareScalars(x, y);
    if (c !== 0) return k.direction === 'asc' ? c : -c;
  }
  return 0;
}
