/**
 * No N+1 (docs/graphql.md): the related rows of every parent of one level come from
 * one batched plan, whatever the number of parents. Counted through the
 * engine (every plan it executes, every scan it reports), never inferred
 * from timing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printPlan } from '../../src/plan/print-plan.js';
import { lineagePaths, openCounted, type CountedGateway } from '../support/counting-gateway.js';

let demo: CountedGateway;
beforeAll(async () => {
  demo = await openCounted();
});
afterAll(() => demo?.engine.close());

describe('relationship batching', () => {
  it('a page of 500 orders with their customers runs exactly one customer scan', async () => {
    demo.engine.reset();
    const res = await demo.query('{ ordersV2(first: 500) { nodes { order_id customer { name country } } } }');
    expect(res.errors).toBeUndefined();
    const nodes = (res.data!['ordersV2'] as { nodes: { customer: unknown }[] }).nodes;
    expect(nodes).toHaveLength(500);
    expect(nodes.filter((n) => n.customer !== null).length).toBeGreaterThan(450);

    expect(demo.engine.plans).toHaveLength(2);
    expect(demo.engine.scansOf('customers')).toHaveLength(1);
    expect(demo.engine.scansOf('orders')).toHaveLength(1);
    // The one customer plan holds every distinct key of the page in one IN list.
    const customerPlan = printPlan(demo.engine.plans.find((p) => printPlan(p).includes('Scan: customers'))!);
    const inList = /customer_id IN \(([^)]*)\)/.exec(customerPlan)![1]!.split(', ');
    expect(new Set(inList).size).toBe(inList.length);
    expect(inList.length).toBeGreaterThan(400);

    // One lineage entry per relationship path, without list indices.
    expect(lineagePaths(res)).toEqual(['ordersV2', 'ordersV2.nodes.customer']);
  });

  it('one plan per level through nested relationships, kind many included', async () => {
    demo.engine.reset();
    const res = await demo.query(`{
      customersV1(first: 100) { nodes { customer_id
        orders(first: 3, orderBy: [{ total_amount: DESC }]) { totalCount nodes { order_id
          customer { customer_id orders(first: 1) { nodes { order_id } } } } } } } }`);
    expect(res.errors).toBeUndefined();
    expect(demo.engine.plans).toHaveLength(4);
    expect(demo.engine.scansOf('orders')).toHaveLength(2);
    expect(demo.engine.scansOf('customers')).toHaveLength(2);
    expect(lineagePaths(res)).toEqual([
      'customersV1',
      'customersV1.nodes.orders',
      'customersV1.nodes.orders.nodes.customer',
      'customersV1.nodes.orders.nodes.customer.orders',
    ]);
    // Each nested customer is the parent customer again, with the same first order.
    const customers = (
      res.data!['customersV1'] as { nodes: { customer_id: string; orders: { nodes: { customer: { customer_id: string } }[] } }[] }
    ).nodes;
    for (const c of customers) for (const o of c.orders.nodes) expect(o.customer.customer_id).toBe(c.customer_id);
  });

  it('different arguments or aliases at one level are different batches, each one plan', async () => {
    demo.engine.reset();
    const res = await demo.query(`{ customersV1(first: 50) { nodes {
      open: orders(where: { status: { eq: "open" } }) { totalCount }
      big: orders(where: { total_amount: { gt: 1500 } }) { totalCount }
      again: orders(where: { total_amount: { gt: 1500 } }) { totalCount } } } }`);
    expect(res.errors).toBeUndefined();
    // The page, then one batch per distinct alias (same arguments under two aliases are two fields, two batches).
    expect(demo.engine.plans).toHaveLength(4);
    expect(lineagePaths(res)).toEqual(['customersV1', 'customersV1.nodes.open', 'customersV1.nodes.big', 'customersV1.nodes.again']);
  });

  it('reads parent keys that are not selected, and only the columns asked for', async () => {
    demo.engine.reset();
    const res = await demo.query('{ ordersV2(first: 5) { nodes { order_id customer { country } } } }');
    expect(res.errors).toBeUndefined();
    const [page, batch] = demo.engine.plans.map((p) => printPlan(p));
    expect(page).toMatch(/Scan: orders v2 \(2\.1\.0\) fields=\[order_id, customer_id\]/);
    expect(batch).toMatch(/Scan: customers v1 \(1\.0\.0\) fields=\[customer_id, country\] filters=\[customer_id IN \(/);
  });

  it('a page of parents without keys (all null or none) runs no batch', async () => {
    demo.engine.reset();
    const res = await demo.query('{ ordersV2(first: 0) { nodes { order_id customer { name } } } }');
    expect(res.errors).toBeUndefined();
    expect(demo.engine.plans).toHaveLength(1);
  });
});
