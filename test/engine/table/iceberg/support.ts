import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { LocalSourceStore } from '../../../../src/engine/storage/source-files.js';
import { readPlanRows, type IcebergRow } from '../../../../src/engine/table/iceberg/read/reference-reader.js';
import type { FieldRequest } from '../../../../src/engine/table/iceberg/scan/bind-fields.js';
import type { DataFileTask, ScanPlan } from '../../../../src/engine/table/iceberg/scan/plan-scan.js';
import type { Snapshot } from '../../../../src/engine/table/iceberg/spec/table-metadata.js';
import { typeName, type PrimitiveType } from '../../../../src/engine/table/iceberg/spec/types.js';
import { civilFromDays, type IcebergValue } from '../../../../src/engine/table/iceberg/spec/values.js';
import { IcebergTable } from '../../../../src/engine/table/iceberg/table.js';

/** The copied fixture tables (test/fixtures/iceberg/README.md). */
export const FIXTURES = join(import.meta.dirname, '../../../fixtures/iceberg');
const DUCK = join(FIXTURES, 'duckdb-iceberg/data/persistent');
export const TABLES = {
  mytable: join(DUCK, 'equality_deletes/warehouse/mydb/mytable'),
  mytablePartitioned: join(DUCK, 'equality_deletes/warehouse/mydb/mytable_partitioned'),
  hive: join(DUCK, 'hive_partitioned_table'),
  defaults: join(DUCK, 'add_columns_with_defaults/default.db/add_columns_with_defaults'),
  deletionVector: join(DUCK, 'legacy_bare_deletion_vector/warehouse/default/legacy_bare_deletion_vector'),
  sparkBunnies: join(FIXTURES, 'icebird/spark/bunnies'),
  javaBunnies: join(FIXTURES, 'icebird/java/bunnies'),
} as const;

export const localStore = () => new LocalSourceStore(0);

export const openTable = (location: string, store = localStore()) => IcebergTable.open(location, { store });

/** Every column of the current schema, requested under its own name without a contract type (raw Iceberg values). */
export const allColumns = (table: IcebergTable): FieldRequest[] => table.schema.fields.map((f) => ({ name: f.name, column: f.name }));

/** The rows of a snapshot through the reference reader, formatted as DuckDB prints them, sorted. */
export async function snapshotRows(table: IcebergTable, snapshot: Snapshot | null, columns?: readonly string[]): Promise<string[][]> {
  const fields = columns === undefined ? allColumns(table) : columns.map((c) => ({ name: c, column: c }));
  const plan = await table.planScan({ snapshot, fields });
  return formatRows(plan, await readPlanRows(plan, table.deleteFiles()));
}

export function formatRows(plan: ScanPlan, rows: readonly IcebergRow[]): string[][] {
  return sortRows(rows.map((r) => plan.fields.map((f) => formatValue(r[f.name] ?? null, f.icebergType))));
}

export const sortRows = (rows: string[][]) => rows.sort((a, b) => (a.join('\t') < b.join('\t') ? -1 : a.join('\t') > b.join('\t') ? 1 : 0));

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function clock(micros: bigint): string {
  const s = Number(micros / 1_000_000n);
  const frac = micros % 1_000_000n;
  const text = `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
  return frac === 0n ? text : `${text}.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
}
function date(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}
function timestamp(micros: bigint): string {
  const day = micros >= 0n ? micros / 86_400_000_000n : -((-micros + 86_400_000_000n - 1n) / 86_400_000_000n);
  return `${date(Number(day))} ${clock(micros - day * 86_400_000_000n)}`;
}

/** DuckDB prints whole floating-point numbers with ".0". */
const floating = (x: number) => (Number.isInteger(x) ? `${x}.0` : String(x));

/** A value as DuckDB's VARCHAR cast prints it (TimeZone UTC): the format of the sqllogictest answers. */
export function formatValue(v: IcebergValue | null, t: PrimitiveType): string {
  if (v === null) return 'NULL';
  switch (t.type) {
    case 'float': {
      // The shortest decimal that reads back as the same single-precision float.
      const x = v as number;
      for (let p = 1; p <= 9; p++) if (Math.fround(Number(x.toPrecision(p))) === x) return floating(Number(x.toPrecision(p)));
      return floating(x);
    }
    case 'double':
      return floating(v as number);
    case 'decimal': {
      const u = v as bigint;
      const neg = u < 0n;
      const digits = (neg ? -u : u).toString().padStart(t.scale + 1, '0');
      const text = t.scale === 0 ? digits : `${digits.slice(0, -t.scale)}.${digits.slice(-t.scale)}`;
      return neg ? `-${text}` : text;
    }
    case 'date':
      return date(v as number);
    case 'time':
      return clock(v as bigint);
    case 'timestamp':
      return timestamp(v as bigint);
    case 'timestamptz':
      return `${timestamp(v as bigint)}+00`;
    case 'fixed':
    case 'binary':
      return Array.from(v as Uint8Array, (b) =>
        b >= 32 && b < 127 && b !== 92 ? String.fromCharCode(b) : `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`,
      ).join('');
    default:
      return String(v);
  }
}

/** One `query` block of a sqllogictest file: its SQL and expected rows (tab-separated cells). */
export interface QueryBlock {
  readonly sql: string;
  readonly rows: string[][];
}

export function queryBlocks(file: string): QueryBlock[] {
  const lines = readFileSync(join(FIXTURES, 'duckdb-iceberg/tests', file), 'utf8').split('\n');
  const out: QueryBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('query ')) continue;
    const sql: string[] = [];
    for (i++; i < lines.length && lines[i] !== '----'; i++) sql.push(lines[i]!);
    const rows: string[][] = [];
    for (i++; i < lines.length && lines[i]!.trim() !== ''; i++) rows.push(lines[i]!.split('\t'));
    out.push({ sql: sql.join('\n'), rows });
  }
  return out;
}

/** The block whose SQL contains every fragment (exactly one must). */
export function queryBlock(file: string, ...fragments: string[]): QueryBlock {
  const found = queryBlocks(file).filter((b) => fragments.every((f) => b.sql.includes(f)));
  if (found.length !== 1) throw new Error(`${found.length} query blocks of ${file} match ${fragments.join(', ')}`);
  return found[0]!;
}

/**
 * The second oracle: DuckDB's own Parquet reader over the snapshot's data
 * files, with the deletes applied in SQL. It shares only the manifest
 * decoding with the code under test (cross-checked against another Avro
 * decoder in avro.test.ts); it binds columns by field id through DuckDB's
 * `parquet_schema`, decides which deletes apply by the spec's rules written
 * again here, and anti-joins position deletes on (recorded path, row
 * number) and equality deletes on their columns, NULL equal to NULL.
 */
export class DuckOracle {
  private constructor(private readonly db: DuckDBConnection) {}

  static async open(): Promise<DuckOracle> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const db = await instance.connect();
    await db.run("SET TimeZone = 'UTC'");
    return new DuckOracle(db);
  }

  close(): void {
    this.db.closeSync();
  }

  async rows(table: IcebergTable, plan: ScanPlan): Promise<string[][]> {
    const out: string[][] = [];
    const specs = table.metadata.specs;
    for (const data of plan.files) {
      if (data.pruned !== undefined) continue;
      const ids = await this.fieldIds(data.uri);
      const select = plan.fields.map((f) => {
        const column = ids.get(f.fieldId) ?? nameMapped(table, f.fieldId, [...ids.values()]);
        if (column === undefined) return `CAST(${this.constant(table, data, f.fieldId, f.icebergType)} AS VARCHAR)`;
        const c = `d.${ident(column)}`;
        // pyarrow writes time as TIME(adjusted to UTC), which DuckDB reads as TIMETZ; Iceberg's time has no zone.
        if (f.icebergType.type === 'time') return `CAST(CAST(${c} AS TIME) AS VARCHAR)`;
        // A uuid written as bare fixed[16] reads as a BLOB: spell it as a UUID.
        if (f.icebergType.type === 'uuid')
          return `regexp_replace(lower(hex(${c})), '^(.{8})(.{4})(.{4})(.{4})(.{12})$', '\\1-\\2-\\3-\\4-\\5')`;
        return `CAST(${c} AS VARCHAR)`;
      });
      const conditions: string[] = [];
      for (const del of plan.deleteFiles) {
        if (del.content === 'position-deletes') {
          if (del.sequenceNumber < data.dataSequenceNumber) continue;
          conditions.push(
            `NOT EXISTS (SELECT 1 FROM read_parquet(${quote(del.uri)}) p WHERE p.file_path = ${quote(data.recordedPath)} AND p.pos = d.file_row_number)`,
          );
        } else {
          if (del.sequenceNumber <= data.dataSequenceNumber) continue;
          const global = specs.get(del.specId)!.fields.every((p) => p.transform.kind === 'void');
          if (!global && (del.specId !== data.specId || JSON.stringify(del.partition, big) !== JSON.stringify(data.partition, big)))
            continue;
          const delIds = await this.fieldIds(del.uri);
          const on = del.equalityFieldIds!.map((id) => `e.${ident(delIds.get(id)!)} IS NOT DISTINCT FROM d.${ident(ids.get(id)!)}`);
          conditions.push(`NOT EXISTS (SELECT 1 FROM read_parquet(${quote(del.uri)}) e WHERE ${on.join(' AND ')})`);
        }
      }
      const sql = `SELECT ${select.join(', ')} FROM read_parquet(${quote(data.uri)}, file_row_number = true) d${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
      const reader = await this.db.runAndReadAll(sql);
      for (const r of reader.getRows()) out.push(r.map((v) => (v === null ? 'NULL' : String(v))));
    }
    return sortRows(out);
  }

  /** Top-level columns by field id, as DuckDB reads the footer. */
  private async fieldIds(uri: string): Promise<Map<number, string>> {
    const reader = await this.db.runAndReadAll(`SELECT name, field_id FROM parquet_schema(${quote(uri)}) WHERE field_id IS NOT NULL`);
    return new Map(reader.getRowObjectsJS().map((r) => [Number(r['field_id']), String(r['name'])]));
  }

  /** A column the file lacks: its identity partition value, else its initial default written as SQL from the metadata's JSON, else NULL. */
  private constant(table: IcebergTable, data: DataFileTask, fieldId: number, type: PrimitiveType): string {
    const spec = table.metadata.specs.get(data.specId)!;
    const identity = spec.fields.find((p) => p.sourceId === fieldId && p.transform.kind === 'identity');
    const sqlType = duckType(type);
    if (identity !== undefined && identity.name in data.partition) {
      const v = data.partition[identity.name] ?? null;
      return v === null ? 'NULL' : `CAST(${quote(formatValue(v, type))} AS ${sqlType})`;
    }
    const raw = readFileSync(table.metadataFile, 'utf8');
    // The default as the metadata writes it (numbers kept as text, so 64-bit values stay exact).
    const m = new RegExp(`"id"\\s*:\\s*${fieldId}\\s*,[^}]*?"initial-default"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*"|[^,}\\s]+)`).exec(raw);
    if (m === null) return 'NULL';
    const text = m[1]!.startsWith('"') ? (JSON.parse(m[1]!) as string) : m[1]!;
    if (type.type === 'binary' || type.type === 'fixed') return `unhex(${quote(text)})`;
    return `CAST(${quote(text)} AS ${sqlType})`;
  }
}

/** Files written without field ids: the table's name mapping, as the oracle reads it. */
function nameMapped(table: IcebergTable, fieldId: number, names: readonly string[]): string | undefined {
  const mapping = table.metadata.nameMapping;
  if (mapping === undefined) return undefined;
  return names.find((n) => mapping.get(n) === fieldId);
}

function duckType(t: PrimitiveType): string {
  switch (t.type) {
    case 'int':
      return 'INTEGER';
    case 'long':
      return 'BIGINT';
    case 'float':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    case 'decimal':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'timestamptz':
      return 'TIMESTAMPTZ';
    case 'string':
      return 'VARCHAR';
    case 'binary':
    case 'fixed':
      return 'BLOB';
    default:
      return typeName(t).toUpperCase();
  }
}

const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v);
export const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
