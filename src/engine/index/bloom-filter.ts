import { insert, insertColumn, mayContain, wordsFor } from './bloom-hash.js';
import type { StringColumn } from '../columnar/column.js';

/**
 * A split-block Bloom filter over the UTF-8 bytes of a string column chunk's
 * values, built by the engine when a chunk is decoded for an `eq` / `in`
 * predicate, so that later point lookups skip row groups that cannot hold
 * the value without decoding them. Statistics cannot do this for a
 * high-cardinality column whose values are spread over every row group (an
 * email, an external id): each group's [min, max] covers almost everything.
 *
 * The layout is Parquet's SBBF (blocks of eight 32-bit words, one bit set in
 * each word per value, chosen by eight odd salts), which keeps a lookup to
 * one cache line; the hash is MurmurHash3 (32 bits) rather than Parquet's
 * xxHash64, as 64-bit arithmetic in JS goes through BigInt. So these filters
 * cannot read or be read as Parquet's own. At 10 bits a value the false
 * positive rate is about 1%: a false positive costs a decode, never a row.
 * The hashing lives in bloom-hash.ts, shared with the decoder threads,
 * which build the filters of the chunks they decode (decode-worker.ts).
 *
 * Values are compared as bytes, as the predicate evaluator compares them
 * (evaluate-predicate.ts), so a filter never says "absent" for a value the
 * evaluator would match: no false negatives.
 */
export class BloomFilter {
  private constructor(private readonly words: Uint32Array) {}

  /** An empty filter sized for `n` values at `bitsPerValue`. */
  static forValues(n: number, bitsPerValue?: number): BloomFilter {
    return new BloomFilter(new Uint32Array(wordsFor(n, bitsPerValue)));
  }

  /** A filter a decoder thread built (bloom-hash.ts `insertColumn`). */
  static fromWords(words: Uint32Array): BloomFilter {
    if (words.length === 0 || words.length % 8 !== 0) throw new Error(`a Bloom filter of ${words.length} words`);
    return new BloomFilter(words);
  }

  /**
   * The filter of a decoded string column chunk of `n` rows (nulls left
   * out), sized by the row count alone. A column kept with dictionary codes
   * adds its distinct values only: every row holds one of them, and they
   * are what the evaluator compares such a column by.
   */
  static ofColumn(c: StringColumn, n: number): BloomFilter {
    const f = BloomFilter.forValues(n);
    const entries = c.dictionary?.entries;
    // Every row of a coded column holds one of its distinct values: those alone are its filter's contents.
    if (entries !== undefined) insertColumn(f.words, entries.offsets, entries.bytes, null, entries.offsets.length - 1);
    else insertColumn(f.words, c.offsets, c.bytes, c.valid, n);
    return f;
  }

  /** Bytes the filter holds. */
  get byteLength(): number {
    return this.words.byteLength;
  }

  /** Adds the bytes `bytes[start, end)`. */
  addBytes(bytes: Uint8Array, start: number, end: number): void {
    insert(this.words, bytes, start, end);
  }

  add(value: string): void {
    const b = Buffer.from(value, 'utf8');
    insert(this.words, b, 0, b.length);
  }

  /** False only when `value` was never added. */
  mayContain(value: string): boolean {
    const b = Buffer.from(value, 'utf8');
    return mayContain(this.words, b, 0, b.length);
  }
}
