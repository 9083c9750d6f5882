import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { IcebergTableWriter, type SchemaField, type TableFile } from '../../scripts/lib/iceberg-writer/index.js';

/**
 * Two tables written by the writer under test, with a story whose intended
 * rows the tests know from the source rows alone (`MODEL_SQL` and the
 * conditions of `INTENDED`), never from the files written:
 *
 * `events` (partitioned by identity(region) and day(event_time)):
 *   1. append batch A (ids 0–299, days 0–3)
 *   2. append batch B (ids 300–499, days 3–6), tagged `before-deletes`
 *   3. position deletes of every row with id % 7 = 0, in both batches
 *   4. equality deletes scoped to partitions: ids {4, 5, 16, 17, 28} in the
 *      partition of row 4 (so 5 and 17, elsewhere, stay), and `note = null`
 *      in the partition of row 10
 *   5. append batch C: ids 4 and 16 again, in the partition their delete
 *      covered (a later sequence number: they stay)
 *   6. replace: the partition of row 4 compacted into one file, its old
 *      data and delete files removed (rows unchanged)
 *
 * `plain` (unpartitioned):
 *   1. append two files (ids 1000–1059, 1060–1119)
 *   2. overwrite: a global equality delete of ids {1003, 1061, 1100} and, in
 *      the same commit, a file re-inserting id 1003 (not deleted: same sequence number)
 *   3. delete: the first file removed whole
 */
export const SCHEMA_FIELDS: SchemaField[] = [
  { id: 1, name: 'id', type: 'long', required: true, doc: 'Row id' },
  { id: 2, name: 'region', type: 'string', required: true },
  { id: 3, name: 'event_time', type: 'timestamptz', required: true },
  { id: 4, name: 'amount', type: 'double', required: false },
  { id: 5, name: 'note', type: 'string', required: false },
  { id: 6, name: 'flag', type: 'boolean', required: false },
  { id: 7, name: 'qty', type: 'int', required: false },
  { id: 8, name: 'day', type: 'date', required: false },
];

/** Rows of ids [lo, hi) (their values a function of the id), days shifted by `dayShift`, tagged with a batch name. */
export const rowsSql = (lo: number, hi: number, dayShift: number, batch: string, where = 'true') => `
SELECT
  i::BIGINT AS id,
  (['EU','US','APAC'])[1 + i % 3] AS region,
  TIMESTAMPTZ '2025-03-01 00:00:00+00' + to_days((i % 4 + ${dayShift})::INTEGER) + to_minutes(i::BIGINT) AS event_time,
  CASE WHEN i % 11 = 0 THEN NULL WHEN i % 23 = 0 THEN 'NaN'::DOUBLE ELSE (i * 37 % 1000) / 8.0 END::DOUBLE AS amount,
  CASE WHEN i % 5 = 0 THEN NULL
       ELSE (['short', 'a note longer than sixteen characters', 'Ünïcode ✓ notes that run past the limit', '😀 emoji first, then a long tail'])[1 + i % 4] || ' #' || i END AS note,
  CASE WHEN i % 13 = 0 THEN NULL ELSE i % 2 = 0 END AS flag,
  CASE WHEN i % 17 = 0 THEN NULL ELSE (i % 50)::INTEGER END AS qty,
  DATE '2024-12-30' + (i % 9)::INTEGER AS day,
  '${batch}' AS batch
FROM range(${lo}, ${hi}) t(i)
WHERE ${where}
ORDER BY i`;

const EVENTS_BATCHES = { A: rowsSql(0, 300, 0, 'A'), B: rowsSql(300, 500, 3, 'B'), C: rowsSql(0, 30, 0, 'C', 'i IN (4, 16)') };
const PLAIN_BATCHES = {
  P1: rowsSql(1000, 1060, 0, 'P1'),
  P2: rowsSql(1060, 1120, 0, 'P2'),
  P3: rowsSql(1000, 1010, 0, 'P3', 'i = 1003'),
};

/** Every source row of both tables, with its batch, for the intended answers. */
export const MODEL_SQL = [...Object.values(EVENTS_BATCHES), ...Object.values(PLAIN_BATCHES)].map((s) => `(${s})`).join(' UNION ALL ');

/** A row's partition in `events`: region and the UTC day of event_time. */
const part = (alias: string) => `(${alias}.region, CAST(${alias}.event_time AS DATE))`;
const sameAs = (id: number) => `${part('m')} = (SELECT ${part('o')} FROM model o WHERE o.id = ${id} AND o.batch = 'A')`;

/** The intended rows after each snapshot, as conditions over `model m`. */
export const INTENDED = {
  events: [
    `m.batch = 'A'`,
    `m.batch IN ('A', 'B')`,
    `m.batch IN ('A', 'B') AND m.id % 7 <> 0`,
    `m.batch IN ('A', 'B') AND m.id % 7 <> 0 AND NOT (m.id IN (4, 5, 16, 17, 28) AND ${sameAs(4)}) AND NOT (m.note IS NULL AND ${sameAs(10)})`,
    `(m.batch IN ('A', 'B') AND m.id % 7 <> 0 AND NOT (m.id IN (4, 5, 16, 17, 28) AND ${sameAs(4)}) AND NOT (m.note IS NULL AND ${sameAs(10)})) OR m.batch = 'C'`,
    `(m.batch IN ('A', 'B') AND m.id % 7 <> 0 AND NOT (m.id IN (4, 5, 16, 17, 28) AND ${sameAs(4)}) AND NOT (m.note IS NULL AND ${sameAs(10)})) OR m.batch = 'C'`,
  ],
  plain: [
    `m.batch IN ('P1', 'P2')`,
    `(m.batch IN ('P1', 'P2') AND m.id NOT IN (1003, 1061, 1100)) OR m.batch = 'P3'`,
    `(m.batch = 'P2' AND m.id NOT IN (1061, 1100)) OR m.batch = 'P3'`,
  ],
};

export const EVENTS_LOCATION = 's3://sluice-test/warehouse/events';
export const PLAIN_LOCATION = 'file:/data/elsewhere/plain';
const DAY = 86_400_000;
export const T0 = Date.UTC(2025, 2, 10, 12, 0, 0);

/** Writes both tables under `root` (`events/`, `plain/`); returns their snapshot ids and times. */
export async function writeStoryTables(root: string) {
  const schema = { fields: SCHEMA_FIELDS, identifierFieldIds: [1] };
  const events = await IcebergTableWriter.create({
    dir: join(root, 'events'),
    location: EVENTS_LOCATION,
    tableUuid: '6a1f3c52-0d7e-4b8a-9c41-2f5e8d7b3a10',
    schema,
    partitionSpec: [
      { name: 'region', sourceId: 2, transform: 'identity' },
      { name: 'event_time_day', sourceId: 3, transform: 'day' },
    ],
    createdMs: T0 - DAY,
  });
  const fileHolding = async (files: readonly TableFile[], id: number) => {
    for (const f of files) if ((await events.query(`SELECT 1 FROM read_parquet('${f.localPath}') WHERE id = ${id}`)).length > 0) return f;
    throw new Error(`no file holds id ${id}`);
  };
  const a = await events.writeDataFiles(EVENTS_BATCHES.A);
  const s1 = await events.commit({ timestampMs: T0, add: a });
  const b = await events.writeDataFiles(EVENTS_BATCHES.B);
  const s2 = await events.commit({ timestampMs: T0 + DAY, add: b });
  await events.tag('before-deletes', s2.snapshotId, T0 + DAY + 60_000);
  const positions = await Promise.all(
    events.dataFiles().map(async (file) => ({ file, positions: await events.positionsWhere(file, 'id % 7 = 0') })),
  );
  const s3 = await events.commit({ timestampMs: T0 + 2 * DAY, positionDeletes: positions });
  const of4 = await fileHolding(events.dataFiles(), 4);
  const of10 = await fileHolding(events.dataFiles(), 10);
  const s4 = await events.commit({
    timestampMs: T0 + 3 * DAY,
    equalityDeletes: [
      { columns: ['id'], rows: [[4n], [5n], [16n], [17n], [28n]], partitionOf: of4 },
      { columns: ['note'], rows: [[null]], partitionOf: of10 },
    ],
  });
  const c = await events.writeDataFiles(EVENTS_BATCHES.C);
  const s5 = await events.commit({ timestampMs: T0 + 4 * DAY, add: c });
  // Compaction of row 4's partition: its intended rows now, rewritten as one file.
  const samePartition = (f: TableFile) => JSON.stringify(f.partition) === JSON.stringify(of4.partition);
  const compacted = await events.writeDataFiles(
    `WITH model AS (${MODEL_SQL}) SELECT * FROM model m WHERE (${INTENDED.events[4]}) AND ${sameAs(4)} ORDER BY id, batch`,
  );
  const s6 = await events.commit({
    timestampMs: T0 + 5 * DAY,
    operation: 'replace',
    add: compacted,
    remove: [...events.dataFiles().filter(samePartition), ...events.deleteFiles().filter(samePartition)],
  });
  await events.close();

  const plain = await IcebergTableWriter.create({
    dir: join(root, 'plain'),
    location: PLAIN_LOCATION,
    tableUuid: '0c9d7e21-5b3a-4f60-8e12-7a4b6c1d9e83',
    schema,
    createdMs: T0,
  });
  const p1 = await plain.writeDataFiles(PLAIN_BATCHES.P1, { rowGroupSize: 16 });
  const p2 = await plain.writeDataFiles(PLAIN_BATCHES.P2);
  const u1 = await plain.commit({ timestampMs: T0 + 1000, add: [...p1, ...p2] });
  const p3 = await plain.writeDataFiles(PLAIN_BATCHES.P3);
  const u2 = await plain.commit({
    timestampMs: T0 + 2000,
    add: p3,
    equalityDeletes: [{ columns: ['id'], rows: [[1003n], [1061n], [1100n]] }],
  });
  const u3 = await plain.commit({ timestampMs: T0 + 3000, remove: p1 });
  await plain.close();
  return { events: [s1, s2, s3, s4, s5, s6], plain: [u1, u2, u3] };
}

export function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
}

const require = createRequire(import.meta.url);
// avro-js's index also loads a deprecated validator needing a package it does not declare: load the two parts used.
const avroJs = {
  ...(require('avro-js/lib/schemas') as { types: { LongType: { using(methods: object): unknown } } }),
  ...(require('avro-js/lib/files') as { streams: { BlockDecoder: new (opts: object) => NodeJS.ReadWriteStream } }),
};
const AVRO_JS_LONG = avroJs.types.LongType.using({
  fromBuffer: (b: Buffer) => b.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(n);
    return b;
  },
  fromJSON: (n: number) => BigInt(n),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/** Records and header of a container file as Apache Avro's JavaScript implementation reads them (its own framing and codecs). */
export async function decodeWithAvroJs(bytes: Buffer): Promise<{ records: unknown[]; metadata: Record<string, string> }> {
  const records: unknown[] = [];
  let metadata: Record<string, string> = {};
  const decoder = new avroJs.streams.BlockDecoder({ parseOpts: { registry: { long: AVRO_JS_LONG } } });
  decoder.on('metadata', (_type: unknown, _codec: unknown, header: { meta: Record<string, Buffer> }) => {
    metadata = Object.fromEntries(Object.entries(header.meta).map(([k, v]) => [k, v.toString('utf8')]));
  });
  await new Promise<void>((resolve, reject) => {
    decoder.on('data', (r: unknown) => records.push(r));
    decoder.on('end', resolve);
    decoder.on('error', reject);
    Readable.from([bytes]).pipe(decoder as unknown as NodeJS.WritableStream);
  });
  return { records, metadata };
}

/** Plain data for comparison: records to objects, bytes to hex, avro-js's wrapped unions ({ "long": 5n }) unwrapped. */
export function plainData(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
  if (Array.isArray(v)) return v.map(plainData);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 1 && ['long', 'int', 'string', 'bytes', 'boolean', 'array'].includes(entries[0]![0]))
    return plainData(entries[0]![1]);
  return Object.fromEntries(entries.map(([k, x]) => [k, plainData(x)]));
}
