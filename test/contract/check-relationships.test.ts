import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContracts } from '../../src/contract/load-contracts.js';
import { ConfigErrors } from '../../src/errors.js';

/** Relationships across contracts are checked once all are loaded (docs/contracts.md): target, key fields, key types. */
const demo = (product: string, major: number) =>
  readFileSync(resolve('products', product, `v${major}.yaml`), 'utf8').replace(
    './data/*.parquet',
    resolve('products', product, 'data/*.parquet'),
  );

function load(orders: string, customers = demo('customers', 1)): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-relationships-'));
  mkdirSync(join(dir, 'orders'));
  mkdirSync(join(dir, 'customers'));
  writeFileSync(join(dir, 'orders', 'v2.yaml'), orders);
  writeFileSync(join(dir, 'customers', 'v1.yaml'), customers);
  try {
    loadContracts(dir);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigErrors);
    return (e as ConfigErrors).errors.map((x) => x.message).join('\n');
  }
}

describe('relationship validation', () => {
  const orders = demo('orders', 2);

  it('accepts the demo relationships both ways', () => {
    expect(load(orders)).toBeUndefined();
    const all = loadContracts('products');
    expect(all.find((c) => c.product === 'orders' && c.major === 2)!.relationships).toEqual([
      { name: 'customer', product: 'customers', major: 1, kind: 'one', on: { customer_id: 'customer_id' } },
    ]);
    expect(all.find((c) => c.product === 'customers')!.relationships[0]).toMatchObject({
      name: 'orders',
      product: 'orders',
      major: 2,
      kind: 'many',
    });
  });

  it.each([
    [
      'a target product that does not exist',
      orders.replace('product: customers', 'product: clients'),
      /orders\/v2\.yaml:\d+: relationships\.0\.product \(relationship customer\): product clients does not exist/,
    ],
    [
      'a target major that does not exist',
      orders.replace('major: 1', 'major: 3'),
      /orders\/v2\.yaml:\d+: relationships\.0\.major \(relationship customer\): product customers has no major 3 \(it has v1\)/,
    ],
    [
      'a target field that does not exist',
      orders.replace('on: { customer_id: customer_id }', 'on: { customer_id: client_id }'),
      /relationships\.0\.on\.customer_id \(relationship customer\): "client_id" is not a field of customers v1/,
    ],
    [
      'key types that differ',
      orders.replace('on: { customer_id: customer_id }', 'on: { customer_id: country }'),
      /relationships\.0\.on\.customer_id \(relationship customer\): customer_id is int64 but customers v1's country is string; join keys must have the same type/,
    ],
  ])('rejects %s, naming file, line and relationship', (_what, text, message) => {
    expect(load(text)).toMatch(message);
  });

  it('rejects a source field that does not exist and an unknown kind in the contract itself', () => {
    expect(load(orders.replace('on: { customer_id: customer_id }', 'on: { buyer: customer_id }'))).toMatch(
      /relationships\.0\.on: "buyer" is not a field of this contract/,
    );
    expect(load(orders.replace('kind: one', 'kind: several'))).toMatch(/relationships\.0\.kind: Invalid option/);
  });
});
