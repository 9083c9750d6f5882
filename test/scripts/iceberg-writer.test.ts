import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IcebergTableWriter } from '../../scripts/lib/iceberg-writer/index.js';
import { encodeSingleValue, truncateLower, truncateUpper } from '../../scripts/lib/iceberg-writer/single-value.js';
import { readAvroContainer } from '../../src/engine/table/iceberg/avro/container.js';
import { readPlanRows } from '../../src/engine/table/iceberg/read/reference-reader.js';
import { manifestEntriesFrom, manifestListFrom, type ManifestEntry } from '../../src/engine/table/iceberg/spec/manifest.js';
import { parsePrimitive } from '../../src/engine/table/iceberg/spec/types.js';
import { valueFromBinary } from '../../src/engine/table/iceberg/spec/values.js';
import type { IcebergTable } from '../../src/engine/table/iceberg/table.js';
import { SluiceError } from '../../src/errors.js';
import { Expr } from '../../src/plan/expr.js';
import { allColumns, DuckOracle, FIXTURES, formatRows, openTable, sortRows } from '../engine/table/iceberg/support.js';
import { OpenApiDescription } from '../support/openapi-validator.js';
import {
  decodeWithAvroJs,
  EVENTS_LOCATION,
  filesUnder,
  INTENDED,
  MODEL_SQL,
  plainData,
  SCHEMA_FIELDS,
  T0,
  writeStoryTables,
} from './iceberg-writer-support.js';

/**
 * The Iceberg writer (scripts/lib/iceberg-writer) proved by readers it does
 * not share code with: the project's Iceberg reader and reference reader,
 * DuckDB's Parquet reader over the same files with the deletes applied in
 * SQL, avsc and avro-js for the Avro files, the REST catalog's OpenAPI
 * description for the metadata, DuckDB's own aggregates for every metric.
 * The intended rows come from the source rows and the story of the commits
 * (iceberg-writer-support.ts), never from the files written.
 */

const root = mkdtempSync(join(tmpdir(), 'sluice-iceberg-writer-'));
let story: Awaited<ReturnType<typeof writeStoryTables>>;
let oracle: DuckOracle;
let duck: DuckDBConnection;

beforeAll(async () => {
  story = await writeStoryTables(root);
  oracle = await DuckOracle.open();
  duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  await duck.run("SET TimeZone = 'UTC'");
  await duck.run(`CREATE TABLE model AS ${MODEL_SQL}`);
}, 120_000);
afterAll(() => {
  oracle?.close();
  duck?.closeSync();
  rmSync(root, { recursive: true, force: true });
});

const COLUMNS = SCHEMA_FIELDS.map((f) => f.name);

/** DuckDB prints NaN as `nan`, the test support's formatter as `NaN`: the same value. */
const sameNaN = (rows: string[][]) => sortRows(rows.map((r) => r.map((c) => (c === 'nan' ? 'NaN' : c))));

/** The intended rows for a condition over `model m`, printed as DuckDB prints them. */
async function intended(condition: string): Promise<string[][]> {
  const reader = await duck.runAndReadAll(
    `SELECT ${COLUMNS.map((c) => `CAST(m.${c} AS VARCHAR)`).join(', ')} FROM model m WHERE ${condition}`,
  );
  return sameNaN(reader.getRows().map((r) => r.map((v) => (v === null ? 'NULL' : String(v)))));
}

async function readerRows(table: IcebergTable, snapshotId: bigint) {
  const plan = await table.planScan({ snapshot: table.snapshot({ snapshotId }), fields: allColumns(table) });
  return { plan, rows: formatRows(plan, await readPlanRows(plan, table.deleteFiles())) };
}

describe('a partitioned table written by the writer', () => {
  it('answers the intended rows at every snapshot, through the reference reader and through DuckDB', async () => {
    const table = await openTable(join(root, 'events'));
    expect([...table.metadata.snapshots.keys()]).toEqual(story.events.map((s) => String(s.snapshotId)));
    const counts: number[] = [];
    for (const [i, s] of story.events.entries()) {
      const want = await intended(INTENDED.events[i]!);
      const { plan, rows } = await readerRows(table, s.snapshotId);
      expect(rows, `snapshot ${i + 1} (${s.operation})`).toEqual(want);
      expect(sameNaN(await oracle.rows(table, plan)), `snapshot ${i + 1}, DuckDB`).toEqual(want);
      counts.push(rows.length);
    }
    // Each commit changed what its story says: deletes removed rows, the re-insert added two, the compaction none.
    expect(counts[1]).toBe(500);
    expect(counts[2]).toBeLessThan(counts[1]!);
    expect(counts[3]).toBeLessThan(counts[2]!);
    expect(counts[4]).toBe(counts[3]! + 2);
    expect(counts[5]).toBe(counts[4]);
    expect(story.events.map((s) => s.operation)).toEqual(['append', 'append', 'delete', 'delete', 'append', 'replace']);
  });

  it('keeps deleted keys outside the equality delete’s partition, and re-inserted ones after it', async () => {
    const table = await openTable(join(root, 'events'));
    const ids = (rows: string[][]) => rows.map((r) => Number(r[0]));
    const after = ids((await readerRows(table, story.events[3]!.snapshotId)).rows);
    expect(after).toEqual(expect.arrayContaining([5, 17]));
    expect(after).not.toEqual(expect.arrayContaining([4]));
    expect(after.filter((id) => [4, 16, 28].includes(id))).toEqual([]);
    const reinserted = ids((await readerRows(table, story.events[4]!.snapshotId)).rows);
    expect(reinserted.filter((id) => [4, 16, 28].includes(id)).sort()).toEqual([16, 4]);
  });

  it('records the compaction as DELETED and EXISTING entries, and its snapshot reads one data file and no delete file in that partition', async () => {
    const table = await openTable(join(root, 'events'));
    const plan = await table.planScan({ snapshot: table.snapshot(), fields: allColumns(table) });
    const compacted = plan.files.filter((f) => f.dataSequenceNumber === 6n);
    expect(compacted).toHaveLength(1);
    expect(compacted[0]!.positionDeletes).toEqual([]);
    expect(compacted[0]!.equalityDeletes).toEqual([]);
    const statuses = entriesOf(table, table.metadata.currentSnapshotId!).map((e) => e.status);
    expect(statuses).toContain('deleted');
    expect(statuses).toContain('existing');
  });

  it('travels in time by snapshot id, by timestamp and by tag; main is the current snapshot', async () => {
    const table = await openTable(join(root, 'events'));
    const [s1, s2, s3] = story.events;
    expect(table.snapshot({ snapshotId: s2!.snapshotId })!.id).toBe(String(s2!.snapshotId));
    expect(table.snapshot({ timestampMs: s2!.timestampMs })!.id).toBe(String(s2!.snapshotId));
    expect(table.snapshot({ timestampMs: s3!.timestampMs - 1 })!.id).toBe(String(s2!.snapshotId));
    expect(table.snapshot({ ref: 'before-deletes' })!.id).toBe(String(s2!.snapshotId));
    expect(table.snapshot({ ref: 'main' })!.id).toBe(String(story.events.at(-1)!.snapshotId));
    expect(table.snapshot()!.id).toBe(String(story.events.at(-1)!.snapshotId));
    expect(() => table.snapshot({ timestampMs: s1!.timestampMs - 1 })).toThrow(SluiceError);
    // Snapshot ids beyond 2^53 survive the metadata's JSON exactly.
    expect(story.events.some((s) => s.snapshotId > BigInt(Number.MAX_SAFE_INTEGER))).toBe(true);
  });

  it('records paths under its fake location, which the reader maps onto the folder it was given', async () => {
    const table = await openTable(join(root, 'events'));
    expect(table.metadata.location).toBe(EVENTS_LOCATION);
    const plan = await table.planScan({ snapshot: table.snapshot(), fields: allColumns(table) });
    for (const f of plan.files) {
      expect(f.recordedPath.startsWith(`${EVENTS_LOCATION}/data/region=`)).toBe(true);
      expect(f.uri.startsWith(join(root, 'events', 'data'))).toBe(true);
    }
  });

  it('prunes by its partition values and bounds: a region and a day read only their files, with the same answer', async () => {
    const table = await openTable(join(root, 'events'));
    const fields = [
      { name: 'id', column: 'id', type: 'int64' as const },
      { name: 'region', column: 'region', type: 'string' as const },
      { name: 'event_time', column: 'event_time', type: 'timestamp' as const },
    ];
    const filter = Expr.and([
      Expr.compare('region', 'eq', 'EU'),
      Expr.compare('event_time', 'gte', Date.parse('2025-03-05T00:00:00Z') * 1000),
    ]);
    const pruned = await table.planScan({ snapshot: table.snapshot(), fields, filter });
    const full = await table.planScan({ snapshot: table.snapshot(), fields });
    const read = pruned.files.filter((f) => f.pruned === undefined);
    const march5 = Date.UTC(2025, 2, 5) / 86_400_000;
    // Batch B's EU rows fall on March 4–7: the days from the 5th on, nothing else.
    expect(read.map((f) => [f.partition.region, f.partition.event_time_day])).toEqual([
      ['EU', march5],
      ['EU', march5 + 1],
      ['EU', march5 + 2],
    ]);
    expect(full.files.length).toBeGreaterThan(20);
    expect(pruned.manifests.read).toBeLessThan(pruned.manifests.total);
    const rows = async (plan: typeof full) => formatRows(plan, await readPlanRows(plan, table.deleteFiles(), '', filter));
    expect(await rows(pruned)).toEqual(await rows(full));
    expect((await rows(full)).length).toBeGreaterThan(0);
  });
});

describe('an unpartitioned table written by the writer', () => {
  it('answers the intended rows: a global equality delete, a re-insert in the same commit, a whole file removed', async () => {
    const table = await openTable(join(root, 'plain'));
    for (const [i, s] of story.plain.entries()) {
      const want = await intended(INTENDED.plain[i]!);
      const { plan, rows } = await readerRows(table, s.snapshotId);
      expect(rows, `snapshot ${i + 1}`).toEqual(want);
      expect(sameNaN(await oracle.rows(table, plan)), `snapshot ${i + 1}, DuckDB`).toEqual(want);
    }
    expect(story.plain.map((s) => s.operation)).toEqual(['append', 'overwrite', 'delete']);
    expect(story.plain[2]!.summary).toMatchObject({ 'deleted-data-files': '1', 'deleted-records': '60', 'total-data-files': '2' });
  });
});

describe('the files the writer writes', () => {
  it('metadata: every version validates as TableMetadata of the REST catalog’s OpenAPI description, and the reader parses it', async () => {
    const api = OpenApiDescription.load(join(FIXTURES, 'iceberg-rest-catalog-open-api.yaml'));
    const versions = ['events', 'plain'].flatMap((t) => filesUnder(join(root, t, 'metadata')).filter((f) => f.endsWith('.metadata.json')));
    expect(versions).toHaveLength(8 + 4); // create + 6 commits + 1 tag; create + 3 commits
    for (const file of versions) {
      expect(api.problemsWith('TableMetadata', JSON.parse(readFileSync(file, 'utf8'))), relative(root, file)).toBeUndefined();
      await expect(openTable(file)).resolves.toBeDefined();
    }
    expect(readFileSync(join(root, 'events/metadata/version-hint.text'), 'utf8')).toBe('8');
  });

  it('manifests and manifest lists: avsc and avro-js decode the same records and headers', async () => {
    const avro = ['events', 'plain'].flatMap((t) => filesUnder(join(root, t, 'metadata')).filter((f) => f.endsWith('.avro')));
    expect(avro.length).toBeGreaterThan(12);
    for (const file of avro) {
      const bytes = readFileSync(file);
      const ours = readAvroContainer(bytes);
      const theirs = await decodeWithAvroJs(bytes);
      expect(plainData([...ours.records]), relative(root, file)).toEqual(plainData(theirs.records));
      expect(ours.metadata).toEqual(theirs.metadata);
      expect(ours.metadata['format-version']).toBe('2');
      expect(ours.metadata['avro.codec']).toBe('deflate');
    }
  });

  it('manifests carry the Avro and Iceberg schemas Iceberg Java 1.8 writes, field ids included', () => {
    const java = readAvroContainer(
      readFileSync(
        join(
          FIXTURES,
          'duckdb-iceberg/data/persistent/equality_deletes/warehouse/mydb/mytable/metadata/snap-1916084761853986166-1-61648895-78fc-44d6-bf55-298a7614c4f8.avro',
        ),
      ),
    );
    const plainMetadata = filesUnder(join(root, 'plain/metadata'));
    const list = readAvroContainer(readFileSync(plainMetadata.find((f) => /snap-.*\.avro$/.test(f))!));
    expect(list.metadata['avro.schema']).toBe(java.metadata['avro.schema']);
    expect(list.metadata['iceberg.schema']).toBe(java.metadata['iceberg.schema']);
    // An unpartitioned manifest's schema is the same as Java's for an unpartitioned table (an empty r102).
    const javaManifest = readAvroContainer(
      readFileSync(
        join(
          FIXTURES,
          'duckdb-iceberg/data/persistent/equality_deletes/warehouse/mydb/mytable/metadata/bcc5469e-83b4-4a41-be7e-af79ed029353-m0.avro',
        ),
      ),
    );
    const manifest = readAvroContainer(readFileSync(plainMetadata.find((f) => /-m\d\.avro$/.test(f))!));
    expect(manifest.metadata['avro.schema']).toBe(javaManifest.metadata['avro.schema']);
    expect(manifest.metadata['iceberg.schema']).toBe(javaManifest.metadata['iceberg.schema']);
    expect(Object.keys(manifest.metadata).sort()).toEqual(Object.keys(javaManifest.metadata).sort());
  });

  it('metrics: counts, sizes and bounds of every file equal what DuckDB computes over it; string bounds truncated to 16 code points', async () => {
    let checked = 0;
    for (const t of ['events', 'plain']) {
      const table = await openTable(join(root, t));
      const seen = new Set<string>();
      for (const snapshotId of table.metadata.snapshots.keys()) {
        for (const entry of entriesOf(table, snapshotId)) {
          const f = entry.file;
          if (seen.has(f.path)) continue;
          seen.add(f.path);
          const local = table.mapPath(f.path)!;
          expect(f.fileSizeInBytes).toBe(statSync(local).size);
          const fields =
            f.content === 'data'
              ? SCHEMA_FIELDS
              : f.content === 'position-deletes'
                ? [
                    { id: 2147483546, name: 'file_path', type: 'string' as const },
                    { id: 2147483545, name: 'pos', type: 'long' as const },
                  ]
                : f.equalityIds!.map((id) => SCHEMA_FIELDS.find((x) => x.id === id)!);
          const sizes = new Map(
            (
              await duck.runAndReadAll(
                `SELECT path_in_schema AS name, sum(total_compressed_size) AS bytes FROM parquet_metadata('${local}') GROUP BY 1`,
              )
            )
              .getRowObjectsJS()
              .map((r) => [String(r.name), BigInt(r.bytes as bigint)]),
          );
          for (const field of fields) {
            const c = `"${field.name}"`;
            const kind = (field as { type: string }).type;
            // Iceberg bounds leave NaN out; NaN is counted apart.
            const value = kind === 'double' ? `${c}) FILTER (WHERE NOT isnan(${c})` : c;
            const [stats] = (
              await duck.runAndReadAll(
                `SELECT count(*) AS n, count(*) - count(${c}) AS nulls, CAST(min(${value}) AS VARCHAR) AS lo, CAST(max(${value}) AS VARCHAR) AS hi,
                        ${kind === 'double' ? `count(*) FILTER (WHERE isnan(${c}))` : 'NULL'} AS nans,
                        ${kind === 'timestamptz' ? `epoch_us(min(${c}))` : 'NULL'} AS lo_us,
                        ${kind === 'timestamptz' ? `epoch_us(max(${c}))` : 'NULL'} AS hi_us,
                        ${kind === 'date' ? `datediff('day', DATE '1970-01-01', min(${c}))` : 'NULL'} AS lo_days,
                        ${kind === 'date' ? `datediff('day', DATE '1970-01-01', max(${c}))` : 'NULL'} AS hi_days
                 FROM read_parquet('${local}')`,
              )
            ).getRowObjectsJS();
            const what = `${relative(root, local)} ${field.name}`;
            expect(f.recordCount, what).toBe(Number(stats!.n));
            expect(f.valueCounts?.get(field.id), what).toBe(Number(stats!.n));
            expect(f.nullValueCounts?.get(field.id), what).toBe(Number(stats!.nulls));
            if (kind === 'double') expect(f.nanValueCounts?.get(field.id), what).toBe(Number(stats!.nans));
            const columnSizes = entry.raw.data_file.column_sizes as { key: number; value: bigint }[];
            expect(columnSizes.find((c) => c.key === field.id)?.value, what).toBe(sizes.get(field.name));
            const type = parsePrimitive(kind);
            const lower = f.lowerBounds?.get(field.id);
            const upper = f.upperBounds?.get(field.id);
            // DuckDB writes no min/max for a row group holding NaN: the writer then has no bounds to give.
            if (stats!.lo === null || (Number(stats!.nans) > 0 && lower === undefined)) {
              expect(lower, what).toBeUndefined();
              expect(upper, what).toBeUndefined();
              continue;
            }
            const lo = valueFromBinary(type, lower!);
            const hi = valueFromBinary(type, upper!);
            switch (type.type) {
              case 'string': {
                const min = String(stats!.lo);
                const max = String(stats!.hi);
                const utf8 = (s: string) => Buffer.from(s, 'utf8');
                expect(min.startsWith(lo as string), what).toBe(true);
                expect(Buffer.compare(utf8(hi as string), utf8(max)) >= 0, what).toBe(true);
                if (field.id === 2147483546 || [...min].length <= 16) expect(lo, what).toBe(min);
                if (field.id === 2147483546 || [...max].length <= 16) expect(hi, what).toBe(max);
                expect([...(lo as string)].length <= 16 || field.id === 2147483546, what).toBe(true);
                expect([...(hi as string)].length <= 16 || field.id === 2147483546, what).toBe(true);
                break;
              }
              case 'timestamptz':
                expect([lo, hi], what).toEqual([BigInt(stats!.lo_us as bigint), BigInt(stats!.hi_us as bigint)]);
                break;
              case 'date':
                expect([lo, hi], what).toEqual([Number(stats!.lo_days), Number(stats!.hi_days)]);
                break;
              case 'long':
                expect([lo, hi], what).toEqual([BigInt(String(stats!.lo)), BigInt(String(stats!.hi))]);
                break;
              case 'double':
              case 'int':
                expect([lo, hi], what).toEqual([Number(stats!.lo), Number(stats!.hi)]);
                break;
              default:
                expect([String(lo), String(hi)], what).toEqual([String(stats!.lo), String(stats!.hi)]);
            }
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('are the same bytes on every run', async () => {
    const again = mkdtempSync(join(tmpdir(), 'sluice-iceberg-writer-again-'));
    try {
      await writeStoryTables(again);
      const digest = (dir: string) =>
        Object.fromEntries(filesUnder(dir).map((f) => [relative(dir, f), createHash('sha256').update(readFileSync(f)).digest('hex')]));
      expect(digest(again)).toEqual(digest(root));
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });
});

describe('single values and bounds', () => {
  const cases = [
    ['boolean', fc.boolean()],
    ['int', fc.integer()],
    ['date', fc.integer({ min: -1_000_000, max: 1_000_000 })],
    ['long', fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })],
    ['timestamptz', fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n })],
    ['float', fc.float({ noNaN: true })],
    ['double', fc.double({ noNaN: true })],
    ['string', fc.string({ unit: 'binary' })],
  ] as const;
  for (const [type, values] of cases) {
    it(`${type}: the reader's decoder gives back every encoded value`, () => {
      fc.assert(
        fc.property(values as fc.Arbitrary<never>, (v) => {
          const back = valueFromBinary(parsePrimitive(type), encodeSingleValue(type, v));
          expect(Object.is(back, v) || back === v).toBe(true);
        }),
      );
    });
  }

  it('truncated bounds are at most 16 code points and bracket the value (UTF-8 order)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 8, maxLength: 40 }), (s) => {
        const lower = truncateLower(s, 16);
        const upper = truncateUpper(s, 16);
        expect([...lower].length).toBeLessThanOrEqual(16);
        expect(s.startsWith(lower)).toBe(true);
        if (upper === undefined) return; // every kept code point is U+10FFFF: no bound, as Iceberg writes
        expect([...upper].length).toBeLessThanOrEqual(16);
        expect(Buffer.compare(Buffer.from(upper, 'utf8'), Buffer.from(s, 'utf8'))).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe('refusals', () => {
  const schema = { fields: SCHEMA_FIELDS.slice(0, 3) };
  const create = (dir: string, partitioned = false) =>
    IcebergTableWriter.create({
      dir,
      location: 's3://x/t',
      tableUuid: '00000000-0000-4000-8000-000000000000',
      schema,
      createdMs: T0,
      ...(partitioned && { partitionSpec: [{ name: 'region', sourceId: 2, transform: 'identity' as const }] }),
    });

  it('does not replace a folder that is not a table', async () => {
    const dir = join(root, 'not-a-table');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    await expect(create(dir)).rejects.toThrow(/not a table folder/);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('refuses files readers would bind wrongly, rows outside a file, and unscoped equality deletes of a partitioned table', async () => {
    const dir = join(root, 'refusals');
    const w = await create(dir, true);
    try {
      await w.query(`COPY (SELECT 1::BIGINT AS id, 'EU' AS region, now() AS event_time) TO '${dir}/no-ids.parquet' (FORMAT parquet)`);
      await expect(w.addParquetFile(join(dir, 'no-ids.parquet'))).rejects.toThrow(/no column with field id 1/);
      await w.query(
        `COPY (SELECT range::BIGINT AS id, (['EU','US'])[1 + range % 2] AS region, now() AS event_time FROM range(4)) TO '${dir}/two.parquet' (FORMAT parquet, FIELD_IDS {'id': 1, 'region': 2, 'event_time': 3})`,
      );
      await expect(w.addParquetFile(join(dir, 'two.parquet'))).rejects.toThrow(/span more than one value of partition field region/);
      await w.query(
        `COPY (SELECT NULL::BIGINT AS id, 'EU' AS region, now() AS event_time) TO '${dir}/null-id.parquet' (FORMAT parquet, FIELD_IDS {'id': 1, 'region': 2, 'event_time': 3})`,
      );
      await expect(w.addParquetFile(join(dir, 'null-id.parquet'))).rejects.toThrow(/required field id holds nulls/);
      await w.query(
        `COPY (SELECT 1::INTEGER AS id, 'EU' AS region, now() AS event_time) TO '${dir}/int-id.parquet' (FORMAT parquet, FIELD_IDS {'id': 1, 'region': 2, 'event_time': 3})`,
      );
      await expect(w.addParquetFile(join(dir, 'int-id.parquet'))).rejects.toThrow(/does not read as long/);
      const [file] = await w.writeDataFiles(`SELECT 1 AS id, 'EU' AS region, now() AS event_time`);
      await w.commit({ timestampMs: T0, add: [file!] });
      await expect(w.commit({ timestampMs: T0, positionDeletes: [{ file: file!, positions: [1] }] })).rejects.toThrow(/outside/);
      await expect(w.commit({ timestampMs: T0, equalityDeletes: [{ columns: ['id'], rows: [[1n]] }] })).rejects.toThrow(/partitionOf/);
      await expect(w.commit({ timestampMs: T0, add: [file!] })).rejects.toThrow(/already committed/);
    } finally {
      await w.close();
    }
  });
});

/** The manifest entries of a snapshot, DELETED ones included, decoded by the reader's manifest code, with each entry's raw record. */
function entriesOf(table: IcebergTable, snapshotId: string): (ManifestEntry & { raw: { data_file: Record<string, unknown> } })[] {
  const snapshot = table.metadata.snapshots.get(snapshotId)!;
  const read = (recorded: string) => readAvroContainer(readFileSync(table.mapPath(recorded)!));
  return manifestListFrom(read(snapshot.manifestList!), snapshotId).flatMap((m) => {
    const container = read(m.path);
    return manifestEntriesFrom(container, m, table.metadata.specs.get(m.specId)!, table.schema).map((e, i) => ({
      ...e,
      raw: container.records[i] as { data_file: Record<string, unknown> },
    }));
  });
}
