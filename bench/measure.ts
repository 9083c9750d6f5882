/** Timing of repeated runs, shared by bench/run.ts and bench/scale.ts. */
import { performance } from 'node:perf_hooks';

export interface Timing {
  readonly firstMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly runs: number;
}

export const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
export const median = (xs: number[]) => quantile(xs, 0.5);

/**
 * The first run, two more unmeasured, then up to `runs` measured ones (at
 * least 5; a slow query stops repeating after `budgetMs`).
 */
export async function measure(f: () => Promise<unknown>, runs: number, budgetMs: number): Promise<Timing> {
  let t = performance.now();
  await f();
  const firstMs = performance.now() - t;
  for (let i = 0; i < 2; i++) await f();
  const warm: number[] = [];
  const start = performance.now();
  while (warm.length < runs && (warm.length < 5 || performance.now() - start < budgetMs)) {
    t = performance.now();
    await f();
    warm.push(performance.now() - t);
  }
  return { firstMs, p50Ms: quantile(warm, 0.5), p99Ms: quantile(warm, 0.99), runs: warm.length };
}
