import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EmbeddedEngine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/server/load-catalog.js';
import { writeYaml } from '../support/counting-gateway.js';
import { TABLES } from '../engine/table/iceberg/support.js';

/**
 * `contract validate` over Iceberg sources (docs/iceberg.md): each field is
 * checked against the table's current schema with a message naming the
 * file, the field and the column, and the current snapshot is planned so a
 * feature Sluice does not read is refused before serving.
 */
let dir: string;
let engine: EmbeddedEngine;
const demo = () =>
  parse(readFileSync('products/order_events/v1.yaml', 'utf8')) as { fields: Record<string, unknown>[] } & Record<string, unknown>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-iceberg-validate-'));
  engine = new EmbeddedEngine();
});
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

function products(name: string, contract: Record<string, unknown>): string {
  const root = join(dir, name);
  writeYaml(join(root, 'order_events/v1.yaml'), { ...contract, relationships: [] });
  return root;
}

describe('contract validate over an Iceberg table', () => {
  it('accepts the demo contract', async () => {
    const c = demo();
    const catalog = await loadCatalog(
      products('ok', { ...c, source: { format: 'iceberg', location: resolve('products/order_events/table') } }),
      engine,
    );
    expect(catalog.contracts.map((x) => x.product)).toEqual(['order_events']);
  });

  it('names the file, field and column of a missing column, a type that does not fit and nulls in a non-nullable field', async () => {
    const c = demo();
    const fields = c.fields.map((f) => {
      if (f['name'] === 'status') return { ...f, column: 'state' };
      if (f['name'] === 'parcels') return { ...f, type: 'string' };
      if (f['name'] === 'warehouse') return { ...f, nullable: false, filter: ['eq', 'in'] };
      return f;
    });
    const root = products('broken', { ...c, fields, source: { format: 'iceberg', location: resolve('products/order_events/table') } });
    const failure = await loadCatalog(root, engine).catch((e: Error) => e.message);
    expect(failure).toMatch(/order_events\/v1\.yaml: field status: column state is not in the Iceberg table's current schema/);
    expect(failure).toMatch(/order_events\/v1\.yaml: field parcels: column parcels is int, expected string/);
    expect(failure).toMatch(/order_events\/v1\.yaml: field warehouse: is nullable: false but column "warehouse" is optional/);
  });

  it('refuses a table whose current snapshot has a format v3 deletion vector, naming the feature', async () => {
    const contract = {
      product: 'order_events',
      version: '1.0.0',
      status: 'active',
      owner: 'x@example.com',
      source: { format: 'iceberg', location: TABLES.deletionVector },
      primaryKey: ['id'],
      fields: [{ name: 'id', column: 'id', type: 'int64', nullable: false, classification: 'public' }],
    };
    const failure = await loadCatalog(products('dv', contract), engine).catch((e: Error) => e.message);
    expect(failure).toMatch(
      /order_events\/v1\.yaml: source .*: the Iceberg table uses a feature Sluice does not read: format v3 deletion vectors/,
    );
  });
});
