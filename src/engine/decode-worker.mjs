// The parquet-wasm decoder, in a worker thread (see decode-pool.ts for why).
//
// Plain JavaScript on purpose: worker threads do not inherit the tsx loader
// that `bin/sluice.js` registers at run time, so this file must run as is.
//
// Protocol (all messages are plain objects):
//   worker → main  { type: 'ready' }                              parquet-wasm loaded
//   main → worker  { type: 'open', id, key, size }               open a file ahead of its first decode
//   worker → main  { type: 'opened', id }                          (or 'failed')
//   main → worker  { type: 'decode', id, key, size, rowGroup, columns, batchSize, blooms }
//   worker → main  { type: 'read', readId, key, start, end }      a byte range the decoder needs
//   main → worker  { type: 'bytes', readId, ok, buffer? }          the answer (buffer transferred)
//   worker → main  { type: 'decoded', id, ipc, blooms }            Arrow IPC stream (buffer transferred), and
//                                                                  the Bloom filter words of each UTF-8 column named
//                                                                  in `blooms` (bloom-hash.mjs; buffers transferred)
//   worker → main  { type: 'failed', id, message }                 an error parquet-wasm reported properly
//
// Bytes come from the main thread, so storage stays behind one interface
// (ByteRangeReader) whatever the storage is. parquet-wasm aborts the whole
// WebAssembly instance (an uncatchable trap) when a read fails or a page is
// corrupt; the worker then dies, and the pool decides what that meant.
import { DataType, tableFromIPC } from 'apache-arrow';
import { parentPort } from 'node:worker_threads';
import { ParquetFile } from 'parquet-wasm';
import { insertColumn, wordsFor } from './bloom-hash.mjs';

/** Open handles by file version key; a handle holds the parsed footer. */
const files = new Map();
const MAX_FILES = 256;
const reads = new Map();
let nextRead = 0;

/** A Blob-shaped view of [start, end) of a file whose bytes the main thread reads. */
function view(key, start, end) {
  return {
    size: end - start,
    type: '',
    slice(s = 0, e = end - start) {
      const clamp = (x) => Math.max(0, Math.min(end - start, x < 0 ? end - start + x : x));
      return view(key, start + clamp(s), start + Math.max(clamp(s), clamp(e)));
    },
    arrayBuffer() {
      return new Promise((resolve, reject) => {
        const readId = nextRead++;
        reads.set(readId, { resolve, reject });
        parentPort.postMessage({ type: 'read', readId, key, start, end });
      });
    },
  };
}

function open(key, size) {
  let file = files.get(key);
  if (file === undefined) {
    file = ParquetFile.fromFile(view(key, 0, size));
    file.catch(() => files.delete(key));
    files.set(key, file);
    if (files.size > MAX_FILES) files.delete(files.keys().next().value);
  }
  return file;
}

parentPort.on('message', async (m) => {
  if (m.type === 'bytes') {
    const read = reads.get(m.readId);
    reads.delete(m.readId);
    if (m.ok) read.resolve(m.buffer);
    else read.reject(new Error('read failed'));
    return;
  }
  try {
    const file = await open(m.key, m.size);
    if (m.type === 'open') {
      parentPort.postMessage({ type: 'opened', id: m.id });
      return;
    }
    const table = await file.read({ columns: m.columns, rowGroups: [m.rowGroup], batchSize: m.batchSize });
    // intoIPCStream copies out of WebAssembly memory, so the buffer can be transferred.
    const ipc = table.intoIPCStream();
    const blooms = m.blooms?.length > 0 ? bloomsOf(ipc, m.blooms) : {};
    parentPort.postMessage({ type: 'decoded', id: m.id, ipc, blooms }, [ipc.buffer, ...Object.values(blooms).map((w) => w.buffer)]);
  } catch (e) {
    parentPort.postMessage({ type: 'failed', id: m.id, message: e instanceof Error ? e.message : String(e) });
  }
});

/**
 * Bloom filters of the UTF-8 columns `columns` of a decoded row group, built
 * here so the main thread does not hash every value. Only a row group read
 * as one record batch, and only UTF-8 (validated by the decoder, so its
 * bytes are what the main thread compares); anything else is left to the
 * main thread.
 */
function bloomsOf(ipc, columns) {
  const table = tableFromIPC(ipc);
  const out = {};
  if (table.batches.length !== 1) return out;
  const batch = table.batches[0];
  for (const name of columns) {
    const data = batch.getChild(name)?.data;
    if (data?.length !== 1 || data[0].offset !== 0 || !DataType.isUtf8(data[0].type)) continue;
    const d = data[0];
    const words = new Uint32Array(wordsFor(d.length));
    insertColumn(words, d.valueOffsets, d.values, d.nullCount > 0 ? d.nullBitmap : null, d.length);
    out[name] = words;
  }
  return out;
}

parentPort.postMessage({ type: 'ready' });
