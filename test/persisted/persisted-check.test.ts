/**
 * `sluice persisted check`: the partner operations against today's
 * contracts, and against proposed changes, each of which breaks exactly one
 * of them — and that one is named, with the field and the reason.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { checkPersistedOperations } from '../../src/cli/persisted-check.js';
import { Catalog } from '../../src/contract/catalog.js';
import { loadContracts, parseContract } from '../../src/contract/load-contracts.js';
import { loadPersistedManifest } from '../../src/server/persisted-manifest.js';

const manifest = loadPersistedManifest('persisted/operations.json');
const current = new Catalog(loadContracts('products'));
const ORDERS_V2 = readFileSync('products/orders/v2.yaml', 'utf8');

type RawField = { name: string; type: string; filter?: string[] };
type Raw = Record<string, unknown> & { fields: RawField[]; limits: Record<string, number> };

/** orders v2 with an edit, as it would be proposed in a pull request. */
function proposedOrdersV2(edit: (c: Raw) => void): string {
  const raw = parse(ORDERS_V2) as Raw;
  raw['version'] = '2.2.0';
  edit(raw);
  return stringify(raw);
}

function proposing(edit: (c: Raw) => void): Catalog {
  const changed = parseContract(proposedOrdersV2(edit), resolve('products/orders/v2.yaml'));
  return new Catalog([...current.contracts.filter((c) => !(c.product === 'orders' && c.major === 2)), changed]);
}

const idOf = (name: string) => [...manifest.operations.values()].find((op) => op.name === name)!.id;

describe('persisted check', () => {
  it('finds every partner operation valid against the current contracts', () => {
    const r = checkPersistedOperations({ manifest, current });
    expect(r.operations).toBeGreaterThanOrEqual(4);
    expect(r.problems).toEqual([]);
  });

  it.each([
    {
      change: 'currency removed',
      edit: (c: Raw) => void (c.fields = c.fields.filter((f) => f.name !== 'currency')),
      breaks: 'PartnerOrdersByRegion',
      field: 'OrdersV2.currency',
      reason: /Cannot query field "currency" on type "OrdersV2"/,
    },
    {
      change: 'order_date can no longer be filtered by range',
      edit: (c: Raw) => void (c.fields.find((f) => f.name === 'order_date')!.filter = ['eq', 'in']),
      breaks: 'PartnerOrdersSince',
      field: 'DateEqInRangeFilter.gte',
      reason: /Field "gte" is not defined by type "DateEqInFilter"/,
    },
    {
      change: 'maxPageSize lowered to 80',
      edit: (c: Raw) => void (c.limits['maxPageSize'] = 80),
      breaks: 'PartnerOrdersByRegion',
      field: 'Query.ordersV2(first:)',
      reason: /first: 100 is above maxPageSize 80 of orders 2\.2\.0/,
    },
    {
      change: 'status becomes nullable',
      edit: (c: Raw) => void ((c.fields.find((f) => f.name === 'status') as RawField & { nullable: boolean }).nullable = true),
      // Every operation reads status except the count; its `eq: $status` still validates.
      breaks: ['PartnerOrderStatus', 'PartnerOrdersByRegion', 'PartnerOrdersSince'],
      field: 'OrdersV2.status',
      reason: /output type changes from String! to String$/,
    },
  ])('names the operation a change breaks: $change', ({ edit, breaks, field, reason }) => {
    const r = checkPersistedOperations({ manifest, current, proposed: proposing(edit) });
    const expected = ([] as string[]).concat(breaks);
    expect([...r.broken].sort()).toEqual([...expected].sort());
    for (const name of expected) {
      expect(r.problems).toContainEqual({ operation: name, id: idOf(name), field, reason: expect.stringMatching(reason) });
    }
  });

  it('names the replacement when a version the operations use is retired', () => {
    const r = checkPersistedOperations({ manifest, current, proposed: proposing((c) => void (c['status'] = 'retired')), today: '2026-11-21' });
    expect(r.broken).toHaveLength(manifest.operations.size);
    expect(r.problems[0]).toMatchObject({ field: 'Query.ordersV2', reason: expect.stringMatching(/^orders v2 was retired; use ordersV1$/) });
  });

  it('warns of deprecated fields and versions without failing', () => {
    const r = checkPersistedOperations({ manifest, current, proposed: proposing((c) => void ((c['status'] = 'deprecated'), (c['sunset'] = '2099-01-01'))) });
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((w) => w.field)).toContain('Query.ordersV2');
  });

  it('CLI: --against a proposed contract file exits 1 and prints the table; the current contracts exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-persisted-check-'));
    mkdirSync(join(dir, 'orders'));
    const file = join(dir, 'orders', 'v2.yaml');
    const text = proposedOrdersV2((c) => void (c.fields = c.fields.filter((f) => f.name !== 'currency')));
    writeFileSync(file, text.replace(/location: \.\/data\/\*\.parquet/, `location: ${resolve('products/orders/data')}/*.parquet`));
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const code = await main(['persisted', 'check', ...args], { out: (l) => out.push(l), err: (l) => out.push(l) });
      return { code, out: out.join('\n') };
    };
    const ok = await run();
    expect(ok).toEqual({ code: 0, out: expect.stringMatching(/^ok: all \d+ persisted operation\(s\) are valid against the current contracts$/) });
    const broken = await run('--against', file);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/^1 of \d+ persisted operation\(s\) would break against the proposed contracts: PartnerOrdersByRegion$/m);
    expect(broken.out).toContain(`| PartnerOrdersByRegion | \`${idOf('PartnerOrdersByRegion').slice(0, 12)}…\` | \`OrdersV2.currency\` |`);
    const json = JSON.parse((await run('--against', file, '--format', 'json')).out) as { broken: string[] };
    expect(json.broken).toEqual(['PartnerOrdersByRegion']);
  });
});
