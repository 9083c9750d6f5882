import { snappyUncompress } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { isUtf8 } from 'node:buffer';

/**
 * A dictionary-encoded string column chunk read as dictionary codes, in a
 * decoder thread, without spelling out a string per row. A region or a
 * status is stored by Parquet writers as a page of its few distinct values
 * and, per row, an index into it; parquet-wasm decodes that into every row's
 * bytes, which the decoder thread then hashed back into codes
 * (string-dictionary.ts) — most of a cold scan's decoding time for such
 * columns. Here the indexes are read as they are stored (hyparquet's page
 * header, Snappy and RLE/bit-packed readers) and renumbered in order of
 * first appearance, so the answer is exactly what `dictionaryCodes` finds
 * from the decoded bytes.
 *
 * Only the plain case is taken: a flat column whose data pages are all
 * dictionary-encoded (v1 or v2), uncompressed or Snappy, with a dictionary of
 * valid UTF-8 values of at most `maxEntries` used values. Anything else gives
 * undefined and the chunk is decoded by parquet-wasm as before (which also
 * reports corrupt data properly).
 */

/** Where a column chunk lies in its file and how it is stored (parquet-metadata.ts `chunks`). */
export interface ChunkLayout {
  /** Byte range of the chunk: its dictionary page first. */
  readonly start: number;
  readonly end: number;
  readonly codec: string;
  /** Rows may be null: each data page carries definition levels (0 or 1). */
  readonly optional: boolean;
}

/** Codes for each row (null rows 0), the used values as offsets into their bytes, and Arrow's validity bitmap (null: no nulls). */
export interface CodedChunk {
  readonly codes: Uint16Array;
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
  readonly valid: Uint8Array | null;
}

export function decodeDictionaryChunk(chunk: Uint8Array, layout: ChunkLayout, numRows: number, maxEntries: number): CodedChunk | undefined {
  if (layout.codec !== 'SNAPPY' && layout.codec !== 'UNCOMPRESSED') return undefined;
  try {
    return decode(chunk, layout, numRows, maxEntries);
  } catch {
    // Bytes these readers cannot follow: parquet-wasm decodes the chunk, and says what is wrong with it.
    return undefined;
  }
}

function decode(chunk: Uint8Array, { codec, optional }: ChunkLayout, numRows: number, maxEntries: number): CodedChunk | undefined {
  const reader = { view: new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength), offset: 0 };
  let dictionary: { offsets: Int32Array; bytes: Uint8Array } | undefined;
  // Each row's index into the dictionary; -1 for a null row.
  const indexes = new Int32Array(numRows).fill(-1);
  const valid = optional ? new Uint8Array((numRows + 7) >>> 3) : null;
  let nulls = 0;
  let row = 0;
  while (row < numRows && reader.offset < chunk.byteLength) {
    const header = parquetHeader(reader);
    const size = header.compressed_page_size;
    const body = chunk.subarray(reader.offset, reader.offset + size);
    if (body.length !== size) return undefined;
    reader.offset += size;
    const expand = (bytes: Uint8Array, length: number) => {
      if (codec === 'UNCOMPRESSED') return bytes;
      const out = new Uint8Array(length);
      snappyUncompress(bytes, out);
      return out;
    };
    if (header.type === 'DICTIONARY_PAGE') {
      const d = header.dictionary_page_header;
      if (dictionary !== undefined || d === undefined || d.num_values > maxEntries) return undefined;
      dictionary = plainByteArrays(expand(body, header.uncompressed_page_size), d.num_values);
      if (dictionary === undefined) return undefined;
      continue;
    }
    if (header.type !== 'DATA_PAGE' && header.type !== 'DATA_PAGE_V2') {
      if (header.type === 'INDEX_PAGE') continue;
      return undefined;
    }
    if (dictionary === undefined) return undefined;
    let page: Uint8Array;
    let values: number;
    let levels: Uint8Array | undefined;
    let pageRows: number;
    if (header.type === 'DATA_PAGE') {
      const h = header.data_page_header!;
      if (h.encoding !== 'PLAIN_DICTIONARY' && h.encoding !== 'RLE_DICTIONARY') return undefined;
      page = expand(body, header.uncompressed_page_size);
      pageRows = h.num_values;
      if (optional) {
        // Definition levels: their byte length (4 bytes, little-endian), then the levels.
        const length = page[0]! | (page[1]! << 8) | (page[2]! << 16) | (page[3]! << 24);
        levels = new Uint8Array(pageRows);
        if (length < 0 || 4 + length > page.length || !readHybrid(page, 4, 4 + length, 1, levels)) return undefined;
        page = page.subarray(4 + length);
      }
      values = levels === undefined ? pageRows : countOnes(levels);
    } else {
      const h = header.data_page_header_v2!;
      if (h.encoding !== 'PLAIN_DICTIONARY' && h.encoding !== 'RLE_DICTIONARY' && h.encoding !== 'RLE') return undefined;
      if (h.repetition_levels_byte_length !== 0) return undefined;
      pageRows = h.num_values;
      const levelBytes = h.definition_levels_byte_length;
      if (optional) {
        levels = new Uint8Array(pageRows);
        if (!readHybrid(body, 0, levelBytes, 1, levels)) return undefined;
      } else if (levelBytes !== 0) return undefined;
      const rest = body.subarray(levelBytes);
      page = h.is_compressed === false ? rest : expand(rest, header.uncompressed_page_size - levelBytes);
      values = pageRows - h.num_nulls;
    }
    if (row + pageRows > numRows) return undefined;
    const codes = new Int32Array(values);
    if (values > 0) {
      const bitWidth = page[0]!;
      if (bitWidth > 16 || (bitWidth > 0 && !readHybrid(page, 1, page.length, bitWidth, codes))) return undefined;
      if (!within(codes, dictionary.offsets.length - 1)) return undefined;
    }
    if (levels === undefined || valid === null) indexes.set(codes.subarray(0, pageRows), row);
    else if (scatter(levels, codes, indexes, valid, row) !== values) return undefined;
    nulls += pageRows - values;
    row += pageRows;
  }
  if (row !== numRows || dictionary === undefined) return undefined;
  return renumber(indexes, valid, nulls, dictionary, maxEntries);
}

/**
 * Parquet's RLE / bit-packed hybrid encoding of `out.length` values of
 * `width` bits (at most 16) from `bytes[pos, end)`: runs of one repeated
 * value, and groups of eight values packed least significant bit first.
 * False when the bytes end before the values do.
 */
function readHybrid(bytes: Uint8Array, pos: number, end: number, width: number, out: Int32Array | Uint8Array): boolean {
  const count = out.length;
  const mask = (1 << width) - 1;
  let seen = 0;
  while (seen < count) {
    if (pos >= end) return false;
    let header = 0;
    let shift = 0;
    let b;
    do {
      b = bytes[pos++]!;
      header |= (b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) !== 0 && shift < 35);
    if ((header & 1) === 1) {
      const n = (header >>> 1) * 8;
      // n values of `width` bits: exactly n / 8 * width bytes.
      const runEnd = pos + (n / 8) * width;
      if (runEnd > end) return false;
      const stop = Math.min(count, seen + n);
      let acc = 0;
      let bits = 0;
      for (; seen < stop; seen++) {
        while (bits < width) {
          acc |= bytes[pos++]! << bits;
          bits += 8;
        }
        out[seen] = acc & mask;
        acc >>>= width;
        bits -= width;
      }
      // Values past the last row pad the last group.
      pos = runEnd;
    } else {
      const run = header >>> 1;
      let v = 0;
      for (let i = 0; i < (width + 7) >>> 3; i++) v |= bytes[pos++]! << (8 * i);
      out.fill(v, seen, Math.min(count, seen + run));
      seen += run;
    }
  }
  return pos <= end;
}

/** Every index points into a dictionary of `entries` values. */
function within(codes: Int32Array, entries: number): boolean {
  let bad = 0;
  for (let i = 0; i < codes.length; i++) bad |= codes[i]! < 0 || codes[i]! >= entries ? 1 : 0;
  return bad === 0;
}

/** How many definition levels are 1 (the row has a value). */
function countOnes(levels: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < levels.length; i++) n += levels[i]!;
  return n;
}

/** Places a page's values at its rows that have one (level 1), from `row` on, setting their validity bits; returns how many. */
function scatter(levels: Uint8Array, codes: Int32Array, indexes: Int32Array, valid: Uint8Array, row: number): number {
  let k = 0;
  for (let i = 0; i < levels.length; i++) {
    if (levels[i] !== 1) continue;
    const r = row + i;
    valid[r >>> 3]! |= 1 << (r & 7);
    indexes[r] = codes[k++]!;
  }
  return k;
}

/** PLAIN-encoded BYTE_ARRAY values (a 4-byte length, then the bytes), as offsets into the page; undefined unless all valid UTF-8. */
function plainByteArrays(page: Uint8Array, n: number): { offsets: Int32Array; bytes: Uint8Array } | undefined {
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const offsets = new Int32Array(n + 1);
  const starts = new Int32Array(n);
  let at = 0;
  for (let k = 0; k < n; k++) {
    const length = view.getUint32(at, true);
    at += 4;
    if (at + length > page.byteLength) return undefined;
    starts[k] = at;
    offsets[k + 1] = offsets[k]! + length;
    at += length;
  }
  const bytes = new Uint8Array(offsets[n]!);
  for (let k = 0; k < n; k++) bytes.set(page.subarray(starts[k]!, starts[k]! + offsets[k + 1]! - offsets[k]!), offsets[k]!);
  return isUtf8(bytes) ? { offsets, bytes } : undefined;
}

/**
 * The rows' dictionary indexes renumbered in order of first appearance, and
 * the values they use (a writer's dictionary may hold values no row of the
 * chunk uses, and in any order): what `dictionaryCodes` finds from the bytes.
 * Two entries with the same bytes (a writer may repeat one) get one code.
 */
function renumber(
  indexes: Int32Array,
  valid: Uint8Array | null,
  nulls: number,
  dictionary: { offsets: Int32Array; bytes: Uint8Array },
  maxEntries: number,
): CodedChunk | undefined {
  const entries = dictionary.offsets.length - 1;
  const codeOf = new Int32Array(entries).fill(-1);
  const firstOf = new Map<string, number>();
  const order: number[] = [];
  const codes = new Uint16Array(indexes.length);
  for (let i = 0; i < indexes.length; i++) {
    const e = indexes[i]!;
    // A null row keeps code 0, as dictionaryCodes leaves it.
    if (e < 0) continue;
    let code = codeOf[e]!;
    if (code < 0) {
      const start = dictionary.offsets[e]!;
      const key = Buffer.from(dictionary.bytes.buffer, dictionary.bytes.byteOffset + start, dictionary.offsets[e + 1]! - start).toString(
        'latin1',
      );
      code = firstOf.get(key) ?? -1;
      if (code < 0) {
        if (order.length >= maxEntries) return undefined;
        code = order.length;
        order.push(e);
        firstOf.set(key, code);
      }
      codeOf[e] = code;
    }
    codes[i] = code;
  }
  const offsets = new Int32Array(order.length + 1);
  for (let k = 0; k < order.length; k++) offsets[k + 1] = offsets[k]! + dictionary.offsets[order[k]! + 1]! - dictionary.offsets[order[k]!]!;
  const bytes = new Uint8Array(offsets[order.length]!);
  for (let k = 0; k < order.length; k++)
    bytes.set(dictionary.bytes.subarray(dictionary.offsets[order[k]!]!, dictionary.offsets[order[k]! + 1]!), offsets[k]!);
  return { codes, offsets, bytes, valid: nulls > 0 ? valid : null };
}
