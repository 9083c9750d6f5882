import { tableFromIPC } from 'apache-arrow';
import { ParquetFile } from 'parquet-wasm';
import { SluiceError } from '../errors.js';
import type { ScanField } from '../plan/plan.js';
import { columnFromArrow, type Column } from './column.js';
import type { ParquetFooter } from './parquet-metadata.js';
import { readerAsBlob, sourceFailure, type ByteRangeReader, type SourceObject } from './source-files.js';

/**
 * Decoding with parquet-wasm's asynchronous reader, which fetches only the
 * requested column chunks of the requested row groups (its synchronous
 * `readParquet` copies and decodes the whole file, ~50× slower).
 */

/** A source file opened for reading. Cached by the engine per file version and shared by concurrent queries. */
export interface OpenSourceFile {
  readonly object: SourceObject;
  readonly footer: ParquetFooter;
  /** parquet-wasm's handle, created on first decode (a count from the footer never needs one). */
  parquet(): Promise<ParquetFile>;
}

export function openSourceFile(object: SourceObject, reader: ByteRangeReader, footer: ParquetFooter): OpenSourceFile {
  let handle: Promise<ParquetFile> | undefined;
  return {
    object,
    footer,
    parquet() {
      if (handle === undefined) {
        const opening = ParquetFile.fromFile(readerAsBlob(reader));
        // A failed open is not remembered: the next query tries again.
        opening.catch(() => {
          if (handle === opening) handle = undefined;
        });
        handle = opening;
      }
      return handle;
    },
  };
}

/** One decoded record batch: the scan's fields as columns, by field name in `fields` order. */
export interface DecodedBatch {
  readonly length: number;
  readonly columns: Map<string, Column>;
}

/**
 * Decodes `fields` of one row group. Asking for the row group's row count
 * as batch size makes parquet-wasm return it as a single record batch
 * (otherwise it cuts 1024-row batches).
 */
export async function readRowGroup(file: OpenSourceFile, rowGroup: number, fields: readonly ScanField[], label: string): Promise<DecodedBatch[]> {
  const uri = file.object.uri;
  const numRows = file.footer.rowGroups[rowGroup]!.numRows;
  const columnNames = [...new Set(fields.map((f) => f.column))];
  let batches;
  try {
    const pf = await file.parquet();
    const table = await pf.read({ columns: columnNames, rowGroups: [rowGroup], batchSize: Math.max(1, numRows) });
    batches = tableFromIPC(table.intoIPCStream()).batches;
  } catch (e) {
    throw decodeError(e, label, uri);
  }
  return batches.map((rb) => {
    const columns = new Map<string, Column>();
    for (const f of fields) {
      const vector = rb.getChild(f.column);
      if (vector === null) throw sourceFailure('SOURCE_CORRUPT', label, `column ${f.column} is missing from ${uri}`);
      const column = columnFromArrow(vector, f.type);
      if (typeof column === 'string') throw sourceFailure('SOURCE_CORRUPT', label, `column ${f.column} in ${uri} ${column}, expected ${f.type}`);
      columns.set(f.name, column);
    }
    return { length: rb.numRows, columns };
  });
}

/**
 * parquet-wasm reports every failure as an Error with a message; a failed
 * read of the bytes arrives with our SOURCE_UNAVAILABLE message inside it,
 * anything else means the bytes are not the Parquet the footer promised.
 */
function decodeError(e: unknown, label: string, uri: string): SluiceError {
  if (e instanceof SluiceError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (message.includes('cannot be read')) return sourceFailure('SOURCE_UNAVAILABLE', label, `source file ${uri} cannot be read`);
  return sourceFailure('SOURCE_CORRUPT', label, `${uri} is not a valid Parquet file (a row group cannot be decoded)`);
}
