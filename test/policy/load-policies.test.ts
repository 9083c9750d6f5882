import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/contract/catalog.js';
import { loadContracts } from '../../src/contract/load-contracts.js';
import { ConfigError, ConfigErrors } from '../../src/errors.js';
import { loadPolicies, loadPolicy } from '../../src/policy/load-policies.js';

const catalog = new Catalog(loadContracts('products'));
const analyst = readFileSync('policies/orders-analyst.yaml', 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'sluice-policies-'));

function problem(text: string): string {
  const file = join(dir, 'p.yaml');
  writeFileSync(file, text);
  try {
    loadPolicy(file, catalog);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected the policy to be rejected');
}

describe('policies', () => {
  it('loads the demo policies', () => {
    const policies = loadPolicies('policies', catalog);
    expect(policies.map((p) => p.id).sort()).toEqual([
      'customers-admin',
      'customers-analyst',
      'customers-public',
      'order_events-admin',
      'order_events-analyst',
      'order_events-public',
      'orders-admin',
      'orders-analyst',
      'orders-partner',
      'orders-public',
    ]);
    const a = policies.find((p) => p.id === 'orders-analyst')!;
    expect(a.allow).toEqual({ fields: '*', aggregate: true });
    expect(a.masks).toEqual({ email: { kind: 'hash' } });
    expect(a.rowFilter).toEqual({ region: { in: '$caller.regions' } });
  });

  it.each([
    ['an unknown product', analyst.replace('product: orders', 'product: invoices'), /p\.yaml:4: product: unknown product "invoices"/],
    [
      'an unknown granted field',
      analyst.replace('fields: ["*"]', 'fields: [order_id, amount_eur]'),
      /allow\.fields\.1: unknown field "amount_eur"/,
    ],
    ['an unknown masked field', analyst.replace('email: hash', 'mail: hash'), /masks\.mail: unknown field "mail"/],
    [
      'a null mask on a non-nullable field',
      analyst.replace('email: hash', 'region: "null"'),
      /mask null on region, which is nullable: false/,
    ],
    [
      'a mask that cannot keep the type',
      analyst.replace('email: hash', 'order_date: hash'),
      /mask hash cannot keep the type of order_date \(date\)/,
    ],
    ['round on a string', analyst.replace('email: hash', 'status: { round: 10 }'), /mask round cannot keep the type of status/],
    ['a fractional round on an integer', analyst.replace('email: hash', 'quantity: { round: 0.5 }'), /integer step/],
    ['round without a step', analyst.replace('email: hash', 'quantity: round'), /round needs a step/],
    [
      'a bad semver range',
      analyst.replace('product: orders', 'product: orders\nversions: "two or more"'),
      /versions: "two or more" is not a semver range/,
    ],
    [
      'a range matching no version',
      analyst.replace('product: orders', 'product: orders\nversions: ">=9"'),
      /versions: matches no version of orders/,
    ],
    ['an unknown key', analyst.replace('allow:', 'alow: {}\nallow:'), /alow: unknown key "alow"/],
    [
      'a row filter on an unknown field',
      analyst.replace('region: { in: "$caller.regions" }', 'zone: { eq: EU }'),
      /rowFilter\.zone: unknown field "zone"/,
    ],
    [
      'a row filter operator the type lacks',
      analyst.replace('region: { in: "$caller.regions" }', 'quantity: { contains: "1" }'),
      /rowFilter\.quantity\.contains: operator contains does not apply to int32/,
    ],
    [
      'a row filter value of the wrong type',
      analyst.replace('region: { in: "$caller.regions" }', 'order_date: { gte: "yesterday" }'),
      /rowFilter\.order_date\.gte: Date cannot represent "yesterday"/,
    ],
  ])('rejects %s, naming file and key', (_what, text, message) => {
    expect(problem(text)).toMatch(message);
  });

  it('reports every bad file, and duplicate ids', () => {
    const d = mkdtempSync(join(tmpdir(), 'sluice-policies-'));
    writeFileSync(join(d, 'a.yaml'), analyst);
    writeFileSync(join(d, 'b.yaml'), analyst);
    writeFileSync(join(d, 'c.yaml'), analyst.replace('product: orders', 'product: nope'));
    try {
      loadPolicies(d, catalog);
      throw new Error('expected failure');
    } catch (e) {
      const text = (e as ConfigErrors).errors.map((x) => x.message).join('\n');
      expect(text).toMatch(/b\.yaml: duplicate policy id "orders-analyst"/);
      expect(text).toMatch(/c\.yaml:\d+: product: unknown product "nope"/);
    }
  });
});
