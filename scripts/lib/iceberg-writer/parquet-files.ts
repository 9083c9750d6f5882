/**
 * Writing the Parquet files of a table with DuckDB: data files (one per
 * partition of a query's rows), position delete files and equality delete
 * files, every column carrying its Iceberg field id (`FIELD_IDS`) and the
 * Parquet type Iceberg reads it as. One DuckDB thread and the session in
 * UTC, so the same rows give the same files on every run.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { FILE_PATH_FIELD, POS_FIELD, type PartitionField, type PrimitiveTypeName, type SchemaField, type TableSchema } from './schema.js';
import type { WriterValue } from './single-value.js';

const DUCK_TYPES: Record<PrimitiveTypeName, string> = {
  boolean: 'BOOLEAN',
  int: 'INTEGER',
  long: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMPTZ',
  string: 'VARCHAR',
};

export const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
export const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

export async function openDuckDB(): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await instance.connect();
  await c.run("SET TimeZone = 'UTC'");
  return c;
}

/** `FORMAT parquet, FIELD_IDS {...}` for these fields. */
export function parquetOptions(fields: readonly SchemaField[], rowGroupSize?: number): string {
  const ids = fields.map((f) => `${quote(f.name)}: ${f.id}`).join(', ');
  return `FORMAT parquet, FIELD_IDS {${ids}}${rowGroupSize === undefined ? '' : `, ROW_GROUP_SIZE ${rowGroupSize}`}`;
}

/** The query's columns cast to the schema's types, in schema order (a missing column fails in DuckDB, naming it). */
export function castToSchema(schema: TableSchema, from: string): string {
  return `SELECT ${schema.fields.map((f) => `CAST(${ident(f.name)} AS ${DUCK_TYPES[f.type]}) AS ${ident(f.name)}`).join(', ')} FROM (${from})`;
}

/**
 * A partition field's value as SQL over its source column, in a plain
 * representation (dates as days, timestamps as µs) that JS values compare
 * with: the transforms of spec "Partition Transforms", in UTC.
 */
export function partitionSql(p: PartitionField, source: SchemaField): string {
  const c = ident(source.name);
  switch (p.transform) {
    case 'identity':
      if (source.type === 'date') return `datediff('day', DATE '1970-01-01', ${c})`;
      if (source.type === 'timestamp' || source.type === 'timestamptz') return `epoch_us(${c})`;
      return c;
    case 'year':
      return `(year(${c}) - 1970)`;
    case 'month':
      return `((year(${c}) - 1970) * 12 + month(${c}) - 1)`;
    case 'day':
      return `datediff('day', DATE '1970-01-01', CAST(${c} AS DATE))`;
    case 'hour':
      return `CAST(floor(epoch_us(${c}) / 3600000000.0) AS BIGINT)`;
  }
}

/** A value as a SQL literal comparable with partitionSql's results. */
export function literal(v: WriterValue | null): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

/** Writes `file_path, pos` rows (sorted as the spec requires) to a position delete file. */
export async function writePositionDeletes(
  c: DuckDBConnection,
  target: string,
  rows: readonly { readonly path: string; readonly positions: readonly number[] }[],
): Promise<void> {
  await c.run('CREATE OR REPLACE TEMP TABLE __position_deletes (file_path VARCHAR NOT NULL, pos BIGINT NOT NULL)');
  const appender = await c.createAppender('__position_deletes');
  for (const { path, positions } of rows) {
    for (const pos of positions) {
      appender.appendVarchar(path);
      appender.appendBigInt(BigInt(pos));
      appender.endRow();
    }
  }
  appender.closeSync();
  await c.run(
    `COPY (SELECT file_path, pos FROM __position_deletes ORDER BY file_path, pos) TO ${quote(target)} (${parquetOptions([FILE_PATH_FIELD, POS_FIELD])})`,
  );
  await c.run('DROP TABLE __position_deletes');
}

/** Writes the deleted key rows of an equality delete file: one column per equality field, named and typed as in the schema. */
export async function writeEqualityDeletes(
  c: DuckDBConnection,
  target: string,
  fields: readonly SchemaField[],
  rows: readonly (readonly (WriterValue | null)[])[],
): Promise<void> {
  // Dates and timestamps are staged as numbers (days, µs) and converted by DuckDB: exact, no JS Date in between.
  const staged = (t: PrimitiveTypeName) => (t === 'date' ? 'INTEGER' : t === 'timestamp' || t === 'timestamptz' ? 'BIGINT' : DUCK_TYPES[t]);
  await c.run(`CREATE OR REPLACE TEMP TABLE __equality_deletes (${fields.map((f, i) => `c${i} ${staged(f.type)}`).join(', ')})`);
  const appender = await c.createAppender('__equality_deletes');
  for (const row of rows) {
    if (row.length !== fields.length) throw new Error(`an equality delete row has ${row.length} values for ${fields.length} columns`);
    fields.forEach((f, i) => {
      const v = row[i] ?? null;
      if (v === null) {
        if (f.required) throw new Error(`an equality delete row holds null for required field ${f.name}`);
        return appender.appendNull();
      }
      switch (f.type) {
        case 'boolean':
          return appender.appendBoolean(v as boolean);
        case 'int':
        case 'date':
          return appender.appendInteger(v as number);
        case 'long':
        case 'timestamp':
        case 'timestamptz':
          return appender.appendBigInt(BigInt(v as bigint));
        case 'float':
          return appender.appendFloat(v as number);
        case 'double':
          return appender.appendDouble(v as number);
        case 'string':
          return appender.appendVarchar(v as string);
      }
    });
    appender.endRow();
  }
  appender.closeSync();
  const columns = fields.map((f, i) => {
    const expr =
      f.type === 'date'
        ? `DATE '1970-01-01' + c${i}`
        : f.type === 'timestamp'
          ? `make_timestamp(c${i})`
          : f.type === 'timestamptz'
            ? `CAST(make_timestamp(c${i}) AS TIMESTAMPTZ)`
            : `c${i}`;
    return `${expr} AS ${ident(f.name)}`;
  });
  await c.run(`COPY (SELECT ${columns.join(', ')} FROM __equality_deletes) TO ${quote(target)} (${parquetOptions(fields)})`);
  await c.run('DROP TABLE __equality_deletes');
}
