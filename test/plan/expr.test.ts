import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Expr, exprFields, negate, type CompareOp } from '../../src/plan/expr.js';
import { printExpr } from '../../src/plan/print-plan.js';
import type { Row } from '../../src/plan/scalar.js';
import { evaluate2, evaluate3, not3 } from './evaluate-plan.js';

const a = Expr.compare('a', 'eq', 1);
const b = Expr.compare('b', 'lt', 2);
const c = Expr.isNull('c');
const d = Expr.in('d', ['x', 'y']);

describe('Expr.and / Expr.or', () => {
  it('flatten nested conjunctions and disjunctions', () => {
    expect(Expr.and([a, Expr.and([b, Expr.and([c, d])])])).toEqual({ kind: 'and', args: [a, b, c, d] });
    expect(Expr.or([Expr.or([a, b]), Expr.or([c, d])])).toEqual({ kind: 'or', args: [a, b, c, d] });
  });

  it('do not flatten across kinds', () => {
    expect(printExpr(Expr.and([a, Expr.or([b, c])]))).toBe('a = 1 AND (b < 2 OR c IS NULL)');
  });

  it('drop their identity, short-circuit on their absorbing constant, and unwrap one argument', () => {
    expect(Expr.and([Expr.const(true), a])).toBe(a);
    expect(Expr.and([a, Expr.const(false), b])).toEqual(Expr.const(false));
    expect(Expr.and([])).toEqual(Expr.const(true));
    expect(Expr.or([Expr.const(false), a])).toBe(a);
    expect(Expr.or([a, Expr.const(true)])).toEqual(Expr.const(true));
    expect(Expr.or([])).toEqual(Expr.const(false));
  });

  it('build frozen data', () => {
    const e = Expr.and([a, Expr.or([b, c])]);
    expect(Object.isFrozen(e)).toBe(true);
    expect(e.kind === 'and' && Object.isFrozen(e.args)).toBe(true);
    expect(Object.isFrozen(d.values)).toBe(true);
  });
});

describe('Expr.conjuncts', () => {
  it('splits an AND, keeps anything else whole, and gives none for true', () => {
    expect(Expr.conjuncts(Expr.and([a, Expr.or([b, c]), d]))).toEqual([a, Expr.or([b, c]), d]);
    expect(Expr.conjuncts(Expr.or([a, b]))).toEqual([Expr.or([a, b])]);
    expect(Expr.conjuncts(Expr.const(true))).toEqual([]);
    expect(Expr.conjuncts(Expr.const(false))).toEqual([Expr.const(false)]);
  });
});

describe('exprFields', () => {
  it('collects every field a predicate reads', () => {
    expect([...exprFields(Expr.or([Expr.and([a, b]), Expr.text('e', 'contains', 'x')]))]).toEqual(['a', 'b', 'e']);
    expect(exprFields(Expr.const(false)).size).toBe(0);
  });
});

describe('negate', () => {
  it('flips each comparison to its complement', () => {
    const flips: [CompareOp, CompareOp][] = [
      ['eq', 'ne'],
      ['ne', 'eq'],
      ['lt', 'gte'],
      ['lte', 'gt'],
      ['gt', 'lte'],
      ['gte', 'lt'],
    ];
    for (const [op, not] of flips) expect(negate(Expr.compare('a', op, 1))).toEqual(Expr.compare('a', not, 1));
  });

  it('flips the negation flag of IN, text and null tests', () => {
    expect(negate(d)).toEqual(Expr.in('d', ['x', 'y'], true));
    expect(negate(Expr.text('e', 'endsWith', '@x', true))).toEqual(Expr.text('e', 'endsWith', '@x'));
    expect(negate(c)).toEqual(Expr.isNull('c', true));
    expect(negate(Expr.const(true))).toEqual(Expr.const(false));
  });

  it('pushes NOT through AND and OR by De Morgan, flattening as it goes', () => {
    expect(printExpr(negate(Expr.and([a, Expr.or([b, c])])))).toBe('a <> 1 OR (b >= 2 AND c IS NOT NULL)');
    expect(printExpr(negate(Expr.or([a, Expr.and([b, d])])))).toBe('a <> 1 AND (b >= 2 OR d NOT IN ("x", "y"))');
  });

  it('is its own inverse', () => {
    fc.assert(
      fc.property(expr, (e) => {
        expect(negate(negate(e))).toEqual(e);
      }),
    );
  });

  it('is SQL’s NOT in three-valued logic: unknown stays unknown', () => {
    fc.assert(
      fc.property(expr, row, (e, r) => {
        expect(evaluate3(negate(e), r)).toBe(not3(evaluate3(e, r)));
      }),
    );
  });

  it('keeps the promise that two-valued evaluation (leaves false on NULL) gives SQL’s answer, negated too', () => {
    // So `where: { NOT: {..} }` never returns rows whose compared field is null (docs/graphql.md).
    fc.assert(
      fc.property(expr, row, (e, r) => {
        expect(evaluate2(e, r)).toBe(evaluate3(e, r) === true);
        expect(evaluate2(negate(e), r)).toBe(evaluate3(e, r) === false);
      }),
    );
  });
});

// Predicates over a nullable number `n` and a nullable string `s`, as the
// compiler builds them (through the factories, hence flattened).
const num = fc.integer({ min: 0, max: 3 });
const str = fc.constantFrom('', 'a', 'ab', 'ba');
const leaf: fc.Arbitrary<Expr> = fc.oneof(
  fc.tuple(fc.constantFrom<CompareOp>('eq', 'ne', 'lt', 'lte', 'gt', 'gte'), num).map(([op, v]) => Expr.compare('n', op, v)),
  fc.tuple(fc.constantFrom<CompareOp>('eq', 'ne', 'lt', 'gte'), str).map(([op, v]) => Expr.compare('s', op, v)),
  fc.tuple(fc.array(num, { maxLength: 3 }), fc.boolean()).map(([vs, neg]) => Expr.in('n', vs, neg)),
  fc.tuple(fc.constantFrom('contains', 'startsWith', 'endsWith'), str, fc.boolean()).map(([op, p, neg]) => Expr.text('s', op, p, neg)),
  fc.tuple(fc.constantFrom('n', 's'), fc.boolean()).map(([f, neg]) => Expr.isNull(f, neg)),
);
const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('expr'), { minLength: 2, maxLength: 3 }).map(Expr.and),
    fc.array(tie('expr'), { minLength: 2, maxLength: 3 }).map(Expr.or),
  ),
}));
const row: fc.Arbitrary<Row> = fc.record({ n: fc.option(num, { nil: null }), s: fc.option(str, { nil: null }) });
