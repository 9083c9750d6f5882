import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOrderEvents, LOCATION } from '../../scripts/generate-demo-iceberg.js';
import { readPlanRows } from '../../src/engine/table/iceberg/read/reference-reader.js';
import { bindFields } from '../../src/engine/table/iceberg/scan/bind-fields.js';
import type { IcebergTable } from '../../src/engine/table/iceberg/table.js';
import { Catalog } from '../../src/contract/catalog.js';
import { checkRelationships } from '../../src/contract/check-relationships.js';
import { loadContracts, parseContract } from '../../src/contract/load-contracts.js';
import { loadPolicy } from '../../src/policy/load-policies.js';
import { Expr } from '../../src/plan/expr.js';
import { allColumns, DuckOracle, formatRows, openTable } from '../engine/table/iceberg/support.js';
import { filesUnder } from './iceberg-writer-support.js';

/**
 * The demo's Iceberg product, products/order_events: the committed table is
 * exactly what scripts/generate-demo-iceberg.ts writes, every snapshot
 * reads the same through the reference reader and DuckDB, each commit did
 * what the script's story says (told here in terms of rows, not files), and
 * the held-back contract and policies fit the table and the other products.
 */

const TABLE = resolve('products/order_events/table');
const ORDERS = resolve('products/orders/data/*.parquet');
let table: IcebergTable;
let oracle: DuckOracle;
let duck: DuckDBConnection;

beforeAll(async () => {
  table = await openTable(TABLE);
  oracle = await DuckOracle.open();
  duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  await duck.run("SET TimeZone = 'UTC'");
});
afterAll(() => {
  oracle?.close();
  duck?.closeSync();
});

type Row = Record<string, string>;
const snapshots = () => [...table.metadata.snapshots.values()];

/** A snapshot's rows through the reference reader, checked against DuckDB, keyed by column name. */
async function rowsOf(index: number): Promise<Row[]> {
  const plan = await table.planScan({ snapshot: snapshots()[index]!, fields: allColumns(table) });
  const rows = formatRows(plan, await readPlanRows(plan, table.deleteFiles()));
  expect(rows, `snapshot ${index + 1}`).toEqual(await oracle.rows(table, plan));
  return rows.map((r) => Object.fromEntries(plan.fields.map((f, i) => [f.name, r[i]!])));
}

const ids = (rows: readonly Row[]) => new Set(rows.map((r) => r.event_id));
const minus = (a: readonly Row[], b: readonly Row[]) => {
  const drop = ids(b);
  return a.filter((r) => !drop.has(r.event_id));
};

describe('the order_events demo table', () => {
  it('is the generator’s output, byte for byte (the script is deterministic and the committed files are current)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sluice-demo-iceberg-'));
    try {
      await generateOrderEvents(join(out, 'table'));
      const digest = (dir: string) =>
        Object.fromEntries(filesUnder(dir).map((f) => [relative(dir, f), createHash('sha256').update(readFileSync(f)).digest('hex')]));
      expect(digest(join(out, 'table'))).toEqual(digest(TABLE));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('has five snapshots whose rows tell the script’s story, read alike by the reference reader and DuckDB', async () => {
    expect(snapshots().map((s) => s.operation)).toEqual(['append', 'append', 'delete', 'append', 'delete']);
    expect(table.metadata.location).toBe(LOCATION);
    const [s1, s2, s3, s4, s5] = await Promise.all([0, 1, 2, 3, 4].map(rowsOf));
    // 1: the initial load, every event before Dec 20.
    expect(s1!.length).toBeGreaterThan(1000);
    expect(s1!.every((r) => r.event_time! < '2025-12-20')).toBe(true);
    // 2: a later append: the week's events and some staging rows.
    expect(minus(s1!, s2!)).toEqual([]);
    const added = minus(s2!, s1!);
    const staging = added.filter((r) => r.warehouse === 'XX-TEST');
    expect(staging.length).toBeGreaterThan(5);
    expect(added.filter((r) => r.warehouse !== 'XX-TEST').every((r) => r.event_time! >= '2025-12-20' && r.event_time! < '2025-12-27')).toBe(
      true,
    );
    // 3: a row-level delete of exactly the staging rows.
    expect(s3).toEqual(minus(s2!, staging));
    // 4: the next week, into January's partitions too.
    expect(minus(s3!, s4!)).toEqual([]);
    expect(minus(s4!, s3!).some((r) => r.event_time!.startsWith('2026-01'))).toBe(true);
    // 5: every event of two orders, and nothing else, erased; their events spanned two months.
    const gone = minus(s4!, s5!);
    expect(minus(s4!, gone)).toEqual(s5);
    expect(new Set(gone.map((r) => r.order_id)).size).toBe(2);
    expect(new Set(gone.map((r) => r.event_time!.slice(0, 7)))).toEqual(new Set(['2025-12', '2026-01']));
    expect(s5!.some((r) => gone.some((g) => g.order_id === r.order_id))).toBe(false);
  });

  it('has tags and a snapshot log for time travel', () => {
    const [s1, s2, , s4, s5] = snapshots();
    expect(table.snapshot({ ref: 'initial-load' })!.id).toBe(s1!.id);
    expect(table.snapshot({ ref: 'before-erasure' })!.id).toBe(s4!.id);
    expect(table.snapshot({ ref: 'main' })!.id).toBe(s5!.id);
    expect(table.snapshot({ timestampMs: Date.parse('2025-12-27T12:00:00Z') })!.id).toBe(s2!.id);
    expect(snapshots().filter((s) => BigInt(s.id) > BigInt(Number.MAX_SAFE_INTEGER)).length).toBeGreaterThan(0);
  });

  it('follows the demo orders: every event names an order of its region, in a step its final status allows', async () => {
    const rows = await rowsOf(4);
    await duck.run('CREATE OR REPLACE TABLE events (order_id BIGINT, region VARCHAR, status VARCHAR)');
    const appender = await duck.createAppender('events');
    for (const r of rows) {
      appender.appendBigInt(BigInt(r.order_id!));
      appender.appendVarchar(r.region!);
      appender.appendVarchar(r.status!);
      appender.endRow();
    }
    appender.closeSync();
    const allowed = {
      open: ['placed'],
      cancelled: ['placed', 'cancelled'],
      shipped: ['placed', 'paid', 'packed', 'shipped'],
      delivered: ['placed', 'paid', 'packed', 'shipped', 'delivered'],
      returned: ['placed', 'paid', 'packed', 'shipped', 'delivered', 'returned'],
    };
    const cases = Object.entries(allowed)
      .map(([final, steps]) => `WHEN '${final}' THEN e.status IN (${steps.map((s) => `'${s}'`).join(', ')})`)
      .join(' ');
    const reader = await duck.runAndReadAll(`
      SELECT count(*) AS n,
             count(*) FILTER (WHERE o.order_id IS NULL) AS orphans,
             count(*) FILTER (WHERE o.region <> e.region) AS wrong_region,
             count(*) FILTER (WHERE NOT (CASE o.status ${cases} ELSE false END)) AS impossible
      FROM events e LEFT JOIN read_parquet('${ORDERS}') o USING (order_id)`);
    expect(reader.getRowObjectsJS()[0]).toEqual({ n: BigInt(rows.length), orphans: 0n, wrong_region: 0n, impossible: 0n });
  });

  it('prunes: a region row filter reads only that region’s files; January reads no December-only manifest', async () => {
    const fields = [
      { name: 'event_id', column: 'event_id', type: 'int64' as const },
      { name: 'region', column: 'region', type: 'string' as const },
      { name: 'event_time', column: 'event_time', type: 'timestamp' as const },
    ];
    const byRegion = await table.planScan({ snapshot: table.snapshot(), fields, rowFilter: Expr.in('region', ['EU']) });
    const read = byRegion.files.filter((f) => f.pruned === undefined);
    expect(read.length).toBeGreaterThan(0);
    expect(read.every((f) => f.partition.region === 'EU')).toBe(true);
    expect(byRegion.files.length - read.length).toBeGreaterThanOrEqual(3 * read.length);
    const filter = Expr.compare('event_time', 'gte', Date.parse('2026-01-01T00:00:00Z') * 1000);
    const january = await table.planScan({ snapshot: table.snapshot(), fields, filter });
    const everything = await table.planScan({ snapshot: table.snapshot(), fields });
    expect(january.manifests.read).toBeLessThan(january.manifests.total);
    const rows = async (plan: typeof january) => formatRows(plan, await readPlanRows(plan, table.deleteFiles(), '', filter));
    expect(await rows(january)).toEqual(await rows(everything));
    expect((await rows(january)).every((r) => r[2]!.startsWith('2026-01'))).toBe(true);
    expect((await rows(january)).length).toBeGreaterThan(50);
  });
});

describe('the contract and policies of order_events', () => {
  const contract = () => parseContract(readFileSync('products/order_events/v1.yaml', 'utf8'), resolve('products/order_events/v1.yaml'));

  it('declares fields the table’s current schema serves, non-null where the table has no nulls', async () => {
    const c = contract();
    expect(c.source.location).toBe('./table');
    const bound = bindFields(
      table.schema,
      c.fields.map((f) => ({ name: f.name, column: f.column, type: f.type })),
    );
    expect(bound.map((b) => b.name)).toEqual(c.fields.map((f) => f.name));
    const required = new Set(table.schema.fields.filter((f) => f.required).map((f) => f.name));
    for (const f of c.fields) expect(f.nullable || required.has(f.column), f.name).toBe(true);
  });

  it('relates to orders v2, and its policies load against the demo’s products', () => {
    const contracts = loadContracts('products');
    expect(contracts.some((c) => c.product === 'order_events' && c.source.format === 'iceberg')).toBe(true);
    expect(checkRelationships(contracts, () => undefined)).toEqual([]);
    const catalog = new Catalog(contracts);
    const policies = readdirSync('policies').filter((f) => /^order_events-.*\.yaml$/.test(f));
    expect(policies).toHaveLength(3);
    for (const f of policies) expect(loadPolicy(join('policies', f), catalog).product).toBe('order_events');
  });
});
