import { parquetMetadataAsync, type ColumnMetaData, type FileMetaData, type LogicalType, type SchemaElement } from 'hyparquet';
import type { ChunkLayout } from './dictionary-chunk.js';
import type { Scalar } from '../../plan/scalar.js';
import type { ColumnDescription } from './column-types.js';
import { floorDiv } from '../columnar/column.js';
import { SluiceError } from '../../errors.js';
import { sourceFailure, type ByteRangeReader } from '../storage/source-files.js';

/**
 * A Parquet footer, boiled down to what planning a scan needs: the schema of
 * the top-level columns and, per row group, its row count and the column
 * statistics. Read with hyparquet because parquet-wasm exposes no statistics.
 * Plain immutable data, cached by the engine per file version.
 */
export interface ParquetFooter {
  readonly numRows: number;
  /** Top-level columns in schema order. */
  readonly columns: readonly ColumnDescription[];
  readonly rowGroups: readonly RowGroupFooter[];
}

export interface RowGroupFooter {
  readonly numRows: number;
  /** Statistics by column name; a column without statistics is absent. */
  readonly stats: ReadonlyMap<string, ColumnChunkStats>;
  /**
   * Compressed bytes of each top-level column's chunk (a nested column's
   * leaves summed): what reading the column from this row group costs,
   * known before any byte of it is fetched (the per-request budget, scan-budget.ts).
   */
  readonly columnBytes: ReadonlyMap<string, number>;
  /**
   * Dictionary-encoded BYTE_ARRAY chunks of flat columns, by column: where
   * each lies and how it is stored, so a decoder thread can read its codes
   * without spelling out every row (dictionary-chunk.ts).
   */
  readonly dictionaryChunks: ReadonlyMap<string, ChunkLayout>;
}

/**
 * One column chunk's statistics, values in the plan's representation
 * (src/plan/scalar.ts): dates as days, timestamps as bigint microseconds.
 * `min`/`max` are present only when the file states them exactly, so every
 * value in the chunk lies in [min, max].
 */
export interface ColumnChunkStats {
  readonly nullCount?: number;
  readonly min?: Scalar;
  readonly max?: Scalar;
}

/**
 * hyparquet turns DATE and TIMESTAMP statistics into JS Dates by default,
 * which truncates microseconds. These parsers keep them exact, converted the
 * same way the decoder converts values (nanoseconds floor to microseconds),
 * so a bound read from statistics is a bound on decoded values too.
 */
const STAT_PARSERS = {
  timestampFromMilliseconds: (ms: bigint) => ms * 1000n,
  timestampFromMicroseconds: (us: bigint) => us,
  timestampFromNanoseconds: (ns: bigint) => floorDiv(ns, 1000n),
  dateFromDays: (days: number) => days,
};

/** Footers are a few KB; most files' footers come in with one read of this size. */
const FOOTER_FETCH_BYTES = 64 * 1024;

/**
 * Reads and digests a footer. `label` names the product and `uri` the file in
 * messages. Throws SOURCE_UNAVAILABLE when the bytes cannot be read and
 * SOURCE_CORRUPT when they are not Parquet.
 */
export async function readFooter(reader: ByteRangeReader, uri: string, label: string): Promise<ParquetFooter> {
  let meta: FileMetaData;
  let readFailed = false;
  let readError: unknown;
  const read = async (start: number, end?: number) => {
    try {
      return await reader.read(start, end ?? reader.size);
    } catch (e) {
      readFailed = true;
      readError ??= e;
      throw e;
    }
  };
  try {
    meta = await parquetMetadataAsync(
      { byteLength: reader.size, slice: read },
      { parsers: STAT_PARSERS, geoparquet: false, initialFetchSize: FOOTER_FETCH_BYTES },
    );
  } catch {
    // The store's own SOURCE_* error says more (access denied, unavailable after retries, changed).
    if (readFailed && readError instanceof SluiceError && readError.fault === 'source') throw readError;
    if (readFailed) throw sourceFailure('SOURCE_UNAVAILABLE', label, `source file ${uri} cannot be read`);
    throw sourceFailure('SOURCE_CORRUPT', label, `${uri} is not a valid Parquet file`);
  }
  return digest(meta, uri, label);
}

function digest(meta: FileMetaData, uri: string, label: string): ParquetFooter {
  const topLevel = topLevelColumns(meta.schema);
  const flat = new Map(topLevel.filter((el) => !el.num_children).map((el) => [el.name, el]));
  const rowGroups: RowGroupFooter[] = meta.row_groups.map((rg) => {
    const stats = new Map<string, ColumnChunkStats>();
    const columnBytes = new Map<string, number>();
    const dictionaryChunks = new Map<string, ChunkLayout>();
    for (const chunk of rg.columns) {
      const path = chunk.meta_data?.path_in_schema;
      if (path !== undefined && path.length > 0)
        columnBytes.set(path[0]!, (columnBytes.get(path[0]!) ?? 0) + Number(chunk.meta_data!.total_compressed_size));
      const layout = path?.length === 1 ? dictionaryChunk(chunk.meta_data!, flat.get(path[0]!)) : undefined;
      if (layout !== undefined) dictionaryChunks.set(path![0]!, layout);
      const s = chunk.meta_data?.statistics;
      if (path === undefined || path.length !== 1 || s === undefined) continue;
      stats.set(path[0]!, {
        ...(s.null_count !== undefined && { nullCount: Number(s.null_count) }),
        // Writers that truncate long strings flag the bound as inexact; only
        // exact bounds are used. An absent flag predates truncation: exact.
        ...(s.is_min_value_exact !== false && statValue(s.min_value) !== undefined && { min: statValue(s.min_value)! }),
        ...(s.is_max_value_exact !== false && statValue(s.max_value) !== undefined && { max: statValue(s.max_value)! }),
      });
    }
    return Object.freeze({ numRows: Number(rg.num_rows), stats, columnBytes, dictionaryChunks });
  });
  const numRows = rowGroups.reduce((n, rg) => n + rg.numRows, 0);
  if (BigInt(numRows) !== BigInt(meta.num_rows)) {
    throw sourceFailure('SOURCE_CORRUPT', label, `${uri} has a footer whose row groups do not add up to its row count`);
  }
  const columns = topLevel.map((el): ColumnDescription => {
    let nullCount: number | undefined = 0;
    let hasNulls = false;
    for (const rg of rowGroups) {
      const n = rg.stats.get(el.name)?.nullCount;
      nullCount = n === undefined || nullCount === undefined ? undefined : nullCount + n;
      hasNulls ||= n !== undefined && n > 0;
    }
    const logicalType = describeAnnotation(el);
    return Object.freeze({
      name: el.name,
      physicalType: el.num_children ? 'GROUP' : (el.type ?? 'GROUP'),
      ...(logicalType !== undefined && { logicalType }),
      repetition: el.repetition_type === 'REQUIRED' ? 'required' : el.repetition_type === 'REPEATED' ? 'repeated' : 'optional',
      ...(nullCount !== undefined && { nullCount }),
      hasNulls,
    });
  });
  return Object.freeze({ numRows, columns: Object.freeze(columns), rowGroups: Object.freeze(rowGroups) });
}

/** A BYTE_ARRAY chunk of a flat column stored with a dictionary: where it lies, and how. */
function dictionaryChunk(meta: ColumnMetaData, el: SchemaElement | undefined): ChunkLayout | undefined {
  if (el === undefined || el.type !== 'BYTE_ARRAY' || meta.type !== 'BYTE_ARRAY' || el.repetition_type === 'REPEATED') return undefined;
  if (!meta.encodings.some((e) => e === 'PLAIN_DICTIONARY' || e === 'RLE_DICTIONARY')) return undefined;
  const data = Number(meta.data_page_offset);
  const dictionary = meta.dictionary_page_offset === undefined ? undefined : Number(meta.dictionary_page_offset);
  // Some writers record 0 for a dictionary page they did not write.
  const start = dictionary !== undefined && dictionary > 0 && dictionary < data ? dictionary : data;
  return Object.freeze({
    start,
    end: start + Number(meta.total_compressed_size),
    codec: meta.codec,
    optional: el.repetition_type !== 'REQUIRED',
  });
}

/** The root's direct children; the schema is a flat pre-order list with child counts. */
function topLevelColumns(schema: readonly SchemaElement[]): SchemaElement[] {
  const out: SchemaElement[] = [];
  let i = 1;
  const skip = (at: number): number => {
    const n = schema[at]?.num_children ?? 0;
    let next = at + 1;
    for (let c = 0; c < n; c++) next = skip(next);
    return next;
  };
  const rootChildren = schema[0]?.num_children ?? 0;
  for (let c = 0; c < rootChildren && i < schema.length; c++) {
    out.push(schema[i]!);
    i = skip(i);
  }
  return out;
}

function describeAnnotation(el: SchemaElement): string | undefined {
  if (el.logical_type) return describeLogical(el.logical_type);
  const ct = el.converted_type;
  switch (ct) {
    case undefined:
      return undefined;
    case 'TIMESTAMP_MILLIS':
      return 'TIMESTAMP(MILLIS,UTC)';
    case 'TIMESTAMP_MICROS':
      return 'TIMESTAMP(MICROS,UTC)';
    case 'DECIMAL':
      return `DECIMAL(${el.precision ?? '?'},${el.scale ?? 0})`;
    default:
      return ct;
  }
}

function describeLogical(t: LogicalType): string {
  switch (t.type) {
    case 'STRING':
      return 'UTF8';
    case 'INTEGER':
      return `${t.isSigned ? 'INT' : 'UINT'}_${t.bitWidth}`;
    case 'TIMESTAMP':
    case 'TIME':
      return `${t.type}(${t.unit},${t.isAdjustedToUTC ? 'UTC' : 'LOCAL'})`;
    case 'DECIMAL':
      return `DECIMAL(${t.precision},${t.scale})`;
    default:
      return t.type;
  }
}

/** Keeps statistics values that are plan scalars; binary, decimal bytes and NaN bounds are no bounds. */
function statValue(v: unknown): Scalar | undefined {
  switch (typeof v) {
    case 'number':
      return Number.isNaN(v) ? undefined : v;
    case 'bigint':
    case 'string':
    case 'boolean':
      return v;
    default:
      return undefined;
  }
}
