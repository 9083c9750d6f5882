import { parquetMetadataAsync, type SchemaElement } from 'hyparquet';
import { SluiceError } from '../../../../errors.js';
import { sourceFailure, type SourceObject } from '../../../storage/source-files.js';
import type { ParquetColumn } from '../scan/bind-fields.js';

/**
 * The top-level columns of a Parquet file with their Iceberg field ids
 * (Parquet's `field_id`), read from the footer with hyparquet. Field ids
 * are what binds a column to a table field; the name is how the engine
 * reads it. Footers are cached per object version (`cacheKey`).
 */
export type ColumnReader = (object: SourceObject, shown: string, label: string) => Promise<readonly ParquetColumn[]>;

const FOOTER_FETCH_BYTES = 64 * 1024;
const MAX_CACHED = 10_000;

export function parquetColumnReader(): ColumnReader {
  const cache = new Map<string, Promise<readonly ParquetColumn[]>>();
  return (object, shown, label) => {
    let found = cache.get(object.cacheKey);
    if (found === undefined) {
      found = readColumns(object, shown, label);
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(object.cacheKey, found);
      found.catch(() => cache.delete(object.cacheKey));
    }
    return found;
  };
}

async function readColumns(object: SourceObject, shown: string, label: string): Promise<readonly ParquetColumn[]> {
  let readFailed: unknown;
  let schema: readonly SchemaElement[];
  try {
    const reader = await object.open();
    const meta = await parquetMetadataAsync(
      {
        byteLength: reader.size,
        slice: async (start, end) => {
          try {
            return await reader.read(start, end ?? reader.size);
          } catch (e) {
            readFailed ??= e;
            throw e;
          }
        },
      },
      { initialFetchSize: FOOTER_FETCH_BYTES, geoparquet: false },
    );
    schema = meta.schema;
  } catch (e) {
    if (readFailed !== undefined || (e instanceof SluiceError && e.fault === 'source')) {
      throw sourceFailure('SOURCE_UNAVAILABLE', label, `${shown} cannot be read`);
    }
    throw sourceFailure('SOURCE_CORRUPT', label, `${shown} is not a valid Parquet file`);
  }
  return topLevel(schema);
}

/** The root's direct children of a flat pre-order schema list. */
export function topLevel(schema: readonly SchemaElement[]): ParquetColumn[] {
  const out: ParquetColumn[] = [];
  const skip = (at: number): number => {
    const n = schema[at]?.num_children ?? 0;
    let next = at + 1;
    for (let c = 0; c < n; c++) next = skip(next);
    return next;
  };
  let i = 1;
  const children = schema[0]?.num_children ?? 0;
  for (let c = 0; c < children && i < schema.length; c++) {
    const el = schema[i]!;
    out.push(Object.freeze({ name: el.name, ...(el.field_id !== undefined && { fieldId: el.field_id }) }));
    i = skip(i);
  }
  return out;
}
