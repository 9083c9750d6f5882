/** An Arrow-style validity bitmap (bit i set: row i is not null) for `present`, or null when no row is null. */
export function validity(present: readonly boolean[]): Uint8Array | null {
  if (present.every(Boolean)) return null;
  const bits = new Uint8Array(Math.ceil(present.length / 8));
  present.forEach((p, i) => {
    if (p) bits[i >> 3]! |= 1 << (i & 7);
  });
  return bits;
}
