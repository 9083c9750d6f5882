import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedEngine, type ExecutionResult } from '../../../src/engine/engine.js';
import { SluiceError } from '../../../src/errors.js';
import { LocalSourceStore, type SourceStore } from '../../../src/engine/storage/source-files.js';
import { Expr } from '../../../src/plan/expr.js';
import { CountNode, LimitNode, ScanNode, SortNode, type PlanNode, type SortKey } from '../../../src/plan/plan.js';
import { CUSTOMERS_FIELDS, CUSTOMERS_SOURCE, ORDERS_FIELDS, ORDERS_SOURCE } from '../datasets.js';
import { normalise, Oracle, querySql } from '../duckdb-oracle.js';

/**
 * What a scan reads: statistics pruning, best-first visiting for top-K,
 * early stops, counts from the footer, the lineage report, and the errors a
 * source can cause.
 */
let oracle: Oracle;
const engine = new EmbeddedEngine();

beforeAll(async () => {
  oracle = await Oracle.open();
});
afterAll(() => oracle?.connection.closeSync());

const asc = (field: string): SortKey => ({ field, direction: 'asc', nullsLast: true });
const desc = (field: string): SortKey => ({ field, direction: 'desc', nullsLast: true });

const ordersScan = (overrides: Partial<Omit<ScanNode, 'kind'>> = {}) =>
  ScanNode.create({
    product: 'orders',
    major: 2,
    version: '2.1.0',
    source: ORDERS_SOURCE,
    fields: ORDERS_FIELDS,
    filters: [],
    ...overrides,
  });

const scanned = (r: ExecutionResult) => r.scans.flatMap((s) => s.sources).reduce((n, s) => n + s.rowGroupsScanned, 0);
const total = (r: ExecutionResult) => r.scans.flatMap((s) => s.sources).reduce((n, s) => n + s.rowGroupsTotal, 0);

async function expectError(plan: PlanNode | Promise<unknown>, code: string, engineToUse = engine): Promise<SluiceError> {
  const run = plan instanceof Promise ? plan : engineToUse.execute(plan);
  const e = await run.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SluiceError);
  expect((e as SluiceError).code).toBe(code);
  return e as SluiceError;
}

describe('scan reports', () => {
  it('lists every file of the source, with etags and row-group totals', async () => {
    const r = await engine.execute(LimitNode.create(ordersScan({ fetch: 5 }), 0, 5));
    expect(r.scans).toHaveLength(1);
    const [scan] = r.scans;
    expect(scan).toMatchObject({ product: 'orders', major: 2, version: '2.1.0' });
    expect(scan!.sources.map((s) => s.uri)).toEqual(['products/orders/data/part-000.parquet', 'products/orders/data/part-001.parquet']);
    for (const s of scan!.sources) {
      expect(s.etag).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/);
      expect(s.rowGroupsTotal).toBe(8);
    }
    // Five rows come from the first row group; the second file is never opened for decoding.
    expect(scan!.sources.map((s) => s.rowGroupsScanned)).toEqual([1, 0]);
    expect(r.rows.map((row) => row.order_id)).toEqual([1n, 2n, 3n, 4n, 5n]);
  });
});

describe('statistics pruning', () => {
  it('reads one row group of sixteen for a primary-key range, and equals DuckDB', async () => {
    const filters = [Expr.compare('order_id', 'gte', 100n), Expr.compare('order_id', 'lte', 200n)];
    const r = await engine.execute(SortNode.create(ordersScan({ filters }), [asc('order_id')], 500));
    expect(scanned(r)).toBe(1);
    expect(total(r)).toBe(16);
    const want = normalise(
      await oracle.rows(querySql({ source: ORDERS_SOURCE, fields: ORDERS_FIELDS, where: filters, orderBy: [asc('order_id')] })),
      ORDERS_FIELDS,
    );
    expect(r.rows).toEqual(want);
    expect(r.rows).toHaveLength(101);
  });

  it('prunes IN lists, OR of prunable branches, and never prunes on an unprovable branch', async () => {
    const inList = await engine.execute(CountNode.create(ordersScan({ filters: [Expr.in('order_id', [5n, 35000n, 59999n])] })));
    expect(inList.rows).toEqual([{ count: 3 }]);
    expect(scanned(inList)).toBe(3);

    const or = Expr.or([Expr.compare('order_id', 'lt', 10n), Expr.compare('order_id', 'gt', 59990n)]);
    const both = await engine.execute(CountNode.create(ordersScan({ filters: [or] })));
    expect(both.rows).toEqual([{ count: 19 }]);
    expect(scanned(both)).toBe(2);

    const unprovable = Expr.or([Expr.compare('order_id', 'lt', 10n), Expr.compare('region', 'eq', 'EU')]);
    expect(scanned(await engine.execute(CountNode.create(ordersScan({ filters: [unprovable] }))))).toBe(16);
  });

  it('skips everything for a contradiction, and row groups without nulls for IS NULL on a non-null column', async () => {
    const none = await engine.execute(CountNode.create(ordersScan({ filters: [Expr.compare('order_id', 'gt', 10_000_000n)] })));
    expect(none.rows).toEqual([{ count: 0 }]);
    expect(scanned(none)).toBe(0);
    const nulls = await engine.execute(CountNode.create(ordersScan({ filters: [Expr.isNull('region')] })));
    expect(nulls.rows).toEqual([{ count: 0 }]);
    expect(scanned(nulls)).toBe(0);
  });
});

describe('Bloom-filter pruning', () => {
  // Emails are spread over every row group: each group's [min, max] spans
  // nearly all of them, so statistics prune nothing for a lookup.
  const lookup = (filters: Expr[]) => SortNode.create(ordersScan({ filters }), [asc('order_id')], 100);
  const expected = async (filters: Expr[]) =>
    normalise(
      await oracle.rows(querySql({ source: ORDERS_SOURCE, fields: ORDERS_FIELDS, where: filters, orderBy: [asc('order_id')] })),
      ORDERS_FIELDS,
    );

  it('decodes fewer row groups for a repeated lookup on an unpruneable string column, and equals DuckDB each time', async () => {
    const fresh = new EmbeddedEngine();
    try {
      const picked = (
        await oracle.rows(
          `SELECT email FROM read_parquet(${JSON.stringify(ORDERS_SOURCE).replace(/"/g, "'")}) WHERE email IS NOT NULL ORDER BY hash(email) LIMIT 6`,
        )
      ).map((r) => r.email as string);
      const cases: Expr[][] = [
        ...picked.slice(0, 3).map((email) => [Expr.compare('email', 'eq', email)]),
        [Expr.in('email', picked.slice(3))],
        [Expr.or([Expr.compare('email', 'eq', picked[0]!), Expr.compare('email', 'eq', picked[1]!)])],
        // Within every group's [min, max], and in none.
        [Expr.compare('email', 'eq', 'buyer5000000@example.com')],
        // A conjunct the filter cannot judge leaves the other to prune.
        [Expr.compare('email', 'eq', picked[2]!), Expr.compare('total_amount', 'gte', 0)],
      ];
      for (const filters of cases) {
        const want = await expected(filters);
        const first = await fresh.execute(lookup(filters));
        expect(first.rows).toEqual(want);
        const again = await fresh.execute(lookup(filters));
        expect(again.rows).toEqual(want);
        // Lineage counts decoded row groups only: all sixteen the first time
        // (unless an earlier case's lookup built the filters), a few after.
        expect(scanned(again)).toBeLessThan(8);
        expect(scanned(again)).toBeLessThanOrEqual(scanned(first));
        expect(total(again)).toBe(16);
      }
      const stats = fresh.cacheStats()!;
      expect(stats.blooms).toBe(16);
      expect(stats.bloomBytes).toBeGreaterThan(0);
      expect(stats.bytes).toBeLessThanOrEqual(stats.budgetBytes);
    } finally {
      await fresh.close();
    }
  });

  it('the first lookup decodes every row group; an engine without a column cache keeps no filters', async () => {
    const email = 'buyer37489@mail.test';
    const filters = [Expr.compare('email', 'eq', email)];
    const cached = new EmbeddedEngine();
    const uncached = new EmbeddedEngine({ columnCacheBytes: 0 });
    try {
      expect(scanned(await cached.execute(lookup(filters)))).toBe(16);
      const again = await cached.execute(lookup(filters));
      // The two rows with this email lie in one or two row groups; at most a false positive more.
      expect(scanned(again)).toBeGreaterThanOrEqual(1);
      expect(scanned(again)).toBeLessThanOrEqual(3);
      expect(again.rows.map((r) => r.email)).toEqual([email, email]);
      await uncached.execute(lookup(filters));
      expect(scanned(await uncached.execute(lookup(filters)))).toBe(16);
    } finally {
      await Promise.all([cached.close(), uncached.close()]);
    }
  });
});

describe('top-K', () => {
  it('reads one row group for the first page by primary key, ascending and descending', async () => {
    const first = await engine.execute(SortNode.create(ordersScan(), [asc('order_id')], 20));
    expect(first.rows.map((r) => r.order_id)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
    expect(scanned(first)).toBe(1);

    const last = await engine.execute(SortNode.create(ordersScan(), [desc('order_id')], 20));
    expect(last.rows.map((r) => r.order_id)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(60000 - i)));
    expect(scanned(last)).toBe(1);
  });

  it('pages by keyset (a cursor as a filter) still read one or two row groups', async () => {
    const after = await engine.execute(
      SortNode.create(ordersScan({ filters: [Expr.compare('order_id', 'gt', 4090n)] }), [asc('order_id')], 20),
    );
    expect(after.rows.map((r) => r.order_id)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(4091 + i)));
    expect(scanned(after)).toBe(2);
  });

  it('keeps reading while a selective filter leaves the heap short', async () => {
    const filters = [Expr.compare('region', 'eq', 'EU'), Expr.compare('status', 'eq', 'returned')];
    const plan = SortNode.create(ordersScan({ filters }), [asc('order_id')], 20);
    const r = await engine.execute(plan);
    const want = normalise(
      await oracle.rows(querySql({ source: ORDERS_SOURCE, fields: ORDERS_FIELDS, where: filters, orderBy: [asc('order_id')], limit: 20 })),
      ORDERS_FIELDS,
    );
    expect(r.rows).toEqual(want);
    expect(scanned(r)).toBeLessThanOrEqual(2);
  });

  it('derives a top-K from a limit over an unbounded sort', async () => {
    const r = await engine.execute(LimitNode.create(SortNode.create(ordersScan(), [desc('order_id')]), 40, 10));
    expect(r.rows.map((row) => row.order_id)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(59960 - i)));
    expect(scanned(r)).toBe(1);
  });
});

describe('count', () => {
  it('answers from the footer without decoding when there are no filters', async () => {
    const r = await engine.execute(CountNode.create(ordersScan()));
    expect(r.rows).toEqual([{ count: 60000 }]);
    expect(scanned(r)).toBe(0);
    const customers = await engine.execute(
      CountNode.create(
        ScanNode.create({
          product: 'customers',
          major: 1,
          version: '1.0.0',
          source: CUSTOMERS_SOURCE,
          fields: CUSTOMERS_FIELDS,
          filters: [],
        }),
      ),
    );
    expect(customers.rows).toEqual([{ count: 20000 }]);
  });

  it('decodes only the row groups whose filters the statistics do not settle', async () => {
    const filters = [Expr.compare('order_id', 'gte', 5000n), Expr.compare('order_id', 'lte', 50000n)];
    const r = await engine.execute(CountNode.create(ordersScan({ filters })));
    expect(r.rows).toEqual([{ count: 45001 }]);
    // The groups holding 5000 and 50000; the eleven in between are counted from the footer.
    expect(scanned(r)).toBe(2);
  });

  it('decodes only the filtered columns, and equals DuckDB', async () => {
    const filters = [Expr.compare('region', 'eq', 'EU'), Expr.isNull('email', true)];
    const r = await engine.execute(CountNode.create(ordersScan({ filters })));
    const want = await oracle.rows(querySql({ source: ORDERS_SOURCE, fields: ORDERS_FIELDS, where: filters, count: true }));
    expect(r.rows).toEqual(want);
    expect(scanned(r)).toBe(16);
  });
});

describe('source errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-engine-errors-'));

  it('a file that is not Parquet is SOURCE_CORRUPT, named without its absolute path', async () => {
    writeFileSync(join(dir, 'garbage.parquet'), Buffer.from('this is not a parquet file at all, only some bytes'.repeat(20)));
    const e = await expectError(ordersScan({ source: join(dir, 'garbage.parquet') }), 'SOURCE_CORRUPT');
    expect(e.message).toMatch(/^orders: /);
    expect(e.message).toContain('garbage.parquet');
    expect(e.message).not.toContain(dir);
    await expectError(engine.describeSource(join(dir, 'garbage.parquet')), 'SOURCE_CORRUPT');
  });

  it('a corrupt page is SOURCE_CORRUPT, and the engine keeps working', async () => {
    // parquet-wasm traps on corrupt pages; the decoder thread dies instead of the process.
    const bytes = readFileSync('products/orders/data/part-000.parquet');
    for (let i = 200_000; i < 200_200; i++) bytes[i] = (i * 7919) & 255;
    const file = join(dir, 'bad-page.parquet');
    writeFileSync(file, bytes);
    const fresh = new EmbeddedEngine();
    const plan = ordersScan({ source: file });
    const good = SortNode.create(ordersScan(), [asc('order_id')], 3);
    const [bad, ok] = await Promise.allSettled([fresh.execute(plan), fresh.execute(good)]);
    expect(bad.status).toBe('rejected');
    expect(((bad as PromiseRejectedResult).reason as SluiceError).code).toBe('SOURCE_CORRUPT');
    expect(ok.status).toBe('fulfilled');
    // Known bad row groups fail fast afterwards, and good queries still run.
    await expectError(plan, 'SOURCE_CORRUPT', fresh);
    expect((await fresh.execute(good)).rows.map((r) => r.order_id)).toEqual([1n, 2n, 3n]);
    await fresh.close();
  });

  it('a file cut short is SOURCE_CORRUPT', async () => {
    const bytes = Buffer.alloc(4);
    bytes.write('PAR1');
    writeFileSync(join(dir, 'short.parquet'), bytes);
    await expectError(ordersScan({ source: join(dir, 'short.parquet') }), 'SOURCE_CORRUPT');
  });

  it('a source matching no file, or a missing directory, is SOURCE_UNAVAILABLE', async () => {
    const e = await expectError(ordersScan({ source: join(dir, 'nothing-*.parquet') }), 'SOURCE_UNAVAILABLE');
    expect(e.message).not.toContain(dir);
    await expectError(ordersScan({ source: join(dir, 'no-such-dir', '*.parquet') }), 'SOURCE_UNAVAILABLE');
    await expectError(engine.describeSource(join(dir, 'no-such-dir', '*.parquet')), 'SOURCE_UNAVAILABLE');
  });

  it('s3:// sources are SOURCE_UNAVAILABLE on an engine without an object store (test/s3 covers S3)', async () => {
    const e = await expectError(ordersScan({ source: 's3://bucket/orders/*.parquet' }), 'SOURCE_UNAVAILABLE');
    expect(e.message).toContain('none is configured');
  });

  it('a column whose type no longer fits the field is SOURCE_CORRUPT', async () => {
    const fields = ORDERS_FIELDS.map((f) => (f.name === 'region' ? { ...f, type: 'int64' as const } : f));
    const e = await expectError(ordersScan({ fields }), 'SOURCE_CORRUPT');
    expect(e.message).toContain('region');
    expect(e.message).toContain('expected int64');
    const missing = ORDERS_FIELDS.map((f) => (f.name === 'region' ? { ...f, column: 'area' } : f));
    await expectError(ordersScan({ fields: missing }), 'SOURCE_CORRUPT');
  });

  it('a rewritten file is read afresh (the cache is keyed by size and mtime)', async () => {
    const file = join(dir, 'swap.parquet');
    copyFileSync('products/customers/data/customers.parquet', file);
    const fields = ORDERS_FIELDS.filter((f) => f.name === 'customer_id');
    const count = () => engine.execute(CountNode.create(ordersScan({ source: file, fields })));
    expect((await count()).rows).toEqual([{ count: 20000 }]);
    copyFileSync('products/orders/data/part-000.parquet', file);
    expect((await count()).rows).toEqual([{ count: 30000 }]);
  });
});

describe('cancellation', () => {
  it('an aborted signal stops the query with QUERY_TIMEOUT', async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await expectError(
      engine.execute(SortNode.create(ordersScan(), [asc('order_id')], 20), { signal: controller.signal }),
      'QUERY_TIMEOUT',
    );
    expect(e.fault).toBe('user');
  });

  it('is checked between row groups', async () => {
    const controller = new AbortController();
    // The signal is aborted by the scan's first read of row-group data (footers are read before): the count cannot finish.
    let reads = 0;
    const local = new LocalSourceStore();
    const store: SourceStore = {
      list: async (pattern, label) =>
        (await local.list(pattern, label)).map((o) => ({
          ...o,
          open: async () => {
            const r = await o.open();
            return { size: r.size, read: (start, end) => (++reads > 2 * 2 && controller.abort(), r.read(start, end)) };
          },
        })),
    };
    const uncached = new EmbeddedEngine({ store, columnCacheBytes: 0 });
    const plan = CountNode.create(ordersScan({ filters: [Expr.compare('region', 'eq', 'EU')] }));
    const e = await expectError(uncached.execute(plan, { signal: controller.signal }), 'QUERY_TIMEOUT');
    expect(e.fault).toBe('user');
    expect(controller.signal.aborted).toBe(true);
    local.close();
    await uncached.close();
  });
});
