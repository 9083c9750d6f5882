// The parquet-wasm decoder, in a worker thread (see decode-pool.ts for why).
// The pool (decode-pool.ts, startWorker) starts the built decode-worker.js in
// dist/, or this source through tsx when the sources run (the tests).
//
// Protocol (all messages are plain objects):
//   worker → main  { type: 'ready' }                              parquet-wasm loaded
//   main → worker  { type: 'open', id, key, size }               open a file ahead of its first decode
//   worker → main  { type: 'opened', id }                          (or 'failed')
//   main → worker  { type: 'decode', id, key, size, rowGroup, columns, batchSize, blooms, dictionaries }
//   worker → main  { type: 'read', readId, key, start, end }      a byte range the decoder needs
//   main → worker  { type: 'bytes', readId, ok, buffer? }          the answer (buffer transferred)
//   worker → main  { type: 'decoded', id, ipc, blooms }            Arrow IPC stream (buffer transferred), and
//                                                                  the Bloom filter words of each UTF-8 column named
//                                                                  in `blooms` (bloom-hash.ts; buffers transferred);
//                                                                  with `dictionaries`, each UTF-8 column's codes
//                                                                  (string-dictionary.ts), or null when it has too
//                                                                  many distinct values
//                                                                  with `chunk` (one column): `coded`, the column read as
//                                                                  dictionary codes (dictionary-chunk.ts), and no IPC
//   worker → main  { type: 'failed', id, message }                 an error parquet-wasm reported properly
//
// Bytes come from the main thread, so storage stays behind one interface
// (ByteRangeReader) whatever the storage is. parquet-wasm aborts the whole
// WebAssembly instance (an uncatchable trap) when a read fails or a page is
// corrupt; the worker then dies, and the pool decides what that meant.
import { DataType, tableFromIPC, type Data, type RecordBatch, type Utf8 } from 'apache-arrow';
import { parentPort as parent } from 'node:worker_threads';
import { ParquetFile } from 'parquet-wasm';
import { dictionaryCodes } from '../columnar/string-dictionary.js';
import { decodeDictionaryChunk } from './dictionary-chunk.js';
import { insertColumn, wordsFor } from '../index/bloom-hash.js';
import type { FoundDictionary, PoolMessage, WorkerMessage } from './decode-pool.js';

if (parent === null) throw new Error('decode-worker runs in a worker thread (decode-pool.ts starts it)');
const parentPort = parent;
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => parentPort.postMessage(m, transfer);

/** As column.ts MAX_DICTIONARY_ENTRIES. */
const MAX_DICTIONARY_ENTRIES = 4096;

/** Open handles by file version key; a handle holds the parsed footer. */
const files = new Map<string, Promise<ParquetFile>>();
const MAX_FILES = 256;
const reads = new Map<number, { resolve: (buffer: ArrayBuffer) => void; reject: (e: Error) => void }>();
let nextRead = 0;

/** A Blob-shaped view of [start, end) of a file whose bytes the main thread reads. */
interface BlobView {
  readonly size: number;
  readonly type: string;
  slice(s?: number, e?: number): BlobView;
  arrayBuffer(): Promise<ArrayBuffer>;
}
function view(key: string, start: number, end: number): BlobView {
  return {
    size: end - start,
    type: '',
    slice(s = 0, e = end - start) {
      const clamp = (x: number) => Math.max(0, Math.min(end - start, x < 0 ? end - start + x : x));
      return view(key, start + clamp(s), start + Math.max(clamp(s), clamp(e)));
    },
    arrayBuffer() {
      return new Promise((resolve, reject) => {
        const readId = nextRead++;
        reads.set(readId, { resolve, reject });
        post({ type: 'read', readId, key, start, end });
      });
    },
  };
}

function open(key: string, size: number): Promise<ParquetFile> {
  let file = files.get(key);
  if (file === undefined) {
    // parquet-wasm reads a Blob only through size, slice and arrayBuffer.
    file = ParquetFile.fromFile(view(key, 0, size) as unknown as Blob);
    file.catch(() => files.delete(key));
    files.set(key, file);
    if (files.size > MAX_FILES) files.delete(files.keys().next().value!);
  }
  return file;
}

parentPort.on('message', async (m: PoolMessage) => {
  if (m.type === 'bytes') {
    const read = reads.get(m.readId)!;
    reads.delete(m.readId);
    if (m.ok) read.resolve(m.buffer!);
    else read.reject(new Error('read failed'));
    return;
  }
  try {
    const file = await open(m.key, m.size);
    if (m.type === 'open') {
      post({ type: 'opened', id: m.id });
      return;
    }
    if (m.chunk !== undefined && m.columns.length === 1) {
      const name = m.columns[0]!;
      const bytes = new Uint8Array(await view(m.key, m.chunk.start, m.chunk.end).arrayBuffer());
      const coded = decodeDictionaryChunk(bytes, m.chunk, m.batchSize, MAX_DICTIONARY_ENTRIES);
      if (coded !== undefined) {
        const { codes, offsets, bytes: values } = coded;
        const blooms: Record<string, Uint32Array> = {};
        if (m.blooms?.includes(name)) {
          const words = new Uint32Array(wordsFor(codes.length));
          insertColumn(words, offsets, values, null, offsets.length - 1);
          blooms[name] = words;
        }
        const transfer = [codes.buffer, offsets.buffer, values.buffer, ...Object.values(blooms).map((w) => w.buffer)] as ArrayBuffer[];
        if (coded.valid !== null) transfer.push(coded.valid.buffer as ArrayBuffer);
        post({ type: 'decoded', id: m.id, ipc: new Uint8Array(0), blooms, dictionaries: {}, coded: { [name]: coded } }, transfer);
        return;
      }
    }
    const table = await file.read({ columns: [...m.columns], rowGroups: [m.rowGroup], batchSize: m.batchSize });
    // intoIPCStream copies out of WebAssembly memory, so the buffer can be transferred.
    const ipc = table.intoIPCStream();
    const wantBlooms = m.blooms !== undefined && m.blooms.length > 0;
    const batch = wantBlooms || m.dictionaries ? onlyBatch(ipc) : undefined;
    const dictionaries = batch && m.dictionaries ? dictionariesOf(batch, m.columns) : {};
    const blooms = batch && wantBlooms ? bloomsOf(batch, m.blooms!, dictionaries) : {};
    const transfer = [ipc.buffer as ArrayBuffer, ...Object.values(blooms).map((w) => w.buffer as ArrayBuffer)];
    for (const d of Object.values(dictionaries))
      if (d !== null) transfer.push(d.codes.buffer as ArrayBuffer, d.offsets.buffer as ArrayBuffer, d.bytes.buffer as ArrayBuffer);
    post({ type: 'decoded', id: m.id, ipc, blooms, dictionaries }, transfer);
  } catch (e) {
    post({ type: 'failed', id: m.id, message: e instanceof Error ? e.message : String(e) });
  }
});

/**
 * The one record batch of a decoded row group, or undefined when it came
 * in several: Bloom filters and dictionaries are built here only for a row
 * group read whole, and only of UTF-8 columns (validated by the decoder, so
 * their bytes are what the main thread compares). Anything else is left to
 * the main thread.
 */
function onlyBatch(ipc: Uint8Array): RecordBatch | undefined {
  const table = tableFromIPC(ipc);
  return table.batches.length === 1 ? table.batches[0] : undefined;
}

/** The single UTF-8 data chunk of a column, or undefined. */
function utf8(batch: RecordBatch, name: string): Data<Utf8> | undefined {
  const data = batch.getChild(name)?.data;
  if (data?.length !== 1 || data[0]!.offset !== 0 || !DataType.isUtf8(data[0]!.type)) return undefined;
  return data[0] as Data<Utf8>;
}

/**
 * Bloom filter words of the UTF-8 columns `columns`, so the main thread does
 * not hash every value: of a column's distinct values when `dictionaries`
 * holds them (a row filter's `region IN (…)` looks up a column of a few
 * values), else of every row. Sized by the row count either way.
 */
function bloomsOf(
  batch: RecordBatch,
  columns: readonly string[],
  dictionaries: Readonly<Record<string, FoundDictionary | null>>,
): Record<string, Uint32Array> {
  const out: Record<string, Uint32Array> = {};
  for (const name of columns) {
    const d = utf8(batch, name);
    if (d === undefined) continue;
    const words = new Uint32Array(wordsFor(d.length));
    const dictionary = dictionaries[name];
    if (dictionary) insertColumn(words, dictionary.offsets, dictionary.bytes, null, dictionary.offsets.length - 1);
    else insertColumn(words, d.valueOffsets, d.values, d.nullCount > 0 ? d.nullBitmap : null, d.length);
    out[name] = words;
  }
  return out;
}

/**
 * Dictionary codes of the UTF-8 columns (what the column cache keeps string
 * columns of few values with), so the main thread does not look up every
 * row: `{ codes, offsets, bytes }` (the distinct values), or null when a
 * column has too many distinct values.
 */
function dictionariesOf(batch: RecordBatch, columns: readonly string[]): Record<string, FoundDictionary | null> {
  const out: Record<string, FoundDictionary | null> = {};
  for (const name of new Set(columns)) {
    const d = utf8(batch, name);
    if (d === undefined) continue;
    const found = dictionaryCodes(d.valueOffsets, d.values, d.nullCount > 0 ? d.nullBitmap : null, d.length, MAX_DICTIONARY_ENTRIES);
    if (found === undefined) {
      out[name] = null;
      continue;
    }
    const offsets = new Int32Array(found.count + 1);
    for (let k = 0; k < found.count; k++) offsets[k + 1] = offsets[k]! + (found.ends[k]! - found.starts[k]!);
    const bytes = new Uint8Array(offsets[found.count]!);
    for (let k = 0; k < found.count; k++) bytes.set(d.values.subarray(found.starts[k], found.ends[k]), offsets[k]);
    out[name] = { codes: found.codes, offsets, bytes };
  }
  return out;
}

post({ type: 'ready' });
