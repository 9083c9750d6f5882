/**
 * Paging backward costs what paging forward costs (docs/frontend-apps.md): a page of
 * `last: n` (before a cursor or from the end) is a top-K of the reversed
 * order, which the scan feeds best-first and stops early, not a scan of
 * everything before the cursor. The oracle is the forward page of the
 * reversed order: the same rows, turned back, and the same row groups read,
 * by the lineage's figures (the admin: no row filter, so they are reported).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDemo, type Demo, type GraphQLResponse } from '../support/demo.js';

let demo: Demo;
beforeAll(async () => {
  demo = await openDemo();
});
afterAll(async () => {
  await demo?.engine.close();
});

interface Page {
  readonly ids: string[];
  readonly cursors: string[];
  readonly rowGroupsScanned: number;
  readonly rowGroupsTotal: number;
}

async function page(args: string): Promise<Page> {
  const res: GraphQLResponse = await demo.query(`{ ordersV2(${args}) { edges { cursor node { order_id } } } }`);
  expect(res.errors, args).toBeUndefined();
  const edges = (res.data!['ordersV2'] as { edges: { cursor: string; node: { order_id: string } }[] }).edges;
  const sources = (
    res.extensions!['lineage'] as { products: { sources: { rowGroupsScanned: number; rowGroupsTotal: number }[] }[] }
  ).products.flatMap((p) => p.sources);
  return {
    ids: edges.map((e) => e.node.order_id),
    cursors: edges.map((e) => e.cursor),
    rowGroupsScanned: sources.reduce((n, s) => n + s.rowGroupsScanned, 0),
    rowGroupsTotal: sources.reduce((n, s) => n + s.rowGroupsTotal, 0),
  };
}

/** Orders and their reverse (the primary key, appended last, reversed too). */
const ORDERS: readonly (readonly [string, string])[] = [
  ['[]', '[{ order_id: DESC }]'],
  ['[{ total_amount: DESC }]', '[{ total_amount: ASC }, { order_id: DESC }]'],
  ['[{ order_date: ASC }, { quantity: DESC }]', '[{ order_date: DESC }, { quantity: ASC }, { order_id: DESC }]'],
];

describe('a backward page reads what the forward page of the reversed order reads', () => {
  it.each(ORDERS)('orderBy %s: the last 10 rows', async (orderBy, reverse) => {
    const backward = await page(`orderBy: ${orderBy}, last: 10`);
    const forward = await page(`orderBy: ${reverse}, first: 10`);
    expect(backward.ids).toEqual([...forward.ids].reverse());
    expect(backward.rowGroupsScanned).toBe(forward.rowGroupsScanned);
    // And that is a small part of the data: nothing like a scan of what precedes the page.
    expect(backward.rowGroupsScanned).toBeLessThan(backward.rowGroupsTotal / 2);
  });

  it.each(ORDERS)('orderBy %s: the 10 rows before the last one', async (orderBy, reverse) => {
    // The last row's cursor: every other row precedes it, so a scan of "everything before" would read it all.
    const last = await page(`orderBy: ${orderBy}, last: 1`);
    const backward = await page(`orderBy: ${orderBy}, last: 10, before: "${last.cursors[0]}"`);
    const forward = await page(`orderBy: ${reverse}, first: 10, offset: 1`);
    expect(backward.ids).toEqual([...forward.ids].reverse());
    expect(backward.rowGroupsScanned).toBeLessThanOrEqual(forward.rowGroupsScanned);
    expect(backward.rowGroupsScanned).toBeLessThan(backward.rowGroupsTotal / 2);
  });
});
