import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactSum, splitExactly } from '../../../src/engine/kernels/exact-float-sum.js';

/**
 * The exact float sum every engine computes (exact-float-sum.ts), against a
 * reference written independently: a double's mantissa and exponent read
 * from its bits, the values summed exactly as BigInt multiples of 2^-86 and
 * the total rounded once by a long division with ties to even.
 */
function scaled(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const [mantissa, power] = exponent === 0 ? [fraction, -1074] : [fraction | (1n << 52n), exponent - 1075];
  // x = mantissa · 2^power; in units of 2^-86 (every value here has no bits below).
  const shift = power + 86;
  return sign * (shift >= 0 ? mantissa << BigInt(shift) : mantissa >> BigInt(-shift));
}

/** n · 2^-86 to the nearest double, ties to even, without Number(bigint). */
function rounded(n: bigint): number {
  if (n === 0n) return 0;
  const sign = n < 0n ? -1 : 1;
  let m = n < 0n ? -n : n;
  let e = -86;
  const bits = m.toString(2).length;
  if (bits > 53) {
    const drop = BigInt(bits - 53);
    const rest = m & ((1n << drop) - 1n);
    const half = 1n << (drop - 1n);
    m >>= drop;
    e += Number(drop);
    if (rest > half || (rest === half && (m & 1n) === 1n)) m += 1n;
  }
  return sign * Number(m) * 2 ** e;
}

/** Doubles the split covers: a 53-bit mantissa at exponents that keep every bit within [2^-86, 2^73). */
const covered = fc
  .tuple(fc.bigInt({ min: 0n, max: (1n << 53n) - 1n }), fc.integer({ min: -86, max: 19 }), fc.boolean())
  .map(([m, e, negative]) => (negative ? -1 : 1) * Number(m) * 2 ** e);

describe('exact float sum', () => {
  it('splits a covered double into three integers below 2^53 that add back to it exactly', () => {
    fc.assert(
      fc.property(fc.oneof(covered, fc.double({ min: -1e6, max: 1e6, noNaN: true })), (x) => {
        const split = splitExactly(x);
        if (split === undefined) return;
        for (const c of split) expect(Number.isInteger(c) && Math.abs(c) < 2 ** 53).toBe(true);
        const [c1, c2, c3] = split.map(BigInt) as [bigint, bigint, bigint];
        expect((c1 << 106n) + (c2 << 53n) + c3).toBe(scaled(x));
      }),
      { numRuns: 2000 },
    );
  });

  it('covers money-like values (two decimals below a billion) and refuses NaN, infinities and 2^73', () => {
    for (const x of [0.01, 12.34, 999_999_999.99, -0.07, 0]) expect(splitExactly(x)).toBeDefined();
    for (const x of [NaN, Infinity, -Infinity, 2 ** 73, 2 ** -90]) expect(splitExactly(x)).toBeUndefined();
  });

  it('is the exact sum rounded once, whatever the order of the values', () => {
    fc.assert(
      fc.property(fc.array(covered, { minLength: 1, maxLength: 60 }), fc.integer(), (xs, seed) => {
        const want = rounded(xs.reduce((n, x) => n + scaled(x), 0n));
        const order = [...xs].sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13));
        const s = [0n, 0n, 0n];
        for (const x of order) splitExactly(x)!.forEach((c, i) => (s[i]! += BigInt(c)));
        expect(exactSum(s[0]!, s[1]!, s[2]!)).toBe(want);
      }),
      { numRuns: 1000 },
    );
  });
});
