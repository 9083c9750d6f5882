import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { BloomFilter } from '../../../src/engine/index/bloom-filter.js';
import { columnFromArrow, dictionaryFrom, dictionaryOf } from '../../../src/engine/columnar/column.js';
import { DecodeFailure, DecodePool, type DecodeRequest } from '../../../src/engine/parquet/decode-pool.js';
import { LocalSourceStore, type ByteRangeReader } from '../../../src/engine/storage/source-files.js';
import { ORDERS_SOURCE } from '../datasets.js';

/**
 * The decoder thread: parquet-wasm traps instead of reporting failed reads,
 * so these check that such failures come back as typed failures and that the
 * pool recovers.
 */
const pool = new DecodePool();
afterAll(() => pool.close());

async function request(overrides: Partial<DecodeRequest> = {}): Promise<DecodeRequest> {
  const [object] = await new LocalSourceStore().list(ORDERS_SOURCE, 'orders');
  const reader = await object!.open();
  return { key: object!.cacheKey, size: reader.size, reader, rowGroup: 2, columns: ['order_id'], batchSize: 4096, ...overrides };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('DecodePool', () => {
  it('decodes a row group into Arrow IPC', async () => {
    const table = tableFromIPC((await pool.decode(await request())).ipc);
    expect(table.numRows).toBe(4096);
    expect(table.batches).toHaveLength(1);
    expect(table.getChild('order_id')!.get(0)).toBe(8193n);
  });

  it('reports a failed read as unavailable, and recovers', async () => {
    const good = await request();
    const failing: ByteRangeReader = { size: good.size, read: () => Promise.reject(new Error('disk gone')) };
    // A new file version: the worker has no handle yet, so it must read.
    const e = await failure(pool.decode({ ...good, key: `${good.key}-failing`, reader: failing }));
    expect(e).toBeInstanceOf(DecodeFailure);
    expect((e as DecodeFailure).kind).toBe('unavailable');
    expect(tableFromIPC((await pool.decode(good)).ipc).numRows).toBe(4096);
  });

  it('builds the Bloom filters asked for, bit for bit as the main thread builds them', async () => {
    const decoded = await pool.decode(await request({ columns: ['order_id', 'email'], blooms: ['email'] }));
    const words = decoded.blooms['email']!;
    const column = columnFromArrow(tableFromIPC(decoded.ipc).getChild('email')!, 'string');
    if (typeof column === 'string' || column.kind !== 'string') throw new Error(`email decoded as ${JSON.stringify(column)}`);
    const mainThread = BloomFilter.ofColumn(column, 4096);
    expect(BloomFilter.fromWords(words)).toEqual(mainThread);
    expect(column.valid).not.toBeNull(); // the nulls are left out on both sides
    expect(Object.keys(decoded.blooms)).toEqual(['email']);
  });

  it('builds the filter of a column of few values from its distinct values, equal to one of every row', async () => {
    const decoded = await pool.decode(await request({ columns: ['region'], blooms: ['region'], dictionaries: true }));
    const column = columnFromArrow(tableFromIPC(decoded.ipc).getChild('region')!, 'string');
    if (typeof column === 'string' || column.kind !== 'string') throw new Error(`region decoded as ${JSON.stringify(column)}`);
    expect(decoded.dictionaries['region']).not.toBeNull();
    expect(BloomFilter.fromWords(decoded.blooms['region']!)).toEqual(BloomFilter.ofColumn(column, 4096));
  });

  it('finds dictionary codes as the main thread does (a row group of 4,096 rows never has too many values)', async () => {
    const decoded = await pool.decode(await request({ columns: ['status', 'region', 'email'], dictionaries: true }));
    const table = tableFromIPC(decoded.ipc);
    for (const name of ['status', 'region', 'email']) {
      const column = columnFromArrow(table.getChild(name)!, 'string');
      if (typeof column === 'string' || column.kind !== 'string') throw new Error(`${name} decoded as ${JSON.stringify(column)}`);
      const found = decoded.dictionaries[name]!;
      expect(dictionaryFrom(found.codes, found.offsets, found.bytes)).toEqual(dictionaryOf(column, 4096));
    }
  });

  it('reports an aborted decode without waiting for it', async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await failure(pool.decode(await request(), controller.signal));
    expect((e as DecodeFailure).kind).toBe('aborted');
  });
});

describe('DecodePool with two workers', () => {
  it('opens files ahead, is ready, and decodes row groups started together on both workers alike', async () => {
    const two = new DecodePool(2);
    try {
      const base = await request();
      await two.open([{ key: base.key, size: base.size, reader: base.reader }]);
      await two.ready();
      const groups = [0, 1, 2, 3, 4, 5];
      const tables = await Promise.all(groups.map((rowGroup) => two.decode({ ...base, rowGroup }).then((d) => tableFromIPC(d.ipc))));
      expect(tables.map((t) => t.getChild('order_id')!.get(0))).toEqual(groups.map((g) => BigInt(g * 4096 + 1)));
    } finally {
      await two.close();
    }
  });

  it('an open that fails never rejects, and the file still fails properly when decoded', async () => {
    const two = new DecodePool(2);
    try {
      const good = await request();
      const failing: ByteRangeReader = { size: good.size, read: () => Promise.reject(new Error('disk gone')) };
      const key = `${good.key}-failing-open`;
      await expect(two.open([{ key, size: good.size, reader: failing }])).resolves.toBeUndefined();
      const e = await failure(two.decode({ ...good, key, reader: failing }));
      expect((e as DecodeFailure).kind).toBe('unavailable');
      expect(tableFromIPC((await two.decode(good)).ipc).numRows).toBe(4096);
    } finally {
      await two.close();
    }
  });
});
