import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { SluiceError } from '../../../../errors.js';
import { sourceFailure, type SourceObject } from '../../../storage/source-files.js';
import { topLevel } from '../io/parquet-columns.js';
import type { ParquetColumn } from '../scan/bind-fields.js';
import type { PrimitiveType } from '../spec/types.js';
import { uuidString, type IcebergValue } from '../spec/values.js';

/**
 * Whole-file Parquet reads with hyparquet, for delete files and the
 * reference reader: simple and exact, not fast. Values come back in the
 * representation of spec/values.ts for the Iceberg type asked for.
 */
export interface ParquetRows {
  readonly columns: readonly ParquetColumn[];
  readonly numRows: number;
  /** Values of the named columns, row by row (undefined columns are absent). */
  read(columns: readonly string[]): Promise<Record<string, unknown>[]>;
}

/** Dates as days and timestamps as µs, exactly (hyparquet's defaults are JS Dates, which drop µs). */
const PARSERS = {
  timestampFromMilliseconds: (ms: bigint) => BigInt(ms) * 1000n,
  timestampFromMicroseconds: (us: bigint) => BigInt(us),
  timestampFromNanoseconds: (ns: bigint) => {
    const n = BigInt(ns);
    return n >= 0n ? n / 1000n : -((-n + 999n) / 1000n);
  },
  dateFromDays: (days: number) => days,
};

export async function openParquetRows(object: SourceObject, shown: string, label: string): Promise<ParquetRows> {
  let file: AsyncBuffer;
  let metadata: FileMetaData;
  try {
    const reader = await object.open();
    file = { byteLength: reader.size, slice: (start, end) => reader.read(start, end ?? reader.size) };
    metadata = await parquetMetadataAsync(file, { parsers: PARSERS, geoparquet: false });
  } catch (e) {
    if (e instanceof SluiceError && e.fault === 'source') throw sourceFailure('SOURCE_UNAVAILABLE', label, `${shown} cannot be read`);
    throw sourceFailure('SOURCE_CORRUPT', label, `${shown} is not a valid Parquet file`);
  }
  return {
    columns: topLevel(metadata.schema),
    numRows: Number(metadata.num_rows),
    async read(columns) {
      if (columns.length === 0) return Array.from({ length: Number(metadata.num_rows) }, () => ({}));
      try {
        return (await parquetReadObjects({ file, metadata, columns: [...columns], compressors, parsers: PARSERS, utf8: false })) as Record<
          string,
          unknown
        >[];
      } catch {
        throw sourceFailure('SOURCE_CORRUPT', label, `${shown} cannot be decoded`);
      }
    },
  };
}

/** A decoded Parquet value as a value of Iceberg type `t` (promotions included: int read as long, float as double). */
export function icebergValue(t: PrimitiveType, v: unknown): IcebergValue | null {
  if (v === null || v === undefined) return null;
  switch (t.type) {
    case 'long':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return typeof v === 'bigint' ? v : BigInt(v as number);
    case 'time':
      // TIME(MILLIS) is INT32 milliseconds; TIME(MICROS) INT64 microseconds.
      return typeof v === 'bigint' ? v : BigInt(v as number) * 1000n;
    case 'int':
    case 'date':
      return typeof v === 'bigint' ? Number(v) : (v as number);
    case 'float':
    case 'double':
      return Number(v);
    case 'decimal':
      // hyparquet gives decimals as doubles: exact for the precisions a test table holds (≤ 15 digits).
      return typeof v === 'bigint' ? v : BigInt(Math.round((v as number) * 10 ** t.scale));
    case 'string':
      return typeof v === 'string' ? v : new TextDecoder().decode(v as Uint8Array);
    case 'uuid':
      return typeof v === 'string' ? v.toLowerCase() : uuidString(v as Uint8Array);
    case 'binary':
    case 'fixed':
      return v instanceof Uint8Array ? v : new TextEncoder().encode(String(v));
    case 'boolean':
      return Boolean(v);
    default:
      return v as IcebergValue;
  }
}
