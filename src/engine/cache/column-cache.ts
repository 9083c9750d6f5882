import type { BloomFilter } from '../index/bloom-filter.js';
import { codedStringColumn, dictionaryOf, type Column, type StringDictionary } from '../columnar/column.js';
import { indexBytes, numberIndexOf, stringIndexOf } from '../index/bitmap-index.js';

/**
 * Decoded column chunks, keyed by file version (`SourceObject.cacheKey`:
 * URI plus ETag or size and mtime, so a replaced file is never served from
 * the old one's values), row group, column and the type it was decoded as,
 * within a byte budget, least recently used evicted first.
 *
 * Why: decoding (parquet-wasm in the decoder thread, the IPC hop, Arrow to
 * columns) is most of a warm query's time; an API asks the same pages, the
 * same filter columns, again and again. Stored columns own their memory
 * (copied out of the Arrow IPC buffer that held every column of the read,
 * which would otherwise stay alive with them) and are shared, read-only, by
 * every query: no operator writes into a column it did not build. String
 * columns of few distinct values are stored with dictionary codes
 * (column.ts `dictionaryOf`), built once here, so that filters and
 * group-bys over them compare codes instead of bytes.
 *
 * The same budget holds the engine's Bloom filters of string column chunks
 * (bloom-filter.ts), under the same version keys, in a least-recently-used
 * list of their own capped at a sixteenth of the budget: a filter is small
 * (10 bits a row) and answers for its chunk long after the chunk's values
 * are evicted. Their own list, sized by row counts alone, also keeps which
 * filters survive independent of the values the columns hold.
 */
export interface ColumnCacheStats {
  readonly budgetBytes: number;
  readonly bytes: number;
  /** Largest `bytes` ever held: never above the budget. */
  readonly peakBytes: number;
  readonly entries: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  /** Bloom filters held, and their bytes (counted in `bytes`). */
  readonly blooms: number;
  readonly bloomBytes: number;
}

interface Entry {
  readonly column: Column;
  readonly bytes: number;
  /** Used again since it entered: its bitmap index was looked for (built when it has few values). */
  readonly reused: boolean;
}

export class ColumnCache {
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, Entry>();
  private used = 0;
  private peak = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private readonly blooms = new Map<string, BloomFilter>();
  private bloomsUsed = 0;

  constructor(private readonly budget: number) {}

  /** The key of a string column chunk's Bloom filter: over raw bytes, so whatever type the field is read as. */
  static bloomKey(file: string, rowGroup: number, column: string): string {
    return `${file}\u0000${rowGroup}\u0000${column}\u0000bloom`;
  }

  getBloom(key: string): BloomFilter | undefined {
    const b = this.blooms.get(key);
    if (b !== undefined) {
      this.blooms.delete(key);
      this.blooms.set(key, b);
    }
    return b;
  }

  putBloom(key: string, bloom: BloomFilter): void {
    const cap = this.budget / 16;
    if (bloom.byteLength > cap / 8) return;
    const old = this.blooms.get(key);
    if (old !== undefined) this.bloomsUsed -= old.byteLength;
    this.blooms.delete(key);
    this.blooms.set(key, bloom);
    this.bloomsUsed += bloom.byteLength;
    while (this.bloomsUsed > cap) {
      const [k, b] = this.blooms.entries().next().value!;
      this.blooms.delete(k);
      this.bloomsUsed -= b.byteLength;
    }
    this.evictColumns();
    this.peak = Math.max(this.peak, this.used + this.bloomsUsed);
  }

  static key(file: string, rowGroup: number, column: string, type: string): string {
    return `${file}\u0000${rowGroup}\u0000${column}\u0000${type}`;
  }

  get(key: string): Column | undefined {
    const e = this.entries.get(key);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    if (e.reused) {
      this.entries.set(key, e);
      return e.column;
    }
    // The chunk's second use: now its bitmap index pays (bitmap-index.ts); a chunk used once, as a cold scan
    // passing through uses most, never builds one.
    const column = withIndex(e.column);
    const bytes = sizeOf(column);
    this.entries.set(key, { column, bytes, reused: true });
    this.used += bytes - e.bytes;
    this.evictColumns();
    this.peak = Math.max(this.peak, this.used + this.bloomsUsed);
    return column;
  }

  /**
   * Keeps a copy of `column` that owns its memory and returns it (the caller
   * uses the copy, so the IPC buffer can go), unless it would take more than
   * an eighth of the budget: then `column` is returned as is. A string
   * column's `dictionary`, when the decoder thread already looked for one:
   * its codes, or null when it has too many distinct values. `owned`: the
   * column's arrays are views of a buffer that holds this column alone
   * (read-row-groups.ts decodes each column into its own), so they are kept
   * without a copy; the few hundred bytes of IPC framing around them go
   * uncounted.
   */
  put(key: string, column: Column, dictionary?: StringDictionary | null, { owned: isOwned = false } = {}): Column {
    if (this.budget <= 0 || sizeOf(column) * 8 > this.budget) return column;
    const owned = ownedCopy(column, dictionary, isOwned);
    const bytes = sizeOf(owned);
    const old = this.entries.get(key);
    if (old !== undefined) this.remove(key, old);
    this.entries.set(key, { column: owned, bytes, reused: false });
    this.used += bytes;
    this.evictColumns();
    this.peak = Math.max(this.peak, this.used + this.bloomsUsed);
    return owned;
  }

  private evictColumns(): void {
    while (this.used + this.bloomsUsed > this.budget && this.entries.size > 0) {
      const [k, e] = this.entries.entries().next().value!;
      this.remove(k, e);
      this.evictions++;
    }
  }

  stats(): ColumnCacheStats {
    return {
      budgetBytes: this.budget,
      bytes: this.used + this.bloomsUsed,
      peakBytes: this.peak,
      entries: this.entries.size,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      blooms: this.blooms.size,
      bloomBytes: this.bloomsUsed,
    };
  }

  private remove(key: string, e: Entry): void {
    this.entries.delete(key);
    this.used -= e.bytes;
  }
}

/**
 * Bytes of a column's values alone, its bitmap index left out: what a
 * request is charged for the columns it reads, the same whether the cache
 * has indexed the chunk yet (on its second use) or not.
 */
export function valueBytes(c: Column): number {
  return sizeOf(c) - ((c.kind === 'number' || c.kind === 'string') && c.index !== undefined ? indexBytes(c.index) : 0);
}

/** Bytes a column's copy holds; for materialised values an estimate (a pointer each, strings at two bytes a character). */
export function sizeOf(c: Column): number {
  const valid = 'valid' in c && c.valid !== null ? c.valid.byteLength : 0;
  switch (c.kind) {
    case 'number':
      return c.values.byteLength + valid + indexBytes(c.index);
    case 'bigint':
      return c.values.byteLength + valid;
    case 'boolean':
      return c.bits.byteLength + valid;
    case 'string': {
      const d = c.dictionary;
      // A column with a dictionary is held by its codes alone (column.ts codedStringColumn).
      if (d !== undefined)
        return (
          d.codes.byteLength +
          d.entries.offsets.byteLength +
          d.entries.bytes.byteLength * 3 +
          d.values.length * 16 +
          valid +
          indexBytes(c.index)
        );
      return c.offsets.byteLength + c.bytes.byteLength + valid + indexBytes(c.index);
    }
    case 'scalars': {
      let n = c.values.length * 8;
      for (const v of c.values) if (typeof v === 'string') n += 16 + 2 * v.length;
      return n;
    }
  }
}

function ownedCopy(c: Column, found: StringDictionary | null | undefined, owned: boolean): Column {
  const copy = <T extends { slice(): T }>(a: T): T => (owned ? a : a.slice());
  const valid = 'valid' in c && c.valid !== null ? copy(c.valid) : null;
  switch (c.kind) {
    case 'number':
      return { kind: 'number', values: copy(c.values), valid };
    case 'bigint':
      return { kind: 'bigint', values: copy(c.values), valid };
    case 'boolean':
      return { kind: 'boolean', bits: copy(c.bits), valid };
    case 'string': {
      // Decoded as codes already (dictionary-chunk.ts): its offsets would only be spelled out to be dropped.
      if (c.dictionary !== undefined) return codedStringColumn(c.dictionary, valid);
      const n = c.offsets.length - 1;
      // The dictionary's codes and values are its own memory: nothing of the decoded buffer is kept with them.
      const dictionary = found === undefined ? dictionaryOf(c, n) : (found ?? undefined);
      if (dictionary === undefined) {
        // A Buffer's slice() is a view: its bytes are copied as a Uint8Array's (a memcpy; Buffer.from(view) copies byte by byte).
        const bytes = owned ? c.bytes : Uint8Array.prototype.slice.call(c.bytes);
        return { kind: 'string', offsets: copy(c.offsets), bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), valid };
      }
      return codedStringColumn(dictionary, valid);
    }
    case 'scalars':
      return c;
  }
}

/** `c` with its bitmap index, when it has few enough distinct values (bitmap-index.ts). */
function withIndex(c: Column): Column {
  if (c.kind === 'number' && c.index === undefined) {
    const index = numberIndexOf(c.values, c.valid, c.values.length);
    return index === undefined ? c : { ...c, index };
  }
  if (c.kind === 'string' && c.dictionary !== undefined && c.index === undefined) {
    const index = stringIndexOf(c.dictionary, c.valid, c.dictionary.codes.length);
    return index === undefined ? c : codedStringColumn(c.dictionary, c.valid, index);
  }
  return c;
}
