/**
 * `sluice contract diff`: one contract change per row, each with the kind
 * and severity it must be classified as, at the contract level and (where
 * the API changes) at the GraphQL level; then the gate's exit code.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { diffContractVersions, formatDiffMarkdown } from '../../src/cli/contract-diff.js';
import { parseContract } from '../../src/contract/load-contracts.js';

const BASE_TEXT = readFileSync('products/orders/v2.yaml', 'utf8');

interface RawField {
  name: string;
  column?: string;
  type: string;
  nullable?: boolean;
  classification?: string;
  filter?: string[];
  sort?: boolean;
  deprecated?: string;
}
type Raw = Record<string, unknown> & {
  fields: RawField[];
  limits: Record<string, number>;
  primaryKey: string[];
  relationships?: Record<string, unknown>[];
};

/** The orders v2 contract, edited. The version is bumped (minor) unless the edit sets it. */
function edited(edit: (c: Raw) => void, before: (c: Raw) => void = () => undefined): string {
  const raw = parse(BASE_TEXT) as Raw;
  before(raw);
  raw['version'] = '2.2.0';
  edit(raw);
  return stringify(raw);
}
function original(before: (c: Raw) => void): string {
  const raw = parse(BASE_TEXT) as Raw;
  before(raw);
  return stringify(raw);
}
const BUYER = { name: 'buyer', product: 'customers', major: 1, kind: 'one', on: { customer_id: 'customer_id' } };
const withBuyer = (c: Raw) => void (c.relationships = [...(c.relationships ?? []), { ...BUYER }]);
const field = (c: Raw, name: string) => c.fields.find((f) => f.name === name)!;

interface Case {
  readonly change: string;
  readonly edit: (c: Raw) => void;
  /** An edit of both sides, to start from. */
  readonly before?: (c: Raw) => void;
  readonly kind: string;
  readonly severity: 'breaking' | 'dangerous' | 'safe';
  /** An inspector change type the GraphQL level must report, with its severity. */
  readonly graphql?: readonly [string, 'breaking' | 'dangerous' | 'safe'];
}

const CASES: readonly Case[] = [
  {
    change: 'a field removed',
    edit: (c) => void (c.fields = c.fields.filter((f) => f.name !== 'notes')),
    kind: 'field-removed',
    severity: 'breaking',
    graphql: ['FIELD_REMOVED', 'breaking'],
  },
  {
    change: 'a field renamed over the same column',
    edit: (c) => void ((field(c, 'quantity').name = 'item_count'), (field(c, 'item_count').column = 'quantity')),
    kind: 'field-renamed',
    severity: 'breaking',
    graphql: ['FIELD_REMOVED', 'breaking'],
  },
  {
    change: 'a field renamed without column continuity',
    edit: (c) => void (field(c, 'quantity').name = 'items'),
    kind: 'field-removed',
    severity: 'breaking',
  },
  {
    change: 'a field reading another column',
    edit: (c) => void (field(c, 'total_amount').column = 'amount_eur'),
    kind: 'field-column-changed',
    severity: 'dangerous',
  },
  {
    change: 'a type narrowed',
    edit: (c) => void (field(c, 'order_id').type = 'int32'),
    kind: 'field-type-narrowed',
    severity: 'breaking',
    graphql: ['FIELD_TYPE_CHANGED', 'breaking'],
  },
  {
    change: 'a type widened',
    edit: (c) => void (field(c, 'quantity').type = 'int64'),
    kind: 'field-type-widened',
    severity: 'dangerous',
    graphql: ['FIELD_TYPE_CHANGED', 'breaking'],
  },
  {
    change: 'non-null → nullable',
    edit: (c) => void (field(c, 'status').nullable = true),
    kind: 'field-nullable',
    severity: 'breaking',
    graphql: ['FIELD_TYPE_CHANGED', 'breaking'],
  },
  {
    change: 'nullable → non-null in output',
    edit: (c) => void (field(c, 'is_gift').nullable = false),
    kind: 'field-non-null',
    severity: 'dangerous',
    graphql: ['FIELD_TYPE_CHANGED', 'safe'],
  },
  {
    change: 'an operator group removed',
    edit: (c) => void (field(c, 'region').filter = ['eq']),
    kind: 'operator-group-removed',
    severity: 'breaking',
    graphql: ['INPUT_FIELD_TYPE_CHANGED', 'breaking'],
  },
  {
    change: 'an operator group added',
    edit: (c) => void (field(c, 'currency').filter = ['eq', 'in', 'text']),
    kind: 'operator-group-added',
    severity: 'safe',
  },
  {
    change: 'sorting removed',
    edit: (c) => void (field(c, 'order_date').sort = false),
    kind: 'sort-removed',
    severity: 'breaking',
    graphql: ['INPUT_FIELD_REMOVED', 'breaking'],
  },
  {
    change: 'the primary key changed',
    edit: (c) => void (c.primaryKey = ['order_id', 'customer_id']),
    kind: 'primary-key-changed',
    severity: 'breaking',
  },
  {
    change: 'a classification raised',
    edit: (c) => void (field(c, 'region').classification = 'confidential'),
    kind: 'classification-raised',
    severity: 'dangerous',
  },
  {
    change: 'a classification lowered',
    edit: (c) => void (field(c, 'email').classification = 'internal'),
    kind: 'classification-lowered',
    severity: 'dangerous',
  },
  { change: 'maxPageSize lowered', edit: (c) => void (c.limits['maxPageSize'] = 100), kind: 'max-page-size-lowered', severity: 'breaking' },
  { change: 'maxPageSize raised', edit: (c) => void (c.limits['maxPageSize'] = 1000), kind: 'max-page-size-raised', severity: 'safe' },
  {
    change: 'defaultPageSize lowered',
    edit: (c) => void (c.limits['defaultPageSize'] = 20),
    kind: 'default-page-size-lowered',
    severity: 'dangerous',
  },
  {
    change: 'the source location changed',
    edit: (c) => void ((c['source'] as Record<string, string>)['location'] = 's3://lake/orders/*.parquet'),
    kind: 'source-location-changed',
    severity: 'dangerous',
  },
  {
    change: 'a field added',
    edit: (c) => void c.fields.push({ name: 'channel', type: 'string', nullable: true }),
    kind: 'field-added',
    severity: 'safe',
    graphql: ['FIELD_ADDED', 'safe'],
  },
  {
    change: 'a field deprecated',
    edit: (c) => void (field(c, 'email').deprecated = 'use the customers product'),
    kind: 'field-deprecated',
    severity: 'safe',
    graphql: ['FIELD_DEPRECATION_ADDED', 'safe'],
  },
  {
    change: 'the version deprecated',
    edit: (c) => void ((c['status'] = 'deprecated'), (c['sunset'] = '2028-01-31')),
    kind: 'status-deprecated',
    severity: 'dangerous',
    graphql: ['FIELD_DEPRECATION_ADDED', 'safe'],
  },
  { change: 'the version retired', edit: (c) => void (c['status'] = 'retired'), kind: 'status-retired', severity: 'breaking' },
  {
    change: 'a sunset brought forward',
    edit: (c) => void ((c['status'] = 'deprecated'), (c['sunset'] = '2027-01-31')),
    kind: 'sunset-set',
    severity: 'dangerous',
  },
  { change: 'the version going backwards', edit: (c) => void (c['version'] = '2.0.9'), kind: 'version-lowered', severity: 'breaking' },
  { change: 'a minor version bump', edit: () => undefined, kind: 'version-minor-bump', severity: 'safe' },
  {
    change: 'a relationship removed',
    before: withBuyer,
    edit: (c) => void (c.relationships = c.relationships!.filter((r) => r['name'] !== 'buyer')),
    kind: 'relationship-removed',
    severity: 'breaking',
  },
  {
    change: 'a relationship retargeted',
    before: withBuyer,
    edit: (c) => void (c.relationships!.find((r) => r['name'] === 'buyer')!['kind'] = 'many'),
    kind: 'relationship-target-changed',
    severity: 'breaking',
  },
  { change: 'a relationship added', edit: withBuyer, kind: 'relationship-added', severity: 'safe' },
  { change: 'the owner changed', edit: (c) => void (c['owner'] = 'orders-team@example.com'), kind: 'owner-changed', severity: 'safe' },
];

describe('contract diff classifies each kind of change', () => {
  const base = parseContract(BASE_TEXT, 'orders-v2.yaml');

  it('has at least 15 kinds of change in its table', () => {
    expect(new Set(CASES.map((c) => c.kind)).size).toBeGreaterThanOrEqual(15);
  });

  it.each(CASES)('$change → $kind ($severity)', async ({ edit, before, kind, severity, graphql }) => {
    const from = before ? parseContract(original(before), 'orders-v2.1.yaml') : base;
    const d = await diffContractVersions(from, parseContract(edited(edit, before), 'orders-v2.2.yaml'));
    const contract = d.changes.filter((c) => c.level === 'contract' && c.kind !== 'version-minor-bump');
    const expected = kind === 'version-minor-bump' ? d.changes.filter((c) => c.kind === kind) : contract;
    expect(expected.map((c) => [c.kind, c.severity])).toContainEqual([kind, severity]);
    if (graphql) {
      expect(d.changes.filter((c) => c.level === 'graphql').map((c) => [c.kind, c.severity])).toContainEqual(graphql);
    }
    // The gate follows from the severities: breaking within major 2 fails.
    expect(d.gate).toBe(d.changes.some((c) => c.severity === 'breaking') ? 'fail' : 'pass');
  });

  it('finds nothing between a contract and itself', async () => {
    const d = await diffContractVersions(base, parseContract(BASE_TEXT, 'copy.yaml'));
    expect(d.changes).toEqual([]);
    expect(formatDiffMarkdown(d)).toMatch(/No changes\./);
  });

  it('compares majors under the new names: moving from ordersV1 to ordersV2 loses amount', async () => {
    const v1 = parseContract(readFileSync('products/orders/v1.yaml', 'utf8'), 'v1.yaml');
    const d = await diffContractVersions(v1, base);
    expect(d.gate).toBe('pass');
    expect(d.changes.filter((c) => c.severity === 'breaking').map((c) => `${c.level}:${c.kind}:${c.path}`)).toEqual(
      expect.arrayContaining(['contract:field-renamed:fields.amount', 'graphql:FIELD_REMOVED:OrdersV2.amount']),
    );
    expect(d.changes.some((c) => c.kind === 'TYPE_REMOVED' && c.path === 'OrdersV1')).toBe(false);
  });
});

describe('sluice contract diff (the gate)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-diff-'));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const old = write('orders-v2.1.yaml', BASE_TEXT);
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['contract', 'diff', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('exits 1 on a breaking change within the same major, naming the changes in a markdown table', async () => {
    const next = write(
      'orders-v2.2.yaml',
      edited((c) => void ((c.fields = c.fields.filter((f) => f.name !== 'notes')), (field(c, 'order_id').type = 'int32'))),
    );
    const r = await run(old, next);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^### Contract diff: orders 2\.1\.0 → 2\.2\.0/);
    expect(r.out).toMatch(/\*\*Gate: fail\*\*/);
    expect(r.out).toContain('| 🔴 breaking | contract | `field-removed` | `fields.notes` |');
    expect(r.out).toContain('| 🔴 breaking | graphql | `FIELD_TYPE_CHANGED` | `OrdersV2.order_id` |');
    expect(r.err).toMatch(/breaking change\(s\) within major 2; bump the major version/);
  });

  it('exits 0 when the breaking change comes with a new major', async () => {
    const next = write(
      'orders-v3.yaml',
      edited((c) => void ((c['version'] = '3.0.0'), (c.fields = c.fields.filter((f) => f.name !== 'notes')))),
    );
    const r = await run(old, next, '--format', 'json');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out) as { gate: string; counts: { breaking: number }; after: { major: number } };
    expect(d).toMatchObject({ gate: 'pass', after: { major: 3 } });
    expect(d.counts.breaking).toBeGreaterThan(0);
  });

  it('exits 0 on safe and dangerous changes', async () => {
    const next = write(
      'orders-v2.3.yaml',
      edited((c) => void ((field(c, 'region').classification = 'internal'), c.fields.push({ name: 'channel', type: 'string' }))),
    );
    expect((await run(old, next)).code).toBe(0);
  });

  it('needs two readable contract files, and no sluice.yaml', async () => {
    expect((await run(old)).code).toBe(2);
    const r = await run(old, join(dir, 'missing.yaml'), '--config', join(dir, 'no-such-config.yaml'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^sluice: cannot read .*missing\.yaml$/);
    const invalid = write('invalid.yaml', BASE_TEXT.replace('type: int64', 'type: int128'));
    expect((await run(old, invalid)).err).toMatch(/invalid\.yaml:\d+: fields\.0\.type/);
  });
});
