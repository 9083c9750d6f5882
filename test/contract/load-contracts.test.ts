import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContracts, parseContract } from '../../src/contract/load-contracts.js';
import { ConfigError, ConfigErrors } from '../../src/errors.js';

const products = new URL('../../products/', import.meta.url).pathname;
const v2 = readFileSync(join(products, 'orders/v2.yaml'), 'utf8');

/** The message of the ConfigError that parsing `text` as `products/orders/v2.yaml` raises. */
function problem(text: string, file = join(products, 'orders/v2.yaml')): string {
  try {
    parseContract(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected the contract to be rejected');
}

describe('contracts', () => {
  it('loads the demo products with defaults filled in', () => {
    const all = loadContracts(products);
    expect(all.map((c) => `${c.product} v${c.major} ${c.status}`)).toEqual([
      'customers v1 active',
      'order_events v1 active',
      'orders v1 deprecated',
      'orders v2 active',
    ]);
    const orders = all.find((c) => c.product === 'orders' && c.major === 2)!;
    const amount = orders.fields.find((f) => f.name === 'total_amount')!;
    expect(amount.column).toBe('amount');
    expect(amount.filter).toEqual(['eq', 'range']);
    expect(orders.fields.find((f) => f.name === 'email')!.filter).toEqual(['eq', 'null']);
    // default operator groups: all valid for the type, `null` only when nullable
    expect(orders.fields.find((f) => f.name === 'status')!.filter).toEqual(['eq', 'in', 'range', 'text']);
    expect(orders.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(orders.source.resolved).toBe(join(products, 'orders/data/*.parquet'));
    expect(Object.isFrozen(orders)).toBe(true);
  });

  it.each([
    ['malformed YAML', v2.replace('primaryKey: [order_id]', 'primaryKey: [order_id'), /v2\.yaml:\d+: malformed YAML/],
    ['an unknown key', v2.replace('owner:', 'ownr: x\nowner:'), /v2\.yaml:4: ownr: unknown key "ownr"/],
    ['an unknown type', v2.replace('type: int32', 'type: integer'), /v2\.yaml:\d+: fields\.\d+\.type: Invalid option/],
    ['a bad field name', v2.replace('name: currency', 'name: cur-rency'), /fields\.5\.name: must be a valid GraphQL name/],
    ['a duplicate field', v2.replace('name: currency', 'name: region'), /fields\.5\.name: duplicate field "region"/],
    ['a reserved field name', v2.replace('name: currency', 'name: OR'), /"OR" is reserved/],
    [
      'an operator group the type lacks',
      v2.replace('filter: [eq, in]\n  - name: region', 'filter: [text]\n  - name: region'),
      /operator group "text" does not apply to int64/,
    ],
    [
      'a major that is not the file name',
      v2.replace('version: 2.1.0', 'version: 3.0.0'),
      /major version 3 does not match the file name v2/,
    ],
    ['a bad semver', v2.replace('version: 2.1.0', 'version: two'), /version: must be a semantic version/],
    ['deprecated without sunset', v2.replace('status: active', 'status: deprecated'), /deprecated contract needs a sunset date/],
    ['a primary key that is not a field', v2.replace('primaryKey: [order_id]', 'primaryKey: [id]'), /primaryKey\.0: "id" is not a field/],
    ['default page size above max', v2.replace('defaultPageSize: 50', 'defaultPageSize: 900'), /defaultPageSize: is above maxPageSize/],
    ['a bad product name', v2.replace('product: orders', 'product: Orders'), /product: must match/],
  ])('rejects %s, naming file and line', (_what, text, message) => {
    expect(problem(text)).toMatch(message);
  });

  it('reports every bad file at once, and duplicates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-contracts-'));
    mkdirSync(join(dir, 'orders'));
    mkdirSync(join(dir, 'sales'));
    writeFileSync(join(dir, 'orders/v2.yaml'), v2);
    writeFileSync(join(dir, 'orders/v3.yaml'), v2.replace('version: 2.1.0', 'version: 3.0.0').replace('owner:', 'bogus: 1\nowner:'));
    writeFileSync(join(dir, 'sales/v2.yaml'), v2); // product "orders" in folder "sales"
    writeFileSync(join(dir, 'orders/latest.yaml'), v2);
    try {
      loadContracts(dir);
      throw new Error('expected failure');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigErrors);
      const messages = (e as ConfigErrors).errors.map((x) => x.message).join('\n');
      expect(messages).toMatch(/latest\.yaml: contract files must be named v<major>\.yaml/);
      expect(messages).toMatch(/orders\/v3\.yaml:\d+: bogus: unknown key/);
      expect(messages).toMatch(/sales\/v2\.yaml: product "orders" does not match its folder "sales"/);
    }
  });
});
