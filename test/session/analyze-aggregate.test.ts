import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/contract/catalog.js';
import { loadContracts } from '../../src/contract/load-contracts.js';
import { SluiceError } from '../../src/errors.js';
import { compileAggregate } from '../../src/graphql/compile-aggregate.js';
import { optimize } from '../../src/optimizer/optimize.js';
import { printPlan } from '../../src/plan/print-plan.js';
import { resolveAccess } from '../../src/policy/effective-policy.js';
import { loadPolicies } from '../../src/policy/load-policies.js';
import { analyze } from '../../src/session/analyze.js';
import { createSession } from '../../src/session/session.js';
import { planText } from '../plan/orders-plan.js';

/** The analyzer and aggregates: consent first (allow.aggregate), then the policy under the aggregate. */
const catalog = new Catalog(loadContracts('products'));
const policies = loadPolicies('policies', catalog);
const orders = catalog.get('orders', 2)!;
const customers = catalog.get('customers', 1)!;

const sessionAs = (role: string, purpose = 'reporting') => {
  const attributes = { regions: ['EU', 'US'] };
  return createSession({
    caller: { subject: 's', roles: [role], tenant: 'acme', attributes, credential: 'api-key' },
    role,
    purpose,
    access: resolveAccess(policies, catalog.served('2026-11-21'), { subject: 's', tenant: 'acme', role, purpose, attributes }),
    limits: { timeoutMs: 1000 },
  });
};

const none = { count: false, sum: [], avg: [], min: [], max: [] };

describe('analyzer on aggregate plans', () => {
  it('refuses an aggregate over a version whose policy does not allow aggregation', () => {
    const { plan } = compileAggregate(orders, { groupBy: ['region'] }, { ...none, count: true });
    const e = (() => {
      try {
        analyze(plan, sessionAs('public', 'unspecified'));
      } catch (err) {
        return err as SluiceError;
      }
      return undefined;
    })();
    expect(e?.code).toBe('FORBIDDEN');
    expect(e?.message).toBe('aggregates over orders v2 are not allowed to this session');
  });

  it('puts the row filter and masks under the aggregate: it sees filtered rows and masked values', () => {
    const { plan } = compileAggregate(
      customers,
      { groupBy: ['segment'], where: { country: { eq: 'DE' } } },
      { ...none, count: true, sum: ['lifetime_value'] },
    );
    const analyzed = analyze(plan, sessionAs('analyst'));
    expect(printPlan(optimize(analyzed).plan)).toBe(
      planText(`
      Sort: segment ASC
        Aggregate: groupBy=[segment] aggregates=[count(*), sum(lifetime_value)] maxGroups=1000
          Mask: lifetime_value=round(1000)
            Scan: customers v1 (1.0.0) fields=[country, segment, lifetime_value] filters=[country = "DE"]
    `),
    );
    const ordersPlan = analyze(compileAggregate(orders, { groupBy: ['status'] }, { ...none, count: true }).plan, sessionAs('analyst'));
    expect(printPlan(optimize(ordersPlan).plan)).toBe(
      planText(`
      Sort: status ASC
        Aggregate: groupBy=[status] aggregates=[count(*)] maxGroups=1000
          Scan: orders v2 (2.1.0) fields=[region, status] rowFilter=[region IN ("EU", "US")]
    `),
    );
  });
});
