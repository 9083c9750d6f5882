import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../../../../src/errors.js';
import { mapRecordedPath, resolveTableLocation } from '../../../../src/engine/table/iceberg/io/table-location.js';
import { parseTableMetadata } from '../../../../src/engine/table/iceberg/spec/table-metadata.js';
import { valueFromBinary, valueFromJson } from '../../../../src/engine/table/iceberg/spec/values.js';
import { parsePrimitive } from '../../../../src/engine/table/iceberg/spec/types.js';
import { openTable, snapshotRows, TABLES } from './support.js';

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as SluiceError).code;
  }
  return undefined;
};

describe('table metadata', () => {
  it('keeps every 64-bit snapshot id exactly as written (JSON.parse would round them)', () => {
    for (const location of [TABLES.javaBunnies, TABLES.mytable, TABLES.hive]) {
      const file = join(
        location,
        'metadata',
        `v${readFileSync(join(location, 'metadata/version-hint.text'), 'utf8').trim()}.metadata.json`,
      );
      const text = readFileSync(file, 'utf8');
      const written = [...text.matchAll(/"snapshot-id"\s*:\s*(-?\d+)/g)].map((m) => m[1]!);
      const metadata = parseTableMetadata(text);
      for (const id of written)
        expect(metadata.snapshots.has(id) || [...metadata.snapshotLog].some((e) => e.snapshotId === id), id).toBe(true);
      expect(written.some((id) => !Number.isSafeInteger(Number(id)))).toBe(true);
    }
    const java = parseTableMetadata(readFileSync(join(TABLES.javaBunnies, 'metadata/v5.metadata.json'), 'utf8'));
    expect(java.currentSnapshotId).toBe('9158179788527662767');
    expect(String(JSON.parse('9158179788527662767'))).not.toBe('9158179788527662767');
  });

  it('reads format v1: a single schema and partition spec, manifests listed inline, no sequence numbers', () => {
    const m = parseTableMetadata(
      JSON.stringify({
        'format-version': 1,
        location: 's3://b/t',
        'last-updated-ms': 1,
        'last-column-id': 2,
        schema: {
          type: 'struct',
          fields: [
            { id: 1, name: 'id', required: true, type: 'long' },
            { id: 2, name: 'day', required: false, type: 'date' },
          ],
        },
        'partition-spec': [{ name: 'day', transform: 'identity', 'source-id': 2 }],
        'current-snapshot-id': 3,
        snapshots: [{ 'snapshot-id': 3, 'timestamp-ms': 5, manifests: ['s3://b/t/metadata/m0.avro'] }],
      }),
    );
    expect(m.formatVersion).toBe(1);
    expect(m.specs.get(0)!.fields[0]).toMatchObject({ fieldId: 1000, sourceId: 2, transform: { kind: 'identity' } });
    expect(m.snapshots.get('3')).toMatchObject({ sequenceNumber: 0n, manifests: ['s3://b/t/metadata/m0.avro'] });
    expect(m.refs.get('main')).toEqual({ snapshotId: '3', type: 'branch' });
  });

  it('refuses unknown format versions and encryption, and reports unreadable metadata as corrupt', () => {
    const base = { location: 'x', schemas: [{ 'schema-id': 0, type: 'struct', fields: [] }], 'current-schema-id': 0 };
    expect(codeOf(() => parseTableMetadata(JSON.stringify({ ...base, 'format-version': 4 })))).toBe('SOURCE_UNSUPPORTED');
    expect(codeOf(() => parseTableMetadata(JSON.stringify({ ...base, 'format-version': 3, 'encryption-keys': [{ 'key-id': 'k' }] })))).toBe(
      'SOURCE_UNSUPPORTED',
    );
    expect(codeOf(() => parseTableMetadata('{"format-version": 2,'))).toBe('SOURCE_CORRUPT');
    expect(codeOf(() => parseTableMetadata(JSON.stringify({ ...base, 'format-version': 2, 'current-schema-id': 7 })))).toBe(
      'SOURCE_CORRUPT',
    );
  });

  it('reads initial defaults of every type from their JSON form, and bounds from their binary form', () => {
    expect(valueFromJson(parsePrimitive('long'), '-9223372036854775808')).toBe(-9223372036854775808n);
    expect(valueFromJson(parsePrimitive('decimal(16, 2)'), '12345.00')).toBe(1234500n);
    expect(valueFromJson(parsePrimitive('date'), '0011-03-05')).toBe(-715447);
    expect(valueFromJson(parsePrimitive('timestamptz'), '1970-01-01T01:00:00.012345+01:00')).toBe(12345n);
    expect(valueFromJson(parsePrimitive('time'), '12:06:45')).toBe(43_605_000_000n);
    expect(valueFromJson(parsePrimitive('fixed[2]'), '80ff')).toEqual(new Uint8Array([0x80, 0xff]));
    expect(valueFromBinary(parsePrimitive('long'), new Uint8Array([1, 0, 0, 0]))).toBe(1n); // written while the column was an int
    expect(valueFromBinary(parsePrimitive('decimal(9, 2)'), new Uint8Array([0xff, 0x38]))).toBe(-200n);
    expect(valueFromBinary(parsePrimitive('string'), new Uint8Array([0x76, 0x69, 0x65, 0x77]))).toBe('view');
  });
});

describe('table locations', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('finds the current metadata from version-hint.text (a number, or a file name stem), else the newest file', async () => {
    expect((await openTable(TABLES.mytable)).metadataFile).toMatch(/\/metadata\/v7\.metadata\.json$/);
    expect((await openTable(TABLES.deletionVector)).metadataFile).toMatch(/00002-legacy-bare-dv\.metadata\.json$/);
    // No hint in this table: the highest NNNNN- prefix.
    expect((await openTable(TABLES.defaults)).metadataFile).toMatch(/00003-3f1801a5-[^/]*\.metadata\.json$/);
    dir = mkdtempSync(join(tmpdir(), 'sluice-iceberg-'));
    cpSync(TABLES.mytable, dir, { recursive: true });
    rmSync(join(dir, 'metadata/version-hint.text'));
    expect((await openTable(dir)).metadataFile).toBe(join(dir, 'metadata/v7.metadata.json'));
  });

  it('a location naming a metadata file reads that version, its table root the folder above metadata/', async () => {
    expect(resolveTableLocation('/t/metadata/v2.metadata.json')).toEqual({ root: '/t', metadataFile: '/t/metadata/v2.metadata.json' });
    expect(resolveTableLocation('s3://b/p/t/')).toEqual({ root: 's3://b/p/t' });
    const v3 = await openTable(join(TABLES.mytable, 'metadata/v3.metadata.json'));
    expect(v3.snapshot()!.id).toBe('7342794868382145167');
  });

  it('maps recorded paths of any scheme from the recorded location onto the configured root', () => {
    expect(
      mapRecordedPath('s3a://hyperparam-iceberg/java/bunnies/data/x.parquet', 's3a://hyperparam-iceberg/java/bunnies', '/here/t'),
    ).toBe('/here/t/data/x.parquet');
    expect(mapRecordedPath('file://data/persistent/t/data/x.parquet', 'data/persistent/t', 's3://b/t')).toBe('s3://b/t/data/x.parquet');
    expect(mapRecordedPath('data/persistent/t/metadata/m.avro', 'file:data/persistent/t', '/r')).toBe('/r/metadata/m.avro');
    expect(mapRecordedPath('s3://other/data/x.parquet', 's3://b/t', 's3://b/t')).toBe('s3://other/data/x.parquet');
    // Outside the table, on local disk: never read.
    expect(mapRecordedPath('/etc/passwd', 's3://b/t', '/r')).toBeUndefined();
    expect(mapRecordedPath('data/persistent/tt/x', 'data/persistent/t', '/r')).toBeUndefined();
  });

  it('reports a location without metadata as SOURCE_UNAVAILABLE, without its path', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-iceberg-'));
    const error = (await openTable(dir).catch((e: unknown) => e)) as SluiceError;
    expect(error.code).toBe('SOURCE_UNAVAILABLE');
    expect(error.message).not.toContain(dir);
  });
});

describe('snapshot selection', () => {
  it('by id (decimal string or bigint), by ref, and by time through the snapshot log', async () => {
    const table = await openTable(TABLES.mytable);
    expect(table.snapshot({ snapshotId: 1916084761853986166n })!.id).toBe('1916084761853986166');
    expect(table.snapshot({ snapshotId: '842401149381792626' })!.sequenceNumber).toBe(4n);
    expect(table.snapshot({ ref: 'main' })!.id).toBe(table.snapshot()!.id);
    // The log records a rollback: at 1758879496330 the table was back at snapshot 2.
    expect(table.snapshot({ timestampMs: 1758879496330 })!.id).toBe('7342794868382145167');
    expect(table.snapshot({ timestampMs: 1758879496403 })!.id).toBe('7342794868382145167');
    expect(table.snapshot({ timestampMs: 1758879496404 })!.id).toBe('1584331123492059582');
    expect(table.snapshot({ timestampMs: 4e12 })!.id).toBe('1916084761853986166');
  });

  it('an unknown id or ref, or a time before the first commit, is BAD_USER_INPUT naming it', async () => {
    const table = await openTable(TABLES.mytable);
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as SluiceError;
      }
      throw new Error('no error');
    };
    expect(err(() => table.snapshot({ snapshotId: '123' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('snapshot 123'),
    });
    expect(err(() => table.snapshot({ ref: 'nightly' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('"nightly"'),
    });
    expect(err(() => table.snapshot({ timestampMs: 1758879443925 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('2025-09-26T'),
    });
    expect(table.snapshot({ timestampMs: 1758879443926 })!.id).toBe('853766660775201079');
  });

  it('an empty table has no current snapshot and scans no rows', async () => {
    const table = await openTable(join(TABLES.mytable, 'metadata/v1.metadata.json'));
    expect(table.snapshot()).toBeNull();
    expect(await snapshotRows(table, null)).toEqual([]);
  });
});
