/**
 * Planning grows linearly with what a caller sends (issue 12: two
 * overlapping `in` lists of 20,000 values froze the process for 22.6 s,
 * because the optimizer compared every value with every other). Measured in
 * operations, not time: every stage on the way from a `where` argument to
 * an executed predicate — compiling the connection, the analyzer (the
 * analyst's row filter `region IN $caller.regions`), the optimizer's rules,
 * printing (explain, logs), and the engine compiling and running the
 * predicates over a batch — is handed its input through a read counter
 * (test/support/counted-reads.ts), and the reads per value must stay
 * bounded as lists and conjunctions grow. A comparison of each value with
 * every other makes reads per value grow with the size. Byte comparisons of
 * strings in the engine do not go through the counter, so those are counted
 * by spying on Buffer#compare.
 *
 * The gateway refuses such sizes (server.limits.maxInListLength,
 * maxWhereConditions: where-limits.test.ts); these tests go around the
 * limits, to the planner itself, which must not need them to stay linear.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Catalog } from '../../src/contract/catalog.js';
import { loadContracts } from '../../src/contract/load-contracts.js';
import type { Batch } from '../../src/engine/columnar/batch.js';
import type { Column } from '../../src/engine/columnar/column.js';
import { selectRows } from '../../src/engine/kernels/evaluate-predicate.js';
import { compileConnection, type ConnectionArgs } from '../../src/graphql/compile-connection.js';
import { optimize } from '../../src/optimizer/optimize.js';
import { Expr } from '../../src/plan/expr.js';
import { scansOf, type PlanNode } from '../../src/plan/plan.js';
import { printPlan } from '../../src/plan/print-plan.js';
import { resolveAccess } from '../../src/policy/effective-policy.js';
import { loadPolicies } from '../../src/policy/load-policies.js';
import { analyze } from '../../src/session/analyze.js';
import { createSession } from '../../src/session/session.js';
import { readCounter } from '../support/counted-reads.js';

const catalog = new Catalog(loadContracts('products'));
const policies = loadPolicies('policies', catalog);
const orders = catalog.get('orders', 2)!;
const WANTS = { nodeFields: ['order_id', 'region', 'total_amount'], nodes: true, pageInfo: true, totalCount: true };
const LIMITS = { defaultPageSize: 50, maxPageSize: 500 };

/** An analyst whose `regions` attribute (a claim of its token, say) lists `regions`: its row filter is an IN of them. */
function analystWith(regions: string[]) {
  const role = 'analyst';
  const purpose = 'reporting';
  const attributes = { regions };
  return createSession({
    caller: { subject: 's', roles: [role], tenant: 'acme', attributes, credential: 'api-key' as const },
    role,
    purpose,
    access: resolveAccess(policies, catalog.served('2026-11-21'), { subject: 's', tenant: 'acme', role, purpose, attributes }),
    limits: { timeoutMs: 10_000 },
  });
}

/** A batch of `rows` orders-like rows: what the engine stage runs the predicates over. */
function batch(rows: number): Batch {
  const regions = Array.from({ length: rows }, (_, i) => `R${(i * 7) % 300}`);
  const parts = regions.map((r) => Buffer.from(r, 'utf8'));
  const offsets = new Int32Array(rows + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
  const columns = new Map<string, Column>([
    ['order_id', { kind: 'bigint', values: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i * 3)), valid: null }],
    ['region', { kind: 'string', offsets, bytes: Buffer.concat(parts), valid: null }],
    ['total_amount', { kind: 'number', values: Float64Array.from({ length: rows }, (_, i) => i % 2000), valid: null }],
    // A masked column: masked values are kept as scalars.
    ['status', { kind: 'scalars', values: regions }],
  ]);
  return { length: rows, columns, selection: null, ordinalBase: 0 };
}

/** Every predicate the optimized plan evaluates: its scans' filters and its Filter nodes. */
function predicatesOf(plan: PlanNode): Expr[] {
  const out = scansOf(plan).map((s) => Expr.and(s.filters));
  for (let n: PlanNode | undefined = plan; n && n.kind !== 'scan'; n = n.input) if (n.kind === 'filter') out.push(n.predicate);
  return out;
}

interface Shape {
  readonly args: ConnectionArgs;
  /** The analyst's `regions`. */
  readonly regions: string[];
  /** Predicates the plan does not make but the engine must run too (on a masked column). */
  readonly extra: Expr[];
}

/** Reads of `input` by `stage`, through a fresh counter. */
function readsOf<T>(input: T, stage: (input: T) => unknown): number {
  const c = readCounter();
  stage(c.view(input));
  return c.reads;
}

/**
 * The operations of planning `shape`: reads of each stage's input (each
 * stage gets its input plain from an uncounted run, through a fresh view),
 * and of filtering a batch of `rows` rows with the plan's predicates (reads
 * and Buffer#compare calls).
 */
function operations(shape: Shape, rows = 512): { planning: number; filtering: number } {
  const session = analystWith(shape.regions);
  const compiled = compileConnection(orders, shape.args, WANTS, LIMITS, Buffer.alloc(32));
  const plans = [compiled.page!, compiled.count!];
  const analyzed = plans.map((p) => analyze(p, session));
  const optimized = analyzed.map((p) => optimize(p).plan);
  const predicates = [...optimized.flatMap(predicatesOf), ...shape.extra];
  const planning =
    readsOf(shape.args, (args) => compileConnection(orders, args, WANTS, LIMITS, Buffer.alloc(32))) +
    plans.reduce((n, p) => n + readsOf(p, (v) => analyze(v, session)), 0) +
    analyzed.reduce((n, p) => n + readsOf(p, (v) => optimize(v)), 0) +
    optimized.reduce((n, p) => n + readsOf(p, (v) => printPlan(v)), 0);
  const b = batch(rows);
  const compare = vi.spyOn(Buffer.prototype, 'compare');
  const filtering = predicates.reduce((n, e) => n + readsOf(e, (v) => selectRows(v, b)), 0) + compare.mock.calls.length;
  compare.mockRestore();
  return { planning, filtering };
}

const ids = (n: number, step: number) => Array.from({ length: n }, (_, i) => BigInt(i * step));
const names = (n: number, step: number) => Array.from({ length: n }, (_, i) => `R${i * step}`);

/** Two overlapping `in` lists on one field, an `in` on a field the row filter also lists, and a masked-column IN in the engine. */
const inLists = (n: number): Shape => ({
  args: {
    where: { order_id: { in: ids(n, 2) }, region: { in: names(n, 1) }, AND: [{ order_id: { in: ids(n, 3) } }] },
    orderBy: [{ total_amount: 'DESC' }],
    first: 10,
  },
  regions: names(n, 2),
  extra: [Expr.in('status', names(n, 1))],
});

/** `n` distinct conditions ANDed, and `n` equalities on one field (which the optimizer intersects). */
const conjuncts = (n: number): Shape => ({
  args: {
    where: {
      AND: [
        ...Array.from({ length: n }, (_, i) => ({ total_amount: { gt: i } })),
        ...Array.from({ length: n }, (_, i) => ({ order_id: { eq: BigInt(i) } })),
      ],
    },
    first: 10,
  },
  regions: ['R1', 'R2'],
  extra: [],
});

afterEach(() => vi.restoreAllMocks());

describe('planning cost', () => {
  for (const [what, shape] of [
    ['in-list length', inLists],
    ['number of conjuncts', conjuncts],
  ] as const) {
    it(`grows linearly in ${what}`, () => {
      const perValue = (n: number) => {
        const { planning, filtering } = operations(shape(n));
        return (planning + filtering) / n;
      };
      // Linear work costs no more per value at four times the size (its fixed part is spread thinner);
      // comparing every value with every other costs about four times more.
      fc.assert(
        fc.property(fc.noBias(fc.integer({ min: 400, max: 4000 })), (n) => {
          expect(perValue(n)).toBeLessThan(1.5 * perValue(Math.floor(n / 4)));
        }),
        { numRuns: 5 },
      );
    });
  }

  it('filters a row with work that does not grow with the in-lists', () => {
    // The work of one more row, with short and with long lists: a row tested against every value of a list grows with it.
    const perRow = (n: number) => (operations(inLists(n), 1024).filtering - operations(inLists(n), 512).filtering) / 512;
    fc.assert(
      fc.property(fc.noBias(fc.integer({ min: 400, max: 4000 })), (n) => {
        expect(perRow(n)).toBeLessThanOrEqual(1.5 * perRow(20) + 1);
      }),
      { numRuns: 5 },
    );
  });

  it('counts what it should: larger lists read more', () => {
    const small = operations(inLists(100));
    const large = operations(inLists(1000));
    expect(large.planning).toBeGreaterThan(5 * small.planning);
    expect(large.filtering).toBeGreaterThan(small.filtering);
  });
});
