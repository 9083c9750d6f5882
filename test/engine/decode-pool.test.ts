import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { DecodeFailure, DecodePool, type DecodeRequest } from '../../src/engine/decode-pool.js';
import { LocalSourceStore, type ByteRangeReader } from '../../src/engine/source-files.js';
import { ORDERS_SOURCE } from './datasets.js';

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
    const table = tableFromIPC(await pool.decode(await request()));
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
    expect(tableFromIPC(await pool.decode(good)).numRows).toBe(4096);
  });

  it('reports an aborted decode without waiting for it', async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await failure(pool.decode(await request(), controller.signal));
    expect((e as DecodeFailure).kind).toBe('aborted');
  });
});
