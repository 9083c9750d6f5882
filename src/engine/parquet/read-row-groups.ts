import { tableFromIPC, type Table } from 'apache-arrow';
import type { ScanField } from '../../plan/plan.js';
import { queryTimeout } from '../limits/cancellation.js';
import { BloomFilter } from '../index/bloom-filter.js';
import { codedStringColumn, columnFromArrow, dictionaryFrom, type Column } from '../columnar/column.js';
import type { CodedChunk } from './dictionary-chunk.js';
import { ColumnCache } from '../cache/column-cache.js';
import { DecodeFailure, type Decoded, type DecodePool } from './decode-pool.js';
import type { ParquetFooter } from './parquet-metadata.js';
import { sourceFailure, type ByteRangeReader, type SourceObject } from '../storage/source-files.js';

/**
 * Decoding one row group: parquet-wasm's asynchronous reader (in the decode
 * pool's worker) fetches only the requested column chunks and returns Arrow
 * IPC; here it becomes columns in the plan's representation.
 */

/** A source file opened for reading. Cached by the engine per file version and shared by concurrent queries. */
export interface OpenSourceFile {
  readonly object: SourceObject;
  readonly reader: ByteRangeReader;
  readonly footer: ParquetFooter;
}

/** One decoded record batch: the requested fields as columns, by field name. */
export interface DecodedBatch {
  readonly length: number;
  readonly columns: Map<string, Column>;
}

/** One row group to read: which file, which of its groups, which fields; what the scan keeps of it. */
export interface RowGroupRead {
  readonly file: OpenSourceFile;
  readonly rowGroup: number;
  readonly fields: readonly ScanField[];
  /** The product, in front of error messages. */
  readonly label: string;
  readonly signal: AbortSignal | undefined;
  /** Decoded column chunks shared by executions; undefined: no caching. */
  readonly cache?: ColumnCache | undefined;
  /** String fields looked up by the scan's filters: the decoder builds Bloom filters of those it decodes now that have none in the cache. */
  readonly blooms?: readonly ScanField[];
  /** Receives those Bloom filters, by column (without it none are built). */
  readonly built?: Map<string, BloomFilter>;
}

/**
 * `fields` of one row group, from the column cache when it holds them; the
 * others are decoded together and cached when they come back as one batch.
 * The decoder thread also finds the dictionary codes the cache keeps string
 * columns of few values with, and builds the Bloom filters asked for in
 * `blooms` into `built`: the caller keeps them once it uses the row group,
 * so which filters exist never depends on how far reads started ahead got.
 */
export async function readRowGroup(pool: DecodePool, read: RowGroupRead): Promise<DecodedBatch[]> {
  const { file, rowGroup, fields, cache, blooms = [], built } = read;
  if (cache === undefined) return decodeRowGroup(pool, read).then((d) => d.batches);
  const numRows = file.footer.rowGroups[rowGroup]!.numRows;
  const keyOf = (f: ScanField) => ColumnCache.key(file.object.cacheKey, rowGroup, f.column, f.type);
  const columns = new Map<string, Column>();
  const missing: ScanField[] = [];
  for (const f of fields) {
    const hit = cache.get(keyOf(f));
    if (hit === undefined) missing.push(f);
    else columns.set(f.name, hit);
  }
  if (missing.length === 0) return [{ length: numRows, columns: ordered(fields, columns) }];
  const bloomKey = (column: string) => ColumnCache.bloomKey(file.object.cacheKey, rowGroup, column);
  const bloomColumns =
    built === undefined
      ? []
      : [...new Set(blooms.filter((f) => missing.includes(f) && cache.getBloom(bloomKey(f.column)) === undefined).map((f) => f.column))];
  const {
    batches: decoded,
    blooms: words,
    dictionaries,
  } = await decodeRowGroup(pool, { ...read, fields: missing }, { blooms: bloomColumns, dictionaries: true });
  for (const [column, w] of Object.entries(words)) built?.set(column, BloomFilter.fromWords(w));
  // Split batches (parquet-wasm did not honour the batch size) are neither cached nor joined with cached columns.
  if (decoded.length !== 1 || decoded[0]!.length !== numRows) {
    return columns.size === 0 ? decoded : (await decodeRowGroup(pool, read)).batches;
  }
  for (const f of missing) {
    const found = dictionaries[f.column];
    const dictionary = found === undefined ? undefined : found && dictionaryFrom(found.codes, found.offsets, found.bytes);
    // Each column came in a buffer of its own (decodeRowGroup): the cache keeps it without a copy.
    columns.set(f.name, cache.put(keyOf(f), decoded[0]!.columns.get(f.name)!, dictionary, { owned: true }));
  }
  return [{ length: numRows, columns: ordered(fields, columns) }];
}

const ordered = (fields: readonly ScanField[], columns: Map<string, Column>) => new Map(fields.map((f) => [f.name, columns.get(f.name)!]));

/**
 * Decodes `fields` of one row group (never from the cache), one decoder
 * request per column: each column comes back in an IPC buffer of its own,
 * which the column cache can keep as it is (no copy on the main thread, and
 * evicting one column frees its memory), and the columns of one row group
 * are decoded by both decoder threads at once. Asking for the row group's
 * row count as batch size makes parquet-wasm return it as a single record
 * batch (otherwise it cuts 1024-row batches). `extras`: the columns to build
 * Bloom filters of, and whether to find dictionary codes.
 */
async function decodeRowGroup(
  pool: DecodePool,
  { file, rowGroup, fields, label, signal }: RowGroupRead,
  { blooms = [], dictionaries = false }: { readonly blooms?: readonly string[]; readonly dictionaries?: boolean } = {},
): Promise<{ batches: DecodedBatch[] } & Omit<Decoded, 'ipc'>> {
  const uri = file.object.shownAs ?? file.object.uri;
  const numRows = file.footer.rowGroups[rowGroup]!.numRows;
  const names = [...new Set(fields.map((f) => f.column))];
  const chunks = file.footer.rowGroups[rowGroup]!.dictionaryChunks;
  // A dictionary-encoded chunk read as strings alone is read as its codes (dictionary-chunk.ts).
  const codedAs = (column: string) =>
    chunks.has(column) && fields.every((f) => f.column !== column || f.type === 'string') ? chunks.get(column) : undefined;
  let decoded: Decoded[];
  try {
    decoded = await Promise.all(
      names.map((column) =>
        pool.decode(
          {
            key: file.object.cacheKey,
            size: file.reader.size,
            reader: file.reader,
            rowGroup,
            columns: [column],
            batchSize: Math.max(1, numRows),
            ...(blooms.includes(column) && { blooms: [column] }),
            ...(dictionaries && { dictionaries }),
            ...(codedAs(column) !== undefined && { chunk: codedAs(column) }),
          },
          signal,
        ),
      ),
    );
  } catch (e) {
    if (!(e instanceof DecodeFailure)) throw e;
    switch (e.kind) {
      case 'aborted':
        throw queryTimeout();
      case 'unavailable':
        throw sourceFailure('SOURCE_UNAVAILABLE', label, `source file ${uri} cannot be read (changed or removed while reading)`);
      case 'corrupt':
        throw sourceFailure('SOURCE_CORRUPT', label, `${uri} is not a valid Parquet file (row group ${rowGroup} cannot be decoded)`);
    }
  }
  const coded = new Map<string, CodedChunk>();
  const tables = new Map<string, Table>();
  names.forEach((column, k) => {
    const found = decoded[k]!.coded?.[column];
    if (found !== undefined) coded.set(column, found);
    else tables.set(column, tableFromIPC(decoded[k]!.ipc));
  });
  // Each column was cut into batches alike (by the batch size); they are joined batch by batch. Coded columns come whole.
  const first = tables.values().next().value;
  const cuts = first === undefined ? [numRows] : first.batches.map((rb) => rb.numRows);
  for (const [column, table] of tables) {
    const lengths = table.batches.map((rb) => rb.numRows);
    if (lengths.length !== cuts.length || lengths.some((n, k) => n !== cuts[k]))
      throw sourceFailure('SOURCE_CORRUPT', label, `column ${column} in ${uri} has a different number of rows in row group ${rowGroup}`);
  }
  if (coded.size > 0 && (cuts.length !== 1 || cuts[0] !== numRows))
    throw sourceFailure('SOURCE_CORRUPT', label, `row group ${rowGroup} of ${uri} decoded into differently split batches`);
  const batches = cuts.map((length, k) => {
    const columns = new Map<string, Column>();
    for (const f of fields) {
      const c = coded.get(f.column);
      if (c !== undefined) {
        columns.set(f.name, codedStringColumn(dictionaryFrom(c.codes, c.offsets, c.bytes), c.valid));
        continue;
      }
      const vector = tables.get(f.column)!.batches[k]!.getChild(f.column);
      if (vector === null) throw sourceFailure('SOURCE_CORRUPT', label, `column ${f.column} is missing from ${uri}`);
      const column = columnFromArrow(vector, f.type);
      if (typeof column === 'string')
        throw sourceFailure('SOURCE_CORRUPT', label, `column ${f.column} in ${uri} ${column}, expected ${f.type}`);
      columns.set(f.name, column);
    }
    return { length, columns };
  });
  return {
    batches,
    blooms: Object.assign({}, ...decoded.map((d) => d.blooms)) as Decoded['blooms'],
    dictionaries: Object.assign(
      {},
      ...decoded.map((d) => d.dictionaries),
      ...[...coded].map(([column, c]) => ({ [column]: { codes: c.codes, offsets: c.offsets, bytes: c.bytes } })),
    ) as Decoded['dictionaries'],
  };
}
