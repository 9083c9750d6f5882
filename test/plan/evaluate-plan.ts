import { assertNever } from '../../src/errors.js';
import type { Expr } from '../../src/plan/expr.js';
import type { PlanNode, SortKey } from '../../src/plan/plan.js';
import { compareScalars, type Row } from '../../src/plan/scalar.js';
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
