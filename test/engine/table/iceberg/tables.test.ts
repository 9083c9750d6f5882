import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceError } from '../../../../src/errors.js';
import { readPlanRows } from '../../../../src/engine/table/iceberg/read/reference-reader.js';
import { allColumns, DuckOracle, formatRows, openTable, queryBlock, snapshotRows, sortRows, TABLES } from './support.js';

/**
 * Every fixture table answers exactly its published rows (the sqllogictest
 * blocks of duckdb-iceberg, and the per-snapshot results in their
 * comments), and every snapshot answers what DuckDB's Parquet reader gives
 * over the same files with the deletes applied in SQL.
 */

let oracle: DuckOracle;
beforeAll(async () => {
  oracle = await DuckOracle.open();
});
afterAll(() => oracle.close());

/** Every snapshot of a table against the DuckDB oracle; returns the ids checked. */
async function everySnapshotAgreesWithDuckDB(location: string, skip: readonly string[] = []): Promise<string[]> {
  const table = await openTable(location);
  const checked: string[] = [];
  for (const snapshot of table.metadata.snapshots.values()) {
    if (skip.includes(snapshot.id)) continue;
    const plan = await table.planScan({ snapshot, fields: allColumns(table) });
    const ours = formatRows(plan, await readPlanRows(plan, table.deleteFiles()));
    expect(ours, `snapshot ${snapshot.id}`).toEqual(await oracle.rows(table, plan));
    checked.push(snapshot.id);
  }
  return checked;
}

const dates = (rows: [number, string, string][]) => sortRows(rows.map(([id, name, bir]) => [String(id), name, bir]));

describe('equality_deletes/mytable (Spark, 6 snapshots, unpartitioned)', () => {
  // equality_deletes.test, the comments above the first query: the rows after each snapshot.
  const expected: Record<string, [number, string, string][]> = {
    '853766660775201079': [
      [1, 'a', '2025-01-01'],
      [2, 'b', '2025-01-02'],
      [3, 'c', '2025-01-03'],
      [4, 'd', '2025-01-04'],
    ],
    '1584331123492059582': [
      [3, 'c', '2025-01-03'],
      [4, 'd', '2025-01-04'],
    ],
    '842401149381792626': [[4, 'd', '2025-01-04']],
    '3340507003387467420': [
      [4, 'd', '2025-01-04'],
      [5, 'e', '2025-01-05'],
      [6, 'f', '2025-01-06'],
    ],
    '1916084761853986166': [
      [4, 'd', '2025-01-04'],
      [5, 'e', '2025-01-05'],
    ],
  };

  it('answers the current snapshot as the query "SELECT * ... mytable order by all"', async () => {
    const table = await openTable(TABLES.mytable);
    expect(await snapshotRows(table, table.snapshot())).toEqual(
      queryBlock('equality_deletes.test', "mytable') order by all", 'SELECT *').rows,
    );
    expect(await snapshotRows(table, table.snapshot(), ['bir'])).toEqual(
      queryBlock('equality_deletes.test', 'SELECT bir FROM', "mytable') order by all").rows,
    );
  });

  it('answers every readable snapshot (time travel) with its rows', async () => {
    const table = await openTable(TABLES.mytable);
    for (const [id, rows] of Object.entries(expected)) {
      expect(await snapshotRows(table, table.snapshot({ snapshotId: id })), `snapshot ${id}`).toEqual(dates(rows));
    }
  });

  it('refuses the snapshot whose manifest list is missing with SOURCE_UNAVAILABLE naming it, without a path', async () => {
    const table = await openTable(TABLES.mytable);
    const error = await snapshotRows(table, table.snapshot({ snapshotId: '7342794868382145167' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('SOURCE_UNAVAILABLE');
    expect((error as SluiceError).message).toContain('snapshot 7342794868382145167');
    expect((error as SluiceError).message).not.toMatch(/\/|\.avro/);
  });

  it('agrees with DuckDB on every readable snapshot', async () => {
    expect(await everySnapshotAgreesWithDuckDB(TABLES.mytable, ['7342794868382145167'])).toHaveLength(5);
  });
});

describe('equality_deletes/mytable_partitioned (identity partition on the deleted column, 5 snapshots)', () => {
  const expected: Record<string, [number, string, string][]> = {
    '6447922032991303611': [
      [1, 'a', '2025-01-01'],
      [2, 'b', '2025-01-02'],
      [3, 'c', '2025-01-03'],
      [4, 'd', '2025-01-04'],
    ],
    '4416477559988274704': [
      [1, 'a', '2025-01-01'],
      [3, 'c', '2025-01-03'],
      [4, 'd', '2025-01-04'],
    ],
    '6022113614852838397': [
      [1, 'a', '2025-01-01'],
      [4, 'd', '2025-01-04'],
    ],
    '883882341917253211': [
      [1, 'a', '2025-01-01'],
      [4, 'd', '2025-01-04'],
      [5, 'e', '2025-01-05'],
      [6, 'f', '2025-01-06'],
    ],
    '3138177759849079112': [
      [1, 'a', '2025-01-01'],
      [4, 'd', '2025-01-04'],
      [5, 'e', '2025-01-05'],
    ],
  };

  it('answers the current snapshot as the query "SELECT * ... mytable_partitioned order by all"', async () => {
    const table = await openTable(TABLES.mytablePartitioned);
    expect(await snapshotRows(table, table.snapshot())).toEqual(
      queryBlock('equality_deletes.test', "mytable_partitioned') order by all", 'SELECT *').rows,
    );
  });

  it('answers every snapshot with its rows', async () => {
    const table = await openTable(TABLES.mytablePartitioned);
    for (const [id, rows] of Object.entries(expected)) {
      expect(await snapshotRows(table, table.snapshot({ snapshotId: id })), `snapshot ${id}`).toEqual(dates(rows));
    }
  });

  it('agrees with DuckDB on every snapshot', async () => {
    expect(await everySnapshotAgreesWithDuckDB(TABLES.mytablePartitioned)).toHaveLength(5);
  });
});

describe('hive_partitioned_table (spec evolution, partition values not stored in the files)', () => {
  it('answers the query "select * ... order by all" with the partition values filled in', async () => {
    const table = await openTable(TABLES.hive);
    expect(await snapshotRows(table, table.snapshot())).toEqual(queryBlock('identity_date_and_string.test', 'select *').rows);
  });

  it('agrees with DuckDB on both snapshots', async () => {
    expect(await everySnapshotAgreesWithDuckDB(TABLES.hive)).toHaveLength(2);
  });
});

describe('add_columns_with_defaults (14 columns added with initial-default)', () => {
  it('answers the published rows; the older file reads every added column as its default', async () => {
    const table = await openTable(`${TABLES.defaults}/metadata/00003-3f1801a5-7dfb-4072-b14a-39cd12f9279b.metadata.json`);
    const columns = table.schema.fields.map((f) => f.name).filter((n) => n !== 'col1' && n !== 'col_uuid');
    // The published answer was printed in Europe/Amsterdam; ours are UTC (+00): the same instants.
    const utc: Record<string, string> = {
      '2023-05-15 16:30:45+02': '2023-05-15 14:30:45+00',
      '1970-01-01 01:00:00.012345+01': '1970-01-01 00:00:00.012345+00',
    };
    const expected = queryBlock('initial_default_all_types.test', 'EXCLUDE (col1, col_uuid)').rows.map((r) => r.map((c) => utc[c] ?? c));
    expect(await snapshotRows(table, table.snapshot(), columns)).toEqual(sortRows(expected));
  });

  it('agrees with DuckDB on both snapshots, uuid included', async () => {
    expect(await everySnapshotAgreesWithDuckDB(TABLES.defaults)).toHaveLength(2);
  });
});

describe('legacy_bare_deletion_vector (format v3, a Puffin deletion vector)', () => {
  it('refuses the current snapshot with SOURCE_UNSUPPORTED naming deletion vectors', async () => {
    const table = await openTable(TABLES.deletionVector);
    const error = await table.planScan({ snapshot: table.snapshot(), fields: allColumns(table) }).catch((e: unknown) => e);
    expect((error as SluiceError).code).toBe('SOURCE_UNSUPPORTED');
    expect((error as SluiceError).message).toMatch(/deletion vectors/);
  });

  it('still reads the snapshot before the deletion vector, as DuckDB does', async () => {
    const table = await openTable(TABLES.deletionVector);
    expect(await snapshotRows(table, table.snapshot({ snapshotId: '8314182234503896325' }))).toEqual([
      ['1', 'legacy'],
      ['2', 'legacy'],
      ['3', 'legacy'],
    ]);
    expect(await everySnapshotAgreesWithDuckDB(TABLES.deletionVector, ['7777777777777777776'])).toEqual(['8314182234503896325']);
  });
});

describe('icebird bunnies', () => {
  it('spark: 21 rows appended, 20 after the position delete and after the overwrite that fills the added column', async () => {
    const table = await openTable(TABLES.sparkBunnies);
    const counts = [];
    for (const s of table.metadata.snapshots.values()) counts.push((await snapshotRows(table, s)).length);
    expect(counts).toEqual([21, 20, 20]);
    const current = await snapshotRows(table, table.snapshot(), ['Breed Name', 'breed_name_length']);
    expect(current.every(([name, length]) => Number(length) === name!.length)).toBe(true);
    expect(await everySnapshotAgreesWithDuckDB(TABLES.sparkBunnies)).toHaveLength(3);
  });

  it('java: 21 rows at metadata v2, 15 now; the equality-deleted breed re-inserted in the same commit survives', async () => {
    const v2 = await openTable(`${TABLES.javaBunnies}/metadata/v2.metadata.json`);
    expect(await snapshotRows(v2, v2.snapshot())).toHaveLength(21);
    const table = await openTable(TABLES.javaBunnies);
    const rows = await snapshotRows(table, table.snapshot(), ['Breed Name', 'Popularity Rank', '__happy__']);
    expect(rows).toHaveLength(15);
    // Sanitised physical names (Breed_x20Name) are read through field ids: no name is null.
    expect(rows.some(([name]) => name === 'NULL')).toBe(false);
    expect(rows.filter(([name]) => name === 'New Zealand')).toEqual([['New Zealand', '0', 'true']]);
    expect(rows.filter(([, , happy]) => happy !== 'NULL')).toHaveLength(1);
    expect(await everySnapshotAgreesWithDuckDB(TABLES.javaBunnies)).toHaveLength(3);
  });
});
