import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/contract/catalog.js';
import { loadContracts } from '../../src/contract/load-contracts.js';
import { SluiceError } from '../../src/errors.js';
import { compileConnection } from '../../src/graphql/compile-connection.js';
import { optimize } from '../../src/optimizer/optimize.js';
import { printPlan } from '../../src/plan/print-plan.js';
import { resolveAccess } from '../../src/policy/effective-policy.js';
import { loadPolicies } from '../../src/policy/load-policies.js';
import { analyze } from '../../src/session/analyze.js';
import { createSession } from '../../src/session/session.js';
import { planText } from '../plan/orders-plan.js';

const catalog = new Catalog(loadContracts('products'));
const policies = loadPolicies('policies', catalog);
const orders = catalog.get('orders', 2)!;
const limits = { defaultPageSize: 50, maxPageSize: 500 };

const sessionAs = (role: string, purpose = 'reporting', attributes: Record<string, unknown> = { regions: ['EU', 'US'] }) => {
  const caller = { subject: 's', roles: [role], tenant: 'acme', attributes, credential: 'api-key' as const };
  return createSession({
    caller,
    role,
    purpose,
    access: resolveAccess(policies, catalog.served('2026-11-21'), { subject: 's', tenant: 'acme', role, purpose, attributes }),
    limits: { timeoutMs: 1000 },
  });
};

const pagePlan = (where: Record<string, unknown>, fields: string[], orderBy?: Record<string, 'ASC' | 'DESC'>[]) =>
  compileConnection(
    orders,
    { where, first: 10, ...(orderBy && { orderBy }) },
    { nodeFields: fields, nodes: true, pageInfo: false, totalCount: false },
    limits,
    Buffer.alloc(32),
  ).page!;

describe('inject_policy (analyzer)', () => {
  it('pins the row filter to the scan and puts the masks on it, below everything the caller wrote', () => {
    const plan = pagePlan({ email: { eq: 'x' } }, ['order_id', 'email'], [{ total_amount: 'DESC' }]);
    const analyzed = analyze(plan, sessionAs('analyst'));
    expect(printPlan(analyzed)).toBe(
      planText(`
      Project: order_id, email, total_amount
        Limit: skip=0, fetch=11
          Sort: total_amount DESC, order_id ASC
            Filter: email = "x"
              Mask: email=hash
                Scan: orders v2 (2.1.0) fields=[order_id, customer_id, region, status, total_amount←amount, currency, quantity, email, notes, order_date, created_at, is_gift] rowFilter=[region IN ("EU", "US")]
    `),
    );
    // The optimizer never moves the caller's filter on the masked field below the mask.
    expect(printPlan(optimize(analyzed).plan)).toBe(
      planText(`
      Project: order_id, email, total_amount
        Limit: skip=0, fetch=11
          Sort: total_amount DESC, order_id ASC, fetch=11
            Filter: email = "x"
              Mask: email=hash
                Scan: orders v2 (2.1.0) fields=[order_id, region, total_amount←amount, email] rowFilter=[region IN ("EU", "US")]
    `),
    );
  });

  it("keeps the row filter apart from the caller's conjuncts through every optimizer rule", () => {
    // The caller's region = "EU" sinks into the scan beside the row filter, and is not merged into it:
    // the engine must still know which conjuncts are the policy's (ScanNode.rowFilter).
    const analyzed = analyze(pagePlan({ region: { eq: 'EU' }, quantity: { gte: 3 } }, ['order_id']), sessionAs('analyst'));
    expect(printPlan(optimize(analyzed).plan)).toBe(
      planText(`
      Project: order_id
        Limit: skip=0, fetch=11
          Sort: order_id ASC, fetch=11
            Scan: orders v2 (2.1.0) fields=[order_id, region, quantity] rowFilter=[region IN ("EU", "US")] filters=[region = "EU", quantity >= 3]
    `),
    );
  });

  it('reads only granted fields, and projects away a field read only for the row filter', () => {
    const analyzed = analyze(pagePlan({}, ['order_id', 'status']), sessionAs('partner', 'unspecified'));
    expect(printPlan(analyzed)).toBe(
      planText(`
      Project: order_id, status
        Limit: skip=0, fetch=11
          Sort: order_id ASC
            Scan: orders v2 (2.1.0) fields=[order_id, region, status, total_amount←amount, currency, order_date] rowFilter=[region = "EU"]
    `),
    );
  });

  it('refuses a plan that selects, filters or sorts on a field not granted, naming only that field', () => {
    for (const plan of [
      pagePlan({}, ['order_id', 'email']),
      pagePlan({ email: { isNull: true } }, ['order_id']),
      pagePlan({}, ['order_id'], [{ customer_id: 'ASC' }]),
    ]) {
      try {
        analyze(plan, sessionAs('public', 'unspecified'));
        throw new Error('expected FORBIDDEN');
      } catch (e) {
        expect(e).toBeInstanceOf(SluiceError);
        expect((e as SluiceError).code).toBe('FORBIDDEN');
        expect((e as SluiceError).message).toMatch(/^field (email|customer_id) of orders v2 is not granted to this session$/);
      }
    }
  });

  it('refuses a version the session cannot see, the same way as one that does not exist', () => {
    expect(() => analyze(pagePlan({}, ['order_id']), sessionAs('analyst', 'marketing'))).toThrow(
      /^product orders v2 is not available to this session$/,
    );
    // a $caller attribute the caller lacks: fail closed
    expect(() => analyze(pagePlan({}, ['order_id']), sessionAs('analyst', 'reporting', {}))).toThrow(/not available/);
  });
});
