// The hashing and bit layout of the engine's Bloom filters (bloom-filter.ts),
// in a module of its own so that the decoder threads (parquet/decode-worker.ts)
// build the same filters as the main thread. Layout: Parquet's split-block filter (blocks of eight 32-bit
// words, one bit set in each word per value by eight odd salts); hash:
// MurmurHash3 x86 32-bit (seed 0) of the value's UTF-8 bytes, with a second
// hash for the bits mixed from the first.

const SALTS = new Int32Array([0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31]);

/** Bits per value: about 1% false positives for a split-block filter. */
export const BITS_PER_VALUE = 10;

/** Words of a filter for `n` values at `bitsPerValue`: a whole number of 8-word blocks, at least one. */
export function wordsFor(n: number, bitsPerValue = BITS_PER_VALUE): number {
  return Math.max(1, Math.ceil((Math.max(1, n) * bitsPerValue) / 256)) * 8;
}

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

/** The first word of a hash's block: its high bits scaled to the block count (exact in doubles). */
const blockBase = (words: Uint32Array, h: number): number => Math.floor(((h >>> 0) * (words.length >>> 3)) / 4294967296) * 8;

/** Sets the bits of `b[start, end)`. */
export function insert(words: Uint32Array, b: Uint8Array, start: number, end: number): void {
  const h = murmur3(b, start, end);
  const base = blockBase(words, h);
  const h2 = fmix32(h ^ 0x9e3779b9);
  // Unrolled: this runs once for every value of every looked-up chunk.
  words[base]! |= 1 << (Math.imul(h2, 0x47b6137b) >>> 27);
  words[base + 1]! |= 1 << (Math.imul(h2, 0x44974d91) >>> 27);
  words[base + 2]! |= 1 << (Math.imul(h2, 0x8824ad5b) >>> 27);
  words[base + 3]! |= 1 << (Math.imul(h2, 0xa2b7289d) >>> 27);
  words[base + 4]! |= 1 << (Math.imul(h2, 0x705495c7) >>> 27);
  words[base + 5]! |= 1 << (Math.imul(h2, 0x2df1424b) >>> 27);
  words[base + 6]! |= 1 << (Math.imul(h2, 0x9efc4947) >>> 27);
  words[base + 7]! |= 1 << (Math.imul(h2, 0x5c6bfb31) >>> 27);
}

/** False only when `b[start, end)` was never inserted. */
export function mayContain(words: Uint32Array, b: Uint8Array, start: number, end: number): boolean {
  const h = murmur3(b, start, end);
  const base = blockBase(words, h);
  const h2 = fmix32(h ^ 0x9e3779b9);
  for (let i = 0; i < 8; i++) if ((words[base + i]! & (1 << (Math.imul(h2, SALTS[i]!) >>> 27))) === 0) return false;
  return true;
}

/**
 * Inserts the `n` rows of a string column in Arrow's layout (value
 * offsets, UTF-8 bytes, validity bitmap or null), nulls left out.
 */
export function insertColumn(words: Uint32Array, offsets: Int32Array, bytes: Uint8Array, valid: Uint8Array | null, n: number): void {
  for (let i = 0; i < n; i++) {
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    insert(words, bytes, offsets[i]!, offsets[i + 1]!);
  }
}
