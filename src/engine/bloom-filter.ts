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
 *
 * Values are compared as bytes, as the predicate evaluator compares them
 * (evaluate-predicate.ts), so a filter never says "absent" for a value the
 * evaluator would match: no false negatives.
 */
import { bitSet, type StringColumn } from './column.js';

export class BloomFilter {
  private constructor(
    private readonly words: Uint32Array,
    private readonly blocks: number,
  ) {}

  /** An empty filter sized for `n` values at `bitsPerValue`. */
  static forValues(n: number, bitsPerValue = BITS_PER_VALUE): BloomFilter {
    const blocks = Math.max(1, Math.ceil((Math.max(1, n) * bitsPerValue) / 256));
    return new BloomFilter(new Uint32Array(blocks * 8), blocks);
  }

  /**
   * The filter of a decoded string column chunk of `n` rows (nulls left
   * out), sized by the row count alone. A column kept with dictionary codes
   * adds its distinct values too: those are what the evaluator compares
   * such a column by.
   */
  static ofColumn(c: StringColumn, n: number): BloomFilter {
    const f = BloomFilter.forValues(n);
    const { offsets, bytes, valid } = c;
    for (let i = 0; i < n; i++) if (valid === null || bitSet(valid, i)) f.addBytes(bytes, offsets[i]!, offsets[i + 1]!);
    const entries = c.dictionary?.entries;
    if (entries !== undefined) for (let k = 0; k + 1 < entries.offsets.length; k++) f.addBytes(entries.bytes, entries.offsets[k]!, entries.offsets[k + 1]!);
    return f;
  }

  /** Bytes the filter holds. */
  get byteLength(): number {
    return this.words.byteLength;
  }

  /** Adds the bytes `bytes[start, end)`. */
  addBytes(bytes: Uint8Array, start: number, end: number): void {
    this.insert(murmur3(bytes, start, end));
  }

  add(value: string): void {
    const b = Buffer.from(value, 'utf8');
    this.addBytes(b, 0, b.length);
  }

  /** False only when `value` was never added. */
  mayContain(value: string): boolean {
    const b = Buffer.from(value, 'utf8');
    return this.mayContainHash(murmur3(b, 0, b.length));
  }

  private insert(h: number): void {
    const base = this.blockOf(h) * 8;
    const h2 = fmix32(h ^ 0x9e3779b9);
    const w = this.words;
    for (let i = 0; i < 8; i++) w[base + i] = w[base + i]! | (1 << (Math.imul(h2, SALTS[i]!) >>> 27));
  }

  private mayContainHash(h: number): boolean {
    const base = this.blockOf(h) * 8;
    const h2 = fmix32(h ^ 0x9e3779b9);
    const w = this.words;
    for (let i = 0; i < 8; i++) if ((w[base + i]! & (1 << (Math.imul(h2, SALTS[i]!) >>> 27))) === 0) return false;
    return true;
  }

  /** The block for a hash: its high bits scaled to the block count (exact in doubles below 2^53). */
  private blockOf(h: number): number {
    return Math.floor(((h >>> 0) * this.blocks) / 4294967296);
  }
}

/** ~1% false positives for a split-block filter. */
export const BITS_PER_VALUE = 10;

// Parquet's SBBF salts.
const SALTS = new Int32Array([0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31]);

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** MurmurHash3 x86 32-bit, seed 0, of `b[start, end)`. */
export function murmur3(b: Uint8Array, start: number, end: number): number {
  let h = 0;
  const tail = end - ((end - start) & 3);
  let i = start;
  for (; i < tail; i += 4) {
    let k = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = end - tail;
  if (rest > 0) {
    let k = b[i]!;
    if (rest > 1) k |= b[i + 1]! << 8;
    if (rest > 2) k |= b[i + 2]! << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= end - start;
  return fmix32(h);
}
