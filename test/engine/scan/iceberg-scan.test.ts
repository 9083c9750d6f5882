import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldType } from '../../../src/contract/contract.js';
import { EmbeddedEngine } from '../../../src/engine/engine.js';
import { LocalSourceStore } from '../../../src/engine/storage/source-files.js';
import { readPlanRows } from '../../../src/engine/table/iceberg/read/reference-reader.js';
import type { PrimitiveType } from '../../../src/engine/table/iceberg/spec/types.js';
import type { IcebergValue } from '../../../src/engine/table/iceberg/spec/values.js';
import type { IcebergTable } from '../../../src/engine/table/iceberg/table.js';
import { Expr } from '../../../src/plan/expr.js';
import { CountNode, FilterNode, LimitNode, ScanNode, SortNode, type PlanNode } from '../../../src/plan/plan.js';
import type { Row } from '../../../src/plan/scalar.js';
import { DuckOracle, formatRows, formatValue, openTable, sortRows, TABLES } from '../table/iceberg/support.js';

/**
 * The embedded engine's scan of Iceberg snapshots (scan/iceberg-scan.ts)
 * over the real tables of test/fixtures/iceberg (Spark, the Java API,
 * PyIceberg, DuckDB-written files under Spark metadata): every snapshot of
 * every table, every column a contract can serve, equals DuckDB reading the
 * same data files with the deletes applied in SQL (support.ts, DuckOracle);
 * filtered scans and counts equal the reference reader with the same
 * predicate, so deletes are applied before filters and counts.
 */

const SERVED: Partial<Record<PrimitiveType['type'], FieldType>> = {
  int: 'int32',
  long: 'int64',
  float: 'float64',
  double: 'float64',
  string: 'string',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamp',
};

let engine: EmbeddedEngine;
/** Keeps table versions (so plans and the rows deletes delete are reused): its second run of a query is warm. */
let warm: EmbeddedEngine;
let oracle: DuckOracle;
beforeAll(async () => {
  engine = new EmbeddedEngine({ store: new LocalSourceStore(0), tableRefreshMs: 0 });
  warm = new EmbeddedEngine({ store: new LocalSourceStore(0) });
  oracle = await DuckOracle.open();
});
afterAll(async () => {
  oracle?.close();
  await engine?.close();
  await warm?.close();
});

/** The table's columns a contract can serve, each under its own name with its contract type. */
function servedFields(table: IcebergTable) {
  return table.schema.fields.flatMap((f) => {
    const type = 'type' in f.type && typeof f.type.type === 'string' ? SERVED[f.type.type as PrimitiveType['type']] : undefined;
    return type === undefined ? [] : [{ name: f.name, column: f.name, type, icebergType: f.type as PrimitiveType }];
  });
}

const scanOf = (location: string, table: IcebergTable, snapshotId: string) =>
  ScanNode.create({
    product: 'fixture',
    major: 1,
    version: '1.0.0',
    source: location,
    fields: servedFields(table).map(({ name, column, type }) => ({ name, column, type })),
    filters: [],
    table: { format: 'iceberg', snapshotId },
  });

/** Engine rows formatted as the oracle prints them (a plan scalar is the Iceberg value of the served types). */
function formatted(table: IcebergTable, rows: readonly Row[]): string[][] {
  const fields = servedFields(table);
  return sortRows(rows.map((r) => fields.map((f) => formatValue((r[f.name] ?? null) as IcebergValue | null, f.icebergType))));
}

const readable = Object.entries(TABLES).filter(([name]) => name !== 'deletionVector');

describe.each(readable)('%s', (_name, location) => {
  it('every snapshot reads as DuckDB reads its data files with the deletes applied', async () => {
    const table = await openTable(location);
    let checked = 0;
    for (const snapshot of table.metadata.snapshots.values()) {
      let plan;
      try {
        plan = await table.planScan({ snapshot, fields: servedFields(table) });
      } catch {
        // A snapshot the table layer refuses (a missing manifest list): the engine must refuse it too.
        await expect(engine.execute(scanOf(location, table, snapshot.id))).rejects.toMatchObject({
          code: expect.stringMatching(/^SOURCE_/),
        });
        continue;
      }
      const { rows } = await engine.execute(scanOf(location, table, snapshot.id));
      expect(formatted(table, rows), `snapshot ${snapshot.id}`).toEqual(await oracle.rows(table, plan));
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('filters and counts the live rows only, as the reference reader does', async () => {
    const table = await openTable(location);
    const snapshot = table.snapshot()!;
    const fields = servedFields(table);
    const plan = await table.planScan({ snapshot, fields });
    const live = await readPlanRows(plan, table.deleteFiles());
    const scan = scanOf(location, table, snapshot.id);
    const count = async (p: PlanNode) => Number((await engine.execute(p)).rows[0]!['count']);
    expect(await count(CountNode.create(scan))).toBe(live.length);
    // A predicate on each column in turn: ne the first live row's value (deleted rows holding other values must not come back).
    for (const f of fields) {
      const value = live.find((r) => r[f.name] !== null && r[f.name] !== undefined)?.[f.name];
      if (value === undefined || value instanceof Uint8Array) continue;
      const scalar = f.type === 'int64' || f.type === 'timestamp' ? BigInt(value as bigint) : value;
      const where = Expr.compare(f.name, 'ne', scalar as never);
      const expected = formatRows(plan, await readPlanRows(plan, table.deleteFiles(), '', where));
      const inScan = ScanNode.create({ ...scan, filters: [where] });
      expect(formatted(table, (await engine.execute(inScan)).rows), `${f.name} <> ${String(value)}`).toEqual(expected);
      expect(await count(CountNode.create(FilterNode.create(scan, where)))).toBe(expected.length);
    }
  });

  it('a top-K (row groups visited best-first), a filtered count and a count give the live rows, cold and warm alike', async () => {
    const table = await openTable(location);
    const snapshot = table.snapshot()!;
    const fields = servedFields(table);
    const plan = await table.planScan({ snapshot, fields });
    const live = await readPlanRows(plan, table.deleteFiles());
    const key = fields.find((f) => f.type !== 'boolean' && live.some((r) => r[f.name] !== null && r[f.name] !== undefined));
    if (key === undefined) return;
    const order = (a: unknown, b: unknown) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
    const values = live.map((r) => r[key.name]).filter((v) => v !== null && v !== undefined);
    const top = [...values].sort((a, b) => order(b, a)).slice(0, 3);
    const median = [...values].sort(order)[Math.floor(values.length / 2)]!;
    const scalar = key.type === 'int64' || key.type === 'timestamp' ? BigInt(median as bigint) : median;
    const where = Expr.compare(key.name, 'gte', scalar as never);
    const passing = (await readPlanRows(plan, table.deleteFiles(), '', where)).length;
    const scan = scanOf(location, table, snapshot.id);
    const count = async (p: PlanNode) => Number((await warm.execute(p)).rows[0]!['count']);
    for (const run of ['cold', 'warm']) {
      const sorted = await warm.execute(SortNode.create(scan, [{ field: key.name, direction: 'desc', nullsLast: true }], 3));
      const shown = (v: unknown) => formatValue((v ?? null) as IcebergValue | null, key.icebergType);
      expect(
        sorted.rows.map((r) => shown(r[key.name])),
        `${run} top 3 of ${key.name}`,
      ).toEqual(top.map(shown));
      expect(await count(CountNode.create(scan)), `${run} count`).toBe(live.length);
      expect(await count(CountNode.create(ScanNode.create({ ...scan, filters: [where] }))), `${run} count where`).toBe(passing);
    }
  });

  it('a limit pushed into the scan returns that many live rows, in file order', async () => {
    const table = await openTable(location);
    const snapshot = table.snapshot()!;
    const all = (await engine.execute(scanOf(location, table, snapshot.id))).rows;
    const scan = ScanNode.create({ ...scanOf(location, table, snapshot.id), fetch: 3 });
    const { rows } = await engine.execute(LimitNode.create(scan, 0, 3));
    expect(rows).toEqual(all.slice(0, 3));
  });
});

describe('refusals', () => {
  it('a snapshot with a format v3 deletion vector is SOURCE_UNSUPPORTED naming the feature, never an answer without the deletes', async () => {
    const table = await openTable(TABLES.deletionVector);
    const failure = engine.execute(scanOf(TABLES.deletionVector, table, table.snapshot()!.id));
    await expect(failure).rejects.toMatchObject({ code: 'SOURCE_UNSUPPORTED', message: expect.stringContaining('deletion vectors') });
    await expect(failure).rejects.not.toMatchObject({ message: expect.stringContaining('/') });
  });

  it('a snapshot id the table does not know is BAD_USER_INPUT naming it', async () => {
    const table = await openTable(TABLES.mytable);
    await expect(engine.execute(scanOf(TABLES.mytable, table, '12345'))).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('12345'),
    });
  });
});
