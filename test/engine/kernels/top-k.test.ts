import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SortKey } from '../../../src/plan/plan.js';
import type { Batch } from '../../../src/engine/columnar/batch.js';
import { SortAll, sortPaced, TopK } from '../../../src/engine/kernels/top-k.js';

/**
 * The top-K against a full sort, on batches whose first key runs upwards
 * (a primary-key scan), with and without ties on that key: the shortcuts
 * for sorted runs (`firstRowsEnough`, stopping a batch early) must keep
 * exactly the rows a full sort keeps.
 */
const batchOf = (ids: number[], xs: number[], ordinalBase: number, selection: Int32Array | null): Batch => ({
  length: ids.length,
  columns: new Map([
    ['id', { kind: 'number', values: Float64Array.from(ids), valid: null }],
    ['x', { kind: 'number', values: Float64Array.from(xs), valid: null }],
  ]),
  selection,
  ordinalBase,
});

const asc = (field: string): SortKey => ({ field, direction: 'asc', nullsLast: true });
const desc = (field: string): SortKey => ({ field, direction: 'desc', nullsLast: true });

/** Batches of non-decreasing ids (strictly increasing when `strict`), random second values, random live rows. */
const batches = (strict: boolean) =>
  fc
    .array(
      fc.array(fc.tuple(fc.integer({ min: strict ? 1 : 0, max: 3 }), fc.integer({ min: 0, max: 5 }), fc.boolean()), {
        minLength: 1,
        maxLength: 30,
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((groups) => {
      let id = 0;
      let ordinal = 0;
      return groups.map((rows) => {
        const ids = rows.map(([step]) => (id += step));
        const live = Int32Array.from(rows.flatMap(([, , alive], i) => (alive ? [i] : [])));
        const b = batchOf(
          ids,
          rows.map(([, x]) => x),
          ordinal,
          live.length === rows.length ? null : live,
        );
        ordinal += rows.length;
        return b;
      });
    });

async function bothWays(keys: SortKey[], k: number, bs: Batch[]) {
  const top = new TopK(keys, k, ['id', 'x']);
  const all = new SortAll(keys, ['id', 'x']);
  for (const b of bs) {
    // What the scan does: it keeps only the rows the top-K says can matter.
    const enough = top.firstRowsEnough(b);
    const live = b.selection ?? Int32Array.from({ length: b.length }, (_, i) => i);
    top.offer(enough < live.length ? { ...b, selection: live.subarray(0, enough) } : b);
    all.offer(b);
  }
  const pause = async () => undefined;
  return { top: await top.result(pause), all: (await all.result(pause)).slice(0, k) };
}

describe('top-K over sorted runs', () => {
  const cases: [string, boolean, (second: boolean) => SortKey[]][] = [
    ['one ascending key (ties broken by ordinal)', false, () => [asc('id')]],
    ['a later key decides ties on the first', false, (second) => [asc('id'), second ? desc('x') : asc('x')]],
    ['descending over ascending data', true, () => [desc('id')]],
  ];
  for (const [what, strict, keys] of cases) {
    it(`keeps what a full sort keeps: ${what}`, async () => {
      await fc.assert(
        fc.asyncProperty(batches(strict), fc.integer({ min: 0, max: 12 }), fc.boolean(), async (bs, k, second) => {
          const { top, all } = await bothWays(keys(second), k, bs);
          expect(top).toEqual(all);
        }),
        { numRuns: 400 },
      );
    });
  }

  it('caps a batch only when its first key runs in the sort direction', () => {
    const up = batchOf([1, 2, 2, 3], [0, 0, 0, 0], 0, null);
    const strictlyUp = batchOf([1, 2, 3, 4], [0, 0, 0, 0], 0, null);
    const down = batchOf([4, 3, 2, 1], [0, 0, 0, 0], 0, null);
    expect(new TopK([asc('id')], 2, ['id']).firstRowsEnough(up)).toBe(2);
    expect(new TopK([asc('id'), asc('x')], 2, ['id']).firstRowsEnough(up)).toBe(Infinity);
    expect(new TopK([asc('id'), asc('x')], 2, ['id']).firstRowsEnough(strictlyUp)).toBe(2);
    expect(new TopK([asc('id')], 2, ['id']).firstRowsEnough(down)).toBe(Infinity);
    expect(new TopK([desc('id')], 2, ['id']).firstRowsEnough(strictlyUp)).toBe(Infinity);
  });
});

describe('sorting in steps (sortPaced)', () => {
  const byValue = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];

  it('sorts as one native sort does, pausing every few thousand rows, and stops when a pause throws', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1, 100, 8192, 8193, 20_000, 70_001), fc.integer({ min: 1, max: 50 }), async (n, spread) => {
        const items = Array.from({ length: n }, (_, i): [number, number] => [Math.floor(Math.sin(i * spread) * 1000), i]);
        let pauses = 0;
        const sorted = await sortPaced([...items], byValue, async () => void pauses++);
        expect(sorted).toEqual([...items].sort(byValue));
        // Placing n rows in runs of 8,192 and merging them log2(runs) times: a pause for every 8,192 placed.
        const runs = Math.ceil(n / 8192);
        if (runs > 1) expect(pauses).toBeGreaterThanOrEqual(runs * (1 + Math.floor(Math.log2(runs - 1))));
      }),
      { numRuns: 20 },
    );
    let pauses = 0;
    const stopped = sortPaced(
      Array.from({ length: 50_000 }, (_, i): [number, number] => [-i, i]),
      byValue,
      async () => {
        if (++pauses === 3) throw new Error('deadline');
      },
    );
    await expect(stopped).rejects.toThrow('deadline');
    expect(pauses).toBe(3);
  });
});

describe('memory a sort holds (heldBytes)', () => {
  it('grows with every row kept and stops growing once the top-K is full', async () => {
    const keys = [asc('x')];
    const top = new TopK(keys, 100, ['id', 'x']);
    const all = new SortAll(keys, ['id', 'x']);
    const rows = (from: number) =>
      batchOf(
        Array.from({ length: 100 }, (_, i) => from + i),
        Array.from({ length: 100 }, (_, i) => 1000 - from - i),
        from,
        null,
      );
    top.offer(rows(0));
    all.offer(rows(0));
    const full = top.heldBytes;
    const first = all.heldBytes;
    // A bigint-free row of two doubles: about 200 bytes each, as measured on Node 20.
    expect(full).toBeGreaterThan(100 * 150);
    expect(first).toBeGreaterThan(100 * 150);
    for (let from = 100; from < 1000; from += 100) {
      top.offer(rows(from));
      all.offer(rows(from));
    }
    expect(top.heldBytes).toBe(full);
    expect(all.heldBytes).toBe(10 * first);
    // Offered in slices, the same rows are kept.
    const sliced = new TopK(keys, 100, ['id', 'x']);
    for (let from = 0; from < 1000; from += 100) for (let j = 0; j < 100; j += 7) sliced.offer(rows(from), j, Math.min(100, j + 7));
    expect(await sliced.result(async () => undefined)).toEqual(await top.result(async () => undefined));
  });
});
