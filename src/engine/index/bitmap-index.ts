import type { BitmapIndex, NumberArray, StringDictionary } from '../columnar/column.js';

/**
 * Bitmap indexes of low-cardinality column chunks, as Druid and Pinot keep
 * them: one bit set per distinct value, bit i set when row i holds it (null
 * rows in none). A count under a conjunction of leaves over such columns
 * (`region IN ("EU", "US") AND quantity >= 10`) is then, per conjunct, the
 * OR of the bitmaps of the values that pass it, the AND of those, and a
 * population count: word-wide operations instead of a test per row.
 *
 * Built when a chunk in the column cache is used a second time (and counted
 * in its budget), not as it enters: a cold scan reads most chunks once, and
 * would pay for indexes nobody reads. Only for chunks of at most
 * `MAX_INDEXED_VALUES` distinct values, so an index never takes more than
 * twice the bytes of an int32 chunk.
 */
export const MAX_INDEXED_VALUES = 16;

/** The index of a string chunk with dictionary codes, when it has few enough distinct values. */
export function stringIndexOf(d: StringDictionary, valid: Uint8Array | null, n: number): BitmapIndex | undefined {
  if (d.values.length > MAX_INDEXED_VALUES) return undefined;
  const words = (n + 31) >>> 5;
  const bitmaps = d.values.map(() => new Uint32Array(words));
  const codes = d.codes;
  for (let i = 0; i < n; i++) {
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    bitmaps[codes[i]!]![i >>> 5]! |= 1 << (i & 31);
  }
  return { values: d.values, bitmaps };
}

/** The index of a number chunk, when it has few enough distinct values (found out early when it has many). */
export function numberIndexOf(values: NumberArray, valid: Uint8Array | null, n: number): BitmapIndex | undefined {
  const words = (n + 31) >>> 5;
  const distinct: number[] = [];
  const bitmaps: Uint32Array[] = [];
  for (let i = 0; i < n; i++) {
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const v = values[i]!;
    // At most 16 values to look through. NaN is one value (it equals no
    // other), and so are -0 and 0 (every leaf treats them alike).
    let code = 0;
    while (code < distinct.length && distinct[code] !== v && !(v !== v && distinct[code] !== distinct[code])) code++;
    if (code === distinct.length) {
      if (distinct.length === MAX_INDEXED_VALUES) return undefined;
      distinct.push(v);
      bitmaps.push(new Uint32Array(words));
    }
    bitmaps[code]![i >>> 5]! |= 1 << (i & 31);
  }
  return { values: distinct, bitmaps };
}

export const indexBytes = (index: BitmapIndex | undefined): number =>
  index === undefined ? 0 : index.bitmaps.reduce((s, b) => s + b.byteLength, 0) + index.values.length * 16;

/**
 * How many rows pass every conjunct, each given as the index of its column
 * and which of its codes pass; the rows of a chunk of `n`.
 */
export function countIndexed(conjuncts: readonly { index: BitmapIndex; passes: Uint8Array }[], n: number): number {
  const words = (n + 31) >>> 5;
  let acc: Uint32Array | undefined;
  for (const { index, passes } of conjuncts) {
    const any = new Uint32Array(words);
    for (let k = 0; k < passes.length; k++) {
      if (passes[k] === 0) continue;
      const b = index.bitmaps[k]!;
      for (let w = 0; w < words; w++) any[w]! |= b[w]!;
    }
    if (acc === undefined) acc = any;
    else for (let w = 0; w < words; w++) acc[w]! &= any[w]!;
  }
  if (acc === undefined) return n;
  let count = 0;
  for (let w = 0; w < words; w++) count += popcount(acc[w]!);
  return count;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
