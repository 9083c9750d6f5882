/**
 * Metamorphic masking for aggregates (test/support/masked-twins.ts): two
 * deployments whose data differ only in raw values of masked fields answer a
 * masked, row-filtered caller's aggregate requests with the same bytes —
 * groups (keyed by masked values), counts, sums, averages, minima and maxima
 * (of masked values), errors (a group limit included) and lineage.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlWhere, type Where } from '../support/demo-sql.js';
import { askTwins, openTwins, TWIN_CALLER, type Twins } from '../support/masked-twins.js';

const RUNS = Number(process.env.SLUICE_PROPERTY_RUNS ?? 60) / 3;
let twins: Twins;
beforeAll(async () => {
  twins = await openTwins();
}, 60_000);
afterAll(() => twins?.close());

const leaf = (field: string, ops: string[], values: unknown[]) =>
  fc.tuple(fc.constantFrom(...ops), fc.constantFrom(...values)).map(([op, v]) => ({ [field]: { [op]: v } }) as Where);

const PRODUCTS = {
  ordersV2Aggregate: {
    where: fc.oneof(
      leaf('customer_id', ['lt', 'gte', 'eq'], ['1230', '5000', '12340']),
      leaf('total_amount', ['lt', 'gte'], [500, 1000, 1500]),
      leaf('order_date', ['eq', 'gte'], ['2023-01-01', '2024-01-01']),
      leaf('notes', ['startsWith', 'isNull'], ['gift', 'leav']),
      leaf('status', ['eq', 'ne'], ['open', 'shipped']),
    ),
    // customer_id groups (masked to tens) exceed maxGroups: that error must match too.
    groupable: ['order_date', 'notes', 'region', 'status', 'customer_id', 'total_amount'],
    numeric: ['total_amount', 'customer_id', 'quantity'],
    ordered: ['total_amount', 'customer_id', 'order_date', 'notes', 'created_at'],
  },
  customersV1Aggregate: {
    where: fc.oneof(
      leaf('name', ['startsWith', 'lt'], ['Ada ', 'H']),
      leaf('lifetime_value', ['gte', 'lt'], [10_000, 25_000]),
      leaf('signup_date', ['gte'], ['2019-01-01']),
      leaf('email', ['contains'], ['@mail.test']),
    ),
    groupable: ['name', 'lifetime_value', 'signup_date', 'segment', 'email'],
    numeric: ['lifetime_value', 'customer_id'],
    ordered: ['name', 'email', 'lifetime_value', 'signup_date'],
  },
} as const;

describe('aggregates over masked values: byte-identical answers from the twin deployments', () => {
  for (const [root, p] of Object.entries(PRODUCTS)) {
    it(`${root}: groups, counts, sums, averages, minima and maxima`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.option(p.where, { nil: undefined }),
          fc.uniqueArray(fc.constantFrom(...p.groupable), { maxLength: 2 }),
          fc.subarray([...p.numeric], { minLength: 1 }),
          fc.subarray([...p.ordered], { minLength: 1 }),
          async (w, groupBy, numeric, ordered) => {
            const args = [w ? `where: ${gqlWhere(w)}` : '', groupBy.length ? `groupBy: [${groupBy.join(', ')}]` : '']
              .filter(Boolean)
              .join(', ');
            const query = `{ ${root}${args ? `(${args})` : ''} { key { ${groupBy.length ? groupBy.join(' ') : '__typename'} } count
              sum { ${numeric.join(' ')} } avg { ${numeric.join(' ')} } min { ${ordered.join(' ')} } max { ${ordered.join(' ')} } } }`;
            const { a, b, readsA, readsB } = await askTwins(twins, query);
            expect(b, query).toBe(a);
            expect(readsB, query).toEqual(readsA);
          },
        ),
        { numRuns: RUNS },
      );
    });
  }

  it('answers with groups (the comparison is not vacuous)', async () => {
    const res = await twins.a.query(
      '{ ordersV2Aggregate(groupBy: [order_date]) { key { order_date } count sum { total_amount } } }',
      {},
      TWIN_CALLER,
    );
    expect(res.errors).toBeUndefined();
    expect((res.data!['ordersV2Aggregate'] as unknown[]).length).toBeGreaterThanOrEqual(4);
  });
});
