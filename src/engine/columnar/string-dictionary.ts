// Dictionary codes of a string column (column.ts `dictionaryOf`), in a module
// of its own so that the decoder threads (parquet/decode-worker.ts) find them
// as the main thread would: the same codes, distinct values numbered in order
// of first appearance.

/**
 * Codes for the `n` rows of a string column in Arrow's layout (value
 * offsets, bytes, validity bitmap or null) with at most `maxEntries`
 * distinct values: `{ codes, starts, ends, count }` (value k is
 * `bytes[starts[k], ends[k])`; null rows have code 0), or undefined when it
 * has more (found out within the first rows of a high-cardinality column).
 * Values are compared as bytes.
 */
export function dictionaryCodes(
  offsets: Int32Array,
  bytes: Uint8Array,
  valid: Uint8Array | null,
  n: number,
  maxEntries: number,
): { codes: Uint16Array; starts: number[]; ends: number[]; count: number } | undefined {
  const codes = new Uint16Array(n);
  const byHash = new Map<number, number[]>();
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < n; i++) {
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const s = offsets[i]!;
    const e = offsets[i + 1]!;
    let h = 0x811c9dc5 ^ (e - s);
    for (let k = s; k < e; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
    let candidates = byHash.get(h);
    let code = -1;
    if (candidates !== undefined) {
      for (const k of candidates) {
        const ks = starts[k]!;
        if (ends[k]! - ks !== e - s) continue;
        let same = true;
        for (let j = 0; j < e - s; j++) {
          if (bytes[ks + j] !== bytes[s + j]) {
            same = false;
            break;
          }
        }
        if (same) {
          code = k;
          break;
        }
      }
    } else byHash.set(h, (candidates = []));
    if (code < 0) {
      if (starts.length >= maxEntries) return undefined;
      code = starts.length;
      starts.push(s);
      ends.push(e);
      candidates!.push(code);
    }
    codes[i] = code;
  }
  return { codes, starts, ends, count: starts.length };
}
