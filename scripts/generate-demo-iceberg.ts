// Writes the demo's Iceberg table, products/order_events/table: one row per
// status change of the latest demo orders, committed in five snapshots, the
// same bytes on every run. The files are committed; this script is how they
// were made (after scripts/generate-demo-data.mjs, whose orders it follows).
//
//   npx tsx scripts/generate-demo-iceberg.ts [--out <table folder>]
//
// The story of the table (times UTC):
//   1. 2025-12-20 06:00  append   the initial load: every event before Dec 20        (tag initial-load)
//   2. 2025-12-27 06:00  append   the week's events, and by mistake some rows of the
//                                 staging warehouse XX-TEST
//   3. 2025-12-28 09:30  delete   the XX-TEST rows removed by position deletes
//   4. 2026-01-03 06:00  append   the next week's events, into January's partitions (tag before-erasure)
//   5. 2026-01-05 14:00  delete   two fraudulent orders erased by equality deletes on
//                                 order_id, one per partition holding their events
import { join, resolve } from 'node:path';
import { IcebergTableWriter, type SchemaField, type TableFile } from './lib/iceberg-writer/index.js';

const REPO = resolve(import.meta.dirname, '..');
const outFlag = process.argv.indexOf('--out');
const OUT = outFlag > 0 ? resolve(process.argv[outFlag + 1]!) : join(REPO, 'products/order_events/table');
const ORDERS = join(REPO, 'products/orders/data/*.parquet');

export const LOCATION = 's3://sluice-demo/warehouse/order_events';
const at = (iso: string) => Date.parse(iso);

const FIELDS: SchemaField[] = [
  { id: 1, name: 'event_id', type: 'long', required: true, doc: 'order_id * 10 + step: unique, increasing per order' },
  { id: 2, name: 'order_id', type: 'long', required: true, doc: 'The order (orders v2)' },
  { id: 3, name: 'event_time', type: 'timestamptz', required: true },
  { id: 4, name: 'status', type: 'string', required: true, doc: 'The status the order entered' },
  { id: 5, name: 'region', type: 'string', required: true },
  { id: 6, name: 'warehouse', type: 'string', required: false, doc: 'Null before the order is packed' },
  { id: 7, name: 'carrier', type: 'string', required: false, doc: 'Null before the order is shipped' },
  { id: 8, name: 'parcels', type: 'int', required: false },
  { id: 9, name: 'is_late', type: 'boolean', required: false, doc: 'Delivered more than three days after shipping; null for other events' },
];

// The demo generator's integer mixer: deterministic pseudo-randomness without RNG state.
const mix = (x: string, salt: number) => `((((${x}) * 2654435761 + ${salt}) % 4294967296) // 7)`;

/**
 * Every event of the orders placed from Dec 8, 2025: the steps an order's
 * final status implies (open: placed; cancelled: placed, cancelled;
 * shipped … returned: placed, paid, packed, shipped, then delivered and
 * returned), at minutes after its created_at drawn from the order id.
 */
const EVENTS_SQL = `
WITH o AS (
  SELECT order_id, region, status, created_at FROM read_parquet('${ORDERS}') WHERE order_date >= DATE '2025-12-08'
),
timed AS (
  SELECT *,
    5 + ${mix('order_id', 1)} % 115 AS p1,
    5 + ${mix('order_id', 1)} % 115 + 240 + ${mix('order_id', 2)} % 1560 AS p2,
    5 + ${mix('order_id', 1)} % 115 + 240 + ${mix('order_id', 2)} % 1560 + 360 + ${mix('order_id', 3)} % 1080 AS p3,
    1440 + ${mix('order_id', 4)} % 4320 AS transit,
    4320 + ${mix('order_id', 5)} % 10080 AS to_return,
    30 + ${mix('order_id', 6)} % 2880 AS to_cancel
  FROM o
),
steps AS (
  SELECT * FROM (VALUES (0, 'placed'), (1, 'paid'), (2, 'packed'), (3, 'shipped'), (4, 'delivered'), (5, 'returned'), (6, 'cancelled')) s(step, name)
)
SELECT
  order_id * 10 + step AS event_id,
  order_id,
  created_at + to_minutes((CASE step WHEN 0 THEN 0 WHEN 1 THEN p1 WHEN 2 THEN p2 WHEN 3 THEN p3 WHEN 4 THEN p3 + transit
                                     WHEN 5 THEN p3 + transit + to_return ELSE to_cancel END)::BIGINT) AS event_time,
  name AS status,
  region,
  CASE WHEN step BETWEEN 2 AND 5 THEN (CASE region WHEN 'EU' THEN ['FRA1', 'AMS2'] WHEN 'US' THEN ['IAD1', 'SFO1']
       WHEN 'APAC' THEN ['SIN1', 'NRT1'] ELSE ['GRU1', 'MEX1'] END)[1 + ${mix('order_id', 8)} % 2] END AS warehouse,
  CASE WHEN step BETWEEN 3 AND 5 THEN (CASE region WHEN 'EU' THEN ['DHL', 'DPD', 'GLS'] WHEN 'US' THEN ['UPS', 'FedEx', 'USPS']
       WHEN 'APAC' THEN ['SF Express', 'Yamato', 'Australia Post'] ELSE ['Correios', 'Estafeta', 'Mercado Envíos'] END)[1 + ${mix('order_id', 7)} % 3] END AS carrier,
  CASE WHEN step BETWEEN 2 AND 5 THEN 1 + ${mix('order_id', 9)} % 3 END AS parcels,
  CASE WHEN step = 4 THEN transit > 4320 END AS is_late
FROM timed JOIN steps ON CASE status
  WHEN 'open' THEN step = 0
  WHEN 'cancelled' THEN step IN (0, 6)
  WHEN 'shipped' THEN step <= 3
  WHEN 'delivered' THEN step <= 4
  ELSE step <= 5 END`;

/** Rows of the staging warehouse that leaked into the second load: step 9, never a real status change. */
const STAGING_SQL = `
SELECT order_id * 10 + 9 AS event_id, order_id, created_at + to_minutes(90) AS event_time, 'packed' AS status, region,
       'XX-TEST' AS warehouse, NULL AS carrier, 1 AS parcels, NULL AS is_late
FROM read_parquet('${ORDERS}')
WHERE created_at >= TIMESTAMPTZ '2025-12-20 00:00:00+00' AND created_at < TIMESTAMPTZ '2025-12-26 00:00:00+00' AND order_id % 13 = 0`;

const between = (from: string, to: string) =>
  `SELECT * FROM events WHERE event_time >= TIMESTAMPTZ '${from}' AND event_time < TIMESTAMPTZ '${to}'`;

export async function generateOrderEvents(out: string = OUT) {
  const table = await IcebergTableWriter.create({
    dir: out,
    location: LOCATION,
    tableUuid: '3b8e5a1c-7d2f-4e90-b6a4-0c1d2e3f4a5b',
    schema: { fields: FIELDS, identifierFieldIds: [1] },
    partitionSpec: [
      { name: 'region', sourceId: 5, transform: 'identity' },
      { name: 'event_time_month', sourceId: 3, transform: 'month' },
    ],
    properties: { comment: 'Order status changes of the Sluice demo; written by scripts/generate-demo-iceberg.ts' },
    createdMs: at('2025-12-19T18:00:00Z'),
  });
  await table.query(`CREATE TEMP TABLE events AS ${EVENTS_SQL}`);
  const write = (sql: string) => table.writeDataFiles(`${sql} ORDER BY event_id`);

  const s1 = await table.commit({
    timestampMs: at('2025-12-20T06:00:00Z'),
    add: await write(between('1970-01-01 00:00:00+00', '2025-12-20 00:00:00+00')),
  });
  await table.tag('initial-load', s1.snapshotId, at('2025-12-20T06:05:00Z'));

  const second = await write(`${between('2025-12-20 00:00:00+00', '2025-12-27 00:00:00+00')} UNION ALL ${STAGING_SQL}`);
  await table.commit({ timestampMs: at('2025-12-27T06:00:00Z'), add: second });

  const staging = await Promise.all(
    second.map(async (file) => ({ file, positions: await table.positionsWhere(file, "warehouse = 'XX-TEST'") })),
  );
  await table.commit({ timestampMs: at('2025-12-28T09:30:00Z'), positionDeletes: staging.filter((d) => d.positions.length > 0) });

  const s4 = await table.commit({
    timestampMs: at('2026-01-03T06:00:00Z'),
    add: await write(between('2025-12-27 00:00:00+00', '2026-01-03 00:00:00+00')),
  });
  await table.tag('before-erasure', s4.snapshotId, at('2026-01-03T06:05:00Z'));

  // The two first delivered orders placed from Dec 29 (their events span December and January).
  const erased = (
    await table.query(
      `SELECT order_id FROM read_parquet('${ORDERS}') WHERE status = 'delivered' AND created_at >= TIMESTAMPTZ '2025-12-29 00:00:00+00' ORDER BY order_id LIMIT 2`,
    )
  ).map((r) => BigInt(r.order_id as bigint));
  const byPartition = new Map<string, { partitionOf: TableFile; ids: bigint[] }>();
  for (const file of table.dataFiles()) {
    const held = await table.query(
      `SELECT DISTINCT order_id FROM read_parquet('${file.localPath}') WHERE order_id IN (${erased.join(', ')}) ORDER BY 1`,
    );
    if (held.length === 0) continue;
    const key = JSON.stringify(file.partition);
    const group = byPartition.get(key) ?? { partitionOf: file, ids: [] };
    for (const r of held) if (!group.ids.includes(BigInt(r.order_id as bigint))) group.ids.push(BigInt(r.order_id as bigint));
    byPartition.set(key, group);
  }
  await table.commit({
    timestampMs: at('2026-01-05T14:00:00Z'),
    equalityDeletes: [...byPartition.values()].map((g) => ({
      columns: ['order_id'],
      rows: g.ids.sort((a, b) => (a < b ? -1 : 1)).map((id) => [id]),
      partitionOf: g.partitionOf,
    })),
  });
  await table.close();
  return { history: table.history(), erased, files: table.dataFiles().length, deletes: table.deleteFiles().length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = Date.now();
  const { history, erased, files, deletes } = await generateOrderEvents();
  for (const s of history) {
    console.log(
      `${s.snapshotId}  ${new Date(s.timestampMs).toISOString()}  ${s.operation.padEnd(7)}  ${s.summary['total-records']} rows in data files, ${s.summary['total-delete-files']} delete files`,
    );
  }
  console.log(`erased orders: ${erased.join(', ')}; ${files} data files, ${deletes} delete files; ${Date.now() - t0} ms → ${OUT}`);
}
