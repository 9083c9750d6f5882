import fc from 'fast-check';
import { Expr } from '../../src/plan/expr.js';
import type { ScanField, SortKey } from '../../src/plan/plan.js';
import type { Row, Scalar } from '../../src/plan/scalar.js';
import type { Dataset } from './datasets.js';

/** Random pieces of plans over a dataset, and comparing results, for the engine's property tests. */

export const asc = (field: string): SortKey => ({ field, direction: 'asc', nullsLast: true });
export const desc = (field: string): SortKey => ({ field, direction: 'desc', nullsLast: true });

/** Literals drawn from the sample (so predicates hit real values) plus neighbours of them. */
export function valueArb(d: Dataset, f: ScanField): fc.Arbitrary<Scalar> {
  const seen = d.sample.map((r) => r[f.name]).filter((v): v is Scalar => v !== null && v !== undefined);
  const near = (v: Scalar): Scalar[] => {
    switch (f.type) {
      case 'int32':
      case 'date':
        return [(v as number) - 1, (v as number) + 1];
      case 'int64':
      case 'timestamp':
        return [(v as bigint) - 1n, (v as bigint) + 1n];
      case 'float64':
        return [(v as number) + 0.5, Math.floor(v as number)];
      case 'string':
        return [`${v as string}~`, (v as string).slice(0, -1)];
      case 'boolean':
        return [!v];
      default:
        return [];
    }
  };
  return fc.constantFrom(...seen, ...seen.flatMap(near));
}

/** A substring of a sampled string, cut at code points. */
export function patternArb(d: Dataset, f: ScanField): fc.Arbitrary<string> {
  const seen = d.sample.map((r) => r[f.name]).filter((v): v is string => typeof v === 'string');
  return fc.tuple(fc.constantFrom(...seen, 'zz-no-such', ''), fc.nat(12), fc.nat(6)).map(([s, start, len]) =>
    Array.from(s)
      .slice(start % (Array.from(s).length + 1))
      .slice(0, len + 1)
      .join(''),
  );
}

export function leafArb(d: Dataset): fc.Arbitrary<Expr> {
  const strings = d.fields.filter((f) => f.type === 'string');
  return fc.constantFrom(...d.fields).chain((f) => {
    const options: fc.Arbitrary<Expr>[] = [
      fc
        .tuple(fc.constantFrom('eq', 'ne', 'lt', 'lte', 'gt', 'gte') as fc.Arbitrary<'eq'>, valueArb(d, f))
        .map(([op, v]) => Expr.compare(f.name, op, v)),
      fc.tuple(fc.array(valueArb(d, f), { maxLength: 4 }), fc.boolean()).map(([vs, neg]) => Expr.in(f.name, vs, neg)),
      fc.boolean().map((neg) => Expr.isNull(f.name, neg)),
    ];
    if (f.type === 'string' && strings.length > 0) {
      options.push(
        fc
          .tuple(fc.constantFrom('contains', 'startsWith', 'endsWith') as fc.Arbitrary<'contains'>, patternArb(d, f), fc.boolean())
          .map(([op, p, neg]) => Expr.text(f.name, op, p, neg)),
      );
    }
    return fc.oneof(...options);
  });
}

export function predicateArb(d: Dataset, depth = 2): fc.Arbitrary<Expr> {
  if (depth === 0) return leafArb(d);
  const sub = fc.array(predicateArb(d, depth - 1), { minLength: 2, maxLength: 3 });
  return fc.oneof(
    { weight: 4, arbitrary: leafArb(d) },
    { weight: 1, arbitrary: sub.map((a) => Expr.and(a)) },
    { weight: 1, arbitrary: sub.map((a) => Expr.or(a)) },
  );
}

/** A short description of where two row lists first differ, or undefined. */
export function firstDifference(got: readonly Row[], want: readonly Row[]): string | undefined {
  const show = (r: Row | undefined) => (r === undefined ? 'none' : JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    const g = got[i];
    const w = want[i];
    if (g === undefined || w === undefined || !sameRow(g, w)) {
      return `rows ${got.length} (engine) vs ${want.length} (duckdb); first difference at ${i}:\n  engine ${show(g)}\n  duckdb ${show(w)}`;
    }
  }
  return undefined;
}

/** Rows equal as SQL values: same fields, values `===` (so -0 equals 0, as in SQL). */
function sameRow(a: Row, b: Row): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && a[k] === b[k]);
}
