import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAggregate } from '../../../src/graphql/compile-aggregate.js';
import { compileConnection, scanOf, type ConnectionArgs } from '../../../src/graphql/compile-connection.js';
import { compileRelationshipBatch } from '../../../src/graphql/compile-relationship.js';
import { encodeCursor } from '../../../src/graphql/cursor.js';
import { duckdbDialect } from '../../../src/engine/sql/duckdb.js';
import { lowerPlan } from '../../../src/engine/sql/lower-plan.js';
import { trinoDialect } from '../../../src/engine/sql/trino.js';
import { Expr } from '../../../src/plan/expr.js';
import { CountNode, FilterNode, LimitNode, ProjectNode, SortNode, type PlanNode } from '../../../src/plan/plan.js';
import { printPlan } from '../../../src/plan/print-plan.js';
import { resolveAccess } from '../../../src/policy/effective-policy.js';
import { loadPolicies } from '../../../src/policy/load-policies.js';
import { createSession, type Session } from '../../../src/session/session.js';
import { catalog, customers, DUCKDB_HASH, HASH_ROUTINE, orders, prepared, sessionOf } from './three-engines.js';

/**
 * The SQL each dialect is sent for representative plans, committed under
 * test/engine/sql/golden/ (`<name>.trino.sql`, `<name>.duckdb.sql`), each
 * opening with the optimized plan it lowers as a comment. This is where a
 * reviewer checks the SQL by eye, and where someone with a Trino runs it:
 * the tests here never reach a real Trino (see the stand-in's notes).
 * `SLUICE_WRITE_GOLDEN=1 npx vitest run test/engine/sql/golden.test.ts`
 * rewrites them after a deliberate change.
 */
const DIR = 'test/engine/sql/golden';
const WRITE = process.env['SLUICE_WRITE_GOLDEN'] === '1';
const SECRET = Buffer.from('golden-cursor-secret');
const LIMITS = { defaultPageSize: 50, maxPageSize: 500 };

function publicSession(): Session {
  const policies = loadPolicies('policies', catalog);
  const who = { subject: 'anonymous', role: 'public', purpose: 'unspecified', attributes: {} };
  return createSession({
    caller: { subject: 'anonymous', roles: ['public'], attributes: {}, credential: 'anonymous' },
    role: 'public',
    access: resolveAccess(policies, catalog.served('2026-11-21'), who),
    limits: { timeoutMs: 60_000 },
  });
}

const page = (contract = orders, args: ConnectionArgs, fields: string[], totalCount = false) =>
  compileConnection(contract, args, { nodeFields: fields, nodes: true, pageInfo: true, totalCount }, LIMITS, SECRET);

/** Name → the plan as the engine receives it (analyzed for a caller, optimized). */
function cases(): Record<string, PlanNode> {
  const admin = sessionOf('admin');
  const analyst = sessionOf('analyst');
  const strict = sessionOf('strict');
  const anonymous = publicSession();
  const eu = page(
    orders,
    { where: { region: { eq: 'EU' }, total_amount: { gt: 1500 } }, orderBy: [{ total_amount: 'DESC' }], first: 3 },
    ['order_id', 'total_amount', 'order_date'],
    true,
  );
  const byEmail = page(orders, { where: { email: { gte: '8' } }, orderBy: [{ email: 'ASC' }], first: 10 }, ['order_id', 'email']);
  const after = encodeCursor(SECRET, byEmail.fingerprint, byEmail.cursorKeys, ['8f3a', 4711n]);
  const aggregates = { count: true, sum: ['lifetime_value'], avg: ['lifetime_value'], min: ['signup_date'], max: ['name'] };
  return {
    // A page and its totalCount: filters in the scan, top-K, the primary key closing the order.
    'page-filter-sort': prepared(eu.page!, admin),
    'page-total-count': prepared(eu.count!, admin),
    // The analyst: row filter on raw values, e-mail hashed below the caller's filter, sort and cursor.
    'page-after-cursor-on-hashed-email': prepared(
      page(orders, { where: { email: { gte: '8' } }, orderBy: [{ email: 'ASC' }], first: 10, after }, ['order_id', 'email']).page!,
      analyst,
    ),
    // The public role: amounts rounded (arithmetic, halves away from zero), sorted by the rounded value, offset.
    'page-offset-sort-on-rounded-amount': prepared(
      page(orders, { orderBy: [{ total_amount: 'DESC' }, { created_at: 'ASC' }], first: 20, offset: 40 }, [
        'order_id',
        'total_amount',
        'created_at',
      ]).page!,
      anonymous,
    ),
    // Every other mask kind, with a row filter on a field the policy also masks.
    'page-every-mask': prepared(
      page(
        customers,
        {
          where: { OR: [{ name: { startsWith: 'Ad' } }, { email: { endsWith: '@example.com' } }] },
          orderBy: [{ updated_at: 'DESC' }],
          first: 5,
        },
        customers.fields.map((f) => f.name),
      ).page!,
      strict,
    ),
    'page-masks-of-orders': prepared(
      page(
        orders,
        { where: { quantity: { in: [3, 6] } }, orderBy: [{ order_date: 'ASC' }], first: 5 },
        orders.fields.map((f) => f.name),
      ).page!,
      strict,
    ),
    // NOT in negation normal form: ne, notIn and negated text keep no null (no IS NOT NULL needed).
    'count-negations': prepared(
      page(
        orders,
        {
          where: {
            NOT: {
              OR: [
                { email: { eq: 'a@example.com' } },
                { notes: { contains: '50%_off\\' } },
                { is_gift: { eq: true } },
                { currency: { in: [] } },
              ],
            },
          },
          first: 1,
        },
        ['order_id'],
        true,
      ).count!,
      admin,
    ),
    // Literals of every type.
    'count-literals': prepared(
      CountNode.create(
        FilterNode.create(
          scanOf(orders),
          Expr.and([
            Expr.compare('order_date', 'gte', 18_993),
            Expr.compare('created_at', 'lt', 1_735_689_600_123_456n),
            Expr.compare('total_amount', 'lt', 0.1),
            Expr.compare('total_amount', 'ne', 1e300),
            Expr.compare('order_id', 'gt', -(2n ** 63n)),
            Expr.in('region', ["O'Brien", 'Ünïcode ✓']),
            Expr.compare('is_gift', 'ne', false),
          ]),
        ),
      ),
      admin,
    ),
    // Aggregates over masked values with group-by, bounded groups; exact integer sums.
    'aggregate-group-by-masked': prepared(compileAggregate(customers, { groupBy: ['segment'] }, aggregates).plan, analyst),
    'aggregate-no-groups': prepared(
      compileAggregate(
        orders,
        { where: { region: { in: ['EU', 'US'] } } },
        { count: true, sum: ['order_id', 'quantity', 'total_amount'], avg: ['quantity'], min: ['created_at'], max: ['order_date'] },
      ).plan,
      admin,
    ),
    // Relationship batches: kind one on the primary key (an unordered limit), kind many (sorted, IN list).
    'batch-kind-one': prepared(
      compileRelationshipBatch(customers, orders.relationships[0]!, [[7n], [3n], [11n]], {}, ['customer_id', 'name']).plan,
      analyst,
    ),
    'batch-kind-many': prepared(
      compileRelationshipBatch(orders, customers.relationships[0]!, [[7n], [3n]], { orderBy: [{ created_at: 'DESC' }] }, [
        'order_id',
        'created_at',
        'email',
      ]).plan,
      analyst,
    ),
    // A limit above a masked top-K: the order is written again over the mask.
    'limit-over-mask-over-sort': ProjectNode.create(
      LimitNode.create(
        SortNode.create(
          prepared(page(orders, { orderBy: [{ order_id: 'DESC' }], first: 5 }, ['order_id', 'email']).page!, analyst),
          [{ field: 'order_id', direction: 'desc', nullsLast: true }],
          8,
        ),
        2,
        3,
      ),
      ['email'],
    ),
  };
}

function golden(plan: PlanNode, dialect: 'trino' | 'duckdb'): string {
  const lowered =
    dialect === 'trino'
      ? lowerPlan(plan, { dialect: trinoDialect, relation: (s) => `lake.sales.${s.product}`, hashFunction: HASH_ROUTINE })
      : lowerPlan(plan, {
          dialect: duckdbDialect,
          relation: (s) => `read_parquet(['${s.product}/part-000.parquet', '${s.product}/part-001.parquet'])`,
          hashFunction: DUCKDB_HASH,
        });
  const comment = printPlan(plan)
    .split('\n')
    .map((l) => `-- ${l}`)
    .join('\n');
  return `${comment}\n${lowered.sql}\n`;
}

describe('golden SQL per dialect', () => {
  const all = cases();
  if (WRITE) mkdirSync(DIR, { recursive: true });
  for (const [name, plan] of Object.entries(all)) {
    for (const dialect of ['trino', 'duckdb'] as const) {
      it(`${name}.${dialect}.sql`, () => {
        const file = join(DIR, `${name}.${dialect}.sql`);
        const text = golden(plan, dialect);
        if (WRITE) writeFileSync(file, text);
        expect(text).toBe(readFileSync(file, 'utf8'));
      });
    }
  }

  it('has no golden file without a case (a renamed case leaves none behind)', () => {
    const expected = new Set(Object.keys(all).flatMap((n) => [`${n}.trino.sql`, `${n}.duckdb.sql`]));
    expect(readdirSync(DIR).filter((f) => !expected.has(f))).toEqual([]);
  });
});
