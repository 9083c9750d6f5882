/**
 * A caller's filter that can never hold (currency EUR and USD at once) folds
 * to false. Under a row filter, row groups are judged by the row filter alone,
 * so they were not pruned, and the reading treated the constant filter as
 * settled-true: the analyst got rows of every region (or, the first time, an
 * internal error while gathering visible-row statistics from a batch without
 * `region`). Found by the Relay paging property test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDemo, type Demo } from '../support/demo.js';

let demo: Demo;
beforeAll(async () => {
  demo = await openDemo();
});
afterAll(async () => {
  await demo?.engine.close();
});

const ANALYST = { 'x-api-key': 'demo-analyst-key', 'x-purpose': 'reporting' };
const NEVER = '{ AND: [{ currency: { eq: "EUR" } }, { currency: { eq: "USD" } }, { region: { in: ["US", "EU"] } }] }';

describe('a filter that can never hold, under a row filter', () => {
  for (const page of ['first: 17', 'last: 17', 'first: 5, orderBy: [{ total_amount: DESC }]']) {
    it(`answers no rows (${page}), every time, for the analyst and the admin`, async () => {
      for (const headers of [ANALYST, {}]) {
        for (let i = 0; i < 3; i++) {
          const res = await demo.query(`{ ordersV2(where: ${NEVER}, ${page}) { nodes { order_id } totalCount } }`, {}, headers);
          expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
          expect(res.data).toEqual({ ordersV2: { nodes: [], totalCount: 0 } });
        }
      }
    });
  }
});
