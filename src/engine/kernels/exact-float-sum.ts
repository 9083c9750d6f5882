/**
 * Sums of doubles that every engine computes to the same bits.
 *
 * A sum of doubles rounded after each addition depends on the order of the
 * additions, and every engine adds in its own order (DuckDB and Trino in
 * parallel partial sums): their answers differed in the last bits. The one
 * order-free answer is the exact sum, rounded once. Every engine computes
 * it the same way, so the answers are byte-identical:
 *
 * - each finite value with |x| < 2^73 whose bits all lie at or above 2^-86
 *   is split, exactly, into three integers below 2^53 in magnitude,
 *   x = c1·2^20 + c2·2^-33 + c3·2^-86 (`splitExactly`: truncations and
 *   subtractions that IEEE arithmetic does without rounding);
 * - the integers are summed exactly (BigInt here; DECIMAL(38,0) or HUGEINT
 *   in SQL, where the lowering writes the same split);
 * - `exactSum` rounds S1·2^106 + S2·2^53 + S3, times 2^-86, once, to the
 *   nearest double (ties to even).
 *
 * Values outside that range (NaN, infinities, magnitudes past 2^73, bits
 * below 2^-86: about 1e-26) make a group's sum the engine's own rounded sum
 * instead, which is identical across engines for NaN and infinities (IEEE
 * leaves them no choice) and may differ in the last bits otherwise.
 */
export const SPLIT = {
  /** 2^-20, 2^20, 2^33, 2^-33, 2^86: the scales of the split. */
  down1: 2 ** -20,
  up1: 2 ** 20,
  down2: 2 ** 33,
  up2: 2 ** -33,
  down3: 2 ** 86,
  /** Values at or past this magnitude are not split. */
  limit: 2 ** 73,
} as const;

/** The split's three integers, or undefined when `x` is outside its range (see above). */
export function splitExactly(x: number): [number, number, number] | undefined {
  if (!(Math.abs(x) < SPLIT.limit)) return undefined;
  const c1 = Math.trunc(x * SPLIT.down1);
  const r1 = x - c1 * SPLIT.up1;
  const c2 = Math.trunc(r1 * SPLIT.down2);
  const r2 = r1 - c2 * SPLIT.up2;
  const c3 = r2 * SPLIT.down3;
  return Number.isInteger(c3) ? [c1, c2, c3] : undefined;
}

/** S1·2^20 + S2·2^-33 + S3·2^-86, rounded once to the nearest double. */
export function exactSum(s1: bigint, s2: bigint, s3: bigint): number {
  // Number(bigint) rounds to nearest, ties to even; the scaling by 2^-86 is
  // then exact (a non-zero integer times 2^-86 is far from subnormal).
  return Number((s1 << 106n) + (s2 << 53n) + s3) * 2 ** -86;
}
