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
 * The first run, `warmups` more unmeasured (2), then up to `runs` measured
 * ones (at least `minRuns`, 5; a slow query stops repeating after `budgetMs`).
 */
export async function measure(
  f: () => Promise<unknown>,
  runs: number,
  budgetMs: number,
  { minRuns = 5, warmups = 2 }: { readonly minRuns?: number; readonly warmups?: number } = {},
): Promise<Timing> {
  let t = performance.now();
  await f();
  const firstMs = performance.now() - t;
  for (let i = 0; i < warmups; i++) await f();
  const warm: number[] = [];
  const start = performance.now();
  while (warm.length < runs && (warm.length < minRuns || performance.now() - start < budgetMs)) {
    t = performance.now();
    await f();
    warm.push(performance.now() - t);
  }
  return { firstMs, p50Ms: quantile(warm, 0.5), p99Ms: quantile(warm, 0.99), runs: warm.length };
}

/**
 * `measure` for two systems in turns (a run of one, then a run of the
 * other), so that a shared machine's changing load falls on both alike.
 * Each: the first run, two more unmeasured, then up to `runs` measured ones
 * (at least 5; both stop repeating once together they took `budgetMs` twice).
 */
export async function measureInTurns(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  runs: number,
  budgetMs: number,
): Promise<[Timing, Timing]> {
  const timed = async (f: () => Promise<unknown>) => {
    const t = performance.now();
    await f();
    return performance.now() - t;
  };
  const first = [await timed(a), await timed(b)] as const;
  for (let i = 0; i < 2; i++) {
    await a();
    await b();
  }
  const warm: [number[], number[]] = [[], []];
  const start = performance.now();
  while (warm[0].length < runs && (warm[0].length < 5 || performance.now() - start < 2 * budgetMs)) {
    warm[0].push(await timed(a));
    warm[1].push(await timed(b));
  }
  const timing = (firstMs: number, xs: number[]): Timing => ({
    firstMs,
    p50Ms: quantile(xs, 0.5),
    p99Ms: quantile(xs, 0.99),
    runs: xs.length,
  });
  return [timing(first[0], warm[0]), timing(first[1], warm[1])];
}
