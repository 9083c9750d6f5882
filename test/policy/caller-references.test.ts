import { describe, expect, it } from 'vitest';
import type { AuthConfig } from '../../src/config/config.js';
import { callerReferences, unprovidedCallerReferences } from '../../src/policy/caller-references.js';
import type { Policy } from '../../src/policy/policy.js';

const policy = (id: string, rowFilter?: Record<string, unknown>): Policy =>
  ({
    id,
    version: 1,
    product: 'orders',
    when: {},
    allow: { fields: '*', aggregate: false },
    masks: {},
    limits: {},
    file: `${id}.yaml`,
    ...(rowFilter && { rowFilter }),
  }) as Policy;

const key = (attributes: Record<string, string[]>, tenant?: string) =>
  ({
    id: 'k',
    sha256: '0'.repeat(64),
    subject: 's',
    roles: ['analyst'],
    attributes,
    persistedOnly: false,
    allowPersistRegistration: false,
    ...(tenant && { tenant }),
  }) as AuthConfig['apiKeys'][number];

describe('caller references', () => {
  it('finds every $caller name in a row filter, at any depth, and nothing else', () => {
    const filter = {
      OR: [{ region: { in: '$caller.regions' } }, { NOT: { tenant_id: { eq: '$caller.tenant' } } }],
      note: { eq: 'caller.regions' },
      status: { in: ['$caller.status', 'open'] },
    };
    expect([...callerReferences(filter)].sort()).toEqual(['regions', 'status', 'tenant']);
  });

  it('names the references no API key or JWT claim mapping provides', () => {
    const policies = [policy('a', { region: { in: '$caller.regoins' } }), policy('b', { owner: { eq: '$caller.subject' } }), policy('c')];
    expect(unprovidedCallerReferences(policies, { apiKeys: [key({ regions: ['EU'] })] })).toEqual([{ policy: 'a', name: 'regoins' }]);
  });

  it('counts an API key attribute, a JWT claim mapping and a tenant as provided', () => {
    const policies = [policy('a', { region: { in: '$caller.regions' }, tenant_id: { eq: '$caller.tenant' } })];
    expect(unprovidedCallerReferences(policies, { apiKeys: [] })).toEqual([
      { policy: 'a', name: 'regions' },
      { policy: 'a', name: 'tenant' },
    ]);
    expect(unprovidedCallerReferences(policies, { apiKeys: [key({ regions: ['EU'] }, 'acme')] })).toEqual([]);
    const jwt = { claims: { subject: 'sub', roles: 'roles', tenant: 'org', attributes: ['regions'] } } as unknown as AuthConfig['jwt'];
    expect(unprovidedCallerReferences(policies, { apiKeys: [], jwt })).toEqual([]);
  });

  it('the demo deployment provides every name its policies use', async () => {
    const { loadConfig } = await import('../../src/config/config.js');
    const { loadPolicies } = await import('../../src/policy/load-policies.js');
    const { Catalog } = await import('../../src/contract/catalog.js');
    const { loadContracts } = await import('../../src/contract/load-contracts.js');
    const config = loadConfig(new URL('../../sluice.yaml', import.meta.url).pathname);
    const policies = loadPolicies(config.policiesDir, new Catalog(loadContracts(config.productsDir)));
    expect(policies.some((p) => callerReferences(p.rowFilter).size > 0)).toBe(true);
    expect(unprovidedCallerReferences(policies, config.auth)).toEqual([]);
  });
});
