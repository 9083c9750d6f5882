/**
 * A data or delete file's metrics for its manifest entry, from the Parquet
 * footer alone, as Iceberg Java's `ParquetUtil.footerMetrics` derives them:
 * record count; per column (bound by Parquet field id) the compressed size,
 * value count (nulls included) and null count summed over row groups; lower
 * and upper bounds from the row groups' exact min/max statistics in the
 * single-value encoding, strings truncated to 16 code points unless the
 * column keeps full bounds; split offsets at each row group's start.
 *
 * Every column the caller expects must be present with its field id and the
 * Parquet type Iceberg reads it as: a file that readers would bind wrongly
 * is refused here, not written into a table.
 */
import { open, stat } from 'node:fs/promises';
import { parquetMetadataAsync, type AsyncBuffer, type ColumnChunk, type SchemaElement } from 'hyparquet';
import type { PrimitiveTypeName, SchemaField } from './schema.js';
import { encodeSingleValue, truncateLower, truncateUpper, type WriterValue } from './single-value.js';

export interface FileMetrics {
  readonly recordCount: number;
  readonly fileSizeInBytes: number;
  readonly columnSizes: ReadonlyMap<number, bigint>;
  readonly valueCounts: ReadonlyMap<number, bigint>;
  readonly nullValueCounts: ReadonlyMap<number, bigint>;
  readonly lowerBounds: ReadonlyMap<number, Buffer>;
  readonly upperBounds: ReadonlyMap<number, Buffer>;
  readonly splitOffsets: readonly bigint[];
  /** Untruncated min and max per column (absent when unknown or the column is all null), for partition values. */
  readonly min: ReadonlyMap<number, WriterValue>;
  readonly max: ReadonlyMap<number, WriterValue>;
}

/** Iceberg's default metrics mode for strings: truncate(16). */
export const DEFAULT_TRUNCATE = 16;

/** Dates as days and timestamps as µs (hyparquet's defaults are JS Dates). */
const PARSERS = {
  timestampFromMilliseconds: (ms: bigint) => BigInt(ms) * 1000n,
  timestampFromMicroseconds: (us: bigint) => BigInt(us),
  timestampFromNanoseconds: (ns: bigint) => BigInt(ns) / 1000n,
  dateFromDays: (days: number) => days,
};

export interface MetricsOptions {
  /** Field ids whose string bounds are kept whole (position deletes' file_path, as Iceberg does). */
  readonly fullBounds?: ReadonlySet<number>;
}

export async function parquetMetrics(path: string, fields: readonly SchemaField[], options: MetricsOptions = {}): Promise<FileMetrics> {
  const { size } = await stat(path);
  const handle = await open(path, 'r');
  let meta;
  try {
    const file: AsyncBuffer = {
      byteLength: size,
      slice: async (start, end = size) => {
        const buf = Buffer.alloc(end - start);
        await handle.read(buf, 0, buf.length, start);
        return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
      },
    };
    meta = await parquetMetadataAsync(file, { parsers: PARSERS, geoparquet: false });
  } finally {
    await handle.close();
  }

  const columns = topLevelColumns(meta.schema);
  const columnSizes = new Map<number, bigint>();
  const valueCounts = new Map<number, bigint>();
  const nullValueCounts = new Map<number, bigint>();
  const lowerBounds = new Map<number, Buffer>();
  const upperBounds = new Map<number, Buffer>();
  const min = new Map<number, WriterValue>();
  const max = new Map<number, WriterValue>();
  for (const f of fields) {
    const index = columns.findIndex((c) => c.field_id === f.id);
    if (index < 0) throw new Error(`${path}: no column with field id ${f.id} (${f.name}); write it with FIELD_IDS`);
    const problem = typeProblem(columns[index]!, f.type);
    if (problem !== undefined) throw new Error(`${path}: column ${columns[index]!.name} (field ${f.id}) ${problem}`);
    let bytes = 0n;
    let values = 0n;
    let nulls: bigint | undefined = 0n;
    let lo: WriterValue | undefined;
    let hi: WriterValue | undefined;
    let boundsKnown = true;
    for (const group of meta.row_groups) {
      const chunk: ColumnChunk | undefined = group.columns[index];
      const m = chunk?.meta_data;
      if (m === undefined) throw new Error(`${path}: a row group lacks column ${f.name}`);
      bytes += BigInt(m.total_compressed_size);
      values += BigInt(m.num_values);
      const s = m.statistics;
      const groupNulls = s?.null_count;
      if (groupNulls === undefined) nulls = undefined;
      else if (nulls !== undefined) nulls += BigInt(groupNulls);
      if (groupNulls !== undefined && BigInt(groupNulls) === BigInt(m.num_values)) continue; // all null: no bound needed
      // Only exact statistics make bounds (an inexact max may be a prefix, below the real maximum).
      if (s?.min_value === undefined || s.max_value === undefined || s.is_min_value_exact === false || s.is_max_value_exact === false) {
        boundsKnown = false;
        continue;
      }
      const gMin = statValue(f.type, s.min_value);
      const gMax = statValue(f.type, s.max_value);
      if (gMin === undefined || gMax === undefined) {
        boundsKnown = false;
        continue;
      }
      if (lo === undefined || compare(f.type, gMin, lo) < 0) lo = gMin;
      if (hi === undefined || compare(f.type, gMax, hi) > 0) hi = gMax;
    }
    if (f.required && nulls !== 0n) throw new Error(`${path}: required field ${f.name} holds nulls (or its null count is unknown)`);
    columnSizes.set(f.id, bytes);
    valueCounts.set(f.id, values);
    if (nulls !== undefined) nullValueCounts.set(f.id, nulls);
    if (boundsKnown && lo !== undefined && hi !== undefined) {
      min.set(f.id, lo);
      max.set(f.id, hi);
      const full = options.fullBounds?.has(f.id) === true;
      if (f.type === 'string' && !full) {
        lowerBounds.set(f.id, encodeSingleValue('string', truncateLower(lo as string, DEFAULT_TRUNCATE)));
        const upper = truncateUpper(hi as string, DEFAULT_TRUNCATE);
        if (upper !== undefined) upperBounds.set(f.id, encodeSingleValue('string', upper));
      } else {
        lowerBounds.set(f.id, encodeSingleValue(f.type, lo));
        upperBounds.set(f.id, encodeSingleValue(f.type, hi));
      }
    }
  }
  const splitOffsets = meta.row_groups.map((g) => {
    const first = g.columns[0]?.meta_data;
    return BigInt(first?.dictionary_page_offset ?? first?.data_page_offset ?? 4n);
  });
  return {
    recordCount: Number(meta.num_rows),
    fileSizeInBytes: size,
    columnSizes,
    valueCounts,
    nullValueCounts,
    lowerBounds,
    upperBounds,
    splitOffsets: splitOffsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    min,
    max,
  };
}

/** The root's direct children of a flat pre-order schema list (nested columns are not written by this writer). */
function topLevelColumns(schema: readonly SchemaElement[]): SchemaElement[] {
  const out: SchemaElement[] = [];
  for (let i = 1; i < schema.length; i++) {
    const el = schema[i]!;
    if ((el.num_children ?? 0) > 0) throw new Error(`nested column ${el.name} is not written by this writer`);
    out.push(el);
  }
  return out;
}

/** Why a Parquet column cannot be read as `type` by Iceberg readers, or undefined. */
function typeProblem(c: SchemaElement, type: PrimitiveTypeName): string | undefined {
  const logical = c.logical_type;
  const timestamp = logical?.type === 'TIMESTAMP' ? logical : undefined;
  const ok = (() => {
    switch (type) {
      case 'boolean':
        return c.type === 'BOOLEAN';
      case 'int':
        return c.type === 'INT32' && (c.converted_type === undefined || c.converted_type === 'INT_32');
      case 'long':
        return c.type === 'INT64' && (c.converted_type === undefined || c.converted_type === 'INT_64');
      case 'float':
        return c.type === 'FLOAT';
      case 'double':
        return c.type === 'DOUBLE';
      case 'date':
        return c.type === 'INT32' && c.converted_type === 'DATE';
      case 'timestamp':
      case 'timestamptz':
        return (
          c.type === 'INT64' &&
          ((timestamp !== undefined && timestamp.unit === 'MICROS' && timestamp.isAdjustedToUTC === (type === 'timestamptz')) ||
            (timestamp === undefined && c.converted_type === 'TIMESTAMP_MICROS' && type === 'timestamptz'))
        );
      case 'string':
        return c.type === 'BYTE_ARRAY' && (c.converted_type === 'UTF8' || logical?.type === 'STRING');
    }
  })();
  return ok ? undefined : `is ${c.type}${c.converted_type ? ` (${c.converted_type})` : ''}, which Iceberg does not read as ${type}`;
}

/** A decoded statistic as a value of the column's Iceberg type; undefined when it cannot be one. */
function statValue(type: PrimitiveTypeName, v: unknown): WriterValue | undefined {
  switch (type) {
    case 'boolean':
      return typeof v === 'boolean' ? v : undefined;
    case 'int':
    case 'date':
      return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
    case 'long':
    case 'timestamp':
    case 'timestamptz':
      return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
    case 'float':
    case 'double':
      return typeof v === 'number' && !Number.isNaN(v) ? v : undefined;
    case 'string':
      return typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : undefined;
  }
}

/** Iceberg's order of values of one type: strings by their UTF-8 bytes (unsigned), as Parquet and Iceberg compare them. */
export function compare(type: PrimitiveTypeName, a: WriterValue, b: WriterValue): number {
  if (type === 'string') return Buffer.compare(Buffer.from(a as string, 'utf8'), Buffer.from(b as string, 'utf8'));
  if (type === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}
