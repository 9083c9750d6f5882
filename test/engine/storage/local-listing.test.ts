import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalSourceStore } from '../../../src/engine/storage/source-files.js';

/**
 * Local listings are reused while their directory's watch reports no
 * change: the figures per query drop (no readdir and stat per file), and a
 * change is seen by the very next query.
 */
const dirs: string[] = [];
const stores: LocalSourceStore[] = [];
afterAll(() => {
  for (const s of stores) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-listing-'));
  dirs.push(dir);
  copyFileSync('products/orders/data/part-000.parquet', join(dir, 'a.parquet'));
  const store = new LocalSourceStore();
  stores.push(store);
  return { dir, store, pattern: join(dir, '*.parquet') };
}

const names = (objects: { uri: string; etag: string }[]) => objects.map((o) => `${o.uri.replace(/.*\//, '')} ${o.etag}`);

describe('local listings', () => {
  it('are reused until the directory changes, and a change is seen by the next listing', async () => {
    const { dir, store, pattern } = fixture();
    const first = await store.list(pattern, 'orders');
    expect(await store.list(pattern, 'orders')).toBe(first);

    copyFileSync('products/orders/data/part-001.parquet', join(dir, 'b.parquet'));
    const added = await store.list(pattern, 'orders');
    expect(names(added)).toHaveLength(2);

    // Rewritten in place: same name, new size and time.
    copyFileSync('products/customers/data/customers.parquet', join(dir, 'a.parquet'));
    utimesSync(join(dir, 'a.parquet'), new Date(), new Date(Date.now() + 7_000));
    const rewritten = await store.list(pattern, 'orders');
    expect(rewritten[0]!.etag).not.toBe(added[0]!.etag);
    expect(rewritten[0]!.size).not.toBe(added[0]!.size);

    rmSync(join(dir, 'b.parquet'));
    expect(names(await store.list(pattern, 'orders'))).toEqual(names(rewritten).slice(0, 1));
  });

  it('are listed afresh after their maximum age, and every time with 0', async () => {
    const { pattern } = fixture();
    const aged = new LocalSourceStore(1);
    const never = new LocalSourceStore(0);
    stores.push(aged, never);
    const first = await aged.list(pattern, 'orders');
    await new Promise((r) => setTimeout(r, 10));
    const again = await aged.list(pattern, 'orders');
    expect(again).not.toBe(first);
    expect(names(again)).toEqual(names(first));
    expect(await never.list(pattern, 'orders')).not.toBe(await never.list(pattern, 'orders'));
  });

  it('holding a symbolic link are never reused (changes to its target go unreported)', async () => {
    const { dir, store, pattern } = fixture();
    symlinkSync(join(process.cwd(), 'products/orders/data/part-001.parquet'), join(dir, 'linked.parquet'));
    const first = await store.list(pattern, 'orders');
    expect(first).toHaveLength(2);
    expect(await store.list(pattern, 'orders')).not.toBe(first);
  });
});

describe('local reads', () => {
  it('give the bytes asked for, and fail once the file is rewritten after it was opened (never half old, half new)', async () => {
    const { dir, store, pattern } = fixture();
    const [object] = await store.list(pattern, 'orders');
    const reader = await object!.open();
    const file = readFileSync(join(dir, 'a.parquet'));
    expect(reader.size).toBe(file.length);
    expect(Buffer.from(await reader.read(4, 1004)).equals(file.subarray(4, 1004))).toBe(true);
    expect(Buffer.from(await reader.read(file.length - 8, file.length)).toString('latin1', 4)).toBe('PAR1');
    copyFileSync('products/orders/data/part-001.parquet', join(dir, 'a.parquet'));
    utimesSync(join(dir, 'a.parquet'), new Date(), new Date(Date.now() + 5000));
    await expect(reader.read(4, 1004)).rejects.toThrow();
  });
});
