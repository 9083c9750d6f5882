import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureData, type BenchData } from '../../bench/generate.js';
import { readPlanRows } from '../../src/engine/table/iceberg/read/reference-reader.js';
import type { IcebergTable } from '../../src/engine/table/iceberg/table.js';
import { allColumns, DuckOracle, formatRows, openTable, sortRows } from '../engine/table/iceberg/support.js';

/**
 * The bench's orders as an Iceberg table (bench/generate.ts), in the
 * 10,000-row smoke size: its first snapshot is the plain Parquet's rows
 * exactly, with the same row groups; the current one is those rows, the
 * appended orders, minus the position-deleted and the erased customers'
 * orders, read alike by the reference reader and DuckDB.
 */
const cache = mkdtempSync(join(tmpdir(), 'sluice-bench-iceberg-'));
let data: BenchData;
let table: IcebergTable;
let duck: DuckDBConnection;
let oracle: DuckOracle;
const previous = process.env.BENCH_CACHE;

beforeAll(async () => {
  process.env.BENCH_CACHE = cache;
  data = await ensureData(10_000, undefined, { iceberg: true });
  table = await openTable(data.icebergOrders);
  duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  await duck.run("SET TimeZone = 'UTC'");
  oracle = await DuckOracle.open();
}, 120_000);
afterAll(() => {
  if (previous === undefined) delete process.env.BENCH_CACHE;
  else process.env.BENCH_CACHE = previous;
  duck?.closeSync();
  oracle?.close();
  rmSync(cache, { recursive: true, force: true });
});

async function duckRows(sql: string): Promise<string[][]> {
  const columns = table.schema.fields.map((f) => `CAST(${f.name} AS VARCHAR)`);
  const reader = await duck.runAndReadAll(`SELECT ${columns.join(', ')} FROM (${sql})`);
  return sortRows(reader.getRows().map((r) => r.map((v) => (v === null ? 'NULL' : String(v)))));
}

async function readerRows(selector?: Parameters<IcebergTable['snapshot']>[0]) {
  const plan = await table.planScan({ snapshot: table.snapshot(selector), fields: allColumns(table) });
  return { plan, rows: formatRows(plan, await readPlanRows(plan, table.deleteFiles())) };
}

describe('the bench orders as an Iceberg table', () => {
  it('has four snapshots; the tag parquet-equivalent holds exactly the plain Parquet rows, in the same row groups', async () => {
    expect([...table.metadata.snapshots.values()].map((s) => s.operation)).toEqual(['append', 'append', 'delete', 'delete']);
    const { rows } = await readerRows({ ref: 'parquet-equivalent' });
    expect(rows).toHaveLength(10_000);
    expect(rows).toEqual(await duckRows(`SELECT * FROM read_parquet('${data.ordersGlob}')`));
    const groups = (glob: string) =>
      duck
        .runAndReadAll(`SELECT row_group_num_rows AS n FROM parquet_metadata('${glob}') WHERE column_id = 0 ORDER BY row_group_id`)
        .then((r) => r.getRowObjectsJS().map((x) => Number(x.n)));
    const first = table.metadata.snapshots.get(table.metadata.refs.get('parquet-equivalent')!.snapshotId)!;
    const plan = await table.planScan({ snapshot: first, fields: allColumns(table) });
    expect(plan.files).toHaveLength(1);
    expect(await groups(plan.files[0]!.uri)).toEqual(await groups(data.ordersGlob));
  });

  it('answers, now, the plain rows plus the appended orders minus order_id % 1000 = 7 and 20 erased customers, as DuckDB does', async () => {
    const { plan, rows } = await readerRows();
    expect(await oracle.rows(table, plan)).toEqual(rows);
    const files = plan.files.map((f) => `'${f.uri}'`).join(', ');
    const erased = Array.from({ length: 20 }, (_, k) => (k + 1) * Math.floor(data.customers / 20));
    const intended = await duckRows(
      `SELECT * FROM read_parquet([${files}]) WHERE order_id % 1000 <> 7 AND customer_id NOT IN (${erased.join(', ')})`,
    );
    expect(rows).toEqual(intended);
    const appended = rows.filter((r) => Number(r[0]) > 10_000);
    expect(appended.length).toBeGreaterThan(900);
    expect(rows.length).toBeLessThan(11_000 - 11);
  });

  it('is written once: a second ensureData reuses it', async () => {
    const marker = join(data.dir, 'iceberg/done-v1');
    const before = statSync(marker).mtimeMs;
    const metadata = statSync(table.metadataFile).mtimeMs;
    await ensureData(10_000, undefined, { iceberg: true });
    expect(statSync(marker).mtimeMs).toBe(before);
    expect(statSync(table.metadataFile).mtimeMs).toBe(metadata);
  });
});
