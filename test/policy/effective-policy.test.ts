import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/contract/catalog.js';
import { loadContracts } from '../../src/contract/load-contracts.js';
import { resolveAccess } from '../../src/policy/effective-policy.js';
import type { Policy } from '../../src/policy/policy.js';
import { printExpr } from '../../src/plan/print-plan.js';

const catalog = new Catalog(loadContracts('products'));
const served = catalog.served('2026-11-21');
const who = { subject: 'ana', tenant: 'acme', role: 'analyst', purpose: 'reporting', attributes: { regions: ['EU', 'US'], desk: 'emea' } };

const policy = (p: Partial<Policy> & Pick<Policy, 'id'>): Policy => ({
  version: 1,
  product: 'orders',
  when: {},
  allow: { fields: '*', aggregate: true },
  masks: {},
  limits: {},
  file: 'test',
  ...p,
});

const ordersV2 = (access: ReturnType<typeof resolveAccess>) => access.granted.get('orders@v2');

describe('effective policy', () => {
  it('denies by default', () => {
    expect(resolveAccess([], served, who).granted.size).toBe(0);
    const other = policy({ id: 'x', when: { roles: ['admin'] } });
    expect(resolveAccess([other], served, who).granted.size).toBe(0);
  });

  it('matches on role, purpose, tenant and version range', () => {
    const p = policy({ id: 'p', versions: '>=2', when: { roles: ['analyst'], purposes: ['reporting'], tenants: ['acme'] } });
    expect([...resolveAccess([p], served, who).granted.keys()]).toEqual(['orders@v2']);
    expect(resolveAccess([p], served, { ...who, purpose: 'marketing' }).granted.size).toBe(0);
    expect(resolveAccess([p], served, { ...who, tenant: 'globex' }).granted.size).toBe(0);
    expect(resolveAccess([p], served, { ...who, tenant: undefined }).granted.size).toBe(0);
  });

  it('combines most-restrictively: fields intersect, filters AND, strictest mask, min limits, aggregate only if all allow', () => {
    const a = policy({
      id: 'a',
      allow: { fields: ['order_id', 'region', 'email', 'total_amount'], aggregate: true },
      rowFilter: { region: { in: '$caller.regions' } },
      masks: { email: { kind: 'hash' }, total_amount: { kind: 'round', round: 10 } },
      limits: { maxPageSize: 100 },
    });
    const b = policy({
      id: 'b',
      allow: { fields: ['order_id', 'email', 'total_amount', 'status'], aggregate: false },
      rowFilter: { status: { ne: 'cancelled' } },
      masks: { email: { kind: 'show_last_4' }, total_amount: { kind: 'round', round: 100 } },
      limits: { maxPageSize: 40 },
    });
    const e = ordersV2(resolveAccess([a, b], served, who))!;
    expect([...e.fields].sort()).toEqual(['email', 'order_id', 'total_amount']);
    expect(printExpr(e.rowFilter!)).toBe('region IN ("EU", "US") AND status <> "cancelled"');
    expect(e.masks).toEqual([
      { field: 'total_amount', type: 'float64', kind: 'round', round: 100 },
      { field: 'email', type: 'string', kind: 'hash' },
    ]);
    expect(e.maxPageSize).toBe(40);
    expect(e.aggregate).toBe(false);
    expect(e.policies).toEqual([
      { id: 'a', version: 1 },
      { id: 'b', version: 1 },
    ]);
  });

  it('fails closed on a $caller reference the caller lacks or that does not fit', () => {
    const p = policy({ id: 'p', rowFilter: { region: { eq: '$caller.region' } } });
    const access = resolveAccess([p], served, who);
    expect(ordersV2(access)).toBeUndefined();
    const denial = access.denied.find((d) => d.major === 2);
    expect(denial).toMatchObject({ product: 'orders', major: 2, policies: ['p'] });
    expect(denial!.reason).toMatch(/no region/);
    // a list where one value is expected
    const list = policy({ id: 'l', rowFilter: { region: { eq: '$caller.regions' } } });
    expect(ordersV2(resolveAccess([list], served, who))).toBeUndefined();
    // subject, tenant, role, purpose resolve
    const own = policy({ id: 'o', rowFilter: { status: { eq: '$caller.purpose' }, region: { in: '$caller.desk' } } });
    expect(printExpr(ordersV2(resolveAccess([own], served, who))!.rowFilter!)).toBe('status = "reporting" AND region IN ("emea")');
  });

  it('denies when the combination grants no field', () => {
    const a = policy({ id: 'a', allow: { fields: ['order_id'], aggregate: false } });
    const b = policy({ id: 'b', allow: { fields: ['status'], aggregate: false } });
    expect(ordersV2(resolveAccess([a, b], served, who))).toBeUndefined();
  });
});
