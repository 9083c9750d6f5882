import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContracts } from '../../../src/contract/load-contracts.js';
import { checkColumnType, EmbeddedEngine, type ColumnDescription } from '../../../src/engine/engine.js';
import { EVENTS_FIELDS, ORDERS_SOURCE, writeEvents } from '../datasets.js';
import { Oracle } from '../duckdb-oracle.js';

/** `describeSource` and `checkColumnType`: what `contract validate` relies on. */
const engine = new EmbeddedEngine();
let oracle: Oracle;
let eventsSource: string;

beforeAll(async () => {
  oracle = await Oracle.open();
  eventsSource = await writeEvents(oracle);
}, 30_000);
afterAll(() => oracle?.connection.closeSync());

const column = (c: Partial<ColumnDescription>): ColumnDescription => ({
  name: 'c',
  physicalType: 'INT64',
  repetition: 'optional',
  hasNulls: false,
  ...c,
});

describe('describeSource', () => {
  it('describes every file of the orders source', async () => {
    const d = await engine.describeSource(ORDERS_SOURCE);
    expect(d.files.map((f) => [f.uri, f.numRows, f.rowGroups])).toEqual([
      ['products/orders/data/part-000.parquet', 30000, 8],
      ['products/orders/data/part-001.parquet', 30000, 8],
    ]);
    const byName = new Map(d.files[0]!.columns.map((c) => [c.name, c]));
    expect([...byName.keys()]).toEqual([
      'order_id',
      'customer_id',
      'region',
      'status',
      'amount',
      'currency',
      'quantity',
      'email',
      'notes',
      'order_date',
      'created_at',
      'is_gift',
    ]);
    expect(byName.get('order_id')).toMatchObject({ physicalType: 'INT64', logicalType: 'INT_64', hasNulls: false, nullCount: 0 });
    expect(byName.get('region')).toMatchObject({ physicalType: 'BYTE_ARRAY', logicalType: 'UTF8', hasNulls: false });
    expect(byName.get('email')).toMatchObject({ physicalType: 'BYTE_ARRAY', logicalType: 'UTF8', hasNulls: true });
    expect(byName.get('amount')).toMatchObject({ physicalType: 'DOUBLE', hasNulls: false });
    expect(byName.get('amount')!.logicalType).toBeUndefined();
    expect(byName.get('order_date')).toMatchObject({ physicalType: 'INT32', logicalType: 'DATE' });
    expect(byName.get('created_at')).toMatchObject({ physicalType: 'INT64', logicalType: 'TIMESTAMP(MICROS,UTC)' });
    expect(byName.get('is_gift')).toMatchObject({ physicalType: 'BOOLEAN', hasNulls: true });
  });

  it('accepts every field of every demo Parquet contract', async () => {
    // Iceberg contracts bind by field id to the table's schema (test/graphql/iceberg-product.test.ts).
    for (const contract of loadContracts('products').filter((c) => c.source.format === 'parquet')) {
      const d = await engine.describeSource(contract.source.resolved);
      for (const file of d.files) {
        for (const f of contract.fields) {
          const c = file.columns.find((col) => col.name === f.column);
          expect(c, `${contract.file} ${f.name}`).toBeDefined();
          expect(checkColumnType(f, c!), `${contract.file} ${f.name}`).toBeUndefined();
          if (!f.nullable) expect(c!.hasNulls, `${contract.file} ${f.name}`).toBe(false);
        }
      }
    }
  });

  it('accepts the widenings the engine decodes, in a real file', async () => {
    const d = await engine.describeSource(eventsSource);
    const columns = new Map(d.files[0]!.columns.map((c) => [c.name, c]));
    for (const f of EVENTS_FIELDS) expect(checkColumnType(f, columns.get(f.column)!), f.name).toBeUndefined();
    expect(columns.get('tiny')).toMatchObject({ physicalType: 'INT32', logicalType: 'INT_8' });
    expect(columns.get('u32')).toMatchObject({ physicalType: 'INT32', logicalType: 'UINT_32' });
    expect(columns.get('ns')).toMatchObject({ physicalType: 'INT64', logicalType: 'TIMESTAMP(NANOS,LOCAL)' });
  });
});

describe('checkColumnType', () => {
  it('rejects mismatches with a short reason', () => {
    expect(checkColumnType({ type: 'int64' }, column({ physicalType: 'BYTE_ARRAY', logicalType: 'UTF8' }))).toBe(
      'is BYTE_ARRAY (UTF8), expected int64',
    );
    expect(checkColumnType({ type: 'string' }, column({ physicalType: 'BYTE_ARRAY' }))).toBe('is BYTE_ARRAY, expected string');
    expect(checkColumnType({ type: 'int32' }, column({ physicalType: 'INT64', logicalType: 'INT_64' }))).toBe(
      'is INT64 (INT_64), expected int32',
    );
    expect(checkColumnType({ type: 'int32' }, column({ physicalType: 'INT32', logicalType: 'UINT_32' }))).toBe(
      'is INT32 (UINT_32), expected int32',
    );
    expect(checkColumnType({ type: 'float64' }, column({ physicalType: 'INT64', logicalType: 'DECIMAL(10,2)' }))).toBe(
      'is INT64 (DECIMAL(10,2)), expected float64',
    );
    expect(checkColumnType({ type: 'date' }, column({ physicalType: 'INT32' }))).toBe('is INT32, expected date');
    expect(checkColumnType({ type: 'timestamp' }, column({ physicalType: 'INT96' }))).toBe('is INT96, expected timestamp');
    expect(checkColumnType({ type: 'boolean' }, column({ physicalType: 'GROUP' }))).toMatch(/nested/);
    expect(checkColumnType({ type: 'int64' }, column({ physicalType: 'INT64', repetition: 'repeated' }))).toMatch(/nested or repeated/);
  });

  it('accepts exact matches and lossless widenings', () => {
    expect(checkColumnType({ type: 'int64' }, column({ physicalType: 'INT32', logicalType: 'INT_16' }))).toBeUndefined();
    expect(checkColumnType({ type: 'float64' }, column({ physicalType: 'FLOAT' }))).toBeUndefined();
    expect(checkColumnType({ type: 'timestamp' }, column({ physicalType: 'INT64', logicalType: 'TIMESTAMP(MILLIS,UTC)' }))).toBeUndefined();
    expect(checkColumnType({ type: 'string' }, column({ physicalType: 'BYTE_ARRAY', logicalType: 'ENUM' }))).toBeUndefined();
  });
});
