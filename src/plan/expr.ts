import type { Scalar } from './scalar.js';

/**
 * Predicates, as frozen plain data. They are kept in negation normal form: the
 * compiler pushes every NOT down to the leaves (NOT eq → ne, NOT in → notIn,
 * NOT (a AND b) → NOT a OR NOT b, …). Every leaf is false on NULL, so a plain
 * two-valued evaluation gives exactly SQL's answer: a row whose compared field
 * is NULL matches no operator but `isNull`, also under negation.
 *
 * Leaves name contract fields, never source columns: the scan maps the two.
 */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte';
export type TextOp = 'contains' | 'startsWith' | 'endsWith';

export interface CompareExpr {
  readonly kind: 'compare';
  readonly field: string;
  readonly op: CompareOp;
  readonly value: Scalar;
}
export interface InExpr {
  readonly kind: 'in';
  readonly field: string;
  readonly values: readonly Scalar[];
  readonly negated: boolean;
  /**
   * A list bound only at run time, as DataFusion's placeholders: set (with
   * `values` empty) when a relationship batch is planned before its parent
   * keys are known, so `explain` can show it. Never executed.
   */
  readonly placeholder?: string;
}
export interface TextExpr {
  readonly kind: 'text';
  readonly field: string;
  readonly op: TextOp;
  readonly pattern: string;
  readonly negated: boolean;
}
export interface IsNullExpr {
  readonly kind: 'isNull';
  readonly field: string;
  readonly negated: boolean;
}
export interface AndExpr {
  readonly kind: 'and';
  readonly args: readonly Expr[];
}
export interface OrExpr {
  readonly kind: 'or';
  readonly args: readonly Expr[];
}
export interface ConstExpr {
  readonly kind: 'const';
  readonly value: boolean;
}

export type Expr = CompareExpr | InExpr | TextExpr | IsNullExpr | AndExpr | OrExpr | ConstExpr;
export type LeafExpr = CompareExpr | InExpr | TextExpr | IsNullExpr;

export const Expr = {
  compare: (field: string, op: CompareOp, value: Scalar): CompareExpr => Object.freeze({ kind: 'compare', field, op, value }),
  in: (field: string, values: readonly Scalar[], negated = false): InExpr =>
    Object.freeze({ kind: 'in', field, values: Object.freeze([...values]), negated }),
  text: (field: string, op: TextOp, pattern: string, negated = false): TextExpr =>
    Object.freeze({ kind: 'text', field, op, pattern, negated }),
  /** `field IN (<placeholder>)`: a list known only at run time (see InExpr.placeholder). */
  inPlaceholder: (field: string, placeholder: string): InExpr =>
    Object.freeze({ kind: 'in', field, values: Object.freeze([]), negated: false, placeholder }),
  isNull: (field: string, negated = false): IsNullExpr => Object.freeze({ kind: 'isNull', field, negated }),
  const: (value: boolean): ConstExpr => Object.freeze({ kind: 'const', value }),

  /** AND of the arguments, flattened; `true` when empty. */
  and(args: readonly Expr[]): Expr {
    const flat: Expr[] = [];
    for (const a of args) {
      // A loop, not push(...a.args): spreading a list of many thousand arguments overflows the stack.
      if (a.kind === 'and') for (const b of a.args) flat.push(b);
      else if (a.kind === 'const' && a.value) continue;
      else if (a.kind === 'const') return Expr.const(false);
      else flat.push(a);
    }
    if (flat.length === 0) return Expr.const(true);
    if (flat.length === 1) return flat[0]!;
    return Object.freeze({ kind: 'and', args: Object.freeze(flat) });
  },

  /** OR of the arguments, flattened; `false` when empty. */
  or(args: readonly Expr[]): Expr {
    const flat: Expr[] = [];
    for (const a of args) {
      if (a.kind === 'or') for (const b of a.args) flat.push(b);
      else if (a.kind === 'const' && !a.value) continue;
      else if (a.kind === 'const') return Expr.const(true);
      else flat.push(a);
    }
    if (flat.length === 0) return Expr.const(false);
    if (flat.length === 1) return flat[0]!;
    return Object.freeze({ kind: 'or', args: Object.freeze(flat) });
  },

  /** The conjuncts of a predicate: `a AND b AND c` → [a, b, c]. */
  conjuncts(e: Expr): readonly Expr[] {
    if (e.kind === 'and') return e.args;
    if (e.kind === 'const' && e.value) return [];
    return [e];
  },
};

const NEGATED_COMPARE: Record<CompareOp, CompareOp> = { eq: 'ne', ne: 'eq', lt: 'gte', lte: 'gt', gt: 'lte', gte: 'lt' };

/**
 * NOT e, in negation normal form, under SQL semantics for filtering:
 * NOT (x = 1) keeps neither x = 1 nor x IS NULL, which is exactly `x <> 1`.
 */
export function negate(e: Expr): Expr {
  switch (e.kind) {
    case 'compare':
      return Expr.compare(e.field, NEGATED_COMPARE[e.op], e.value);
    case 'in':
      return e.placeholder === undefined ? Expr.in(e.field, e.values, !e.negated) : Object.freeze({ ...e, negated: !e.negated });
    case 'text':
      return Expr.text(e.field, e.op, e.pattern, !e.negated);
    case 'isNull':
      return Expr.isNull(e.field, !e.negated);
    case 'and':
      return Expr.or(e.args.map(negate));
    case 'or':
      return Expr.and(e.args.map(negate));
    case 'const':
      return Expr.const(!e.value);
  }
}

/** Fields a predicate reads. */
export function exprFields(e: Expr, into: Set<string> = new Set()): Set<string> {
  switch (e.kind) {
    case 'and':
    case 'or':
      for (const a of e.args) exprFields(a, into);
      break;
    case 'const':
      break;
    default:
      into.add(e.field);
  }
  return into;
}

/**
 * A string equal for two predicates exactly when they are structurally the
 * same: same kinds, fields, operators and patterns, literals equal by value
 * and type (`1` is not `1n`), arguments in the same order. Sets and maps of
 * predicates use it, so de-duplicating n conjuncts costs n keys, not n²
 * comparisons. Memoized: plans are frozen, and a rule asks for the keys of
 * the same conjuncts on every node a filter crosses.
 */
export function exprKey(e: Expr): string {
  let key = KEYS.get(e);
  if (key === undefined) {
    key = keyOf(e);
    KEYS.set(e, key);
  }
  return key;
}

const KEYS = new WeakMap<Expr, string>();

/** A literal with its type: strings quoted, bigints suffixed. */
const literalKey = (v: Scalar): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : String(v));

function keyOf(e: Expr): string {
  switch (e.kind) {
    case 'compare':
      return `compare ${JSON.stringify(e.field)} ${e.op} ${literalKey(e.value)}`;
    case 'in': {
      const values = e.values.map(literalKey).join(',');
      return `in ${JSON.stringify(e.field)} ${e.negated} ${e.placeholder === undefined ? '' : JSON.stringify(e.placeholder)} [${values}]`;
    }
    case 'text':
      return `text ${JSON.stringify(e.field)} ${e.op} ${e.negated} ${JSON.stringify(e.pattern)}`;
    case 'isNull':
      return `isNull ${JSON.stringify(e.field)} ${e.negated}`;
    case 'and':
    case 'or':
      // Nesting is bounded: `where` by server.limits.maxWhereDepth, cursors by the number of sort keys.
      return `${e.kind}(${e.args.map(exprKey).join(', ')})`;
    case 'const':
      return String(e.value);
  }
}
